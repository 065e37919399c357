/**
 * The pieces of validation programs that the three runtimes' validation sets share, as Mutator
 * programs with parameters. Every validator compares the model against a real runtime on the
 * exact op stream its programs produce, so a piece belongs here only when it emits the same
 * ops for all its callers; a program that differs in shape (what it keeps alive, where, in
 * which order it defines its types) stays in its validator, which says why.
 *
 * Slot conventions: the builders work in the locals of the caller's current frame (slots 0, 1,
 * 2 unless a parameter names others) and return their result in a register slot the caller
 * chooses (a global, so it survives the builder's own frames).
 */
import { globalSlot, type Mutator } from '@pygc/core'

/** The benchmarks game's binary-trees node: two child references, nothing else. */
export const TREE_NODE = { name: 'Node', refs: 2 } as const

/**
 * bottom_up_tree of the benchmarks game's binary-trees: a complete binary tree of `depth`
 * levels below its root, built depth-first (left subtree, then right), each call in its own
 * one-local frame as the recursive Python function has. The root is left in `ret`.
 */
export function bottomUpTree(m: Mutator, node: number, depth: number, ret: number): void {
  m.pushFrame(1)
  m.alloc(0, node)
  if (depth > 0) {
    bottomUpTree(m, node, depth - 1, ret)
    m.store(0, 0, ret)
    bottomUpTree(m, node, depth - 1, ret)
    m.store(0, 1, ret)
  }
  m.move(ret, 0)
  m.popFrame()
}

/**
 * The body of binary-trees as the tracing runtimes (Jython, IronPython) validate it: one
 * long-lived tree of `maxDepth` kept in `longLived`, then 2^(maxDepth - d + 4) short-lived
 * trees of each even depth d from 4, each dropped as the next one is built. No walk of the
 * trees: a tracing collector's work does not depend on it. The caller defines `node` and the
 * globals `ret` and `longLived` (in its own order: that order is part of its trace).
 */
export function longAndShortLivedTrees(
  m: Mutator,
  node: number,
  maxDepth: number,
  slots: { ret: number; longLived: number },
): void {
  bottomUpTree(m, node, maxDepth, slots.ret)
  m.move(slots.longLived, slots.ret)
  for (let d = 4; d <= maxDepth; d += 2) {
    const iterations = 2 ** (maxDepth - d + 4)
    for (let i = 0; i < iterations; i++) bottomUpTree(m, node, d, slots.ret)
  }
  m.clear(slots.ret)
}

/**
 * A ring of `length` nodes linked through field 0 (and, with `backLinks`, back through field
 * 1: a doubly linked ring), built in locals 0..2 of the current frame. Afterwards local 0 holds
 * the first node, locals 1 and 2 the last; the ring is closed (last.0 = first).
 */
export function buildRing(m: Mutator, node: number, length: number, backLinks = false): void {
  m.alloc(0, node)
  m.move(1, 0)
  for (let i = 1; i < length; i++) {
    m.alloc(2, node)
    m.store(1, 0, 2)
    if (backLinks) m.store(2, 1, 1)
    m.move(1, 2)
  }
  m.store(1, 0, 0)
}

/**
 * Finalizers that allocate (FinalizerSpec.allocate and storeNew), the one validation program
 * every runtime runs with them: `rounds` makers, each dropped (every other one in a self-cycle,
 * so that only a collection finds it), a little churn, then gc.collect(), which runs the
 * makers' `__del__` where each runtime runs it (CPython: in the dealloc or the collection; JVM,
 * CLR: the finalizer thread, which gc.collect() waits for; PyPy: its finalizer queue). Each
 * `__del__` makes `count` Junk objects that die at once and one Keep stored into global 1,
 * replacing the last one. gc.collect() every `collectEvery` rounds; after each round (1) keeps
 * the finalizers' allocations in the op they belong to on a runtime whose finalizer thread
 * runs on its own time (Jython).
 */
export function finalizerAllocations(rounds: number, count: number, collectEvery = 1): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const junk = m.defineType({ name: 'Junk', refs: 1, ints: 1 })
    const keep = m.defineType({ name: 'Keep', refs: 1, ints: 1, shape: 'slots' })
    const maker = m.defineType({
      name: 'Maker',
      refs: 1,
      ints: 1,
      shape: 'slots',
      finalizer: { allocate: { type: junk, count }, storeNew: { type: keep, global: 1 } },
    })
    m.pushFrame(2)
    for (let r = 0; r < rounds; r++) {
      m.alloc(0, maker)
      m.writeInt(0, 0, r)
      if (r % 2 === 1) m.store(0, 0, 0)
      m.clear(0)
      for (let i = 0; i < 20; i++) {
        m.alloc(1, junk)
        m.store(1, 0, 1) // a self-cycle: garbage that only a collection reclaims (CPython's counts grow)
      }
      m.clear(1)
      if (r % collectEvery === collectEvery - 1) m.collect()
    }
    m.popFrame()
    m.clear(globalSlot(1))
    m.collect()
  }
}
