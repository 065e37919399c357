import { describe, expect, it } from 'vitest'
import { compareDocuments, comparisonCsv, formatComparison, welchTest } from '../src/index.js'
import { sampleDocument } from './fixtures.js'

function sample(xs: number[]) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1))
  return { n: xs.length, mean, sd }
}

describe("Welch's t-test", () => {
  it("gives R's t.test p-value on Student's sleep data (t = -1.8608, df = 17.776, p = 0.07939)", () => {
    const x = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    const y = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    expect(welchTest(sample(x), sample(y))).toBeCloseTo(0.07939, 4)
  })

  it('needs two values a side; equal constant samples are not different', () => {
    expect(welchTest({ n: 1, mean: 1, sd: 0 }, { n: 5, mean: 2, sd: 1 })).toBeUndefined()
    expect(welchTest({ n: 3, mean: 1, sd: 0 }, { n: 3, mean: 1, sd: 0 })).toBe(1)
    expect(welchTest({ n: 3, mean: 1, sd: 0 }, { n: 3, mean: 2, sd: 0 })).toBe(0)
  })
})

describe('comparing two results documents', () => {
  it('same figures are "same"; a changed one has both values, the ratio and "changed"', () => {
    const base = sampleDocument()
    const next = sampleDocument()
    next.workloads[0].runs[1].metrics!.pauses.total *= 2
    const c = compareDocuments(base, next, { base: 'a.json', new: 'b.json' })
    const changed = c.rows.filter((r) => r.verdict === 'changed')
    expect(changed.map((r) => [r.runtime, r.metric])).toEqual([['jython', 'pause_total']])
    expect(changed[0].ratio).toBe(2)
    expect(c.rows.filter((r) => r.metric === 'pause_p50').every((r) => r.verdict === 'same')).toBe(true)
    const table = formatComparison(c, 'table')
    expect(table).toMatch(/^a\.json -> b\.json: 1 of \d+ deterministic figures differ/)
    expect(table).toMatch(/demo\s+jython\s+pause total\s+\S+ µs\s+\S+ µs\s+2x\s+changed/)
    // CSV has every figure, not only what differs.
    expect(comparisonCsv([c]).trim().split('\n')).toHaveLength(c.rows.length + 1)
  })

  it('wall times with repeats: mean ± deviation and a significance verdict', () => {
    const base = sampleDocument()
    const next = sampleDocument()
    base.wall.runs = [
      {
        workload: 'demo',
        runtime: 'cpython',
        params: { x: 1 },
        totalMs: 10,
        gcMs: 1,
        repeats: { totalMs: [10, 10.5, 9.5, 10], gcMs: [1, 1, 1, 1] },
      },
    ]
    next.wall.runs = [
      {
        workload: 'demo',
        runtime: 'cpython',
        params: { x: 1 },
        totalMs: 20,
        gcMs: 1,
        repeats: { totalMs: [20, 20.5, 19.5, 20], gcMs: [1, 1.2, 0.8, 1] },
      },
    ]
    const c = compareDocuments(base, next, { base: 'a', new: 'b' })
    const wall = c.rows.find((r) => r.runtime === 'cpython' && r.metric === 'wall_ms')!
    expect(wall.verdict).toBe('slower')
    expect(wall.wall?.p).toBeLessThan(0.001)
    expect(wall.newText).toBe('20 ms ± 0.41 ms (n=4)')
    expect(c.rows.find((r) => r.runtime === 'cpython' && r.metric === 'wall_gc_ms')?.verdict).toBe(
      'not significant',
    )
  })
})
