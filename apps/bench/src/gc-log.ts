/**
 * `--gc-log FILE`: the collection log of each run, in the format its users already read.
 *
 * - A runtime whose model speaks its real runtime's log format hands over its own lines through
 *   `manager.native.gcLogLines()`; they are written unchanged. Jython does: its lines are JDK 17
 *   `-Xlog:gc` lines ("[0.012s][info][gc] GC(0) Pause Young (Allocation Failure) 16M->0M(61M)
 *   1.720ms", packages/jython/src/gc-log.ts), so GCViewer, GCeasy and `grep Pause` work on them.
 * - IronPython's model has GCMemoryInfo-like records: its log is PerfView's GCStats table as
 *   PerfView's CSV export writes it (gc-log-dotnet.ts), one line per GC.
 * - Every other runtime (CPython, the baseline) gets pygc's own log: a `#` header
 *   naming the workload, runtime and fields, then one logfmt line (key=value) per collection,
 *   from the metrics' CollectionRecords (virtual time, so deterministic):
 *     gc=N op=N kind=K generation=N reason="..." pause_ns=N freed_objects=N freed_bytes=N
 *     live_after=N footprint_after=N promoted=N copied=N compacted=0|1
 *   pause_ns is rounded to a whole virtual nanosecond (the cost model's prices are fractional,
 *   e.g. 0.3 ns per copied byte, so a raw sum prints float noise like 506229.80000000005); the
 *   metrics keep the exact figure.
 *
 * A log file belongs to one JVM in the real world, so each (workload, runtime) pair gets its own
 * file: FILE itself when the run has one pair; otherwise `%w` and `%r` in FILE are replaced by
 * the workload and runtime names (like -Xlog's `file=gc-%p.log`), and a FILE with neither gets
 * `.<workload>.<runtime>` inserted before its extension.
 */
import type { MemoryManager, RunMetrics } from '@pygc/core'
import { clrRecords, perfViewGcStats } from './gc-log-dotnet.js'
import type { GcOnClock } from './gc-phases.js'

/** The model's own log in its real runtime's format, when it has one (Jython: -Xlog:gc). */
export function nativeGcLogLines(manager: MemoryManager): string[] | undefined {
  const native = manager.native as { gcLogLines?: () => string[] } | undefined
  return native && typeof native.gcLogLines === 'function' ? native.gcLogLines() : undefined
}

const LOGFMT_FIELDS =
  'gc op kind generation reason pause_ns freed_objects freed_bytes live_after footprint_after promoted copied compacted'

/** pygc's logfmt log of one run: header comment lines, then one line per collection. */
export function logfmtGcLog(workload: string, runtime: string, metrics: RunMetrics): string[] {
  const lines = [
    `# pygc gc log: workload=${workload} runtime=${runtime} preset=${metrics.runtime.preset} generations=${metrics.runtime.generations.join(',')}`,
    `# one line per collection; times are virtual ns, sizes modeled bytes; fields: ${LOGFMT_FIELDS}`,
  ]
  for (const g of metrics.gcs) {
    lines.push(
      `gc=${g.index} op=${g.op} kind=${g.kind} generation=${g.generation} reason=${JSON.stringify(g.reason)} ` +
        `pause_ns=${Math.round(g.pauseVirtual)} freed_objects=${g.freedObjects} freed_bytes=${g.freedBytes} ` +
        `live_after=${g.liveBytesAfter} footprint_after=${g.footprintAfter} promoted=${g.promotedBytes} ` +
        `copied=${g.copiedBytes} compacted=${g.compacted ? 1 : 0}`,
    )
  }
  if (metrics.truncated)
    lines.push(`# truncated: the collector kept the first ${metrics.gcs.length} collections`)
  return lines
}

/**
 * One run's log: the model's own lines when it has them (Jython), PerfView's GCStats from the
 * CLR model's records (IronPython), else pygc's logfmt.
 */
export function gcLogFor(
  workload: string,
  runtime: string,
  metrics: RunMetrics,
  nativeLines: readonly string[] | undefined,
  extra: { native?: Record<string, unknown>; clock?: readonly GcOnClock[] } = {},
): string[] {
  if (nativeLines) return [...nativeLines]
  const records = metrics.runtime.family === 'ironpython' ? clrRecords(extra.native) : undefined
  if (records && extra.clock) return perfViewGcStats(workload, runtime, records, extra.clock)
  return logfmtGcLog(workload, runtime, metrics)
}

/** The file of one (workload, runtime) pair; see the file comment for the rule. */
export function gcLogPath(pattern: string, workload: string, runtime: string, single: boolean): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_')
  if (/%[wr]/.test(pattern)) return pattern.replace(/%w/g, safe(workload)).replace(/%r/g, safe(runtime))
  if (single) return pattern
  const slash = pattern.lastIndexOf('/')
  const dot = pattern.lastIndexOf('.')
  const suffix = `.${safe(workload)}.${safe(runtime)}`
  return dot > slash + 1 ? `${pattern.slice(0, dot)}${suffix}${pattern.slice(dot)}` : `${pattern}${suffix}`
}

/** The logs of a command, collected as runs finish and written together at the end. */
export interface GcLogEntry {
  workload: string
  runtime: string
  lines: string[]
}
