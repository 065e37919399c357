import { describe, expect, it } from 'vitest'
import { BaselineManager } from '../../baseline/src/index.js'
import { collectMetrics, nearestRank, summarize } from '../src/metrics/index.js'
import type { Mutator } from '../src/types.js'

/** Build and drop lists of `n` nodes `rounds` times, a finalizable object and a weakref each round, a forced collection every third. */
function program(rounds: number, n: number) {
  return (m: Mutator): void => {
    m.defineGlobals(1)
    const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
    const fin = m.defineType({ name: 'fin', refs: 0, finalizer: {} })
    m.pushFrame(2)
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < n; i++) {
        m.alloc(1, node)
        m.store(1, 0, 0)
        m.move(0, 1)
      }
      m.alloc(1, fin)
      m.weakref(-1, 1, { tag: r })
      m.clear(0)
      m.clear(1)
      if (r % 3 === 2) m.collect()
    }
    m.gcControl('freeze')
    m.popFrame()
  }
}

describe('percentiles', () => {
  it('use the nearest rank', () => {
    const ten = Float64Array.from({ length: 10 }, (_, i) => i + 1)
    expect(summarize(ten)).toEqual({
      count: 10,
      total: 55,
      min: 1,
      mean: 5.5,
      p50: 5,
      p95: 10,
      p99: 10,
      max: 10,
    })
    const hundred = Float64Array.from({ length: 100 }, (_, i) => 100 - i)
    expect([nearestRank(hundred.slice().sort(), 95), summarize(hundred).p99]).toEqual([95, 99])
    expect(summarize([]).count).toBe(0)
  })
})

describe('collectMetrics', () => {
  it('fills every field from the events and stats', () => {
    const m = new BaselineManager()
    const { metrics } = collectMetrics(m, program(12, 500))
    const s = m.stats()
    expect(metrics.runtime).toMatchObject({ family: 'baseline', generations: ['full'], moving: false })
    expect(metrics.ops).toBe(s.ops)
    expect(metrics.collections).toEqual({ full: s.collections[0] })
    expect(metrics.collectionReasons['gc.collect']).toBe(4)
    expect(metrics.pauses.count).toBe(s.collections[0])
    expect(metrics.pauses.total).toBeCloseTo(s.virtualTime.gc)
    expect(metrics.gcs).toHaveLength(s.collections[0])
    expect(metrics.gcs[0]).toMatchObject({ index: 0, kind: 'full', reason: 'gc.collect' })
    expect(metrics.collectCalls).toHaveLength(4)
    expect(metrics.gcControls).toEqual([{ op: s.ops - 2, action: 'freeze', supported: false }])
    expect(metrics.finalizers.count).toBeGreaterThan(0)
    expect(metrics.finalizers.events).toHaveLength(metrics.finalizers.count)
    expect(metrics.weakrefs.cleared).toBe(s.weakrefsCleared)
    expect(metrics.weakrefs.callbacks).toBe(metrics.weakrefs.callbackEvents.length)
    expect(metrics.freed.tracing).toBe(s.freedByTracing)
    expect(metrics.fragmentation).toBeCloseTo(s.peakFootprintBytes / s.peakLiveBytes)
    expect(metrics.virtualTime.total).toBeCloseTo(s.virtualTime.mutator + s.virtualTime.gc)
    expect(metrics.truncated).toBe(false)
    expect(metrics.promptness).toBeUndefined()
    expect(metrics.wall.totalMs).toBeGreaterThanOrEqual(0)
  })

  it('samples an adaptive timeline of 500 to 1000 points, or a fixed interval', () => {
    const { metrics } = collectMetrics(new BaselineManager(), program(20, 500))
    const n = metrics.timeline.samples.length
    expect(n).toBeGreaterThanOrEqual(500)
    expect(n).toBeLessThanOrEqual(1001)
    const ops = metrics.timeline.samples.map((s) => s.op)
    expect(ops).toEqual([...ops].sort((a, b) => a - b))
    const fixed = collectMetrics(new BaselineManager(), program(2, 100), { timelineEvery: 50 }).metrics
      .timeline
    expect(fixed.everyOps).toBe(50)
    expect(fixed.samples.slice(0, 3).map((s) => s.op)).toEqual([50, 100, 150])
  })

  it('is deterministic apart from wall time', () => {
    const run = () => {
      const {
        wall: _wall,
        gcs,
        ...rest
      } = collectMetrics(new BaselineManager(), program(9, 300), { promptness: true }).metrics
      return JSON.stringify({ ...rest, gcs })
    }
    expect(run()).toBe(run())
  })

  it('caps the record lists and says so', () => {
    const { metrics } = collectMetrics(new BaselineManager(), program(12, 50), { maxRecords: 2 })
    expect(metrics.gcs).toHaveLength(2)
    expect(metrics.collectCalls).toHaveLength(2)
    expect(metrics.pauses.count).toBe(4)
    expect(metrics.truncated).toBe(true)
  })

  it('measures promptness with the oracle: exact for acyclic garbage', () => {
    const { metrics } = collectMetrics(
      new BaselineManager(),
      (m) => {
        const node = m.defineType({ name: 'node', refs: 1 })
        m.pushFrame(1)
        m.alloc(0, node) // op 1
        m.clear(0) // op 2: dies
        m.isNull(0) // op 3
        m.collect() // op 4: freed, 2 ops later
        m.alloc(0, node) // op 5: never reclaimed once cleared
        m.clear(0)
      },
      { promptness: true },
    )
    expect(metrics.promptness).toMatchObject({ objects: 1, exact: 1, neverReclaimed: 1, checkInterval: 1000 })
    expect(metrics.promptness?.ops.max).toBe(2)
    expect(metrics.promptness?.bytes.max).toBe(0)
  })

  it('bounds the promptness of cyclic garbage by the oracle check interval', () => {
    const { metrics } = collectMetrics(
      new BaselineManager(),
      (m) => {
        const node = m.defineType({ name: 'node', refs: 1 })
        m.pushFrame(2)
        m.alloc(0, node) // op 1
        m.alloc(1, node) // op 2
        m.store(0, 0, 1)
        m.store(1, 0, 0)
        m.clear(0)
        m.clear(1) // op 6: the cycle dies, unseen by the shadow counts
        for (let i = 0; i < 20; i++) m.isNull(0)
        m.collect() // op 27: freed
      },
      { promptness: true, promptnessCheckEvery: 10 },
    )
    // The first check ran after 10 ops and found the cycle dead; the last check before it was
    // "none", so the death is dated op 0 and the delay, 27 ops, is an upper bound (true: 21).
    expect(metrics.promptness).toMatchObject({ objects: 2, exact: 0, checkInterval: 10, neverReclaimed: 0 })
    expect(metrics.promptness?.ops.max).toBe(27)
  })
})
