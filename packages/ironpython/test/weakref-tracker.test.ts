import { type GcEvent, globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { budgetHistory, gen0Budget, IronPythonManager, staticDataTable } from '../src/index.js'
import {
  TRACKER_CALLBACKS_TYPE,
  TRACKER_TYPE,
  trackerCallbacksFinalizationBytes,
  trackerSize,
  W_FIELDS,
  W_GRANULES,
  W_ID,
  W_TYPE,
} from '../src/layout.js'

/** The WeakRefTrackers on the heap: the runtime's objects, which no program figure counts. */
function trackersOnHeap(m: IronPythonManager): number[] {
  const ids: number[] = []
  m.forEachObject((_g, words, w) => {
    if (words[w + W_TYPE] === TRACKER_TYPE) ids.push(words[w + W_ID])
  })
  return ids
}

/**
 * IronPython's WeakRefTracker (Src/IronPython/Runtime/WeakRef.cs): weakref callbacks run from the
 * finalizer of a tracker object on the finalizer thread after the GC, last registered first, each
 * only while its weakref object is alive.
 */
function setUp(sizeMode: 'clr' | 'ironpython') {
  const m = new IronPythonManager({ preset: 'clr', sizeMode, gen0size: 256 * 1024 })
  m.defineGlobals(3)
  const node = m.defineType({ name: 'Node', refs: 1 })
  const events: GcEvent[] = []
  m.on((e) => {
    if (e.type === 'weakref-callback' || e.type === 'gc-end' || e.type === 'weakref-clear') events.push(e)
  })
  m.pushFrame(2)
  return { m, node, events }
}

describe('WeakRefTracker', () => {
  for (const sizeMode of ['clr', 'ironpython'] as const) {
    it(`runs callbacks after the GC that found the target dead, newest first (${sizeMode} sizes)`, () => {
      const { m, node, events } = setUp(sizeMode)
      m.alloc(globalSlot(0), node)
      m.weakref(globalSlot(1), globalSlot(0), { tag: 1 })
      m.weakref(globalSlot(2), globalSlot(0), { tag: 2 })
      m.clear(globalSlot(0))
      // The budget-triggered path: no gc.collect(), the finalizer thread runs at the next op.
      m.native.clr.Collect(0, 'forced', true, true)
      const kinds = events.map((e) => (e.type === 'weakref-callback' ? `cb${e.tag}` : e.type))
      expect(kinds).toEqual(['weakref-clear', 'weakref-clear', 'gc-end'])
      m.alloc(0, node) // the next op: the finalizer thread's turn
      const after = events.map((e) => (e.type === 'weakref-callback' ? `cb${e.tag}` : e.type))
      expect(after.slice(3)).toEqual(['cb2', 'cb1'])
    })
  }

  it('skips the callback of a weakref that died with its target', () => {
    const { m, node, events } = setUp('clr')
    m.alloc(globalSlot(0), node)
    m.weakref(0, globalSlot(0), { tag: 7 }) // held only by a local
    m.weakref(globalSlot(1), globalSlot(0), { tag: 8 })
    m.clear(0)
    m.clear(globalSlot(0))
    m.collect()
    expect(
      events.filter((e) => e.type === 'weakref-callback').map((e) => (e as { tag: number }).tag),
    ).toEqual([8])
  })

  it('keeps the tracker alive exactly as long as its target, and reclaims it after its finalizer', () => {
    const { m, node } = setUp('clr')
    m.alloc(globalSlot(0), node)
    m.weakref(globalSlot(1), globalSlot(0), { tag: 1 })
    const live = () => m.stats().liveObjects
    m.collect()
    const withTarget = live() // target and weakref; the tracker is the runtime's
    expect(trackersOnHeap(m)).toHaveLength(1)
    m.collect()
    expect(live()).toBe(withTarget)
    expect(trackersOnHeap(m)).toHaveLength(1)
    m.clear(globalSlot(0))
    m.collect() // target reclaimed; tracker found dead, finalized, reclaimed by the second collection
    expect(live()).toBe(withTarget - 1)
    expect(trackersOnHeap(m)).toHaveLength(0)
  })

  it('gives every weakly referenced object a tracker in ironpython sizes (a null callback too), only callback targets in clr sizes', () => {
    for (const [sizeMode, trackers] of [
      ['ironpython', 1],
      ['clr', 0],
    ] as const) {
      const { m, node } = setUp(sizeMode)
      m.alloc(globalSlot(0), node)
      const before = m.stats()
      m.weakref(globalSlot(1), globalSlot(0))
      m.weakref(globalSlot(2), globalSlot(0))
      const after = m.stats()
      // Program figures count the two weakrefs only; the tracker takes heap space of its own id.
      expect(after.liveObjects - before.liveObjects).toBe(2)
      expect(after.objectsAllocated - before.objectsAllocated).toBe(2)
      const ids = trackersOnHeap(m)
      expect(ids).toHaveLength(trackers)
      for (const id of ids) expect(id).toBeLessThan(-2)
      // The next program object gets the id it gets on every runtime: the fourth made.
      m.alloc(globalSlot(2), node)
      expect(m.objectId(globalSlot(2))).toBe(m.objectId(globalSlot(0)) + 3)
    }
  })
})

describe("the .NET oracle's Tracker (clr sizes)", () => {
  /** The callback lists on the heap (bytes each), and the one the tracker points at. */
  function lists(m: IronPythonManager): { sizes: number[]; current: number } {
    const sizes: number[] = []
    let current = 0
    const at = new Map<number, number>()
    let trackerField = 0
    m.forEachObject((g, words, w) => {
      if (words[w + W_TYPE] === TRACKER_CALLBACKS_TYPE) {
        sizes.push(words[w + W_GRANULES] * 8)
        at.set(g, words[w + W_GRANULES] * 8)
      }
      if (words[w + W_TYPE] === TRACKER_TYPE) trackerField = words[w + W_FIELDS]
    })
    current = at.get(trackerField) ?? 0
    return { sizes, current }
  }

  it('is a 32-byte tracker and an int[] of its own, replaced by one twice as long when full (Array.Resize)', () => {
    const { m, node } = setUp('clr')
    m.alloc(globalSlot(0), node)
    m.weakref(globalSlot(1), globalSlot(0), { tag: 1 })
    expect(lists(m)).toEqual({ sizes: [32], current: 32 }) // int[1]
    m.weakref(globalSlot(2), globalSlot(0), { tag: 2 })
    expect(lists(m)).toEqual({ sizes: [32, 32], current: 32 }) // int[2]
    m.weakref(0, globalSlot(0), { tag: 3 })
    expect(lists(m)).toEqual({ sizes: [32, 32, 40], current: 40 }) // int[4]
    m.weakref(1, globalSlot(0), { tag: 4 })
    expect(lists(m).sizes).toHaveLength(3) // room for the fourth
    m.collect()
    expect(lists(m)).toEqual({ sizes: [40], current: 40 }) // the replaced lists were garbage
  })
})

describe('finalization_promoted_bytes counts a tracker as gc.cpp size (o) does', () => {
  it("the oracle's tracker counts 60 bytes (32 and its int[1] unrounded), IronPython's its whole 208", () => {
    expect(trackerSize('clr') + trackerCallbacksFinalizationBytes(1)).toBe(60)
    expect(trackerSize('ironpython')).toBe(208)
  })

  it("gives .NET's gen0 budget after callbacks-resurrection's first collection (472,000 bytes)", () => {
    // The first collection at 256 KiB: 32,072 bytes survive, 262,256 were gen0's data, and the
    // finalization scan marked 8,896 bytes (model, rounded sizes) of which 106 trackers: .NET's
    // budget (GC.GetGenerationBudget) is surv_to_growth's 20 x (32,072 - 8,472).
    const sd = staticDataTable(256 * 1024)[0]
    const history = budgetHistory(262_144, -8)
    expect(gen0Budget(0, sd, 32_072, 8_896 - 106 * 4, 262_256, history)).toBe(472_000)
    expect(gen0Budget(0, sd, 32_072, 8_896, 262_256, history)).toBe(463_520) // before
  })
})
