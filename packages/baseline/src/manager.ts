/**
 * BaselineManager: a plain non-moving mark-sweep collector, the "plain tracing" row of every
 * comparison and the manager that makes the interface, the conformance kit, traces and the
 * command work end to end.
 *
 * Design. One FreeListSpace (segregated size classes + large chunks, see space.ts) holds every
 * object at a real address. The mutator's slots live in core's RootSet as addresses. A
 * collection is stop-the-world and has four phases, each a small method below:
 *
 *   1. markFromRoots      every slot of every frame, the globals, pinned objects, and the objects waiting in
 *                         the finalization queue are marked, then the mark stack is drained
 *                         (an explicit Int32 stack, never host recursion).
 *   2. clearWeakReferences weak references whose target is unmarked are cleared now, before
 *                         finalizers can resurrect the target (as Java clears WeakReferences
 *                         and CPython's handle_weakrefs runs before finalize_garbage); a live
 *                         weak reference with a callback queues the callback.
 *   3. queueFinalizable   unmarked objects whose finalizer has not run are moved to the
 *                         finalization queue and marked from, so they and everything they
 *                         reach survive this collection (the JVM's F-reachable objects).
 *   4. sweep              a linear parse of the heap frees every unmarked cell and rebuilds
 *                         the free lists, clearing mark bits as it goes.
 *
 * Finalizers and weakref callbacks run at the next op boundary (like a finalizer thread
 * draining its queue at a safepoint); a finalizer may resurrect its object into a global and
 * is never run again for that object, which a later collection frees once it is unreachable.
 *
 * Trigger policy: an allocation collects first when the bytes allocated since the last
 * collection would exceed max(1 MiB, live bytes after the last collection) — the heap may
 * grow to twice its live size, Go's GOGC=100 pacing (runtime/mgcpacer.go) with a 1 MiB floor
 * in place of Go's 4 MiB heapminimum, so tiny programs still collect. gcControl('disable')
 * stops these automatic collections (gc.collect still works, as in CPython); when the heap
 * limit is reached a last-ditch collection runs even when disabled, then MemoryError.
 *
 * Every op validates all its arguments before touching state, so an error leaves the heap as
 * it was (the finalizers and callbacks queued before it still run at its boundary: they belong
 * to the previous collection, not to the failed op). Events are built only when someone
 * listens. Weak reference objects are reported in `alloc` events with typeId -1.
 */
import {
  addAllocated,
  type CallbackSpec,
  CollectionCycle,
  type CostModel,
  callbackCode,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  cloneStats,
  EventHub,
  emptyStats,
  type FinalizerAllocations,
  finalizerAllocations,
  type GcControl,
  type GcEventListener,
  type GcEventType,
  IntList,
  type ManagerInfo,
  type ManagerOptions,
  type ManagerStats,
  type MemoryManager,
  noFieldsError,
  notAWeakref,
  notPinned,
  nullReference,
  OutOfMemoryError,
  PygcError,
  RootSet,
  refFieldError,
  releaseHostBuffer,
  resolveCosts,
  runFinalizerAllocations,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
} from '@pygc/core'
import {
  CALLBACK_FLAG,
  cellSize,
  FINALIZABLE_FLAG,
  FREE_BIT,
  HEADER_BYTES,
  MARK_BIT,
  REF_BYTES,
  SIZE_MASK,
  TYPE_MASK,
  WEAK_FLAG,
  WEAKREF_BYTES,
  WEAKREF_TYPE,
} from './layout.js'
import { FreeListSpace, HEAP_START, MAX_HEAP_BYTES } from './space.js'

/** The collection floor of the trigger policy (see the file comment). */
const MIN_GC_TRIGGER_BYTES = 1 << 20
/** Number.isInteger, read once: a module binding is fewer bytes of bytecode than a global's property. */
const isInteger = Number.isInteger
/** Heap growth allowed between collections, as a multiple of live bytes (GOGC=100). */
const GC_TRIGGER_LIVE_RATIO = 1.0

