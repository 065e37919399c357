/**
 * The mutator's roots: globals and a stack of frames of locals, one typed array holding
 * `[globals | frame 0 locals | frame 1 locals | ...]`. A value is a manager-defined handle
 * (an address or an object index); 0 is null. Managers scan `values[0..top)` as their root
 * set and rewrite entries when they move objects.
 *
 * The slot half of the op contract (types.ts) lives here: index() is the one slot check every
 * manager makes, and the root set is capped (ManagerOptions.rootSlotLimit) so that a few
 * pushFrame ops cannot take gigabytes of host memory; past the cap the runtime's own
 * out-of-memory error is raised, with nothing changed.
 */
import { OutOfMemoryError, PygcError, type RuntimeOomName, showValue } from './errors.js'
import { DEFAULT_ROOT_SLOT_LIMIT, MAX_LOCALS as LOCALS_LIMIT, MAX_GLOBALS, type Slot } from './types.js'

/**
 * MAX_LOCALS as this module's own constant: V8 folds a module's own constants into optimized
 * code, but re-reads an imported binding and checks it at every use (pushFrame's test runs on
 * every call of the program: a load, a hole check and a Smi check per frame).
 */
const MAX_LOCALS = LOCALS_LIMIT

/** Number.isInteger, read once (a module binding is a shorter load than a global's property: index() is inlined by bytecode size). */
const isInteger = Number.isInteger

/** The largest rootSlotLimit: 2^27 slots are 1 GiB of Float64Array. */
const MAX_ROOT_SLOT_LIMIT = 2 ** 27
/** A root slot's modeled size, for the out-of-memory error: one pointer. */
const SLOT_BYTES = 8

export interface RootSetOptions {
  /** The error a full root set raises, under the runtime's own name. */
  outOfMemory: RuntimeOomName
  /** Most slots (locals of every frame plus globals); default DEFAULT_ROOT_SLOT_LIMIT. */
  slotLimit?: number
  /**
   * Values are int32 handles (an object table's row numbers, below 2^31): `values` is then an
   * Int32Array, so a manager's op reads a handle as an integer, with no float-to-int check before
   * it indexes its columns (CPython's object table: binary-trees ~4% faster, A/B in one process).
   * Default: a Float64Array, for values up to 2^53 (modeled addresses).
   */
  int32Values?: boolean
}

export class RootSet {
  values: Float64Array | Int32Array
  /** Most slots at once (locals of every frame plus globals). */
  readonly slotLimit: number
  private readonly outOfMemory: RuntimeOomName
  private readonly int32Values: boolean
  /** Number of globals (they occupy values[0..globalCount)). */
  globalCount = 0
  /** Start of the current frame's locals in `values`, and one past its end. */
  frameBase = 0
  top = 0
  /**
   * The valid slots are lowestSlot..localCount-1: globals -globalCount..-1, then the current
   * frame's locals. Derived from the fields above (kept in step by defineGlobals, pushFrame and
   * dropFrame) so that index() checks a slot with one range test.
   */
  private localCount = 0
  private lowestSlot = 0
  /**
   * Frame bases to return to: bases[d] is the current frameBase when frame d was pushed (the
   * globals' end for frame 0), a typed stack (no JS array push/pop per frame on the op loop).
   */
  private bases = new Int32Array(64)
  /** Number of frames pushed. */
  depth = 0
  /** values.length and bases.length, kept as fields: pushFrame tests both on every push. */
  private capacity = 256
  private maxDepth = 64
  /**
   * The highest `top` since `values` was allocated: every entry at or above it is still the
   * array's own zero (only slots below `top` are ever written). pushFrame zeroes a new frame's
   * locals only below it, so a deep or wide stack never writes its fresh pages: on a virtual
   * machine the first write to a page is a fault the hypervisor serves (core/host-buffers.ts),
   * and zeroing 16 frames of 2^20 locals cost ~0.6 s of CPU for nothing.
   */
  private dirtyEnd = 0

