/**
 * The side-by-side comparison, defined once: which figures a table shows, in which order,
 * how each is read from a run and how it prints. Every output (terminal, Markdown, CSV, HTML)
 * renders these rows, so they cannot drift apart. The list follows what GCViewer, GCeasy,
 * PerfView GCStats and DaCapo report (pause distributions, collections per generation, bytes
 * allocated, promoted and copied, footprint, heap-size sensitivity).
 */
import { formatBytes, formatCount, formatMs, formatNanos, formatPercent } from './format.js'
import type { DeterministicMetrics, RuntimeRun, WallRun } from './results.js'

/** One runtime's column: its run and (when known) its wall-clock times. */
export interface RunView {
  run: RuntimeRun
  wall?: WallRun
}

export type MetricValue = number | string | undefined

/** The unit of a row's raw value (CSV column names carry it). */
export type MetricUnit = 'count' | 'ns' | 'bytes' | 'ms' | 'fraction' | 'ratio' | 'text'

export interface MetricRow {
  /** Stable machine name (JSON key; the CSV column is this with its unit, csvColumn()). */
  key: string
  unit: MetricUnit
  /** Human label (table row). */
  label: string
  group: string
  value(view: RunView): MetricValue
  format(value: number): string
}

const count = formatCount
const bytes = formatBytes
const nanos = formatNanos

/** The unit of the formats below: what a raw value of the row is. */
function unitOf(format: (value: number) => string): MetricUnit {
  if (format === nanos) return 'ns'
  if (format === bytes) return 'bytes'
  if (format === formatPercent) return 'fraction'
  if (format === count) return 'count'
  return 'text'
}

/** A row read from the metrics of an ok run. */
function m(
  key: string,
  label: string,
  group: string,
  read: (metrics: DeterministicMetrics) => MetricValue,
  format: (value: number) => string,
  unit: MetricUnit = unitOf(format),
): MetricRow {
  return { key, unit, label, group, value: (v) => (v.run.metrics ? read(v.run.metrics) : undefined), format }
}

/**
 * The promptness distributions, or undefined when no reclaimed object was measured (no
 * collection reclaimed anything, or --promptness was off): an empty distribution's zeros would
 * read as "reclaimed at once".
 */
function measured(metrics: DeterministicMetrics): DeterministicMetrics['promptness'] {
  const p = metrics.promptness
  return p !== undefined && p.objects > 0 ? p : undefined
}

/** "gen0 12 · gen1 3 · gen2 1": the kinds differ per runtime, so one text cell per runtime. */
export function collectionsByKind(metrics: DeterministicMetrics): string {
  return metrics.runtime.generations
    .map((g) => `${g} ${formatCount(metrics.collections[g] ?? 0)}`)
    .join(' · ')
}

export function totalCollections(metrics: DeterministicMetrics): number {
  let total = 0
  for (const n of Object.values(metrics.collections)) total += n
  return total
}

