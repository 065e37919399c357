/**
 * The IronPython model's `--gc-log` in the shape .NET users know: PerfView's GCStats table as
 * its CSV export writes it (microsoft/perfview src/PerfView/GcStats.cs, ToCsv), one line per
 * GC, from the model's GCMemoryInfo-like records (`native.summary().collections`) and the
 * virtual clock (gc-phases.ts). Same columns in the same order, PerfView's MB (10^6 bytes) and
 * number formats, times in virtual ms. A column the model has no figure for is left EMPTY
 * rather than invented; the header comment names them:
 *  - AllocMB, Alloc MB/sec: PerfView counts gen0 (small-object) allocation only; the model's
 *    allocation counter does not split small- from large-object allocations.
 *  - Gen1/Gen2/LOH Surv%, and Gen0 Surv% of a gen1 or gen2 GC: the record has the promoted
 *    bytes of the whole GC, not per generation (a gen0 GC's are all gen0's: that one is given).
 *  - FinalizeSurviveMB: the model counts finalizable survivors, not their bytes.
 *  - Suspend Msec: the model does not price suspending the runtime's threads.
 */
import type { GcOnClock } from './gc-phases.js'

/** The record shape of the IronPython model's native summary (packages/ironpython/src/native.ts). */
interface ClrGcRecord {
  index: number
  generation: number
  reason: string
  promotedBytes: number
  pinnedObjectsCount: number
  pauseVirtual: number
  generationInfo: {
    sizeBeforeBytes: number
    fragmentationBeforeBytes: number
    sizeAfterBytes: number
    fragmentationAfterBytes: number
  }[]
}

/** PerfView's CSV header (GcStats.ToCsv), in its order. */
export const PERFVIEW_GCSTATS_COLUMNS = [
  'Num',
  'PauseStart',
  'Reason',
  'Gen',
  'PauseMSec',
  'Time In GC',
  'AllocMB',
  'Alloc MB/sec',
  'PeakMB',
  'AfterMB',
  'Peak/After Ratio',
  'PromotedMB',
  'Gen0 Size',
  'Gen0 Surv%',
  'Gen0 Frag%',
  'Gen1 Size',
  'Gen1 Surv%',
  'Gen1 Frag%',
  'Gen2 Size',
  'Gen2 Surv%',
  'Gen2 Frag%',
  'LOH Size',
  'LOH Surv%',
  'LOH Frag%',
  'FinalizeSurviveMB',
  'Pinned Object',
  '% Pause Time',
  'Suspend Msec',
] as const

/**
 * The model's reasons as the runtime's GC reason names (ETW GCStart Reason, which PerfView
 * prints): an allocation past gen0's budget is AllocSmall, past the LOH's AllocLarge, GC.Collect
 * and gc.collect() Induced; the model's own words otherwise.
 */
const REASONS: Readonly<Record<string, string>> = {
  allocation: 'AllocSmall',
  'allocation (LOH)': 'AllocLarge',
  'gc.collect': 'Induced',
  'GC.Collect': 'Induced',
  'GC.GetTotalMemory(true)': 'Induced',
  'last GC before OOM': 'OutOfSpaceSOH',
}

const MB = 1e6

function isClrRecord(x: unknown): x is ClrGcRecord {
  const r = x as ClrGcRecord
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.index === 'number' &&
    typeof r.generation === 'number' &&
    Array.isArray(r.generationInfo) &&
    r.generationInfo.length === 4
  )
}

/** The model's records from a native summary, or undefined when it has none. */
export function clrRecords(native: Record<string, unknown> | undefined): ClrGcRecord[] | undefined {
  const list = native?.collections
  return Array.isArray(list) && list.every(isClrRecord) ? (list as ClrGcRecord[]) : undefined
}

const f = (digits: number) => (x: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'NaN')
const percent = (part: number, whole: number) => (whole > 0 ? (100 * part) / whole : Number.NaN)

/**
 * PerfView GCStats CSV lines: `#` comment lines (workload, runtime, the empty columns), the
 * header, one line per GC. `clock` gives each GC's start on the virtual clock and the mutator
 * time before it (the same collections, in order).
 */
export function perfViewGcStats(
  workload: string,
  runtime: string,
  records: readonly ClrGcRecord[],
  clock: readonly GcOnClock[],
): string[] {
  const lines = [
    `# pygc gc log: workload=${workload} runtime=${runtime}; PerfView GCStats columns (CSV export), virtual ms, MB = 10^6 bytes`,
    '# empty: figures the model does not have (AllocMB, Alloc MB/sec, per-generation survival outside gen0 GCs, FinalizeSurviveMB, Suspend Msec)',
    PERFVIEW_GCSTATS_COLUMNS.join(','),
  ]
  let lastEndNs = 0
  records.forEach((r, i) => {
    const at = clock[i]
    const startNs = at?.startNs ?? Number.NaN
    const pauseNs = r.pauseVirtual
    const sinceLastEnd = startNs - lastEndNs
    lastEndNs = startNs + pauseNs
    const g = r.generationInfo
    const peak = g.reduce((s, x) => s + x.sizeBeforeBytes, 0)
    const after = g.reduce((s, x) => s + x.sizeAfterBytes, 0)
    const gen = (k: number) => {
      const size = g[k].sizeAfterBytes
      const survived =
        k === 0 && r.generation === 0
          ? f(0)(percent(r.promotedBytes, g[0].sizeBeforeBytes - g[0].fragmentationBeforeBytes))
          : ''
      return [f(3)(size / MB), survived, f(2)(percent(g[k].fragmentationAfterBytes, size))]
    }
    const cells = [
      String(r.index),
      f(3)(startNs / 1e6),
      REASONS[r.reason] ?? r.reason.replace(/[,\s]+/g, '_'),
      `${r.generation}N`, // workstation non-concurrent GC: the model has no background GC
      f(3)(pauseNs / 1e6),
      f(1)(percent(pauseNs, sinceLastEnd + pauseNs)),
      '',
      '',
      f(3)(peak / MB),
      f(3)(after / MB),
      f(2)(after > 0 ? peak / after : Number.NaN),
      f(3)(r.promotedBytes / MB),
      ...gen(0),
      ...gen(1),
      ...gen(2),
      ...gen(3),
      '',
      String(r.pinnedObjectsCount),
      f(1)(percent(pauseNs, sinceLastEnd + pauseNs)),
      '',
    ]
    lines.push(cells.join(','))
  })
  return lines
}
