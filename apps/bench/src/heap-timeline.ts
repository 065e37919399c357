/**
 * The heap timeline of a results file (HeapTimeline, packages/report/src/results.ts): per
 * bucket of ops the least and the most live bytes and footprint, so the report's charts show
 * every peak the tables state. It wraps the mutator the program drives (an OpCounter from core)
 * and listens for collections; core's own sampler (one sample every N ops) could miss a peak
 * between two samples, and a results file of samples at a resolution that cannot miss one
 * would be far too large (issue 14). This could move into core's TimelineSampler.
 *
 * Adaptive (no --timeline-every): buckets start one op wide; whenever there are 2 x TARGET
 * buckets, neighbours merge and the width doubles, so any run ends with TARGET to 2 x TARGET
 * buckets, deterministically. Fixed (--timeline-every N): buckets of N ops, at most
 * MAX_FIXED_BUCKETS (then `truncated`).
 */
import { type MemoryManager, type Mutator, OpCounter } from '@pygc/core'
import type { HeapTimeline } from '@pygc/report'

/** Buckets an adaptive timeline aims at: a smooth 1,000-pixel chart, ~7 KB of JSON per run. */
export const TIMELINE_TARGET_BUCKETS = 100
/** Readings of the heap inside one bucket (besides those at collections). */
const READINGS_PER_BUCKET = 8
/** The cap of a fixed-width timeline (the metrics collector's cap of its event lists). */
export const MAX_FIXED_BUCKETS = 10_000

export class HeapTimelineRecorder {
  private width: number
  private readEvery: number
  private untilRead: number
  private nextClose: number
  private readonly adaptive: boolean
  private readonly t: HeapTimeline
  /** The open bucket: extremes read so far (Infinity / -Infinity before the first reading). */
  private liveMin = Number.POSITIVE_INFINITY
  private liveMax = Number.NEGATIVE_INFINITY
  private footprintMin = Number.POSITIVE_INFINITY
  private footprintMax = Number.NEGATIVE_INFINITY
  private allocated = 0
  private peakLive = 0
  private peakFootprint = 0
  private lastClosed = 0
  truncated = false
  private counter: OpCounter | undefined
  private readonly off: () => void

  constructor(
    private readonly manager: MemoryManager,
    every?: number,
  ) {
    this.adaptive = every === undefined
    this.width = every ?? 1
    this.readEvery = readInterval(this.width)
    this.untilRead = this.readEvery
    this.nextClose = this.width
    this.t = {
      everyOps: this.width,
      readEvery: this.readEvery,
      op: [],
      allocatedBytes: [],
      liveMin: [],
      liveMax: [],
      footprintMin: [],
      footprintMax: [],
    }
    this.off = manager.on(() => this.read(), ['gc-start', 'gc-end'])
  }

  /** The program's mutator, counted: every op may end a reading interval or a bucket. */
  wrap(m: Mutator): Mutator {
    this.counter = new OpCounter(m, (ops) => {
      if (--this.untilRead !== 0) return
      this.untilRead = this.readEvery
      this.read()
      if (ops >= this.nextClose) this.close(ops)
    })
    return this.counter
  }

  /** The timeline after the run (its last bucket ends with the run); stops listening. */
  finish(): HeapTimeline {
    this.off()
    const ops = this.counter?.ops ?? 0
    this.read()
    if (ops > this.lastClosed || this.t.op.length === 0) this.push(ops)
    else this.widenLast() // the run ended on a bucket's end: what was read since belongs to it
    this.t.everyOps = this.width
    this.t.readEvery = this.readEvery
    return this.t
  }

  private read(): void {
    const s = this.manager.stats()
    this.liveMin = Math.min(this.liveMin, s.liveBytes)
    this.liveMax = Math.max(this.liveMax, s.liveBytes)
    this.footprintMin = Math.min(this.footprintMin, s.footprintBytes)
    this.footprintMax = Math.max(this.footprintMax, s.footprintBytes)
    // A peak reached between two readings was reached in this bucket (readings fall on its ends).
    if (s.peakLiveBytes > this.peakLive) {
      this.peakLive = s.peakLiveBytes
      this.liveMax = Math.max(this.liveMax, s.peakLiveBytes)
    }
    if (s.peakFootprintBytes > this.peakFootprint) {
      this.peakFootprint = s.peakFootprintBytes
      this.footprintMax = Math.max(this.footprintMax, s.peakFootprintBytes)
    }
    this.allocated = s.bytesAllocated
  }

  private close(ops: number): void {
    if (!this.adaptive && this.t.op.length >= MAX_FIXED_BUCKETS) {
      this.truncated = true
      this.nextClose = Number.POSITIVE_INFINITY
      return
    }
    this.push(ops)
    this.nextClose = ops + this.width
    if (this.adaptive && this.t.op.length >= 2 * TIMELINE_TARGET_BUCKETS) this.merge()
  }

  private push(ops: number): void {
    const t = this.t
    t.op.push(ops)
    t.allocatedBytes.push(this.allocated)
    t.liveMin.push(this.liveMin)
    t.liveMax.push(this.liveMax)
    t.footprintMin.push(this.footprintMin)
    t.footprintMax.push(this.footprintMax)
    this.lastClosed = ops
    this.liveMin = this.footprintMin = Number.POSITIVE_INFINITY
    this.liveMax = this.footprintMax = Number.NEGATIVE_INFINITY
  }

  private widenLast(): void {
    const t = this.t
    const i = t.op.length - 1
    t.allocatedBytes[i] = this.allocated
    t.liveMin[i] = Math.min(t.liveMin[i], this.liveMin)
    t.liveMax[i] = Math.max(t.liveMax[i], this.liveMax)
    t.footprintMin[i] = Math.min(t.footprintMin[i], this.footprintMin)
    t.footprintMax[i] = Math.max(t.footprintMax[i], this.footprintMax)
  }

  /** Pairs of buckets become one twice as wide; readings thin out with them. */
  private merge(): void {
    const t = this.t
    const n = t.op.length >> 1
    for (let i = 0; i < n; i++) {
      const a = 2 * i
      const b = a + 1
      t.op[i] = t.op[b]
      t.allocatedBytes[i] = t.allocatedBytes[b]
      t.liveMin[i] = Math.min(t.liveMin[a], t.liveMin[b])
      t.liveMax[i] = Math.max(t.liveMax[a], t.liveMax[b])
      t.footprintMin[i] = Math.min(t.footprintMin[a], t.footprintMin[b])
      t.footprintMax[i] = Math.max(t.footprintMax[a], t.footprintMax[b])
    }
    for (const column of [t.op, t.allocatedBytes, t.liveMin, t.liveMax, t.footprintMin, t.footprintMax])
      column.length = n
    this.width *= 2
    this.readEvery = readInterval(this.width)
    this.untilRead = this.readEvery
    this.nextClose = t.op[n - 1] + this.width
  }
}

/** The largest divisor of `width` up to width / READINGS_PER_BUCKET: readings fall on bucket ends. */
function readInterval(width: number): number {
  for (let d = Math.max(1, Math.floor(width / READINGS_PER_BUCKET)); d > 1; d--) if (width % d === 0) return d
  return 1
}
