/**
 * HotSpot's AdaptivePaddedNoZeroDevAverage (gc/shared/gcUtil.cpp): an exponentially weighted
 * average whose first samples weigh more (100 / count until 100 samples), plus `padding`
 * deviations. The old generation keeps one of the bytes promoted per young collection
 * (GCStats::_avg_promoted, weight AdaptiveSizePolicyWeight = 10, padding PromotedPadding = 3)
 * and a young collection is "safe" only if the old generation can take that much.
 */
const OLD_THRESHOLD = 100

export class PaddedAverage {
  private average = 0
  private deviation = 0
  private count = 0
  padded = 0

  constructor(
    private readonly weight: number,
    private readonly padding: number,
  ) {}

  private adaptive(sample: number, avg: number): number {
    const countWeight = this.count < OLD_THRESHOLD ? Math.max(Math.floor(100 / this.count), this.weight) : 0
    const w = Math.max(this.weight, countWeight)
    return ((100 - w) * avg) / 100 + (w * sample) / 100
  }

  sample(value: number): void {
    if (this.count < OLD_THRESHOLD) this.count++
    this.average = this.adaptive(value, this.average)
    // "NoZeroDev": a zero sample does not pull the deviation down.
    if (value !== 0) this.deviation = this.adaptive(Math.abs(value - this.average), this.deviation)
    this.padded = this.average + this.padding * this.deviation
  }
}