export interface BaselineOptions extends ManagerOptions {}

/** The baseline's own surface, for `pygc run --format json` under `native`. */
export interface BaselineNative {
  summary(): Record<string, unknown>
}

export const BASELINE_INFO: ManagerInfo = Object.freeze({
  family: 'baseline',
  preset: 'mark-sweep',
  description: 'plain non-moving mark-sweep over segregated free lists (the tracing baseline)',
  generations: Object.freeze(['full']),
  moving: false,
  idKind: 'address',
  sizeMode: 'baseline',
  outOfMemory: 'MemoryError',
}) as ManagerInfo

export class BaselineManager implements MemoryManager<BaselineNative> {
  readonly info: ManagerInfo = BASELINE_INFO
  readonly native: BaselineNative

  protected readonly space: FreeListSpace
  protected readonly roots: RootSet
  protected readonly types = new TypeRegistry()
  protected readonly hub = new EventHub()
  protected readonly costs: CostModel
  /** gc-start/gc-end, pauses, counts, frees and finalizers: core's one bookkeeping (collection-cycle.ts). */
  protected readonly cycle: CollectionCycle
  /** The running figures stats() copies out. */
  protected readonly counts: ManagerStats = emptyStats(BASELINE_INFO.generations)

  // Per-type layout, cached from the registry so the op loop does no object lookups.
  private typeRefs: number[] = []
  private typeInts: number[] = []
  private typeBytes: number[] = []
  private typeVariable: number[] = [] // 0 fixed, 1 refs, 2 bytes
  private typeFinalizable: boolean[] = []
  private typeResurrect: number[] = [] // global index or -1
  /** What each type's finalizer allocates (null: nothing). */
  private typeFinalizerAllocs: (FinalizerAllocations | null)[] = []
  private typeCellSize: number[] = [] // for fixed-size types
  /** Per type: its cell size when fixed-size, 0 when variable (alloc's fast path reads this one table). */
  private fixedCellSize: number[] = []

  private nextId = 0
  private allocatedSinceGc = 0
  /**
   * The allocation counters (objects and bytes allocated and live, their peaks, the footprint)
   * are not updated per allocation: every object takes the next id and adds its size to
   * allocatedSinceGc, so syncCounts adds what was allocated since it last ran — before a
   * collection frees anything and whenever the figures are read. These say how far it got.
   */
  private syncedIds = 0
  private syncedBytes = 0
  private gcTrigger = MIN_GC_TRIGGER_BYTES
  private autoGcEnabled = true

  private readonly markStack = new IntList(1024)
  /** Objects whose finalizer has not run (addresses). */
  protected readonly finalizable = new IntList()
  /** Every weak reference object (addresses). */
  protected readonly weakRefs = new IntList()
  /** Objects found unreachable with a finalizer to run at the next op boundary; they are roots meanwhile. */
  protected readonly finalizationQueue = new IntList()
  /** Pinned objects, one entry per pin (pins nest): roots. The space never moves anything anyway. */
  protected readonly pinned = new IntList()
  /** Weak reference callbacks to run at the next op boundary: pairs (weak reference id, tag). */
  private pendingCallbacks: number[] = []
  /**
   * The finalization queue or the callbacks are not empty: set after every collection and every
   * drain, so that the op boundary is one field test (every op starts with it, and V8 inlines the
   * op into the workload by bytecode size).
   */
  private pendingWork = false

