/**
 * The pygc results document, schema version 1: what `pygc run`, `replay`, `sweep` and `merge`
 * write as JSON, and what every table and the HTML report are rendered from.
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

export const RESULTS_FORMAT = 'pygc-results'
export const RESULTS_SCHEMA_VERSION = 1

/** RunMetrics without its host wall-time part (that moves to the document's `wall` section). */
export type DeterministicMetrics = Omit<RunMetrics, 'wall'>

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
   * Requested timeline interval in ops; 0 = the collector's default.
   * @asType integer
   * @minimum 0
   */
  timelineEvery: number
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
  totalMs: number
  gcMs: number
  pausesMs?: RunMetrics['wall']['pausesMs']
}

/** The document with its non-deterministic sections removed: what must compare byte for byte. */
export function deterministicPart(doc: ResultsDocument): Omit<ResultsDocument, 'meta' | 'wall'> {
  const { meta: _meta, wall: _wall, ...rest } = doc
  return rest
}
