/**
 * ECharts option objects for the report's charts. Options are plain JSON (no functions), so
 * they are embedded in the page as data and the page's only code is "init every chart".
 * Animations are off: the report is a document (and screenshots must show the final state).
 */
import { DEFAULT_COSTS } from '@pygc/core'
import type { DeterministicMetrics, SweepResults, WorkloadResults } from '../results.js'

export type ChartOption = Record<string, unknown>

export interface ChartSpec {
  id: string
  title: string
  /** What the chart shows and how to read it (shown under the title). */
  caption: string
  option: ChartOption
}

/** Series colours per runtime (stable, so a runtime has one colour across the whole report). */
const RUNTIME_COLORS: Record<string, string> = {
  cpython: '#3572A5',
  jython: '#b07219',
  ironpython: '#7b3fa0',
  baseline: '#6b7280',
}
const FALLBACK_COLORS = ['#059669', '#dc2626', '#0891b2', '#ca8a04']

export function runtimeColor(runtime: string, index: number): string {
  // Own keys only: a runtime label from a results file may be "constructor" or "__proto__".
  const name = runtime.split(':')[0]
  return Object.hasOwn(RUNTIME_COLORS, name)
    ? RUNTIME_COLORS[name]
    : FALLBACK_COLORS[index % FALLBACK_COLORS.length]
}

/** At most this many points per line: enough for a 1,000-pixel-wide chart, small pages. */
const MAX_POINTS = 600

/** Keep every k-th element (and the last), deterministically. */
export function downsample<T>(items: readonly T[], max = MAX_POINTS): T[] {
  if (items.length <= max) return [...items]
  const step = Math.ceil(items.length / max)
  const out: T[] = []
  for (let i = 0; i < items.length; i += step) out.push(items[i])
  if (out[out.length - 1] !== items[items.length - 1]) out.push(items[items.length - 1])
  return out
}

/** A unit that keeps axis labels short: values are divided by `scale` and the axis says `name`. */
export interface AxisUnit {
  name: string
  scale: number
}

/** Bytes in B, KiB, MiB or GiB, chosen from the largest value plotted. */
export function byteUnit(max: number): AxisUnit {
  if (max >= 2 ** 30) return { name: 'GiB', scale: 2 ** 30 }
  if (max >= 2 ** 20) return { name: 'MiB', scale: 2 ** 20 }
  if (max >= 2 ** 10) return { name: 'KiB', scale: 2 ** 10 }
  return { name: 'bytes', scale: 1 }
}

/** Op indices in ops, thousands or millions of ops. */
export function opUnit(max: number): AxisUnit {
  if (max >= 1e7) return { name: 'op (millions)', scale: 1e6 }
  if (max >= 1e4) return { name: 'op (thousands)', scale: 1e3 }
  return { name: 'op', scale: 1 }
}

/** Virtual time in ns, µs, ms or s, chosen from the largest value plotted. */
export function timeUnit(max: number): AxisUnit {
  if (max >= 1e9) return { name: 'virtual s', scale: 1e9 }
  if (max >= 1e6) return { name: 'virtual ms', scale: 1e6 }
  if (max >= 1e3) return { name: 'virtual µs', scale: 1e3 }
  return { name: 'virtual ns', scale: 1 }
}

/** Scaled and rounded to 4 significant digits: short JSON, stable text. */
function scaled(value: number, unit: AxisUnit): number {
  return Number((value / unit.scale).toPrecision(4))
}

/** A legend that wraps onto more lines instead of hiding entries behind scroll arrows. */
const WRAPPING_LEGEND = { type: 'plain', bottom: 0, left: 'center', width: '92%' }

const BASE: ChartOption = {
  animation: false,
  textStyle: { fontFamily: 'system-ui, sans-serif' },
  grid: { left: 80, right: 30, top: 50, bottom: 60, containLabel: false },
  tooltip: { trigger: 'axis' },
}

/** Shown in the middle of a chart that has nothing to plot, so it does not look broken. */
function emptyNote(text: string): ChartOption {
  return {
    title: {
      text,
      left: 'center',
      top: 'middle',
      textStyle: { color: '#6b7280', fontSize: 14, fontWeight: 'normal' },
    },
  }
}

interface OkRun {
  runtime: string
  metrics: DeterministicMetrics
  color: string
}

function okRuns(results: WorkloadResults): OkRun[] {
  const out: OkRun[] = []
  results.runs.forEach((r, i) => {
    if (r.metrics) out.push({ runtime: r.runtime, metrics: r.metrics, color: runtimeColor(r.runtime, i) })
  })
  return out
}

/**
 * Live bytes per runtime over ops, one line each; dots mark collections (live bytes after).
 * The line and the dots of a runtime share its name, so the legend has one entry per runtime.
 */
