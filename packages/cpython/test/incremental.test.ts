/**
 * CPython 3.14.0's incremental collector (src/incremental.ts), rule by rule against its source
 * (packages/cpython/VERSIONS.md section 4a: python/cpython Python/gc.c at ca21a0a1 by function,
 * 3.15.0a5 lines where unchanged). The region collection itself is the generational
 * collector's (gc_collect_region = 3.13's phases); here a stand-in keeps every object of the
 * region, so what is pinned is which objects each step puts where and the work accounting.
 */
import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { GEN0, GEN1, INCREMENT, ObjectHeap, PERMANENT } from '../src/heap.js'
import {
  assessWorkToDo,
  INCREMENTAL_THRESHOLDS,
  INITIAL_WORK_TO_DO,
  IncrementalCollector,
  type IncrementalHost,
  incrementCredit,
  Phase,
} from '../src/incremental.js'
import { CPythonManager, policyOf } from '../src/index.js'
import { Kind } from '../src/layout.js'

const GEN2 = GEN1 + 1

/** A heap with objects linked as `edges` (object index -> referenced indexes), all in young. */
function world(n: number, edges: Record<number, number[]>, roots: number[]) {
  const heap = new ObjectHeap()
  const objs: number[] = []
  for (let i = 0; i < n; i++) {
    const h = heap.newHandle()
    const out = edges[i] ?? []
    heap.kind[h] = Kind.List
    heap.fieldBase[h] = heap.allocFields(Math.max(1, out.length))
    heap.nrefs[h] = out.length
    heap.listAppend(h, GEN0)
    objs.push(h)
  }
  for (let i = 0; i < n; i++)
    for (const [k, j] of (edges[i] ?? []).entries()) heap.fields[heap.fieldBase[objs[i]] + k] = objs[j]
  let young = n
  const regions: number[][] = []
  const values = Int32Array.from(roots.map((i) => objs[i]))
  const host: IncrementalHost = {
    heap,
    youngCount: () => young,
    resetYoungCount: () => {
      young = 0
    },
    rootValues: () => ({ values, frameBase: 0, top: values.length }),
    collectRegion: (region, survivors) => {
      const members: number[] = []
      for (let h = heap.gcNext[region]; h !== region; h = heap.gcNext[h]) members.push(objs.indexOf(h))
      regions.push(members)
      heap.listMerge(region, survivors)
      return [0, 0]
    },
    untrackTuples: () => {},
    old0Threshold: () => 10,
    clearFreeLists: () => {},
    noteMarked: () => {},
  }
  const where = (i: number): number => heap.where[objs[i]]
  return { heap, objs, host, regions, where, setYoung: (k: number) => (young = k) }
}

