/**
 * A seeded random program for stress checks: thousands of ops mixing allocation of every
 * shape (fixed, variable refs, byte payloads small, mid-sized, on both sides of the CLR's
 * 85,000-byte large-object threshold, and bursts of 200-400 kB garbage so collections also
 * start from allocation), stores that build DAGs and cycles, loads, moves, clears, frames,
 * weak references, finalizers (plain and resurrecting), forced collections and gc control.
 * With `retained`, a heap of that many objects is built first and kept for the whole run
 * (old-generation residents); the program walks into it and stores into what it finds, so old
 * objects come to point at young ones. It only issues ops that are valid (it asks the mutator
 * with isNull/lengthOf, which are ops too), so any error it meets is the manager's fault.
 *
 * Slot discipline keeps it valid without a model of its own: weak references live only in
 * "weak" slots (locals 6-7, globals 6-7) and never in fields, so every other slot and every
 * field holds an ordinary object or null. Every ordinary object has at least one int, and
 * int 0 is written right after allocation with the object's id (from `idOf`, e.g.
 * manager.objectId) or the program's own allocation counter; reading it back checks that
 * payloads survive collections.
 */
import { globalSlot, type Mutator, Rng, type Slot } from '@pygc/core'

export interface RandomProgramOptions {
  seed: number
  /** Ops to issue after the retained heap is built (approximately: a step may issue a few). */
  ops: number
  /** Objects in the retained heap built before the random ops (default 0: none). */
  retained?: number
  /**
   * Share of the steps that force a collection (default 0.01). Each one resets the counters
   * that start collections from allocation (CPython's gen0 count after ~700 allocations), so
   * at the default almost every collection is forced; 0.0002 leaves them to allocation.
   */
  collectRate?: number
  /** Collection kinds of the manager (collect(g) is called with g in 0..generations-1, or no argument). */
  generations?: number
  /** The id of the object in a slot, to write into and check against int 0. */
  idOf?: (slot: Slot) => number
  /** Called after every op the program issues (e.g. to run the oracle's checks). */
  afterOp?: () => void
}

export interface RandomProgramResult {
  /** Ops issued by the random steps. */
  ops: number
  /** Ops issued before the random steps: the first frame and the retained heap. */
  setupOps: number
  /** Frames the program left pushed. */
  depth: number
  /** int 0 reads that matched. */
  intChecks: number
}

/** Globals: 0-5 ordinary objects (5 is the resurrection target), 6-7 weak references, 8 the retained heap. */
export const PROGRAM_GLOBALS = 9
export const RESURRECT_GLOBAL = 5
const RETAINED_SLOT = globalSlot(8)
/** Locals of every frame the program pushes. */
export const PROGRAM_LOCALS = 8
const LOCALS = PROGRAM_LOCALS
const OBJECT_LOCALS = 6
const MAX_DEPTH = 4
/** The share of steps reserved for collect() (at most this many force a collection). */
const FORCED_COLLECT_SHARE = 0.01
/** Chains the retained heap hangs off its root vector (fewer when it is smaller). */
const RETAINED_CHAINS = 512
/**
 * Byte payloads around the CLR's large-object threshold (85,000 bytes of object: the payload
 * plus a runtime's header and fields, 32 to 104 bytes in the models): 84,000-86,000 bytes
 * lands on both sides of it on every runtime.
 */
const NEAR_LOH_MIN = 84_000
const NEAR_LOH_SPREAD = 2_001

/** Chains of a retained heap of `n` objects: RETAINED_CHAINS, fewer for a small one. */
function chainsOf(n: number): number {
  return Math.min(RETAINED_CHAINS, Math.max(1, n >> 2))
}

