import { type GcEvent, isPygcError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager, cpythonRuntime, PRESETS, VERSION_POLICIES } from '../src/index.js'

/** Op index and collected count of every gc-start/gc-end pair of a run. */
function collectionsOf(m: CPythonManager): { op: number; generation: number }[] {
  const seen: { op: number; generation: number }[] = []
  m.on((e: GcEvent) => {
    if (e.type === 'gc-start') seen.push({ op: e.op, generation: e.generation })
  })
  return seen
}

/**
 * pushFrame (op 0), then per iteration k: alloc into local 0 (op 1 + 2k) and a self-reference
 * (op 2 + 2k). Overwriting local 0 leaves the previous self-cycle as garbage, so generation 0's
 * count only grows: allocation k makes it k + 1, and allocation 700 (op 1401) is the first to
 * pass the threshold of 700.
 */
function selfCycles(m: CPythonManager, n: number): void {
  const t = m.defineType({ name: 'L', refs: 1 })
  m.pushFrame(1)
  for (let k = 0; k < n; k++) {
    m.alloc(0, t)
    m.store(0, 0, 0)
  }
}

describe('presets', () => {
  it('are listed by the runtime descriptor from the version table, 3.11 the default', () => {
    expect(cpythonRuntime.presets.map((p) => p.name)).toEqual([
      'cpython-3.10',
      'cpython-3.11',
      'cpython-3.12',
      'cpython-3.13',
      'cpython-3.14.0',
      'cpython-3.14.5',
    ])
    expect(cpythonRuntime.defaultPreset).toBe('cpython-3.11')
    expect(PRESETS).toHaveLength(VERSION_POLICIES.length)
    for (const p of VERSION_POLICIES) expect(p.sources.length).toBeGreaterThan(0)
    // validated = apps/bench/test/validate-cpython.test.ts runs it against its interpreter in CI
    expect(VERSION_POLICIES.filter((p) => p.validated).map((p) => p.name)).toEqual([
      'cpython-3.10',
      'cpython-3.11',
      'cpython-3.12',
      'cpython-3.13',
    ])
    expect(new CPythonManager().info.preset).toBe('cpython-3.11')
  })

  it('set the thresholds; an explicit thresholds option still wins', () => {
    expect(new CPythonManager().native.get_threshold()).toEqual([700, 10, 10])
    expect(new CPythonManager({ preset: 'cpython-3.12' }).native.get_threshold()).toEqual([700, 10, 10])
    expect(new CPythonManager({ preset: 'cpython-3.13' }).native.get_threshold()).toEqual([2000, 10, 10])
    const m = new CPythonManager({ preset: 'cpython-3.13', thresholds: [5, 6, 7] })
    expect(m.native.get_threshold()).toEqual([5, 6, 7])
  })

  it('rejects an unknown preset, naming the known ones', () => {
    let err: unknown
    try {
      new CPythonManager({ preset: 'cpython-3.14.9' })
    } catch (e) {
      err = e
    }
    expect(isPygcError(err, 'INVALID_OPTION')).toBe(true)
    expect((err as Error).message).toContain('cpython-3.13')
  })
})

/**
 * The 3.12+ rule (packages/cpython/VERSIONS.md section 3, measured by
 * benchmarks/oracles/cpython/eval-breaker.mjs on 3.12.1 and 3.13.0): the collection an op
 * schedules runs during that op, at replay.py's eval-breaker check: after the store for an exact
 * list (the loop's back edge), before the store for a class instance or a weak reference (the
 * CALL's check), and in the last op too.
 */
describe('cpython-3.12: the collection runs at the eval-breaker check of the op that scheduled it', () => {
  it('an exact list: 3.11 inside allocation 700 (op 1401), 3.12 at the end of that op, after the store', () => {
    const m311 = new CPythonManager()
    const c311 = collectionsOf(m311)
    selfCycles(m311, 701)
    const m312 = new CPythonManager({ preset: 'cpython-3.12' })
    const c312 = collectionsOf(m312)
    selfCycles(m312, 701)
    expect(c311).toEqual([{ op: 1401, generation: 0 }])
    expect(c312).toEqual([{ op: 1401, generation: 0 }])
    // 3.11 runs before the new object is tracked and before it replaces object 699 in local 0:
    // objects 0..698 are garbage. 3.12 runs after the store: 699 is garbage too, and the new
    // object 700 is tracked and survives into generation 1.
    expect(m311.native.get_stats()[0].collected).toBe(699)
    expect(m312.native.get_stats()[0].collected).toBe(700)
    expect(m311.native.get_count()).toEqual([0, 1, 0])
    expect(m312.native.get_count()).toEqual([0, 1, 0])
  })

  it('a class instance: 3.12 collects right after it is made, before it is stored (the CALL checks first)', () => {
    const m = new CPythonManager({ preset: 'cpython-3.12' })
    const seen = collectionsOf(m)
    const t = m.defineType({ name: 'S', refs: 1, shape: 'slots' })
    m.pushFrame(1)
    for (let k = 0; k < 701; k++) {
      m.alloc(0, t) // op 1 + 2k
      m.store(0, 0, 0) // op 2 + 2k
    }
    expect(seen).toEqual([{ op: 1401, generation: 0 }])
    // object 699 is still in local 0 during the collection: 0..698 are the garbage
    expect(m.native.get_stats()[0].collected).toBe(699)
  })

  it('a trigger in the last op collects too (no following op needed)', () => {
    const m = new CPythonManager({ preset: 'cpython-3.12' })
    const seen = collectionsOf(m)
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(1) // op 0
    for (let k = 0; k < 701; k++) {
      if (k > 0) m.store(0, 0, 0) // op 2k
      m.alloc(0, t) // op 2k + 1; the last one (op 1401) schedules and collects
    }
    expect(seen).toEqual([{ op: 1401, generation: 0 }])
    expect(m.native.get_count()).toEqual([0, 1, 0])
  })

  it('re-reads the counts at the check: frees by the store after the trigger can leave nothing to collect', () => {
    // One alloc op of an exact list passes the threshold, then its store drops the 3-object
    // chain its destination slot held (three PyObject_GC_Del, count - 3). 3.11 collects inside
    // the allocation; 3.12 finds the count back under the threshold at the end of the op.
    const run = (preset: string) => {
      const m = new CPythonManager({ preset })
      const seen = collectionsOf(m)
      const s = m.defineType({ name: 'S', refs: 1, shape: 'slots' }) // no free list for slots instances
      const l = m.defineType({ name: 'L', refs: 0 })
      m.pushFrame(3)
      m.alloc(0, s)
      m.alloc(1, s)
      m.store(0, 0, 1)
      m.alloc(2, s)
      m.store(1, 0, 2)
      m.clear(1)
      m.clear(2)
      expect(m.native.get_count()[0]).toBe(3)
      m.native.set_threshold(3)
      m.alloc(0, l) // count 4 > 3; the store frees the chain: 1
      return { collections: seen.length, count: m.native.get_count()[0] }
    }
    expect(run('cpython-3.11')).toEqual({ collections: 1, count: 0 })
    expect(run('cpython-3.12')).toEqual({ collections: 0, count: 1 })
  })
})