describe('3.14.0 incremental collector', () => {
  it('gc.get_threshold() is (2000, 10, 0) (pycore_runtime_init.h:137-140, gcmodule.c:178-186)', () => {
    expect(INCREMENTAL_THRESHOLDS).toEqual([2000, 10, 0])
  })

  it('assess_work_to_do: new + min(heap_size / 10 / max(2, old[0].threshold), new * 3 / 2)', () => {
    expect(assessWorkToDo(2001, 0, 10)).toBe(2001)
    expect(assessWorkToDo(2001, 100_000, 10)).toBe(2001 + 1000) // 100000 / 10 / 10
    expect(assessWorkToDo(2001, 10_000_000, 10)).toBe(2001 + 3001) // capped at 2001 * 3 / 2
    expect(assessWorkToDo(100, 1000, 0)).toBe(100 + 50) // scale at least 2
    expect(incrementCredit(100_000, 10)).toBe(1000)
  })

  it('the first increment after a completed scavenge only marks: roots reach into the visited space, nothing collected, not counted', () => {
    // 0 -> 1 -> 2 reachable from root 0; 3 <-> 4 a garbage cycle
    const w = world(5, { 0: [1], 1: [2], 3: [4], 4: [3] }, [0])
    const gc = new IncrementalCollector(w.host)
    expect(gc.phase).toBe(Phase.Mark)
    const r = gc.collectIncrement()
    expect(r).toEqual({ collected: 0, uncollectable: 0, counted: false, size: 0 })
    expect(w.regions).toEqual([])
    expect([0, 1, 2].map(w.where)).toEqual([GEN1, GEN1, GEN1]) // visited = old[0]
    expect([3, 4].map(w.where)).toEqual([GEN0, GEN0])
    expect(gc.phase).toBe(Phase.Collect)
    // work_to_do = -5000 at start + assess (5 new + 0) - 2 * 3 marked (mark_at_start and its
    // caller both subtract)
    expect(gc.workToDo).toBe(INITIAL_WORK_TO_DO + 5 - 6)
    expect(INITIAL_WORK_TO_DO).toBe(-5000)
  })

  it('an increment is young plus whole transitive closures of pending objects while under its budget', () => {
    // pending: 0 -> 1 -> 2 (a chain), 3 <-> 4; young: 5
    const w = world(6, { 0: [1], 1: [2], 3: [4], 4: [3] }, [])
    const gc = new IncrementalCollector(w.host)
    gc.phase = Phase.Collect
    for (const i of [0, 1, 2, 3, 4]) w.heap.listMove(w.objs[i], gc.pendingHead)
    w.setYoung(1)
    gc.workToDo = 2 // budget: young (1) < 2, so one pending closure joins: 0, 1, 2 whole
    const r = gc.collectIncrement()
    expect(r.size).toBe(4)
    expect(w.regions).toEqual([[5, 0, 1, 2]])
    expect([3, 4].map(w.where)).toEqual([gc.pendingHead, gc.pendingHead])
    expect([5, 0, 1, 2].map(w.where)).toEqual(Array(4).fill(gc.visitedHead))
  })

  it('completed_scavenge flips the visited space when the permanent generation is empty, and the next increment marks', () => {
    const w = world(2, { 0: [1] }, [])
    const gc = new IncrementalCollector(w.host)
    gc.phase = Phase.Collect
    w.heap.listMove(w.objs[0], GEN2) // pending = old[1]
    w.heap.listMove(w.objs[1], GEN2)
    gc.workToDo = 100
    gc.collectIncrement()
    expect(w.heap.listIsEmpty(INCREMENT)).toBe(true)
    expect(gc.visitedSpace).toBe(1) // old[0], just visited, is the next cycle's pending space
    expect(gc.pendingHead).toBe(GEN1)
    expect([0, 1].map(w.where)).toEqual([GEN1, GEN1])
    expect(gc.phase).toBe(Phase.Mark)
    expect(gc.workToDo).toBe(0)
  })

  it('with frozen objects the scavenge moves the visited space into the pending one instead', () => {
    const w = world(3, {}, [])
    const gc = new IncrementalCollector(w.host)
    w.heap.listMove(w.objs[2], PERMANENT)
    gc.phase = Phase.Collect
    gc.workToDo = 100
    gc.collectIncrement()
    expect(gc.visitedSpace).toBe(0)
    expect([0, 1].map(w.where)).toEqual([GEN2, GEN2])
  })

  it('gc.collect(0) collects young alone into the visited space and counts it there; get_count is (young, visited, pending)', () => {
    const w = world(3, { 0: [1] }, [])
    const gc = new IncrementalCollector(w.host)
    const r = gc.collectYoung()
    expect(r).toMatchObject({ counted: true, size: 3 })
    expect(gc.counts()).toEqual([0, 1, 0])
  })

  it('gc.collect(2) collects young and both old spaces at once and completes the scavenge', () => {
    const w = world(4, {}, [])
    const gc = new IncrementalCollector(w.host)
    w.heap.listMove(w.objs[0], GEN1)
    w.heap.listMove(w.objs[1], GEN2)
    gc.collectFull()
    expect(w.regions[0].sort()).toEqual([0, 1, 2, 3])
    expect(gc.phase).toBe(Phase.Mark)
    expect(gc.counts()).toEqual([0, 0, 0])
  })
})

describe('cpython-3.14.0 preset: the incremental collector in the manager', () => {
  it('reports (2000, 10, 0), counts (young, visited, pending), and gc.collect(1) runs one increment', () => {
    const m = new CPythonManager({ preset: 'cpython-3.14.0' })
    expect(m.native.get_threshold()).toEqual([2000, 10, 0])
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    for (let i = 0; i < 10; i++) {
      m.alloc(0, t)
      m.alloc(1, t)
      m.store(0, 0, 1)
      m.store(1, 0, 0)
    }
    m.clear(0)
    m.clear(1)
    // the first increment after start only marks: nothing collected, not in gc.get_stats()
    m.collect(1)
    expect(m.native.get_stats()[1].collections).toBe(0)
    // the next one collects young (and what pending the budget allows): the 10 garbage cycles
    expect(m.collect(1)).toBe(20)
    expect(m.native.get_stats()[1]).toMatchObject({ collections: 1, collected: 20 })
    expect(m.native.get_count()[0]).toBe(0)
  })

  it('collects garbage cycles automatically, one increment at a time, from allocation 2001 on', () => {
    const m = new CPythonManager({ preset: 'cpython-3.14.0' })
    const t = m.defineType({ name: 'L', refs: 1 })
    const starts: number[] = []
    let allocs = 0
    m.on((e: GcEvent) => {
      if (e.type === 'gc-start') starts.push(allocs)
    })
    m.pushFrame(2)
    for (let i = 0; i < 10_000; i++) {
      m.alloc(0, t)
      allocs++
      m.alloc(1, t)
      allocs++
      m.store(0, 0, 1)
      m.store(1, 0, 0)
      m.clear(0)
      m.clear(1)
    }
    expect(starts[0]).toBe(2000) // the 2001st allocation's op collects (eval breaker, as 3.13)
    expect(m.native.get_stats()[0].collections).toBe(0) // automatic = increments (generation 1)
    expect(m.native.get_stats()[1].collected).toBeGreaterThan(10_000)
    expect(m.stats().liveObjects).toBeLessThan(4_100)
  })

  it('cpython-3.14.5 is the 3.13 generational collector again (python/cpython#148726)', () => {
    const m = new CPythonManager({ preset: 'cpython-3.14.5' })
    expect(m.native.get_threshold()).toEqual([2000, 10, 10])
    expect(policyOf('cpython-3.14.5')).toMatchObject({
      collector: 'generational',
      trigger: 'eval-breaker',
      validated: false,
    })
    expect(policyOf('cpython-3.14.0')).toMatchObject({ collector: 'incremental', validated: false })
  })
})
