/**
 * RunMetrics: the one shape of results for every manager, built by collectMetrics
 * (metrics/collect-metrics.ts) from a manager's events and stats. Everything but `wall` is
 * deterministic: the same seed and parameters give the same figures, byte for byte.
 */
import type { ManagerInfo, WorkCounters } from './types.js'

export interface Distribution {
  count: number
  total: number
  min: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
}

export interface CollectionRecord {
  index: number
  op: number
  generation: number
  /** info.generations[generation] */
  kind: string
  reason: string
  pauseVirtual: number
  freedObjects: number
  freedBytes: number
  liveBytesAfter: number
  footprintAfter: number
  promotedBytes: number
  copiedBytes: number
  compacted: boolean
  spaces: Record<string, number>
}

export interface TimelineSample {
  op: number
  /** Cumulative bytes allocated at this point (an x axis that does not depend on op mix). */
  allocatedBytes: number
  footprintBytes: number
  liveBytes: number
  spaces: Record<string, number>
}

export interface RunMetrics {
  runtime: Pick<
    ManagerInfo,
    'family' | 'preset' | 'description' | 'generations' | 'sizeMode' | 'moving' | 'idKind' | 'incremental'
  >
  ops: number
  objectsAllocated: number
  bytesAllocated: number
  peakLiveBytes: number
  finalLiveBytes: number
  peakFootprintBytes: number
  finalFootprintBytes: number
  /** peakFootprintBytes / peakLiveBytes (1 = no overhead); 0 when nothing was live. */
  fragmentation: number
  /** Collections per kind, keyed by info.generations names. */
  collections: Record<string, number>
  collectionReasons: Record<string, number>
  /** Objects live (allocated, not yet reclaimed) at the end of the run. */
  finalLiveObjects: number
  /** Objects reclaimed, by cause. */
  freed: { refcount: number; cycle: number; tracing: number }
  /** Bytes reclaimed, by cause: bytesAllocated = Σ freedBytes + finalLiveBytes (metrics/reconcile.ts). */
  freedBytes: { refcount: number; cycle: number; tracing: number }
  work: WorkCounters
  virtualTime: { mutator: number; gc: number; total: number; gcShare: number }
  pauses: Distribution
  /**
   * Promptness: for each reclaimed object the reachability oracle saw die, how long after it
   * became unreachable it was reclaimed — in ops and in bytes allocated in between. Present
   * only when the run had the oracle on. `exact` counts objects whose death op is exact
   * (acyclic garbage); the rest (cyclic garbage) are bounded by the oracle's check interval.
   */
  promptness?: {
    objects: number
    exact: number
    checkInterval: number
    ops: Distribution
    bytes: Distribution
    /** Objects unreachable at the end of the run and still not reclaimed. */
    neverReclaimed: number
  }
  finalizers: { count: number; events: { op: number; id: number; typeId: number; resurrected: boolean }[] }
  weakrefs: {
    cleared: number
    callbacks: number
    clearEvents: { op: number; weakId: number; targetId: number }[]
    callbackEvents: { op: number; weakId: number; tag: number }[]
  }
  collectCalls: { op: number; generation: number; result: number }[]
  gcControls: { op: number; action: string; supported: boolean }[]
  gcs: CollectionRecord[]
  /** True when the gcs / event lists were cut at the collector's limit. */
  truncated: boolean
  timeline: { everyOps: number; samples: TimelineSample[] }
  /** Host wall time: NOT deterministic; kept apart so the rest compares byte for byte. */
  wall: { totalMs: number; gcMs: number; pausesMs: Distribution }
}
