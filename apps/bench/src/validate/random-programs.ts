/**
 * Seeded random programs for the validation set (issue 12, "breadth"): a table of roots whose
 * entries are replaced, linked to each other (making cycles) and unlinked (breaking them),
 * objects of random sizes, short-lived chains and rings, weak references and finalizers, and
 * an explicit collection now and then. The same seed gives the same op stream.
 *
 * Each runtime takes the features its oracles can replay (./capabilities.ts): CPython all of
 * them; IronPython no callbacks and no resurrection (the .NET oracle has neither); Jython's
 * JVM comparison neither finalizers nor callbacks (TraceReplay's Object[]s have none).
 *
 * Weak reference targets are always instances ('slots' shape) or finalizable, never plain
 * lists, which Python cannot weakly reference.
 */
import { globalSlot, type Mutator, Rng } from '@pygc/core'

export interface RandomProgramFeatures {
  weakrefs: boolean
  finalizers: boolean
  callbacks: boolean
  resurrection: boolean
}

export interface RandomProgramSpec {
  seed: number
  /** Mutation steps (each makes a few objects). */
  steps: number
  /** Root table entries: the live set is about this many subgraphs. */
  roots: number
  /** Largest list length (random sizes 0..maxLength). */
  maxLength: number
  /** An explicit gc.collect() every this many steps (0: never). */
  collectEvery: number
  features: RandomProgramFeatures
}

/** What the program knows a root entry holds (so it only stores into fields that exist). */
const EMPTY = 0
const NODE = 1
const LIST = 2
const FIN = 3

const NODE_REFS = 3
const FIN_REFS = 2
const WEAK_TABLE = 64

/** Locals of the program's one frame: 0 and 1 for objects, 2 for weak refs, 3 scratch. */
export function randomGraphProgram(spec: RandomProgramSpec): (m: Mutator) => void {
  return (m) => {
    const rng = new Rng(spec.seed)
    const f = spec.features
    m.defineGlobals(3) // 0: root table, 1: resurrection target, 2: weak table
    const table = m.defineType({ name: 'Roots', refs: 0, variable: 'refs' })
    const node = m.defineType({ name: 'Node', refs: NODE_REFS, ints: 1, shape: 'slots' })
    const list = m.defineType({ name: 'List', refs: 0, variable: 'refs' })
    const fin = f.finalizers
      ? m.defineType({
          name: f.resurrection ? 'Phoenix' : 'WithDel',
          refs: FIN_REFS,
          shape: 'slots',
          finalizer: f.resurrection ? { resurrectInto: 1 } : {},
        })
      : -1
    const kinds = new Uint8Array(spec.roots)
    m.pushFrame(4)
    m.alloc(globalSlot(0), table, spec.roots)
    m.alloc(globalSlot(2), list, WEAK_TABLE)
    let tag = 0
    for (let step = 0; step < spec.steps; step++) {
      const r = rng.next()
      const i = rng.int(spec.roots)
      if (r < 0.3) {
        // replace a root: its old subgraph may die (or live on through links from others)
        const pick = rng.next()
        if (fin >= 0 && pick < 0.1) {
          m.alloc(0, fin)
          kinds[i] = FIN
        } else if (pick < 0.6) {
          m.alloc(0, node)
          m.writeInt(0, 0, step)
          kinds[i] = NODE
        } else {
          m.alloc(0, list, rng.int(spec.maxLength + 1))
          kinds[i] = LIST
        }
        m.store(globalSlot(0), i, 0)
      } else if (r < 0.55) {
        // link root i to root j: cycles appear when links close a loop
        const j = rng.int(spec.roots)
        const fields = kinds[i] === NODE ? NODE_REFS : kinds[i] === FIN ? FIN_REFS : 0
        if (fields > 0 && kinds[j] !== EMPTY) {
          m.load(0, globalSlot(0), i)
          m.load(1, globalSlot(0), j)
          m.store(0, rng.int(fields), 1)
        }
      } else if (r < 0.7) {
        // unlink: break a cycle or a chain
        const fields = kinds[i] === NODE ? NODE_REFS : kinds[i] === FIN ? FIN_REFS : 0
        if (fields > 0) {
          m.load(0, globalSlot(0), i)
          m.clear(1)
          m.store(0, rng.int(fields), 1)
        }
      } else if (r < 0.8) {
        // drop a root
        m.clear(0)
        m.store(globalSlot(0), i, 0)
        kinds[i] = EMPTY
      } else if (r < 0.86) {
        if (f.weakrefs && (kinds[i] === NODE || kinds[i] === FIN)) {
          m.load(0, globalSlot(0), i)
          if (f.callbacks && rng.chance(0.5)) m.weakref(2, 0, { tag: tag++ })
          else m.weakref(2, 0)
          m.store(globalSlot(2), rng.int(WEAK_TABLE), 2)
        }
      } else {
        // short-lived churn: a chain of nodes, closed into a ring half the time
        const n = rng.range(1, 12)
        m.alloc(0, node)
        m.move(1, 0)
        for (let k = 1; k < n; k++) {
          m.alloc(3, node)
          m.store(1, 0, 3)
          m.move(1, 3)
        }
        if (rng.chance(0.5)) m.store(1, 0, 0)
        m.clear(3)
      }
      m.clear(0)
      m.clear(1)
      m.clear(2)
      if (spec.collectEvery > 0 && step % spec.collectEvery === spec.collectEvery - 1) {
        m.collect()
        if (f.resurrection) m.clear(globalSlot(1)) // a resurrected object dies again, unfinalized
      }
    }
    m.popFrame()
  }
}

/** The default seeds of the validation set; `--thorough` runs more. */
export const RANDOM_SEEDS: readonly number[] = [1, 2, 3]
export const THOROUGH_RANDOM_SEEDS: readonly number[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
