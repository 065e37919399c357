/**
 * The PyPy validation cases: Mutator programs recorded once as a trace and replayed both on
 * the model and on the real pypy3 (benchmarks/oracles/pypy/replay_pypy.py), each at the
 * nursery sizes named.
 *
 * The pieces every runtime's validators share (binary-trees' tree builder and body, the ring
 * builder) live in apps/bench/src/validate/programs.ts; a runtime package does not import the
 * command, so `pypyCases` takes them as an argument: the command passes its own, the tests
 * import the same file.
 *
 * What each case is for, in PyPy's terms:
 *  - binary-trees: a long-lived tree and many short-lived ones; the survivors of a minor
 *    collection are whatever tree is under construction; majors from the growth threshold.
 *  - ring-churn: rings (cycles) kept in a window list of 20,000 references, a large object
 *    allocated outside the nursery with card marks; old-to-young stores into it.
 *  - old-to-young: a tenured table of holders (gc.collect()), then young objects stored
 *    into old holders: the write barrier and old_objects_pointing_to_young.
 *  - large-objects: lists above the large-object limit (young raw-malloced, card-marked)
 *    among small garbage: external_malloc's own threshold check.
 *  - finalizers and weakrefs: __del__ in chains and cycles (one level per major collection),
 *    weakref callbacks (run when the lifeline is finalized: newest first, the major after
 *    the target died), weakrefs to young objects cleared by minor collections.
 *  - seeded random programs (random-program.ts).
 */
import { globalSlot, type Mutator } from '@pygc/core'
import { randomProgram } from './random-program.js'

/** What apps/bench/src/validate/programs.ts exports, as the cases use it. */
export interface SharedPrograms {
  TREE_NODE: { readonly name: string; readonly refs: number }
  longAndShortLivedTrees(
    m: Mutator,
    node: number,
    maxDepth: number,
    slots: { ret: number; longLived: number },
  ): void
  buildRing(m: Mutator, node: number, length: number, backLinks?: boolean): void
  /** Finalizers that allocate (FinalizerSpec.allocate, storeNew). */
  finalizerAllocations(rounds: number, count: number, collectEvery?: number): (m: Mutator) => void
}

export interface PyPyCase {
  /** Names the program exactly: its trace is written under this name. */
  name: string
  program: (m: Mutator) => void
  /** PYPY_GC_NURSERY values the case runs at. */
  nurseries: readonly number[]
  /** Compare the order of __del__ calls and weakref callbacks (with their op indices). */
  order?: boolean
}

const KiB = 1024
/** The smallest nursery PyPy allows (2 x the large-object limit, incminimark.py:450). */
export const NURSERY_MIN = 270_336
export const NURSERY_512K = 512 * KiB
export const NURSERY_1M = 1024 * KiB

const RET = globalSlot(1)

function binaryTrees(shared: SharedPrograms, maxDepth: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const node = m.defineType(shared.TREE_NODE)
    m.pushFrame(1)
    shared.longAndShortLivedTrees(m, node, maxDepth, { ret: RET, longLived: globalSlot(0) })
    m.popFrame()
  }
}

/**
 * binary-trees as the benchmarks game's Python programs write it, with `(left, right)` tuples
 * (packages/workloads trees.ts buildBottomUp): each node made by its own frame after both
 * children, as alloc + two stores that replay_pypy.py builds as one tuple (pypy_tuples.py);
 * a long-lived tree of `maxDepth`, then 2^(maxDepth - d + 4) short-lived trees of each even
 * depth d from 4, each dropped as the next one is built.
 */
