/**
 * The pygc results document, schema version 3: what `pygc run`, `replay`, `sweep` and `merge`
 * write as JSON, and what every table and the HTML report are rendered from. Version 2 (issue
 * 14) replaced the timeline's samples with min/max buckets (HeapTimeline) so no peak is lost
 * and the file stays small; `pygc report` and `merge` still read version 1 (results-file.ts
 * upgrades its timeline). Version 3 stores the per-collection records as columns
 * (CollectionLog), a third of their size; versions 1 and 2 are upgraded on reading.
 *
 * Reproducibility rule: everything that differs between two runs of the same command (the
 * command line, tool versions, the date, host wall-clock times) lives in `meta` and `wall`
 * ONLY. Everything else is a pure function of (workloads, parameters, seed, runtimes, costs),
 * so two runs of the same command give byte-identical JSON once `meta` and `wall` are removed.
 *
 * The JSON Schema of this type is apps/bench/results.schema.json; bump RESULTS_SCHEMA_VERSION
 * on any change a reader could trip over (a removed or renamed field, a changed meaning).
 */
import type { RunMetrics } from '@pygc/core'
import type { CollectionLog } from './collection-log.js'

export const RESULTS_FORMAT = 'pygc-results'
export const RESULTS_SCHEMA_VERSION = 3

/**
 * The heap over the run, in buckets of `everyOps` ops: per bucket the least and the most live
 * bytes and footprint seen in it, so a chart drawn from it shows every peak (a sample every N
 * ops would miss one between samples). Columnar — one array per figure, index i is bucket i —
 * which is what a data frame reads (`pandas.DataFrame(timeline)` minus everyOps/readEvery).
 *
 * How the figures are read: the heap is read every `readEvery` ops, at the end of each bucket,
 * and at the start and end of every collection; the maximum also takes in the manager's own
 * peak counters (a new peakLiveBytes or peakFootprintBytes since the last reading belongs to
 * this bucket), so max(liveMax) is exactly the run's peakLiveBytes and max(footprintMax) its
 * peakFootprintBytes. The minimum is the least value read.
 */
export interface HeapTimeline {
  /**
   * Ops per bucket (the last bucket ends with the run and may be shorter).
   * @asType integer
   * @minimum 1
   */
  everyOps: number
  /**
   * Ops between two readings of the heap inside a bucket.
   * @asType integer
   * @minimum 1
   */
  readEvery: number
  /** The op count at the end of each bucket. */
  op: number[]
  /** Cumulative bytes allocated at the end of each bucket. */
  allocatedBytes: number[]
  liveMin: number[]
  liveMax: number[]
  footprintMin: number[]
  footprintMax: number[]
}

/**
 * RunMetrics without its host wall-time part (that moves to the document's `wall` section),
 * with the heap timeline as min/max buckets and the collections as columns.
 */
export type DeterministicMetrics = Omit<
  RunMetrics,
  'wall' | 'timeline' | 'finalLiveObjects' | 'freedBytes' | 'gcs'
> & {
  timeline: HeapTimeline
  /** Every collection the collector kept, as columns (collectionRecordsOf gives the records). */
  gcs: CollectionLog
  /** Absent in a file upgraded from schema version 1, which did not record them. */
  finalLiveObjects?: RunMetrics['finalLiveObjects']
  freedBytes?: RunMetrics['freedBytes']
  /** How complete the finalizer and weakref event lists are (absent: every event is listed). */
  eventLists?: EventLists
}

/**
 * Which events the lists of a run hold. The metrics collector keeps the first events of each
 * list up to its cap (a list is then cut after some op); a results file keeps, for all runtimes
 * of a workload alike, only the events of the lowest object and weakref ids (pygc run
 * --events), so every runtime's list speaks of the same objects and the file stays small.
 */
export interface EventLists {
  /** Finalizer events are kept for object ids up to this (absent: all ids). */
  finalizerIdsUpTo?: number
  /** Weakref clear and callback events are kept for weakref ids up to this (absent: all ids). */
  weakrefIdsUpTo?: number
  /** The op after which the collector stopped listing finalizers (absent: none was left out). */
  finalizersCutAfterOp?: number
  clearsCutAfterOp?: number
  callbacksCutAfterOp?: number
}

/**
 * What `pygc run`, `replay`, `sweep` and `merge` write with --format json or --out. Everything
 * outside `meta` and `wall` is deterministic. Sizes are modeled bytes of the real 64-bit
 * runtime; times outside `wall` are virtual nanoseconds from the cost model
 * (packages/core/src/cost-model.ts).
 */
export interface ResultsDocument {
  format: typeof RESULTS_FORMAT
  schemaVersion: typeof RESULTS_SCHEMA_VERSION
  /** NOT deterministic: how and when this document was made. */
  meta: ResultsMeta
  /** The settings every run of this document shared. */
  settings: RunSettings
  workloads: WorkloadResults[]
  sweeps: SweepResults[]
  /** NOT deterministic: host wall-clock times, keyed like the runs they belong to. */
  wall: WallSection
}

export interface ResultsMeta {
  /** The command as typed, shell-quoted, e.g. `pygc run binary-trees --size small`. */
  command: string
  /**
   * ISO 8601 UTC date of the run.
   * @format date-time
   */
  date: string
  /**
   * The seed again, so the report header can show everything needed to reproduce a figure.
   * @asType integer
   * @minimum 0
   */
  seed: number
  /** Package versions (@pygc/*), node, platform. */
  versions: Record<string, string>
  /** For merged documents: the meta of every input, in input order. */
  sources?: ResultsMeta[]
  /**
   * Made with --shard: which of how many shards this file holds (1-based). pygc merge puts the
   * workloads of a run's shards back in the unsharded order with it (shard.ts).
   */
  shard?: ResultsShard
}

