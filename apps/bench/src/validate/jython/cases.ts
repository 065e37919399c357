/**
 * Jython's validation set: programs sized against HotSpot's heap (compared for collection
 * counts and heap after collection on the real JVM, at three or more heap configurations each)
 * and programs with finalizers and weakref callbacks (compared for event order under the real
 * Jython). Each is recorded as a trace and goes through the same path as a user's trace
 * (../jython.ts, validateJythonTrace).
 *
 * The tree and ring builders and the binary-trees body are shared (../programs.ts). The other
 * programs stay here because their shape is HotSpot's: sized against eden and the old
 * generation (-Xmn/-Xmx), an LRU whose entries carry a payload and drop three temporaries a
 * step, old-to-young stores into tenured holder objects (the card table), blobs larger than
 * eden (allocated straight in the old generation). CPython's and IronPython's programs of the
 * same names keep other objects alive in other places, so their op streams differ.
 */
import { globalSlot, type Mutator, Rng } from '@pygc/core'
import { fragmentation } from '@pygc/workloads'
import { buildRing, finalizerAllocations, longAndShortLivedTrees, TREE_NODE } from '../programs.js'
import type { HeapConfig } from '../types.js'

const MiB = 1024 * 1024

export interface JvmCase {
  name: string
  program: (m: Mutator) => void
  heaps: HeapConfig[]
  /** More configurations for `--thorough` (outside CI), e.g. ones with a known residual. */
  thoroughHeaps?: HeapConfig[]
}

export interface OrderCase {
  name: string
  program: (m: Mutator) => void
}

/** A fixed-size JVM heap: -Xms = -Xmx (no resizing), -Xmn the young generation. */
export function jvmHeap(xmxMiB: number, xmnMiB: number): HeapConfig {
  return { xms: xmxMiB * MiB, xmx: xmxMiB * MiB, xmn: xmnMiB * MiB }
}

/** Return register for the recursive programs: a callee leaves its result here. */
const RET = globalSlot(1)

/** binary-trees (benchmarks game): a long-lived tree, then many short-lived trees per depth. */
function binaryTrees(maxDepth: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const node = m.defineType(TREE_NODE)
    m.pushFrame(1)
    longAndShortLivedTrees(m, node, maxDepth, { ret: RET, longLived: globalSlot(0) })
    m.popFrame()
  }
}

/** Rings of `k` nodes made and dropped, a window of the last `window` rings kept alive. */
function cycleChurn(rings: number, k: number, window: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const node = m.defineType({ name: 'RingNode', refs: 2, ints: 1 })
    const keep = m.defineType({ name: 'Window', refs: 0, variable: 'refs' })
    m.pushFrame(3)
    m.alloc(globalSlot(0), keep, window)
    for (let r = 0; r < rings; r++) {
      buildRing(m, node, k)
      m.store(globalSlot(0), r % window, 0)
    }
    m.popFrame()
  }
}

/** An LRU-like cache: a table of `capacity` entries, each step replaces a random one. */
function lruMix(steps: number, capacity: number, seed: number): (m: Mutator) => void {
  return (m) => {
    const rng = new Rng(seed)
    m.defineGlobals(1)
    const entry = m.defineType({ name: 'Entry', refs: 2, ints: 2, bytes: 48 })
    const table = m.defineType({ name: 'Table', refs: 0, variable: 'refs' })
    const temp = m.defineType({ name: 'Temp', refs: 1, ints: 1 })
    m.pushFrame(3)
    m.alloc(globalSlot(0), table, capacity)
    for (let s = 0; s < steps; s++) {
      m.alloc(0, entry)
      const hit = rng.int(capacity)
      m.load(1, globalSlot(0), hit)
      m.store(0, 0, 1) // the new entry points at the one it evicts (a chain that soon dies)
      m.store(globalSlot(0), rng.int(capacity), 0)
      for (let t = 0; t < 3; t++) m.alloc(2, temp)
    }
    m.popFrame()
  }
}

/** A long-lived array of holders (old after a full GC), young objects stored into them. */
function oldToYoung(holders: number, steps: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const holder = m.defineType({ name: 'Holder', refs: 2 })
    const table = m.defineType({ name: 'Holders', refs: 0, variable: 'refs' })
    const young = m.defineType({ name: 'Young', refs: 1, ints: 3 })
    m.pushFrame(2)
    m.alloc(globalSlot(0), table, holders)
    for (let i = 0; i < holders; i++) {
      m.alloc(0, holder)
      m.store(globalSlot(0), i, 0)
    }
    m.collect() // tenure the structure: from here on every store below is old-to-young
    for (let s = 0; s < steps; s++) {
      m.alloc(0, young)
      m.load(1, globalSlot(0), (s * 7919) % holders)
      m.store(1, s & 1, 0)
    }
    m.popFrame()
  }
}

/** Objects larger than eden (straight to the old generation), among small garbage. */
function largeObjects(count: number, largeBytes: number, smallPerLarge: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const blob = m.defineType({ name: 'Blob', refs: 0, variable: 'bytes' })
    const small = m.defineType({ name: 'Small', refs: 2 })
    m.pushFrame(1)
    for (let i = 0; i < count; i++) {
      m.alloc(globalSlot(i & 1), blob, largeBytes) // the last two stay alive
      for (let j = 0; j < smallPerLarge; j++) m.alloc(0, small)
    }
    m.popFrame()
  }
}