function tupleTrees(maxDepth: number): (m: Mutator) => void {
  const build = (m: Mutator, node: number, depth: number): void => {
    m.pushFrame(2)
    if (depth > 0) {
      build(m, node, depth - 1)
      m.move(0, RET)
      build(m, node, depth - 1)
      m.move(1, RET)
    }
    m.alloc(RET, node)
    if (depth > 0) {
      m.store(RET, 0, 0)
      m.store(RET, 1, 1)
    }
    m.popFrame()
  }
  return (m) => {
    m.defineGlobals(2)
    const node = m.defineType({ name: 'TreeNode', refs: 2, shape: 'tuple' })
    m.pushFrame(1)
    build(m, node, maxDepth)
    m.move(globalSlot(0), RET)
    for (let d = 4; d <= maxDepth; d += 2) {
      for (let i = 0; i < 2 ** (maxDepth - d + 4); i++) build(m, node, d)
    }
    m.clear(RET)
    m.popFrame()
  }
}

/** Rings of `k` nodes, each node's int written (a W_IntObject each), a window of the last rings kept. */
function ringChurn(shared: SharedPrograms, rings: number, k: number, window: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const node = m.defineType({ name: 'RingNode', refs: 2, ints: 1 })
    const keep = m.defineType({ name: 'Window', refs: 0, variable: 'refs' })
    m.pushFrame(3)
    m.alloc(globalSlot(0), keep, window)
    for (let r = 0; r < rings; r++) {
      shared.buildRing(m, node, k)
      m.writeInt(0, 0, r)
      m.store(globalSlot(0), r % window, 0)
    }
    m.popFrame()
  }
}

/** A tenured table of holders, then young objects stored into them. */
function oldToYoung(holders: number, steps: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const holder = m.defineType({ name: 'Holder', refs: 2, shape: 'slots' })
    const table = m.defineType({ name: 'Holders', refs: 0, variable: 'refs' })
    const young = m.defineType({ name: 'Young', refs: 1, ints: 1 })
    m.pushFrame(2)
    m.alloc(globalSlot(0), table, holders)
    for (let i = 0; i < holders; i++) {
      m.alloc(0, holder)
      m.store(globalSlot(0), i, 0)
    }
    m.collect() // tenure the structure: every store below is old-to-young
    for (let s = 0; s < steps; s++) {
      m.alloc(0, young)
      m.load(1, globalSlot(0), (s * 7919) % holders)
      m.store(1, s & 1, 0)
    }
    m.popFrame()
  }
}

/** Lists above the large-object limit among small garbage; the last two kept. */
function largeObjects(count: number, items: number, smallPerLarge: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const big = m.defineType({ name: 'Big', refs: 0, variable: 'refs' })
    const small = m.defineType({ name: 'Small', refs: 2 })
    m.pushFrame(2)
    for (let i = 0; i < count; i++) {
      m.alloc(globalSlot(i & 1), big, items)
      for (let j = 0; j < smallPerLarge; j++) {
        m.alloc(0, small)
        if ((j & 63) === 0) m.store(globalSlot(i & 1), j % items, 0) // a few card marks
      }
    }
    m.popFrame()
  }
}

/**
 * __del__ in a chain (A -> B: A first, B at the next major), in a two-cycle (one per major, the
 * first made first); weakref callbacks: three to one target (newest first), one whose weakref
 * only the target holds (it dies with the target: no callback), one to an object with __del__
 * (its __del__ now, the callback a major later); a weakref to a young object cleared by a minor
 * collection, its callback at the next major; garbage between, so some collections come from
 * allocation.
 */
function finalizersAndWeakrefs(churn: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const del = m.defineType({ name: 'WithDel', refs: 1, ints: 1, finalizer: {}, shape: 'slots' })
    const plain = m.defineType({ name: 'Plain', refs: 1, shape: 'dict-instance' })
    const junk = m.defineType({ name: 'Junk', refs: 2 })
    m.pushFrame(10)
    m.alloc(1, del) // B
    m.alloc(0, del) // A
    m.store(0, 0, 1)
    m.alloc(2, del) // C <-> D
    m.alloc(3, del)
    m.store(2, 0, 3)
    m.store(3, 0, 2)
    m.alloc(4, plain)
    m.weakref(5, 4, { tag: 1 })
    m.weakref(6, 4, { tag: 2 })
    m.weakref(7, 4, { tag: 3 })
    m.weakref(9, 4, { tag: 6 })
    m.store(4, 0, 9) // only the target holds this one
    m.clear(9)
    m.alloc(9, del)
    m.weakref(8, 9, { tag: 4 })
    for (const s of [0, 1, 2, 3, 4, 9]) m.clear(s)
    m.collect()
    for (let i = 0; i < churn; i++) m.alloc(0, junk)
    m.collect()
    m.alloc(4, plain)
    m.weakref(globalSlot(0), 4, { tag: 5 })
    m.clear(4)
    for (let i = 0; i < churn; i++) m.alloc(0, junk)
    m.deref(4, globalSlot(0)) // cleared by a minor collection already
    m.isNull(4)
    m.collect()
    m.collect()
    m.popFrame()
  }
}