export interface ResultsShard {
  /**
   * @asType integer
   * @minimum 1
   */
  index: number
  /**
   * @asType integer
   * @minimum 1
   */
  count: number
}

export interface RunSettings {
  /** Runtime names in column order (e.g. cpython, jython, ironpython). */
  runtimes: string[]
  size: string
  /**
   * @asType integer
   * @minimum 0
   */
  seed: number
  /** Cost-model overrides given with --cost (virtual ns per unit of work). */
  costOverrides: Record<string, number>
  /** The full cost model in effect (defaults + overrides), for the GC work breakdown. */
  costs: Record<string, number>
  promptness: boolean
  /**
   * Requested timeline bucket width in ops (--timeline-every); 0 = adaptive (100 to 200
   * buckets per run).
   * @asType integer
   * @minimum 0
   */
  timelineEvery: number
  /**
   * `pygc run --repeat N`: each run was made N times (wall times vary, the rest must not).
   * @asType integer
   * @minimum 1
   */
  repeat?: number
  /**
   * Finalizer and weakref events kept per workload and kind: those of the lowest ids (0: all
   * the collector listed). See EventLists.
   * @asType integer
   * @minimum 0
   */
  events?: number
  /** `pygc run --heap-limit`: heap limits (modeled bytes) by runtime label, when given. */
  heapLimits?: Record<string, number>
}

export interface WorkloadResults {
  workload: string
  description: string
  source: string
  /** 'workload' for a program run, 'trace' for a replayed trace file. */
  origin: 'workload' | 'trace'
  size: string
  params: Record<string, number>
  /**
   * @asType integer
   * @minimum 0
   */
  seed: number
  runs: RuntimeRun[]
}

export interface RuntimeRun {
  /** The runtime name users type (cpython, jython, ironpython, baseline). */
  runtime: string
  preset: string
  status: 'ok' | 'error'
  /** Present when status is 'error': the run failed on this manager (e.g. out of memory). */
  error?: RunError
  /** The workload's self-check; absent for replays (the trace checks every read instead). */
  check?: { label: string; value: number; expected: number; ok: boolean }
  /** Replays only: where the replaying manager answered differently from the recorded one. */
  replay?: { records: number; ops: number; nullMismatches: number; sameMismatches: number }
  metrics?: DeterministicMetrics
  /** The manager's native.summary(): runtime-specific, deterministic figures. */
  native?: Record<string, unknown>
}

export interface RunError {
  /** PygcError code, e.g. OUT_OF_MEMORY. */
  code: string
  /** The runtime's own error name when it has one (MemoryError, java.lang.OutOfMemoryError...). */
  name: string
  message: string
}

/** One DaCapo-style heap-size sensitivity cell: one runtime, one parameter combination. */
export interface SweepResults {
  workload: string
  size: string
  params: Record<string, number>
  /**
   * @asType integer
   * @minimum 0
   */
  seed: number
  runtime: string
  preset: string
  /**
   * The cell's index in the full sweep (cells are numbered before sharding).
   * @asType integer
   * @minimum 0
   */
  cell: number
  /** The smallest heap limit (modeled bytes) the workload completes in, found by bisection. */
  minHeap: MinHeapSearch
  points: SweepPoint[]
}

export interface MinHeapSearch {
  status: 'ok' | 'error'
  bytes: number
  /** Bisection stops when the bracket is narrower than this fraction of its upper end. */
  tolerance: number
  /** Every heap limit tried, in order, and whether the run completed. */
  probes: { heapLimit: number; ok: boolean }[]
  error?: RunError
  /**
   * Set when the largest limit that failed was refused by the model (it takes no smaller heap,
   * e.g. Jython's -Xmx floor of 2 MiB) rather than run out of memory: `bytes` is then the
   * model's floor, and the workload's true minimum may be lower. The model's message.
   */
  modelFloor?: string
}

export interface SweepPoint {
  /**
   * The heap as a multiple of the minimum heap (1.5 for "1.5x").
   * @minimum 1
   */
  multiple: number
  heapLimit: number
  status: 'ok' | 'error'
  error?: RunError
  figures?: SweepFigures
}

/** The figures a heap-size sensitivity curve plots (a subset of RunMetrics). */
export interface SweepFigures {
  collections: number
  collectionsByKind: Record<string, number>
  gcVirtual: number
  mutatorVirtual: number
  totalVirtual: number
  gcShare: number
  pauseP50: number
  pauseP99: number
  pauseMax: number
  peakFootprintBytes: number
  peakLiveBytes: number
}

export interface WallSection {
  totalMs: number
  runs: WallRun[]
}

export interface WallRun {
  workload: string
  runtime: string
  /** For sweeps: "minheap" or the heap multiple; absent for plain runs. */
  point?: string
  params?: Record<string, number>
  /** Milliseconds; with `pygc run --repeat N`, the mean of the N runs. */
  totalMs: number
  gcMs: number
  pausesMs?: RunMetrics['wall']['pausesMs']
  /** `pygc run --repeat N`: every run's wall times, in order (what `pygc compare` tests). */
  repeats?: { totalMs: number[]; gcMs: number[] }
}

/** The document with its non-deterministic sections removed: what must compare byte for byte. */
export function deterministicPart(doc: ResultsDocument): Omit<ResultsDocument, 'meta' | 'wall'> {
  const { meta: _meta, wall: _wall, ...rest } = doc
  return rest
}