/**
 * Ops after a collection, so the JVM's finalizer thread and Jython's weakref reaper get to run
 * before the program goes on (they are other threads; the model runs them at the next op).
 */
const SETTLE_OPS = 20_000

function settle(m: Mutator, slot: number): void {
  for (let i = 0; i < SETTLE_OPS; i++) m.isNull(slot)
}

/** An object with __del__ and a weakref with a callback to it; dropped; gc.collect(). */
function finalizerAndWeakref(m: Mutator): void {
  const del = m.defineType({ name: 'WithDel', refs: 1, finalizer: {}, shape: 'dict-instance' })
  const leaf = m.defineType({ name: 'Leaf', refs: 0, ints: 1 })
  m.pushFrame(4)
  m.alloc(0, del)
  m.alloc(1, leaf)
  m.store(0, 0, 1)
  m.weakref(2, 0, { tag: 1 })
  m.clear(0)
  m.clear(1)
  settle(m, 2) // not at `del`: nothing may run before the collection
  m.collect()
  m.deref(3, 2) // cleared by the collection itself
  m.isNull(3)
  settle(m, 2)
  m.collect()
  settle(m, 2)
  m.popFrame()
}

/** Three weakrefs with callbacks to one target: cleared together, callbacks newest first. */
function weakrefCallbacks(m: Mutator): void {
  const t = m.defineType({ name: 'Target', refs: 0, shape: 'dict-instance' })
  m.pushFrame(5)
  m.alloc(0, t)
  m.weakref(1, 0, { tag: 1 })
  m.weakref(2, 0, { tag: 2 })
  m.weakref(3, 0, { tag: 3 })
  m.clear(0)
  m.collect()
  m.deref(4, 1)
  m.isNull(4)
  settle(m, 1)
  m.collect()
  settle(m, 1)
  m.popFrame()
}

/** A __del__ that resurrects its object: finalized once, the object stays usable. */
function resurrection(m: Mutator): void {
  m.defineGlobals(1)
  const p = m.defineType({
    name: 'Phoenix',
    refs: 0,
    ints: 1,
    finalizer: { resurrectInto: 0 },
    shape: 'dict-instance',
  })
  m.pushFrame(1)
  m.alloc(0, p)
  m.clear(0)
  m.collect()
  settle(m, 0)
  m.isNull(globalSlot(0)) // resurrected
  m.clear(globalSlot(0))
  m.collect()
  settle(m, 0)
  m.collect()
  settle(m, 0)
  m.popFrame()
}

/**
 * Three heap configurations per program (issue 12): the first two are the sizes of issue 4, the
 * third a larger heap, so a model error that only one geometry hides shows at another.
 */
export const JVM_CASES: readonly JvmCase[] = [
  {
    name: 'binary-trees d=14',
    program: binaryTrees(14),
    heaps: [jvmHeap(24, 4), jvmHeap(32, 8), jvmHeap(48, 12)],
  },
  {
    name: 'cycle-churn 400k rings',
    program: cycleChurn(400_000, 8, 20_000),
    heaps: [jvmHeap(32, 8), jvmHeap(48, 16), jvmHeap(64, 24)],
  },
  {
    name: 'lru-mix 1.5M steps',
    program: lruMix(1_500_000, 50_000, 42),
    heaps: [jvmHeap(32, 8), jvmHeap(64, 24), jvmHeap(40, 12)],
    // -Xmx48m -Xmn16m was a known residual (one full collection more on the model) until the
    // start-up levels; it agrees since session 8 (packages/jython/FIDELITY.md, "Promotion safety").
    thoroughHeaps: [jvmHeap(48, 16)],
  },
  {
    name: 'old-to-young 200k holders',
    program: oldToYoung(200_000, 3_000_000),
    heaps: [jvmHeap(48, 8), jvmHeap(64, 16), jvmHeap(96, 24)],
  },
  {
    name: 'large-objects > eden',
    program: largeObjects(60, 7 * MiB, 20_000),
    heaps: [jvmHeap(40, 8), jvmHeap(64, 8), jvmHeap(96, 8)],
  },
  {
    // The workload at size test: its first young collections copy more live data than to-space
    // holds, so how the JVM's own start-up objects share to-space with the program's decides
    // what is promoted (packages/jython/FIDELITY.md, "The JVM's own objects").
    name: 'fragmentation 20k objects seed=3',
    program: (m) => {
      fragmentation.run(m, fragmentation.sizes.test, new Rng(3))
    },
    heaps: [jvmHeap(24, 4), jvmHeap(32, 8), jvmHeap(64, 16)],
  },
]

/**
 * 'finalizer allocations' (FinalizerSpec.allocate, storeNew: 100 objects per __del__,
 * gc.collect() after every maker, ~45 ops apart): the oracles wait at each gc.collect() for the
 * __del__s it made due (TraceReplay.java's collectAndWait, replay.py's jython_collect_and_wait),
 * so each __del__ is seen between its collection and the next, as the model runs it.
 */
export const ORDER_CASES: readonly OrderCase[] = [
  { name: 'finalizer + weakref', program: finalizerAndWeakref },
  { name: 'weakref callbacks', program: weakrefCallbacks },
  { name: 'resurrection', program: resurrection },
  { name: 'finalizer allocations', program: finalizerAllocations(200, 100) },
]
