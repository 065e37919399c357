export { type CollectMetricsOptions, collectMetrics } from './collect-metrics.js'
export { emptyDistribution, nearestRank, SampleBuffer, summarize } from './distribution.js'
export { OpCounter } from './op-counter.js'
export { TIMELINE_TARGET_SAMPLES, TimelineSampler } from './timeline.js'
