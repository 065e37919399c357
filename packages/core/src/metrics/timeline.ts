/**
 * The timeline sampler. With a fixed interval it samples every `every` ops. Without one it
 * does not know the run's length in advance, so it starts at every op and, whenever it holds
 * 2 x TARGET samples, keeps every other one and doubles the interval: any run ends with
 * between TARGET and 2 x TARGET evenly spaced samples, deterministically.
 */
import type { TimelineSample } from '../run-metrics.js'
import type { MemoryManager } from '../types.js'

/** Samples an automatic timeline aims at: enough for a smooth chart, small in JSON. */
export const TIMELINE_TARGET_SAMPLES = 500

export class TimelineSampler {
  every: number
  readonly samples: TimelineSample[] = []
  truncated = false
  private readonly adaptive: boolean

  constructor(
    private readonly manager: MemoryManager,
    every: number | undefined,
    private readonly maxSamples: number,
  ) {
    this.adaptive = every === undefined
    this.every = every ?? 1
  }

  /** Called after op number `ops` (1-based count of ops done). */
  tick(ops: number): void {
    if (ops % this.every === 0) this.take(ops)
  }

  /** A final sample at the end of the run unless one was just taken. */
  finish(ops: number): void {
    const last = this.samples[this.samples.length - 1]
    if (last === undefined || last.op !== ops) this.push(this.sample(ops))
  }

  private take(ops: number): void {
    if (!this.adaptive && this.samples.length >= this.maxSamples) {
      this.truncated = true
      return
    }
    this.push(this.sample(ops))
    if (this.adaptive && this.samples.length >= 2 * TIMELINE_TARGET_SAMPLES) this.halve()
  }

  private push(s: TimelineSample): void {
    this.samples.push(s)
  }

  private sample(ops: number): TimelineSample {
    const s = this.manager.stats()
    return {
      op: ops,
      allocatedBytes: s.bytesAllocated,
      footprintBytes: s.footprintBytes,
      liveBytes: s.liveBytes,
      spaces: s.spaces,
    }
  }

  /** Keep the samples on the doubled interval. */
  private halve(): void {
    this.every *= 2
    let kept = 0
    for (const s of this.samples) if (s.op % this.every === 0) this.samples[kept++] = s
    this.samples.length = kept
  }
}
