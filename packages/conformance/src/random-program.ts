/**
 * A seeded random program for stress checks: thousands of ops mixing allocation of every
 * shape (fixed, variable refs, large byte payloads), stores that build DAGs and cycles,
 * loads, moves, clears, frames, weak references, finalizers (plain and resurrecting),
 * forced collections, bursts of large garbage (so collections also start from allocation)
 * and gc control. It only issues ops that are valid (it asks the mutator
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
  /** Ops to issue (approximately: a step may issue a few). */
  ops: number
  /** Collection kinds of the manager (collect(g) is called with g in 0..generations-1, or no argument). */
  generations?: number
  /** The id of the object in a slot, to write into and check against int 0. */
  idOf?: (slot: Slot) => number
  /** Called after every op the program issues (e.g. to run the oracle's checks). */
  afterOp?: () => void
}

export interface RandomProgramResult {
  ops: number
  /** Frames the program left pushed. */
  depth: number
  /** int 0 reads that matched. */
  intChecks: number
}

/** Globals: 0-5 ordinary objects (5 is the resurrection target), 6-7 weak references. */
export const PROGRAM_GLOBALS = 8
export const RESURRECT_GLOBAL = 5
const LOCALS = 8
const OBJECT_LOCALS = 6
const MAX_DEPTH = 4

export function runRandomProgram(m: Mutator, options: RandomProgramOptions): RandomProgramResult {
  const rng = new Rng(options.seed)
  const generations = options.generations ?? 1
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
  op(m.pushFrame(LOCALS))
  depth = 1

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
  const alloc = (dst: Slot): void => {
    const r = rng.int(100)
    if (r < 30) op(m.alloc(dst, leaf))
    else if (r < 65) op(m.alloc(dst, pair))
    else if (r < 78) op(m.alloc(dst, vec, rng.int(9)))
    else if (r < 88) op(m.alloc(dst, blob, rng.chance(0.1) ? 20_000 + rng.int(20_000) : rng.int(1200)))
    else if (r < 95) op(m.alloc(dst, fin))
    else op(m.alloc(dst, phoenix))
    stamp(dst)
  }

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
      op(rng.chance(0.5) ? m.collect() : m.collect(rng.int(generations)))
    } else if (r < 86) {
      // A burst of large garbage: enough bytes that collectors run from allocation, not only from collect().
      const dst = objectSlot()
      for (let i = 0; i < 6; i++) {
        op(m.alloc(dst, blob, 200_000 + rng.int(200_000)))
        stamp(dst)
      }
    } else if (r < 88) {
      const a = sourceSlot()
      if (op(m.same(a, sourceSlot())) && !op(m.isNull(a))) op(m.idOf(a))
    } else if (r < 89) {
      gcDisabled = !gcDisabled
      op(m.gcControl(gcDisabled ? 'disable' : 'enable'))
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
  return { ops, depth, intChecks }
}
