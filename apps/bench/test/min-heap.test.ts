/** The minimum-heap bisection against a fake workload whose true minimum is known. */
import { describe, expect, it } from 'vitest'
import type { Execution } from '../src/execute.js'
import { findMinHeap, MIN_HEAP_TOLERANCE } from '../src/min-heap.js'
import type { DeterministicMetrics } from '../src/results.js'

/** A run that fits when the limit is at least `needed`; unconstrained it reports `footprint`. */
function fakeWorkload(needed: number, footprint: number) {
  const limits: (number | undefined)[] = []
  const runAt = (heapLimit: number | undefined): Execution => {
    limits.push(heapLimit)
    if (heapLimit !== undefined && heapLimit < needed) {
      return {
        run: {
          runtime: 'fake',
          preset: 'default',
          status: 'error',
          error: { code: 'OUT_OF_MEMORY', name: 'MemoryError', message: 'too small' },
        },
      }
    }
    const metrics = { peakFootprintBytes: footprint } as DeterministicMetrics
    return { run: { runtime: 'fake', preset: 'default', status: 'ok', metrics } }
  }
  return { runAt, limits }
}

describe('findMinHeap', () => {
  it('brackets the true minimum within the tolerance, starting from the peak footprint', () => {
    const { runAt, limits } = fakeWorkload(3_000_000, 8_000_000)
    const result = findMinHeap(runAt)
    expect(result.status).toBe('ok')
    expect(result.bytes).toBeGreaterThanOrEqual(3_000_000)
    expect(result.bytes - 3_000_000).toBeLessThanOrEqual(result.bytes * MIN_HEAP_TOLERANCE)
    expect(limits[0]).toBeUndefined() // the unconstrained run comes first
    expect(limits[1]).toBe(8_000_000)
    expect(result.probes.length).toBe(limits.length - 1)
    expect(result.probes.length).toBeLessThan(12)
  })

  it('doubles the upper bound when the peak footprint is not enough', () => {
    const { runAt } = fakeWorkload(20_000_000, 8_000_000)
    const result = findMinHeap(runAt)
    expect(result.status).toBe('ok')
    expect(result.probes.slice(0, 3).map((p) => p.ok)).toEqual([false, false, true])
    expect(result.bytes).toBeGreaterThanOrEqual(20_000_000)
  })

  it('is an error when the workload fails without a limit', () => {
    const result = findMinHeap(() => ({
      run: {
        runtime: 'fake',
        preset: 'default',
        status: 'error',
        error: { code: 'INTERNAL', name: 'Error', message: 'broken' },
      },
    }))
    expect(result.status).toBe('error')
    expect(result.error?.message).toBe('broken')
  })
})
