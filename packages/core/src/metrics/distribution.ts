/**
 * Distributions of samples (pauses, promptness delays). Percentiles use the nearest-rank
 * method: the p-th percentile of n sorted values is the value at rank ceil(p/100 * n)
 * (1-based), always one of the samples, never interpolated — so a p99 pause is a pause that
 * really happened, and the figures are exact and reproducible.
 */
import type { Distribution } from '../run-metrics.js'

/** A growable list of numbers on a Float64Array (no boxed JS array per sample). */
export class SampleBuffer {
  private items = new Float64Array(64)
  length = 0

  push(v: number): void {
    if (this.length === this.items.length) {
      const next = new Float64Array(this.items.length * 2)
      next.set(this.items)
      this.items = next
    }
    this.items[this.length++] = v
  }

  values(): Float64Array {
    return this.items.subarray(0, this.length)
  }
}

export function emptyDistribution(): Distribution {
  return { count: 0, total: 0, min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
}

/** Summarize samples (the input is not modified). Empty input gives all zeros. */
export function summarize(samples: Float64Array | readonly number[]): Distribution {
  const n = samples.length
  if (n === 0) return emptyDistribution()
  const sorted = Float64Array.from(samples).sort()
  let total = 0
  for (let i = 0; i < n; i++) total += sorted[i]
  return {
    count: n,
    total,
    min: sorted[0],
    mean: total / n,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted[n - 1],
  }
}

/** The nearest-rank percentile of ascending `sorted` (non-empty). */
export function nearestRank(sorted: Float64Array, percent: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length))
  return sorted[rank - 1]
}