/**
 * The cases, given the shared programs: the full set (the FIDELITY.md table), or with
 * `ci` the small one the package's test runs (each case smaller, fewer nursery sizes).
 */
export function pypyCases(shared: SharedPrograms, ci = false): PyPyCase[] {
  const all = [NURSERY_MIN, NURSERY_512K, NURSERY_1M]
  if (ci) {
    return [
      // The full set's d=12, not d=10: at 1 MiB d=10 makes 3 minor collections of mid-tree phase,
      // so the surviving median flipped 39,120 <-> 36,960 B with a 1 KB move of the probe's
      // nursery-at-start reading, which the replayer's code layout moves (FIDELITY.md, "Tuples").
      { name: 'binary-trees d=12', program: binaryTrees(shared, 12), nurseries: [NURSERY_MIN, NURSERY_1M] },
      {
        name: 'ring-churn 20k rings',
        program: ringChurn(shared, 20_000, 8, 20_000),
        nurseries: [NURSERY_MIN],
      },
      {
        name: 'large-objects 10 20k-item lists',
        program: largeObjects(10, 20_000, 4_000),
        nurseries: [NURSERY_MIN],
      },
      {
        name: 'finalizers and weakrefs',
        program: finalizersAndWeakrefs(40_000),
        nurseries: [NURSERY_1M],
        order: true,
      },
      {
        name: 'finalizer allocations',
        program: shared.finalizerAllocations(200, 300, 20),
        nurseries: [NURSERY_1M],
        order: true,
      },
      {
        name: 'random program seed=1 30k ops',
        program: randomProgram(1, 30_000),
        nurseries: [NURSERY_1M],
        order: true,
      },
    ]
  }
  return [
    { name: 'binary-trees d=12', program: binaryTrees(shared, 12), nurseries: all },
    {
      // At 264K and 512K the collection counts agree too, but the bytes surviving them do not
      // (the tree under construction at each collection: FIDELITY.md, "Tuples").
      name: 'binary-trees tuples d=12',
      program: tupleTrees(12),
      nurseries: [NURSERY_1M],
    },
    { name: 'ring-churn 120k rings', program: ringChurn(shared, 120_000, 8, 20_000), nurseries: all },
    { name: 'old-to-young 50k holders', program: oldToYoung(50_000, 800_000), nurseries: all },
    {
      name: 'large-objects 60 20k-item lists',
      program: largeObjects(60, 20_000, 4_000),
      nurseries: [NURSERY_MIN, NURSERY_1M],
    },
    {
      name: 'finalizers and weakrefs',
      program: finalizersAndWeakrefs(40_000),
      nurseries: [NURSERY_1M],
      order: true,
    },
    {
      // At NURSERY_MIN minor collections land inside the finalizers' runs, and pypy3 keeps twice
      // the model's bytes alive across them (40,816 vs 19,272 B over 197 minors): the running
      // __del__'s frame and the queue's state, which the model does not lay down. Counts, steps
      // and order agree there too.
      name: 'finalizer allocations',
      program: shared.finalizerAllocations(200, 300, 20),
      nurseries: [NURSERY_1M],
      order: true,
    },
    ...[1, 2, 3].map((seed) => ({
      name: `random program seed=${seed} 200k ops`,
      program: randomProgram(seed, 200_000),
      nurseries: [NURSERY_MIN, NURSERY_1M],
      order: true,
    })),
  ]
}