export function liveChart(id: string, results: WorkloadResults): ChartSpec {
  const runs = okRuns(results)
  let max = 0
  for (const r of runs) for (const s of r.metrics.timeline.samples) max = Math.max(max, s.liveBytes)
  const unit = byteUnit(max)
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  const series: unknown[] = []
  for (const r of runs) {
    series.push({
      name: r.runtime,
      type: 'line',
      showSymbol: false,
      color: r.color,
      lineStyle: { width: 1.5 },
      data: downsample(r.metrics.timeline.samples).map((s) => [scaled(s.op, ops), scaled(s.liveBytes, unit)]),
    })
    series.push({
      name: r.runtime,
      type: 'scatter',
      symbolSize: 5,
      color: r.color,
      data: downsample(r.metrics.gcs).map((g) => [scaled(g.op, ops), scaled(g.liveBytesAfter, unit), g.kind]),
    })
  }
  return {
    id,
    title: 'Live bytes over time',
    caption:
      'Bytes of the objects each manager still holds (not yet freed), sampled along the run; dots mark collections at their live bytes after. X axis: op index.',
    option: {
      ...BASE,
      grid: { left: 80, right: 30, top: 50, bottom: 80 },
      legend: WRAPPING_LEGEND,
      xAxis: { type: 'value', name: ops.name, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: unit.name, min: 0 },
      series,
    },
  }
}

/** Above this ratio between the largest and smallest footprint a log axis is used. */
const LOG_AXIS_RATIO = 20

/**
 * Heap footprint per runtime over ops. Footprints differ by orders of magnitude between
 * runtimes (a JVM commits its whole young generation up front), so when they do the y axis is
 * logarithmic and every runtime stays readable; the unit is chosen from the smallest footprint.
 */
export function footprintChart(id: string, results: WorkloadResults): ChartSpec {
  const runs = okRuns(results)
  let max = 0
  let min = Number.POSITIVE_INFINITY
  for (const r of runs)
    for (const s of r.metrics.timeline.samples) {
      max = Math.max(max, s.footprintBytes)
      if (s.footprintBytes > 0) min = Math.min(min, s.footprintBytes)
    }
  const log = Number.isFinite(min) && max / min > LOG_AXIS_RATIO
  const unit = log ? byteUnit(min) : byteUnit(max)
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  return {
    id,
    title: 'Heap footprint over time',
    caption: `Memory each runtime holds for its heap (pymalloc arenas, JVM generations, CLR heaps), sampled along the run${
      log ? '; log scale, as the runtimes differ by orders of magnitude' : ''
    }. X axis: op index.`,
    option: {
      ...BASE,
      grid: { left: 80, right: 30, top: 50, bottom: 80 },
      legend: WRAPPING_LEGEND,
      xAxis: { type: 'value', name: ops.name, nameLocation: 'middle', nameGap: 28 },
      yAxis: log
        ? { type: 'log', logBase: 10, name: `${unit.name} (log scale)` }
        : { type: 'value', name: unit.name, min: 0 },
      series: runs.map((r) => ({
        name: r.runtime,
        type: 'line',
        step: 'end',
        showSymbol: false,
        color: r.color,
        lineStyle: { width: 2 },
        // A log axis cannot show 0 (an empty heap): leave a gap there.
        data: downsample(r.metrics.timeline.samples).map((s) => [
          scaled(s.op, ops),
          log && s.footprintBytes <= 0 ? null : scaled(s.footprintBytes, unit),
        ]),
      })),
    },
  }
}

const PAUSE_POINTS = ['min', 'p50', 'mean', 'p95', 'p99', 'max'] as const

/** Pause distribution per runtime (virtual ns) on a log axis: pauses span orders of magnitude. */
export function pauseChart(id: string, results: WorkloadResults): ChartSpec {
  const runs = okRuns(results)
  return {
    id,
    title: 'Pause distribution (virtual time)',
    caption:
      'Pause percentiles per runtime in virtual nanoseconds, log scale. A runtime with no collections has no bars.',
    option: {
      ...BASE,
      ...(runs.every((r) => r.metrics.pauses.count === 0) ? emptyNote('no collections in this run') : {}),
      legend: { bottom: 0 },
      xAxis: { type: 'category', data: [...PAUSE_POINTS] },
      yAxis: { type: 'log', name: 'virtual ns', logBase: 10 },
      series: runs.map((r) => ({
        name: r.runtime,
        type: 'bar',
        color: r.color,
        // A log axis cannot show 0: a missing bar says "no pause".
        data: PAUSE_POINTS.map((p) =>
          r.metrics.pauses.count > 0 && r.metrics.pauses[p] > 0 ? r.metrics.pauses[p] : null,
        ),
      })),
    },
  }
}

/** Collections per generation, stacked per runtime (generation names differ per runtime). */
export function collectionsChart(id: string, results: WorkloadResults): ChartSpec {
  const runs = okRuns(results)
  const kinds: string[] = []
  // Kinds no runtime ran are left out: a legend entry without a bar only puzzles the reader.
  for (const r of runs)
    for (const g of r.metrics.runtime.generations)
      if (!kinds.includes(g) && runs.some((x) => (x.metrics.collections[g] ?? 0) > 0)) kinds.push(g)
  return {
    id,
    title: 'Collections per generation',
    caption:
      'Number of collections of each kind (gc.collect() calls included); kinds with no collection are left out.',
    option: {
      ...BASE,
      ...(kinds.length === 0 ? emptyNote('no collections in this run') : {}),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0 },
      xAxis: { type: 'category', data: runs.map((r) => r.runtime) },
      yAxis: { type: 'value', name: 'collections', minInterval: 1 },
      series: kinds.map((kind) => ({
        name: kind,
        type: 'bar',
        stack: 'collections',
        data: runs.map((r) => r.metrics.collections[kind] ?? 0),
      })),
    },
  }
}