  constructor(options: BaselineOptions = {}) {
    if (options.preset !== undefined && options.preset !== 'mark-sweep') {
      throw new PygcError(
        'INVALID_OPTION',
        `baseline has one preset, 'mark-sweep'; got '${options.preset}'`,
        {
          preset: options.preset,
        },
      )
    }
    const limit = options.heapLimit ?? MAX_HEAP_BYTES
    if (!Number.isFinite(limit) || limit < HEAP_START + HEADER_BYTES) {
      throw new PygcError(
        'INVALID_OPTION',
        `heapLimit must be at least ${HEAP_START + HEADER_BYTES} bytes, got ${limit}`,
        {
          heapLimit: limit,
        },
      )
    }
    this.space = new FreeListSpace(limit, this)
    this.roots = new RootSet({ outOfMemory: 'MemoryError', slotLimit: options.rootSlotLimit })
    this.costs = resolveCosts(options.cost)
    this.cycle = new CollectionCycle(this.counts, this.hub, this.costs)
    this.counts.footprintBytes = this.counts.peakFootprintBytes = this.space.frontier
    this.native = { summary: () => this.summary() }
  }

  // ---------------------------------------------------------------- declarations

  defineType(spec: TypeSpec): TypeId {
    // MAX_TYPES (types.ts) is below TYPE_MASK, the weak reference's type code.
    const id = this.types.define(spec, this.roots.globalCount)
    const t = this.types.get(id)
    this.typeRefs.push(t.refs)
    this.typeInts.push(t.ints ?? 0)
    this.typeBytes.push(t.bytes ?? 0)
    this.typeVariable.push(t.variable === 'refs' ? 1 : t.variable === 'bytes' ? 2 : 0)
    this.typeFinalizable.push(t.finalizer !== undefined)
    this.typeResurrect.push(t.finalizer?.resurrectInto ?? -1)
    this.typeFinalizerAllocs.push(finalizerAllocations(t))
    const size = cellSize(t.refs, t.ints ?? 0, t.bytes ?? 0)
    this.typeCellSize.push(size)
    this.fixedCellSize.push(t.variable === undefined ? size : 0)
    return id
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  // ---------------------------------------------------------------- frames

  pushFrame(locals: number): void {
    this.opBoundary()
    this.roots.pushFrame(locals)
    this.counts.ops++
  }

  popFrame(): void {
    this.opBoundary()
    this.roots.popFrame()
    this.counts.ops++
  }

  // ---------------------------------------------------------------- allocation

  /**
   * The hot case, a fixed-size type with no length, is one table read (typeof first, so that a
   * string id such as '0' never indexes the table; any other id reads undefined there); every
   * other case, errors included, is allocSized's.
   */
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.opBoundary()
    const di = this.roots.index(dst)
    const size = typeof type === 'number' && length === undefined ? this.fixedCellSize[type] : 0
    this.roots.values[di] =
      size > 0
        ? this.newObject(type, this.typeRefs[type], this.typeInts[type], size, dst)
        : this.allocSized(dst, type, length)
    this.counts.ops++
  }

  /** alloc of a variable-size type, or with a length, or of a bad type id (UNKNOWN_TYPE, VALUE_OUT_OF_RANGE). */
  private allocSized(dst: Slot, type: TypeId, length: number | undefined): number {
    const n = this.types.allocLength(type, length)
    let refs = this.typeRefs[type]
    const ints = this.typeInts[type]
    let size = this.typeCellSize[type]
    const variable = this.typeVariable[type]
    if (variable === 1) {
      refs = n
      size = cellSize(refs, ints, this.typeBytes[type])
    } else if (variable === 2) {
      size = cellSize(refs, ints, n)
    }
    return this.newObject(type, refs, ints, size, dst)
  }