export const METRIC_ROWS: readonly MetricRow[] = [
  m('collections', 'collections', 'collections', totalCollections, count),
  m('collections_by_kind', 'by generation', 'collections', collectionsByKind, String),
  m('pauses', 'pauses', 'pauses (virtual time)', (x) => x.pauses.count, count),
  m('pause_total', 'pause total', 'pauses (virtual time)', (x) => x.pauses.total, nanos),
  m('pause_p50', 'pause p50', 'pauses (virtual time)', (x) => x.pauses.p50, nanos),
  m('pause_p95', 'pause p95', 'pauses (virtual time)', (x) => x.pauses.p95, nanos),
  m('pause_p99', 'pause p99', 'pauses (virtual time)', (x) => x.pauses.p99, nanos),
  m('pause_max', 'pause max', 'pauses (virtual time)', (x) => x.pauses.max, nanos),
  m('gc_share', 'GC share of time', 'time (virtual)', (x) => x.virtualTime.gcShare, formatPercent),
  m('mutator_time', 'mutator time', 'time (virtual)', (x) => x.virtualTime.mutator, nanos),
  m('gc_time', 'GC time', 'time (virtual)', (x) => x.virtualTime.gc, nanos),
  m('total_time', 'total time', 'time (virtual)', (x) => x.virtualTime.total, nanos),
  m('ops', 'ops', 'allocation', (x) => x.ops, count),
  m('objects_allocated', 'objects allocated', 'allocation', (x) => x.objectsAllocated, count),
  m('bytes_allocated', 'bytes allocated', 'allocation', (x) => x.bytesAllocated, bytes),
  m('peak_live_bytes', 'peak live', 'memory (modeled bytes)', (x) => x.peakLiveBytes, bytes),
  m('final_live_bytes', 'final live', 'memory (modeled bytes)', (x) => x.finalLiveBytes, bytes),
  m('peak_footprint_bytes', 'peak footprint', 'memory (modeled bytes)', (x) => x.peakFootprintBytes, bytes),
  m(
    'final_footprint_bytes',
    'final footprint',
    'memory (modeled bytes)',
    (x) => x.finalFootprintBytes,
    bytes,
  ),
  m(
    'fragmentation',
    'fragmentation (footprint/live)',
    'memory (modeled bytes)',
    (x) => x.fragmentation,
    (v) => `${v.toFixed(2)}x`,
    'ratio',
  ),
  m('freed_refcount', 'freed by refcount', 'reclamation (objects freed)', (x) => x.freed.refcount, count),
  m('freed_cycle', 'freed by cycle GC', 'reclamation (objects freed)', (x) => x.freed.cycle, count),
  m('freed_tracing', 'freed by tracing GC', 'reclamation (objects freed)', (x) => x.freed.tracing, count),
  m('marked', 'objects marked', 'GC work (inside collections)', (x) => x.work.marked, count),
  m('refs_scanned', 'references scanned', 'GC work (inside collections)', (x) => x.work.refsScanned, count),
  m('bytes_copied', 'bytes copied', 'GC work (inside collections)', (x) => x.work.bytesCopied, bytes),
  m('bytes_promoted', 'bytes promoted', 'GC work (inside collections)', (x) => x.work.bytesPromoted, bytes),
  m(
    'bytes_compacted',
    'bytes compacted',
    'GC work (inside collections)',
    (x) => x.work.bytesCompacted,
    bytes,
  ),
  m('objects_swept', 'objects swept', 'GC work (inside collections)', (x) => x.work.objectsSwept, count),
  m('cards_scanned', 'cards scanned', 'GC work (inside collections)', (x) => x.work.cardsScanned, count),
  m(
    'refcount_ops',
    'refcount operations',
    'mutator work (outside collections)',
    (x) => x.work.refcountOps,
    count,
  ),
  m(
    'barrier_ops',
    'barrier operations',
    'mutator work (outside collections)',
    (x) => x.work.barrierOps,
    count,
  ),
  m('finalizers_run', 'finalizers run', 'finalizers and weak references', (x) => x.finalizers.count, count),
  m(
    'weakrefs_cleared',
    'weakrefs cleared',
    'finalizers and weak references',
    (x) => x.weakrefs.cleared,
    count,
  ),
  m(
    'weakref_callbacks',
    'weakref callbacks',
    'finalizers and weak references',
    (x) => x.weakrefs.callbacks,
    count,
  ),
  m(
    'promptness_objects',
    'reclaimed objects measured',
    'promptness (unreachable until freed)',
    (x) => x.promptness?.objects,
    count,
  ),
  m(
    'promptness_ops_p50',
    'promptness p50 (ops)',
    'promptness (unreachable until freed)',
    (x) => measured(x)?.ops.p50,
    count,
  ),
  m(
    'promptness_ops_p99',
    'promptness p99 (ops)',
    'promptness (unreachable until freed)',
    (x) => measured(x)?.ops.p99,
    count,
  ),
  m(
    'promptness_bytes_p50',
    'promptness p50 (bytes)',
    'promptness (unreachable until freed)',
    (x) => measured(x)?.bytes.p50,
    bytes,
  ),
  m(
    'peak_awaiting',
    'peak garbage awaiting collection',
    'promptness (unreachable until freed)',
    (x) => x.promptness?.peakAwaiting,
    count,
  ),
  m(
    'never_reclaimed',
    'unreachable, never reclaimed',
    'promptness (unreachable until freed)',
    (x) => x.promptness?.neverReclaimed,
    count,
  ),
  {
    key: 'wall_ms',
    unit: 'ms',
    label: 'wall time',
    group: 'host wall clock (not deterministic)',
    value: (v) => v.wall?.totalMs,
    format: formatMs,
  },
  {
    key: 'wall_gc_ms',
    unit: 'ms',
    label: 'wall GC time',
    group: 'host wall clock (not deterministic)',
    value: (v) => v.wall?.gcMs,
    format: formatMs,
  },
]

/** The text a table cell shows for a row and a run ("–" when the figure does not apply). */
export function cellText(row: MetricRow, view: RunView): string {
  const value = row.value(view) as MetricValue | null
  // null: a non-finite figure (NaN) that went through JSON; say so rather than crash.
  if (value === undefined) return '–'
  if (value === null || (typeof value === 'number' && !Number.isFinite(value))) return 'n/a'
  return typeof value === 'number' ? row.format(value) : String(value)
}

/** Rows that have a value for at least one run (promptness rows vanish when it was off). */
export function rowsWithData(views: readonly RunView[]): MetricRow[] {
  return METRIC_ROWS.filter((row) => views.some((v) => row.value(v) !== undefined))
}