/** The kinds of memory-management work, priced by the run's cost model (virtual ns). */
/** Each part has its own colour (ECharts' default palette has 9 and would repeat). */
const WORK_PARTS: readonly {
  name: string
  color: string
  price: (m: DeterministicMetrics, c: Record<string, number>) => number
}[] = [
  { name: 'GC fixed (per collection)', color: '#94a3b8', price: (m, c) => m.pauses.count * c.gcFixed },
  { name: 'mark', color: '#2563eb', price: (m, c) => m.work.marked * c.markObject },
  { name: 'scan references', color: '#60a5fa', price: (m, c) => m.work.refsScanned * c.scanRef },
  { name: 'copy', color: '#059669', price: (m, c) => m.work.bytesCopied * c.copyByte },
  { name: 'compact', color: '#34d399', price: (m, c) => m.work.bytesCompacted * c.compactByte },
  { name: 'sweep', color: '#ca8a04', price: (m, c) => m.work.objectsSwept * c.sweepObject },
  { name: 'cards', color: '#f59e0b', price: (m, c) => m.work.cardsScanned * c.cardScan },
  { name: 'free', color: '#dc2626', price: (m, c) => m.work.objectsFreed * c.freeObject },
  { name: 'finalizers', color: '#db2777', price: (m, c) => m.work.finalizersRun * c.finalizer },
  { name: 'refcounting (mutator)', color: '#7c3aed', price: (m, c) => m.work.refcountOps * c.refcountOp },
  { name: 'write barrier (mutator)', color: '#a78bfa', price: (m, c) => m.work.barrierOps * c.barrierOp },
]

export function workChart(id: string, results: WorkloadResults, costs: Record<string, number>): ChartSpec {
  const runs = okRuns(results)
  const c = { ...DEFAULT_COSTS, ...costs } as Record<string, number>
  const parts = WORK_PARTS.filter((p) => runs.some((r) => p.price(r.metrics, c) > 0))
  let max = 0
  for (const r of runs)
    max = Math.max(
      max,
      parts.reduce((sum, p) => sum + p.price(r.metrics, c), 0),
    )
  const unit = timeUnit(max)
  return {
    id,
    title: 'Memory-management work breakdown',
    caption:
      'Work counted by each manager, priced by the cost model (virtual time). Refcounting and barriers are paid by the mutator; the rest inside collections ("free" includes CPython\'s refcount deallocations).',
    option: {
      ...BASE,
      ...(parts.length === 0 ? emptyNote('no memory-management work counted') : {}),
      grid: { left: 100, right: 30, top: 40, bottom: 120 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: WRAPPING_LEGEND,
      yAxis: { type: 'category', data: runs.map((r) => r.runtime) },
      xAxis: { type: 'value', name: unit.name, nameLocation: 'middle', nameGap: 28 },
      series: parts.map((p) => ({
        name: p.name,
        type: 'bar',
        stack: 'work',
        color: p.color,
        data: runs.map((r) => scaled(p.price(r.metrics, c), unit)),
      })),
    },
  }
}

/** Heap-size sensitivity: total virtual time and GC share against the heap multiple. */
export function sweepCharts(idPrefix: string, cells: readonly SweepResults[]): ChartSpec[] {
  let max = 0
  for (const cell of cells) for (const p of cell.points) max = Math.max(max, p.figures?.totalVirtual ?? 0)
  const unit = timeUnit(max)
  const lines = (pick: (f: NonNullable<SweepResults['points'][number]['figures']>) => number) =>
    cells.map((cell, i) => ({
      name: cell.runtime,
      type: 'line',
      color: runtimeColor(cell.runtime, i),
      symbolSize: 7,
      data: cell.points.map((p) => [p.multiple, p.figures ? pick(p.figures) : null]),
    }))
  const axis = { type: 'value', name: 'heap / minimum heap', nameLocation: 'middle', nameGap: 28, min: 1 }
  return [
    {
      id: `${idPrefix}-time`,
      title: 'Total time against heap size',
      caption:
        'DaCapo-style: each runtime at multiples of its own minimum heap; virtual time (mutator + GC).',
      option: {
        ...BASE,
        legend: { bottom: 0 },
        xAxis: axis,
        yAxis: { type: 'value', name: unit.name, scale: true },
        series: lines((f) => scaled(f.totalVirtual, unit)),
      },
    },
    {
      id: `${idPrefix}-share`,
      title: 'GC share of time against heap size',
      caption: 'Percentage of virtual time spent in collections; it falls as the heap grows.',
      option: {
        ...BASE,
        legend: { bottom: 0 },
        xAxis: axis,
        yAxis: { type: 'value', name: 'GC share (%)', min: 0 },
        series: lines((f) => Number((f.gcShare * 100).toPrecision(4))),
      },
    },
  ]
}