  /** A new object of `type` with null fields and zero ints (the op's or a finalizer's). */
  private newObject(type: TypeId, refs: number, ints: number, size: number, dst: Slot | undefined): number {
    const a = this.allocateCell(size, dst)
    const u32 = this.space.u32
    const finalizable = this.typeFinalizable[type]
    u32[a >>> 2] = size
    u32[(a + 4) >>> 2] = type | (finalizable ? FINALIZABLE_FLAG : 0)
    const id = this.nextId++
    u32[(a + 8) >>> 2] = id
    u32[(a + 12) >>> 2] = refs
    // A loop, not u32.fill: objects are a few words, and fill costs a builtin call per object.
    for (let w = (a + HEADER_BYTES) >>> 2, end = w + refs * 2 + ints; w < end; w++) u32[w] = 0
    if (finalizable) this.finalizable.push(a)
    this.recordAllocation(id, type, size, a)
    return a
  }

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.opBoundary()
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    const code = callbackCode(this.counts.ops, callback)
    if (this.roots.values[ti] === 0) throw nullReference('weakref', this.counts.ops, target)
    const a = this.allocateCell(WEAKREF_BYTES, dst)
    // The target is read after the allocation: a collection inside it does not move objects,
    // but reading late keeps this correct for a subclass that would.
    const t = this.roots.values[ti]
    const u32 = this.space.u32
    u32[a >>> 2] = WEAKREF_BYTES
    u32[(a + 4) >>> 2] = WEAKREF_TYPE | WEAK_FLAG | (code !== 0 ? CALLBACK_FLAG : 0)
    const id = this.nextId++
    u32[(a + 8) >>> 2] = id
    u32[(a + 12) >>> 2] = 0 // no strong reference fields: the target is not traced
    u32[(a + 16) >>> 2] = t
    u32[(a + 20) >>> 2] = 0
    this.space.i32[(a + 24) >>> 2] = code === 0 ? 0 : code - 1
    u32[(a + 28) >>> 2] = 0
    this.weakRefs.push(a)
    this.roots.values[di] = a
    this.recordAllocation(id, -1, WEAKREF_BYTES, a)
    this.counts.ops++
  }

  /** A cell of `size` bytes: collects first when the trigger says so, last-ditch before MemoryError. */
  private allocateCell(size: number, dst: Slot | undefined): number {
    if (this.autoGcEnabled && this.allocatedSinceGc + size > this.gcTrigger) this.collectGarbage('allocation')
    let a = this.space.allocate(size)
    if (a === 0) {
      this.collectGarbage('allocation failure')
      a = this.space.allocate(size)
      if (a === 0) {
        this.syncCounts()
        throw new OutOfMemoryError(
          'MemoryError',
          size,
          `the baseline heap limit is ${this.space.limit} bytes`,
          {
            slot: dst,
            op: this.counts.ops,
            liveBytes: this.counts.liveBytes,
          },
        )
      }
    }
    this.allocatedSinceGc += size
    return a
  }

  /** An object was made: its counts wait for syncCounts (nextId and allocatedSinceGc hold them). */
  private recordAllocation(id: number, typeId: number, size: number, address: number): void {
    if (this.hub.perObject) this.hub.emitAlloc(this.counts.ops, id, typeId, size, address)
  }

  /**
   * Bring the allocation counters up to date (core addAllocated). The frontier, like live bytes,
   * only grows between collections (only a sweep lowers it), so its value now is the peak since
   * the last sync.
   */
  protected syncCounts(): void {
    const s = this.counts
    const objects = this.nextId - this.syncedIds
    const bytes = this.allocatedSinceGc - this.syncedBytes
    this.syncedIds = this.nextId
    this.syncedBytes = this.allocatedSinceGc
    addAllocated(s, objects, bytes)
    const footprint = this.space.frontier
    s.footprintBytes = footprint
    if (footprint > s.peakFootprintBytes) s.peakFootprintBytes = footprint
  }

  // ---------------------------------------------------------------- field access

  // load and store test the field in place (checkRefField's test, its error out of line): see refFieldError.

  load(dst: Slot, obj: Slot, field: number): void {
    this.opBoundary()
    const di = this.roots.index(dst)
    const a = this.objectAt(this.roots.index(obj), obj, 'load')
    const u32 = this.space.u32
    if (!(isInteger(field) && field >= 0 && field < u32[(a + 12) >>> 2]))
      throw this.badField('load', obj, field, a)
    this.roots.values[di] = u32[(a + HEADER_BYTES + field * REF_BYTES) >>> 2]
    this.counts.ops++
  }

  store(obj: Slot, field: number, src: Slot): void {
    this.opBoundary()
    const oi = this.roots.index(obj)
    const v = this.roots.values[this.roots.index(src)]
    const a = this.objectAt(oi, obj, 'store')
    const u32 = this.space.u32
    if (!(isInteger(field) && field >= 0 && field < u32[(a + 12) >>> 2]))
      throw this.badField('store', obj, field, a)
    u32[(a + HEADER_BYTES + field * REF_BYTES) >>> 2] = v
    this.counts.ops++
  }

  private badField(op: string, slot: Slot, field: number, a: number): PygcError {
    return refFieldError(op, this.counts.ops, slot, field, this.space.u32[(a + 12) >>> 2])
  }

  readInt(obj: Slot, index: number): number {
    this.opBoundary()
    const a = this.objectAt(this.roots.index(obj), obj, 'readInt')
    const at = this.intAddress(a, obj, index, 'readInt')
    this.counts.ops++
    return this.space.i32[at >>> 2]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    this.opBoundary()
    const oi = this.roots.index(obj)
    checkInt32('writeInt', this.counts.ops, value)
    const a = this.objectAt(oi, obj, 'writeInt')
    const at = this.intAddress(a, obj, index, 'writeInt')
    this.space.i32[at >>> 2] = value
    this.counts.ops++
  }

  lengthOf(slot: Slot): number {
    this.opBoundary()
    const a = this.roots.values[this.roots.index(slot)]
    if (a === 0) throw nullReference('lengthOf', this.counts.ops, slot)
    this.counts.ops++
    return this.space.u32[(a + 12) >>> 2]
  }

  pin(obj: Slot): void {
    this.opBoundary()
    const a = this.roots.values[this.roots.index(obj)]
    if (a === 0) throw nullReference('pin', this.counts.ops, obj)
    this.pinned.push(a)
    this.counts.ops++
  }

  unpin(obj: Slot): void {
    this.opBoundary()
    const a = this.roots.values[this.roots.index(obj)]
    if (a === 0) throw nullReference('unpin', this.counts.ops, obj)
    if (!this.pinned.removeOne(a)) throw notPinned(this.counts.ops, obj)
    this.counts.ops++
  }

  /** The address of the ordinary (non-weak) object at root index `i` (slot `slot`), or the right error. */
  private objectAt(i: number, slot: Slot, op: string): number {
    const a = this.roots.values[i]
    if (a === 0 || (this.space.u32[(a + 4) >>> 2] & WEAK_FLAG) !== 0)
      throw noFieldsError(op, this.counts.ops, slot, a)
    return a
  }

  private intAddress(a: number, slot: Slot, index: number, op: string): number {
    checkIntIndex(op, this.counts.ops, slot, index, this.typeInts[this.space.u32[(a + 4) >>> 2] & TYPE_MASK])
    return a + HEADER_BYTES + this.space.u32[(a + 12) >>> 2] * REF_BYTES + index * 4
  }

  // ---------------------------------------------------------------- slots

  move(dst: Slot, src: Slot): void {
    this.opBoundary()
    const di = this.roots.index(dst)
    this.roots.values[di] = this.roots.values[this.roots.index(src)]
    this.counts.ops++
  }

  clear(dst: Slot): void {
    this.opBoundary()
    this.roots.values[this.roots.index(dst)] = 0
    this.counts.ops++
  }

  isNull(slot: Slot): boolean {
    this.opBoundary()
    const v = this.roots.values[this.roots.index(slot)]
    this.counts.ops++
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    this.opBoundary()
    const va = this.roots.values[this.roots.index(a)]
    const vb = this.roots.values[this.roots.index(b)]
    this.counts.ops++
    return va === vb
  }

  deref(dst: Slot, weak: Slot): void {
    this.opBoundary()
    const di = this.roots.index(dst)
    const w = this.roots.values[this.roots.index(weak)]
    if (w === 0) throw nullReference('deref', this.counts.ops, weak)
    if ((this.space.u32[(w + 4) >>> 2] & WEAK_FLAG) === 0) throw notAWeakref(this.counts.ops, weak)
    this.roots.values[di] = this.space.u32[(w + HEADER_BYTES) >>> 2]
    this.counts.ops++
  }

  /** The object's address (the baseline never moves objects, so it is a stable id). */
  idOf(slot: Slot): number {
    this.opBoundary()
    const v = this.roots.values[this.roots.index(slot)]
    if (v === 0) throw nullReference('idOf', this.counts.ops, slot)
    this.counts.ops++
    return v
  }

  objectId(slot: Slot): number {
    const a = this.roots.values[this.roots.index(slot)]
    return a === 0 ? -1 : this.space.u32[(a + 8) >>> 2]
  }

  /** Done: the reserved heap may go to the next manager (core host-buffers.ts). */
  release(): void {
    releaseHostBuffer(this)
  }

  // ---------------------------------------------------------------- collector control

  /** Every Python generation (0, 1, 2) is the baseline's one full collection. */
  collect(generation?: number): number {
    this.opBoundary()
    checkGeneration(this.counts.ops, generation)
    const found = this.collectGarbage('gc.collect')
    if (this.hub.listening)
      this.hub.emit({ type: 'collect-call', op: this.counts.ops, generation: 0, result: found })
    this.counts.ops++
    return found
  }

  gcControl(action: GcControl): boolean {
    this.opBoundary()
    checkGcAction(this.counts.ops, action)
    // freeze/unfreeze: no permanent generation to freeze into.
    const supported = action === 'disable' || action === 'enable'
    if (action === 'disable') this.autoGcEnabled = false
    else if (action === 'enable') this.autoGcEnabled = true
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.counts.ops, action, supported })
    this.counts.ops++
    return supported
  }

  // ---------------------------------------------------------------- observation

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  stats(): ManagerStats {
    this.syncCounts()
    const s = cloneStats(this.counts)
    s.footprintBytes = this.space.frontier
    s.virtualTime.mutator = this.cycle.mutatorTime()
    s.spaces = { heap: this.space.frontier }
    return s
  }

  forEachLiveId(visit: (id: number) => void): void {
    const u32 = this.space.u32
    const end = this.space.frontier
    for (let a = HEAP_START; a < end; ) {
      const w0 = u32[a >>> 2]
      if ((w0 & FREE_BIT) === 0) visit(u32[(a + 8) >>> 2])
      a += w0 & SIZE_MASK
    }
  }

  private summary(): Record<string, unknown> {
    return {
      heapBytes: this.space.frontier,
      heapCapacityBytes: this.space.capacity,
      heapLimitBytes: this.space.limit,
      freeListBytes: this.space.freeBytes,
      bufferGrowths: this.space.growths,
      gcTriggerBytes: this.gcTrigger,
      allocatedSinceGc: this.allocatedSinceGc,
      automaticGc: this.autoGcEnabled,
      finalizableObjects: this.finalizable.length,
      pendingFinalizers: this.finalizationQueue.length,
      weakReferences: this.weakRefs.length,
      markStackCapacity: this.markStack.items.length,
    }
  }

  // ---------------------------------------------------------------- op boundary

  /** Run what the last collection queued (a finalizer thread draining at a safepoint). */
  private opBoundary(): void {
    if (this.pendingWork) this.runPending()
  }

  private notePendingWork(): void {
    this.pendingWork = this.finalizationQueue.length !== 0 || this.pendingCallbacks.length !== 0
  }

  protected runPending(): void {
    const op = this.counts.ops
    const callbacks = this.pendingCallbacks
    this.pendingCallbacks = []
    if (this.hub.listening) {
      for (let i = 0; i < callbacks.length; i += 2) {
        this.hub.emit({ type: 'weakref-callback', op, weakId: callbacks[i], tag: callbacks[i + 1] })
      }
    }
    // The queue keeps the objects until every finalizer of this turn has run: a finalizer that
    // allocates may start a collection, and the objects still to finalize must stay roots (a
    // finalizer thread holds its queue). Objects that collection queues wait for the next turn.
    const queue = this.finalizationQueue
    const n = queue.length
    for (let i = 0; i < n; i++) {
      const a = queue.items[i]
      const u32 = this.space.u32
      const type = u32[(a + 4) >>> 2] & TYPE_MASK
      const into = this.typeResurrect[type]
      if (into >= 0) this.roots.values[into] = a
      this.cycle.finalized() // between ops, outside any collection: mutator time
      if (this.hub.listening)
        this.hub.emit({
          type: 'finalize',
          op,
          id: u32[(a + 8) >>> 2],
          typeId: type,
          resurrected: into >= 0,
          betweenOps: true,
        })
      const allocs = this.typeFinalizerAllocs[type]
      if (allocs !== null)
        runFinalizerAllocations(
          allocs,
          (t) => this.newObject(t, this.typeRefs[t], this.typeInts[t], this.typeCellSize[t], undefined),
          this.roots,
        )
    }
    queue.items.copyWithin(0, n, queue.length)
    queue.length -= n
    this.notePendingWork()
  }

  // ---------------------------------------------------------------- the collection

  /** One full collection; returns the objects found unreachable (freed + queued for finalization). */
  protected collectGarbage(reason: string): number {
    const s = this.counts
    this.syncCounts()
    const liveBefore = s.liveObjects
    this.cycle.begin(0, reason, s.ops)
    this.markFromRoots()
    this.clearWeakReferences()
    const queued = this.queueFinalizable()
    this.forgetDeadWeakReferences()
    this.sweep()
    const freed = liveBefore - s.liveObjects
    s.footprintBytes = this.space.frontier
    this.cycle.end(s.ops, {
      compacted: false,
      footprintAfter: this.space.frontier,
      spaces: () => ({ heap: this.space.frontier }),
    })
    this.gcTrigger = Math.max(MIN_GC_TRIGGER_BYTES, s.liveBytes * GC_TRIGGER_LIVE_RATIO)
    this.allocatedSinceGc = 0
    this.syncedBytes = 0
    this.notePendingWork()
    return freed + queued
  }

  /** Phase 1. Invariant after: every object reachable from a slot or the finalization queue is marked. */
  private markFromRoots(): void {
    const values = this.roots.values
    for (let i = 0, top = this.roots.top; i < top; i++) {
      const a = values[i]
      if (a !== 0) this.markObject(a)
    }
    const q = this.finalizationQueue
    for (let i = 0; i < q.length; i++) this.markObject(q.items[i])
    const p = this.pinned
    for (let i = 0; i < p.length; i++) this.markObject(p.items[i])
    this.drainMarkStack()
  }

  private markObject(a: number): void {
    const u32 = this.space.u32
    const w0 = u32[a >>> 2]
    if ((w0 & MARK_BIT) === 0) {
      u32[a >>> 2] = w0 | MARK_BIT
      this.markStack.push(a)
    }
  }

  /** Trace until the stack is empty: every object marked has had its reference fields scanned. */
  private drainMarkStack(): void {
    const u32 = this.space.u32
    const stack = this.markStack
    const work = this.counts.work
    while (stack.length !== 0) {
      const a = stack.pop()
      const refs = u32[(a + 12) >>> 2]
      work.marked++
      work.refsScanned += refs
      let f = (a + HEADER_BYTES) >>> 2
      for (let i = 0; i < refs; i++, f += 2) {
        const c = u32[f]
        if (c !== 0) {
          const w0 = u32[c >>> 2]
          if ((w0 & MARK_BIT) === 0) {
            u32[c >>> 2] = w0 | MARK_BIT
            stack.push(c)
          }
        }
      }
    }
  }

  /**
   * Phase 2. A weak reference whose target is not strongly reachable is cleared before any
   * finalizer could resurrect the target. Unmarked weak references are cleared too (a
   * finalizable object may keep one alive past this collection) but only live ones count,
   * emit and get their callback queued.
   */
  private clearWeakReferences(): void {
    const u32 = this.space.u32
    const list = this.weakRefs
    for (let i = 0; i < list.length; i++) {
      const w = list.items[i]
      const t = u32[(w + HEADER_BYTES) >>> 2]
      if (t === 0 || (u32[t >>> 2] & MARK_BIT) !== 0) continue
      u32[(w + HEADER_BYTES) >>> 2] = 0
      if ((u32[w >>> 2] & MARK_BIT) === 0) continue
      const weakId = u32[(w + 8) >>> 2]
      this.counts.weakrefsCleared++
      if (this.hub.listening)
        this.hub.emit({ type: 'weakref-clear', op: this.counts.ops, weakId, targetId: u32[(t + 8) >>> 2] })
      if ((u32[(w + 4) >>> 2] & CALLBACK_FLAG) !== 0)
        this.pendingCallbacks.push(weakId, this.space.i32[(w + 24) >>> 2])
    }
  }

  /**
   * Phase 3. Every unmarked object with a finalizer still to run goes to the finalization
   * queue (all of them first, so finalizable objects reachable only from each other are
   * queued together, as in Java and CPython), loses its finalizable flag (a finalizer runs at
   * most once), then is marked from so it survives until its finalizer has run.
   */
  private queueFinalizable(): number {
    const u32 = this.space.u32
    const list = this.finalizable
    const queue = this.finalizationQueue
    const firstQueued = queue.length
    let kept = 0
    for (let i = 0; i < list.length; i++) {
      const a = list.items[i]
      if ((u32[a >>> 2] & MARK_BIT) !== 0) {
        list.items[kept++] = a
      } else {
        u32[(a + 4) >>> 2] &= ~FINALIZABLE_FLAG
        queue.push(a)
      }
    }
    list.length = kept
    for (let i = firstQueued; i < queue.length; i++) this.markObject(queue.items[i])
    this.drainMarkStack()
    return queue.length - firstQueued
  }

  /** Weak reference objects about to be swept leave the registry (marks are final now). */
  private forgetDeadWeakReferences(): void {
    const u32 = this.space.u32
    const list = this.weakRefs
    let kept = 0
    for (let i = 0; i < list.length; i++) {
      const w = list.items[i]
      if ((u32[w >>> 2] & MARK_BIT) !== 0) list.items[kept++] = w
    }
    list.length = kept
  }

  /**
   * Phase 4. Parse the heap cell by cell: unmarked objects are freed, marks are cleared, and
   * every free cell is threaded onto a fresh free list. Invariant after: no mark bit is set.
   */
  protected sweep(): void {
    const space = this.space
    const u32 = space.u32
    const s = this.counts
    const listening = this.hub.perObject
    const end = space.frontier
    // The sweep's counts are summed here and reported once (CollectionCycle.freedMany): the
    // same totals as a freed() per object, without a call and five counter updates per cell.
    let swept = 0
    let freedObjects = 0
    let freedBytes = 0
    space.beginSweep()
    for (let a = HEAP_START; a < end; ) {
      const w0 = u32[a >>> 2]
      const size = w0 & SIZE_MASK
      if ((w0 & FREE_BIT) !== 0) {
        space.sweepFree(a, size)
      } else if ((w0 & MARK_BIT) !== 0) {
        u32[a >>> 2] = w0 & ~MARK_BIT
        swept++
        space.sweepLive()
      } else {
        swept++
        freedObjects++
        freedBytes += size
        if (listening)
          this.hub.emit({ type: 'free', op: s.ops, id: u32[(a + 8) >>> 2], bytes: size, cause: 'tracing' })
        space.sweepFree(a, size)
      }
      a += size
    }
    space.endSweep()
    s.work.objectsSwept += swept
    if (freedObjects !== 0) this.cycle.freedMany(freedObjects, freedBytes, 'tracing')
  }
}