  constructor(options: RootSetOptions = { outOfMemory: 'MemoryError' }) {
    const limit = options.slotLimit ?? DEFAULT_ROOT_SLOT_LIMIT
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_ROOT_SLOT_LIMIT)) {
      throw new PygcError(
        'INVALID_OPTION',
        `rootSlotLimit must be an integer in 1..${MAX_ROOT_SLOT_LIMIT}, got ${limit}`,
        {
          rootSlotLimit: limit,
        },
      )
    }
    this.slotLimit = limit
    this.outOfMemory = options.outOfMemory
    this.int32Values = options.int32Values === true
    this.values = this.int32Values ? new Int32Array(256) : new Float64Array(256)
  }

  /** Grow the globals (they must be declared before the first frame is pushed, or grow in place). */
  defineGlobals(count: number): void {
    if (!(Number.isInteger(count) && count >= this.globalCount && count <= MAX_GLOBALS)) {
      throw new PygcError(
        'VALUE_OUT_OF_RANGE',
        `defineGlobals(${showValue(count)}): the global count may only grow, within ${this.globalCount}..${MAX_GLOBALS}`,
        { count },
      )
    }
    const extra = count - this.globalCount
    if (extra === 0) return
    this.checkRoom(extra, 'defineGlobals')
    this.ensure(this.top + extra)
    // Shift every frame up to make room; frames are contiguous after the globals.
    this.values.copyWithin(count, this.globalCount, this.top)
    this.values.fill(0, this.globalCount, count)
    for (let i = 0; i < this.depth; i++) this.bases[i] += extra
    this.frameBase += extra
    this.top += extra
    if (this.top > this.dirtyEnd) this.dirtyEnd = this.top
    this.globalCount = count
    this.lowestSlot = -count
  }

  /**
   * Push a frame of `locals` null locals. The checks are one compound test, kept small with
   * the error built out of line: pushFrame runs on every call of the program, and V8 inlines
   * by bytecode size (core/contract.ts).
   */
  pushFrame(locals: number): void {
    const base = this.top
    if (!(isInteger(locals) && locals >= 0 && locals <= MAX_LOCALS && base + locals <= this.slotLimit))
      throw this.pushError(locals)
    const depth = this.depth
    const top = base + locals
    // One test for both stacks' room (capacity: see reserve); the growth is out of line.
    if (top > this.capacity || depth === this.maxDepth) this.reserve(top)
    this.bases[depth] = this.frameBase
    this.frameBase = base
    this.top = top
    this.localCount = locals
    this.depth = depth + 1
    // A frame's locals start null. Entries above `top` may hold stale values (popFrame leaves
    // them: nothing reads past `top`), so they are zeroed here; a loop, as frames are small and
    // TypedArray.prototype.fill costs a builtin call per frame. Past dirtyEnd they are zero.
    if (top > this.dirtyEnd) this.zeroBelowDirtyEnd(base, top)
    else {
      const values = this.values
      for (let i = base; i < top; i++) values[i] = 0
    }
  }

  /** pushFrame past dirtyEnd (out of line): zero only what was written, then move the mark. */
  private zeroBelowDirtyEnd(base: number, top: number): void {
    if (base < this.dirtyEnd) this.values.fill(0, base, this.dirtyEnd)
    this.dirtyEnd = top
  }

  /** pushFrame's error: a bad operand, else a full root set (the runtime's out-of-memory error). */
  private pushError(locals: number): PygcError {
    if (!(Number.isInteger(locals) && locals >= 0 && locals <= MAX_LOCALS)) return badLocals(locals)
    return this.roomError(locals, 'pushFrame')
  }

  /** Check that a frame can be popped; the manager releases values[frameBase..top) then calls dropFrame. */
  checkPop(): void {
    if (this.depth === 0) throw noFrameToPop()
  }

  /** Values above `top` are left as they are: nothing reads them, and pushFrame zeroes a frame. */
  dropFrame(): void {
    const top = this.frameBase
    const base = this.bases[--this.depth]
    this.top = top
    this.frameBase = base
    this.localCount = top - base
  }

  /**
   * checkPop and dropFrame in one call, for a manager with nothing to release in the frame's
   * locals (a tracing collector: the slots simply stop being roots).
   */
  popFrame(): void {
    if (this.depth === 0) throw noFrameToPop()
    this.dropFrame()
  }

  /**
   * The index in `values` of a slot, or an INVALID_SLOT / NO_FRAME error naming it. Anything
   * but an integer `number` (a BigInt, a string, null, NaN, a fraction) is INVALID_SLOT: the
   * integer test comes first, so no arithmetic ever runs on it.
   */
  index(slot: Slot): number {
    // One range test over globals and locals; isInteger first, so nothing compares a Symbol.
    if (isInteger(slot) && slot < this.localCount && slot >= this.lowestSlot)
      return slot < 0 ? ~slot : this.frameBase + slot // ~slot is -1 - slot: an int32 here
    throw this.slotError(slot)
  }

  private slotError(slot: unknown): PygcError {
    if (typeof slot !== 'number' || !Number.isInteger(slot)) {
      return new PygcError('INVALID_SLOT', `slot ${showValue(slot)} is not an integer`, { slot })
    }
    if (slot >= 0) {
      if (this.depth === 0)
        return new PygcError('NO_FRAME', `local slot ${slot} used with no frame pushed`, { slot })
      return new PygcError(
        'INVALID_SLOT',
        `slot ${slot} is outside the current frame's ${this.top - this.frameBase} locals`,
        {
          slot,
        },
      )
    }
    return new PygcError(
      'INVALID_SLOT',
      `slot ${slot} names global ${-1 - slot}, but ${this.globalCount} globals are defined`,
      { slot },
    )
  }

  /** `extra` more slots must fit the cap: else the runtime's out-of-memory error, nothing changed. */
  private checkRoom(extra: number, op: string): void {
    if (this.top + extra > this.slotLimit) throw this.roomError(extra, op)
  }

  /**
   * The error of a full root set, built out of line: pushFrame runs on every call of the
   * program, and V8 inlines by bytecode size, so the hot checks stay small (core/contract.ts).
   */
  private roomError(extra: number, op: string): OutOfMemoryError {
    return new OutOfMemoryError(
      this.outOfMemory,
      extra * SLOT_BYTES,
      `${op}: ${this.top} root slots (locals and globals) are in use and ${extra} more would pass the root-slot limit of ${this.slotLimit}`,
      { slots: this.top, rootSlotLimit: this.slotLimit },
    )
  }

  get(slot: Slot): number {
    return this.values[this.index(slot)]
  }

  /** Room for one more frame base and for values up to `top` (pushFrame's rare growth, out of line). */
  private reserve(top: number): void {
    if (this.depth === this.bases.length) {
      const next = new Int32Array(this.bases.length * 2)
      next.set(this.bases)
      this.bases = next
      this.maxDepth = next.length
    }
    this.ensure(top)
  }

  private ensure(n: number): void {
    if (n <= this.values.length) return
    let size = this.values.length
    while (size < n) size *= 2
    size = Math.min(size, Math.max(n, this.slotLimit))
    const next = this.int32Values ? new Int32Array(size) : new Float64Array(size)
    next.set(this.values.subarray(0, this.top))
    this.values = next
    this.capacity = size
    this.dirtyEnd = this.top
  }
}

function noFrameToPop(): PygcError {
  return new PygcError('NO_FRAME', 'popFrame with no frame pushed')
}

/** pushFrame's operand error, out of line (see RootSet.roomError). */
function badLocals(locals: unknown): PygcError {
  return new PygcError(
    'VALUE_OUT_OF_RANGE',
    `pushFrame(${showValue(locals)}): locals must be an integer in 0..${MAX_LOCALS}`,
    { locals },
  )
}