describe('cpython-3.13: threshold0 2000 with the 3.12 scheduling', () => {
  it('collects a loop of 2-list garbage cycles every 2081 allocations', () => {
    // Why 2081: a collection frees the garbage cycles; the first 80 lists go to the list free
    // list (PyList_MAXFREELIST), the rest to PyObject_GC_Del, which cannot take generation 0's
    // count below the 0 the collection set. The next 80 list allocations come from the free
    // list and do not count; then fresh allocations count 1, 2, ..., and the 2001st passes the
    // threshold (2001 > 2000) and schedules the collection. So 80 + 2001 = 2081 allocations
    // from one trigger to the next. The collection runs at the end of the triggering op
    // (after its store: exact lists, VERSIONS.md section 3): the running
    // iteration's objects are in locals and survive, everything older is freed (far more than
    // 80 lists, so the free list is full again) and the count is 0 either way. If the first
    // alloc triggered, the second alloc is simply the first of the next 80 free-list
    // allocations, so the period is 2081 whichever allocation triggers (2081 is odd: they
    // alternate). `allocs` counts finished allocations, so a boundary collection sees the
    // trigger not yet counted. The first collection comes at the 2001st allocation (the free
    // list starts empty). 3.11's in-allocation trigger gives 80 + 701 = 781 the same way (model.test.ts).
    const m = new CPythonManager({ preset: 'cpython-3.13' })
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    const starts: number[] = []
    let allocs = 0
    m.on((e: GcEvent) => {
      if (e.type === 'gc-start' && e.generation === 0) starts.push(allocs)
    })
    // 8 * 2081 allocations: 8 collections, well before generation 2 could run (and clear the
    // free lists) after 11 generation-1 collections.
    for (let i = 0; i < 8_400; i++) {
      m.alloc(0, t)
      allocs++
      m.alloc(1, t)
      allocs++
      m.store(0, 0, 1)
      m.store(1, 0, 0)
      m.clear(0)
      m.clear(1)
    }
    // The trigger op collects before the loop counts it: 2000 finished allocations, the 2001st running.
    expect(starts[0]).toBe(2000)
    const gaps = starts.slice(1).map((x, i) => x - starts[i])
    expect(gaps.length).toBeGreaterThanOrEqual(6)
    expect(new Set(gaps)).toEqual(new Set([2081]))
  })
})

describe('the trashcan by version', () => {
  /** A chain of `n` lists dropped at once; how many deallocs the trashcan deferred. */
  function deposits(preset: string, n: number): number {
    const m = new CPythonManager({ preset })
    const t = m.defineType({ name: 'Link', refs: 1 })
    m.pushFrame(2)
    for (let i = 0; i < n; i++) {
      m.alloc(1, t)
      m.store(1, 0, 0)
      m.move(0, 1)
    }
    m.clear(1)
    m.clear(0)
    return m.native.summary().trashcanDeposits as number
  }

  it('3.11/3.12 defer past a nesting of 50 (_PyTrash_UNWIND_LEVEL)', () => {
    expect(deposits('cpython-3.11', 50)).toBe(0)
    expect(deposits('cpython-3.11', 52)).toBe(1)
    expect(deposits('cpython-3.12', 1000)).toBeGreaterThan(15)
  })

  it('3.13 spends the C recursion budget first (Include/cpython/object.h:477-494): 9948 levels, then pieces of ~50', () => {
    expect(deposits('cpython-3.13', 9948)).toBe(0)
    expect(deposits('cpython-3.13', 9950)).toBe(1)
    expect(deposits('cpython-3.13', 20_000)).toBeGreaterThan(150)
  })
})