export function runRandomProgram(m: Mutator, options: RandomProgramOptions): RandomProgramResult {
  const rng = new Rng(options.seed)
  const generations = options.generations ?? 1
  /** The chance that the 1% of steps reserved for collect() issues one. */
  const forceRate = (options.collectRate ?? FORCED_COLLECT_SHARE) / FORCED_COLLECT_SHARE
  let ops = 0
  let allocated = 0
  let intChecks = 0
  let depth = 0
  let gcDisabled = false
  const op = <T>(v: T): T => {
    ops++
    options.afterOp?.()
    return v
  }

  m.defineGlobals(PROGRAM_GLOBALS)
  const leaf = m.defineType({ name: 'leaf', refs: 0, ints: 1 })
  const pair = m.defineType({ name: 'pair', refs: 2, ints: 1 })
  const vec = m.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' })
  const blob = m.defineType({ name: 'blob', refs: 1, ints: 1, variable: 'bytes' })
  const fin = m.defineType({ name: 'fin', refs: 1, ints: 1, finalizer: {} })
  const phoenix = m.defineType({
    name: 'phoenix',
    refs: 1,
    ints: 1,
    finalizer: { resurrectInto: RESURRECT_GLOBAL },
  })

  // Finalizers store into the resurrection global at op boundaries the program does not see,
  // so the program never writes it (an object it just allocated there could be replaced
  // before its next op) and only ever reads it: it holds null or a phoenix.
  const objectSlot = (): Slot =>
    rng.chance(0.7) ? rng.int(OBJECT_LOCALS) : globalSlot(rng.int(RESURRECT_GLOBAL))
  const sourceSlot = (): Slot =>
    rng.chance(0.7) ? rng.int(OBJECT_LOCALS) : globalSlot(rng.int(RESURRECT_GLOBAL + 1))
  const weakSlot = (): Slot => (rng.chance(0.5) ? OBJECT_LOCALS + rng.int(2) : globalSlot(6 + rng.int(2)))
  const nonNullObject = (): Slot | -1000 => {
    const s = sourceSlot()
    return op(m.isNull(s)) ? -1000 : s
  }
  /** Write int 0 of a new object: its id, or the program's own allocation count. */
  const stamp = (dst: Slot): void => {
    op(m.writeInt(dst, 0, options.idOf ? options.idOf(dst) : allocated))
    allocated++
  }
  const nearLohBytes = (): number => NEAR_LOH_MIN + rng.int(NEAR_LOH_SPREAD)
  const hugeBytes = (): number => 200_000 + rng.int(200_000)
  /** Mostly small payloads; one in ten 20-40 kB; one in ten next to the large-object threshold. */
  const blobBytes = (): number => {
    const r = rng.int(10)
    if (r === 0) return 20_000 + rng.int(20_000)
    if (r === 1) return nearLohBytes()
    return rng.int(1200)
  }
  const alloc = (dst: Slot): void => {
    const r = rng.int(100)
    if (r < 30) op(m.alloc(dst, leaf))
    else if (r < 65) op(m.alloc(dst, pair))
    else if (r < 78) op(m.alloc(dst, vec, rng.int(9)))
    else if (r < 88) op(m.alloc(dst, blob, blobBytes()))
    else if (r < 95) op(m.alloc(dst, fin))
    else op(m.alloc(dst, phoenix))
    stamp(dst)
  }

  /**
   * The retained heap: a root vector in global 8 whose fields head chains of pairs (field 0:
   * the next node). Field 1 of a node holds a leaf, a blob (one node in 512 next to the
   * large-object threshold, one in 8192 of 200-400 kB), the node itself, or the node after it
   * (which then points back: a two-cycle). Built in locals 0-2, which are cleared after.
   */
  const buildRetained = (n: number): void => {
    const chains = chainsOf(n)
    op(m.alloc(0, vec, chains))
    stamp(0)
    op(m.move(RETAINED_SLOT, 0))
    let built = 1
    for (let i = 0; built < n; i++) {
      const chain = i % chains
      op(m.alloc(1, pair))
      stamp(1)
      built++
      op(m.load(2, RETAINED_SLOT, chain))
      op(m.store(1, 0, 2))
      const kind = i % 8
      if (i % 512 === 511) {
        op(m.alloc(0, blob, i % 8192 === 8191 ? hugeBytes() : nearLohBytes()))
        stamp(0)
        op(m.store(1, 1, 0))
        built++
      } else if (kind < 4) {
        op(m.alloc(0, leaf))
        stamp(0)
        op(m.store(1, 1, 0))
        built++
      } else if (kind === 4) {
        op(m.store(1, 1, 1))
      } else if (kind === 5 && !op(m.isNull(2))) {
        op(m.store(2, 1, 1))
        op(m.store(1, 1, 2))
      }
      op(m.store(RETAINED_SLOT, chain, 1))
    }
    for (let s = 0; s < 3; s++) op(m.clear(s))
  }

  op(m.pushFrame(LOCALS))
  depth = 1
  const retainedChains = options.retained ? chainsOf(options.retained) : 0
  if (options.retained) buildRetained(options.retained)
  const setupOps = ops
  ops = 0

  while (ops < options.ops) {
    const r = rng.int(100)
    if (r < 25) {
      alloc(objectSlot())
    } else if (r < 40) {
      const obj = nonNullObject()
      if (obj === -1000) continue
      const n = op(m.lengthOf(obj))
      if (n > 0) op(m.store(obj, rng.int(n), sourceSlot()))
    } else if (r < 52) {
      const obj = nonNullObject()
      if (obj === -1000) continue
      const n = op(m.lengthOf(obj))
      if (n > 0) op(m.load(objectSlot(), obj, rng.int(n)))
    } else if (r < 60) {
      op(m.move(objectSlot(), sourceSlot()))
    } else if (r < 66) {
      op(m.clear(objectSlot()))
    } else if (r < 72) {
      const obj = nonNullObject()
      if (obj === -1000) continue
      const v = op(m.readInt(obj, 0))
      if (options.idOf) {
        const expected = options.idOf(obj)
        if (v !== expected)
          throw new Error(`random program: int 0 of object ${expected} reads ${v} (op ${ops})`)
        intChecks++
      }
    } else if (r < 76) {
      const target = nonNullObject()
      if (target === -1000) continue
      op(m.weakref(weakSlot(), target, rng.chance(0.5) ? { tag: rng.int(1000) } : undefined))
    } else if (r < 80) {
      const w = weakSlot()
      if (!op(m.isNull(w))) op(m.deref(objectSlot(), w))
    } else if (r < 84) {
      if (depth < MAX_DEPTH && rng.chance(0.5)) {
        op(m.pushFrame(LOCALS))
        depth++
      } else if (depth > 1) {
        op(m.popFrame())
        depth--
      }
    } else if (r < 85) {
      if (forceRate >= 1 || rng.next() < forceRate)
        op(rng.chance(0.5) ? m.collect() : m.collect(rng.int(generations)))
    } else if (r < 86) {
      // A burst of large garbage: enough bytes that collectors run from allocation, not only from collect().
      const dst = objectSlot()
      for (let i = 0; i < 6; i++) {
        op(m.alloc(dst, blob, hugeBytes()))
        stamp(dst)
      }
    } else if (r < 88) {
      const a = sourceSlot()
      if (op(m.same(a, sourceSlot())) && !op(m.isNull(a))) op(m.idOf(a))
    } else if (r < 89) {
      gcDisabled = !gcDisabled
      op(m.gcControl(gcDisabled ? 'disable' : 'enable'))
    } else if (r < 91 && retainedChains > 0) {
      // Into the retained heap: a chain's head, then a few hops along field 0.
      const dst = rng.int(OBJECT_LOCALS)
      op(m.load(dst, RETAINED_SLOT, rng.int(retainedChains)))
      for (let hop = rng.int(4); hop > 0 && !op(m.isNull(dst)) && op(m.lengthOf(dst)) > 0; hop--) {
        op(m.load(dst, dst, 0))
      }
    } else {
      // A cycle: a self-loop, or a ring of two or three pairs hung off one slot.
      const a = objectSlot()
      op(m.alloc(a, pair))
      stamp(a)
      const ring = rng.int(3)
      if (ring === 0) {
        op(m.store(a, 0, a))
      } else {
        let b = objectSlot()
        if (b === a) b = a === 0 ? 1 : 0
        op(m.alloc(b, pair))
        stamp(b)
        op(m.store(a, 0, b))
        op(m.store(b, 1, a))
        if (ring === 2) op(m.clear(b))
      }
    }
  }
  if (gcDisabled) op(m.gcControl('enable'))
  return { ops, setupOps, depth, intChecks }
}
