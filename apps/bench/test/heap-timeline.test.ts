/**
 * The heap timeline keeps every peak (issue 14 item 3): a short-lived large object on CPython
 * is allocated and freed by refcount between two readings of the heap, with no collection in
 * between; the bucket it falls in still reaches the run's peak (from the manager's own peak
 * counter), and the buckets' maxima equal peakLiveBytes and peakFootprintBytes exactly.
 */
import { collectMetrics } from '@pygc/core'
import { CPythonManager } from '@pygc/cpython'
import { describe, expect, it } from 'vitest'
import { HeapTimelineRecorder, TIMELINE_TARGET_BUCKETS } from '../src/heap-timeline.js'

function run(every: number | undefined) {
  const manager = new CPythonManager()
  const recorder = new HeapTimelineRecorder(manager, every)
  const { metrics } = collectMetrics(manager, (outer) => {
    const m = recorder.wrap(outer)
    const Small = m.defineType({ name: 'Small', refs: 1 })
    const Blob = m.defineType({ name: 'Blob', refs: 0, variable: 'refs' })
    m.pushFrame(2)
    for (let i = 0; i < 20_000; i++) {
      m.alloc(0, Small)
      if (i === 10_001) {
        m.alloc(1, Blob, 500_000) // a 4 MB list, gone again on the next op
        m.clear(1)
      }
    }
    m.popFrame()
  })
  return { metrics, timeline: recorder.finish() }
}

describe('HeapTimelineRecorder', () => {
  it('a peak between two readings is in its bucket: max of the buckets = the peak', () => {
    const { metrics, timeline } = run(1000) // readings every 125 ops: the blob lives for 1
    expect(Math.max(...timeline.liveMax)).toBe(metrics.peakLiveBytes)
    expect(Math.max(...timeline.footprintMax)).toBe(metrics.peakFootprintBytes)
    expect(metrics.peakLiveBytes).toBeGreaterThan(4_000_000)
    const bucket = timeline.op.findIndex((op) => op >= 10_003)
    expect(timeline.liveMax[bucket]).toBe(metrics.peakLiveBytes)
    expect(timeline.liveMax[bucket - 1]).toBeLessThan(1 << 20)
    expect(timeline.everyOps).toBe(1000)
    expect(timeline.readEvery).toBe(125)
  })

  it('adaptive: 100 to 200 buckets, evenly wide, the last ending with the run', () => {
    const { metrics, timeline } = run(undefined)
    expect(timeline.op.length).toBeGreaterThanOrEqual(TIMELINE_TARGET_BUCKETS)
    expect(timeline.op.length).toBeLessThan(2 * TIMELINE_TARGET_BUCKETS + 1)
    expect(timeline.op[timeline.op.length - 1]).toBe(metrics.ops)
    for (let i = 1; i < timeline.op.length - 1; i++)
      expect(timeline.op[i] - timeline.op[i - 1]).toBe(timeline.everyOps)
    expect(Math.max(...timeline.liveMax)).toBe(metrics.peakLiveBytes)
    for (let i = 0; i < timeline.op.length; i++)
      expect(timeline.liveMin[i]).toBeLessThanOrEqual(timeline.liveMax[i])
  })
})
