/**
 * ECharts option objects for the report's charts. Options are plain JSON (no functions), so
 * they are embedded in the page as data and the page's only code is "init every chart".
 * Animations are off: the report is a document (and screenshots must show the final state).
 */
import { DEFAULT_COSTS } from '@pygc/core'
import { collectionRecordsOf } from '../collection-log.js'
import { kindColor } from '../glossary.js'
import type { DeterministicMetrics, HeapTimeline, SweepResults, WorkloadResults } from '../results.js'
import { NO_STYLES, type RuntimeStyles, styleOf } from '../runtime-styles.js'

export type ChartOption = Record<string, unknown>

export interface ChartSpec {
  id: string
  title: string
  /** What the chart shows and how to read it (shown under the title). */
  caption: string
  option: ChartOption
}

/** Colours for runtimes without a style (by position), distinct from the registered runtimes' own. */
const FALLBACK_COLORS = ['#059669', '#dc2626', '#0891b2', '#ca8a04']

/** A runtime's series colour: its registry colour (stable across the whole report), else a fallback. */
export function runtimeColor(runtime: string, index: number, styles: RuntimeStyles = NO_STYLES): string {
  return styleOf(styles, runtime)?.color ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length]
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

function okRuns(results: WorkloadResults, styles: RuntimeStyles): OkRun[] {
  const out: OkRun[] = []
  results.runs.forEach((r, i) => {
    if (r.metrics)
      out.push({ runtime: r.runtime, metrics: r.metrics, color: runtimeColor(r.runtime, i, styles) })
  })
  return out
}

/** A legend entry per runtime only: the min lines share their runtime's name. */
function minMaxSeries(
  r: OkRun,
  ops: AxisUnit,
  unit: AxisUnit,
  min: readonly number[],
  max: readonly number[],
  options: { log?: boolean; step?: boolean } = {},
): unknown[] {
  const t = r.metrics.timeline
  const point = (i: number, v: number) => [
    scaled(t.op[i], ops),
    options.log && v <= 0 ? null : scaled(v, unit),
  ]
  const base = {
    name: r.runtime,
    type: 'line',
    showSymbol: false,
    color: r.color,
    ...(options.step ? { step: 'end' } : {}),
  }
  return [
    { ...base, lineStyle: { width: 2 }, data: max.map((v, i) => point(i, v)) },
    { ...base, lineStyle: { width: 1, type: 'dotted', opacity: 0.7 }, data: min.map((v, i) => point(i, v)) },
  ]
}

/** The largest value of the runs' timeline columns (0 when there is none). */
function maxOf(runs: readonly OkRun[], column: (t: HeapTimeline) => readonly number[]): number {
  let max = 0
  for (const r of runs) for (const v of column(r.metrics.timeline)) max = Math.max(max, v)
  return max
}

/**
 * Live bytes per runtime over ops, as min/max buckets (every peak shows: see HeapTimeline);
 * dots mark collections at their live bytes after, coloured by collection kind.
 */
export function liveChart(
  id: string,
  results: WorkloadResults,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
  const unit = byteUnit(maxOf(runs, (t) => t.liveMax))
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  const series: unknown[] = []
  for (const r of runs) {
    series.push(...minMaxSeries(r, ops, unit, r.metrics.timeline.liveMin, r.metrics.timeline.liveMax))
    series.push({
      name: r.runtime,
      type: 'scatter',
      symbolSize: 5,
      color: r.color,
      itemStyle: { opacity: 0.85 },
      data: downsample(collectionRecordsOf(r.metrics.gcs)).map((g) => ({
        value: [scaled(g.op, ops), scaled(g.liveBytesAfter, unit), g.kind],
        itemStyle: { color: kindColor(g.kind) },
      })),
    })
  }
  return {
    id,
    title: 'Live bytes over time',
    caption:
      'Bytes of the objects each manager still holds (not yet freed). Solid line: the most in each stretch of ops (peaks included); dotted: the least. Dots: collections at their live bytes after, coloured by kind. X axis: op index.',
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
 * Heap footprint per runtime over ops, min/max per bucket. Footprints differ by orders of
 * magnitude between runtimes (a JVM commits its whole young generation up front), so when they
 * do the y axis is logarithmic and every runtime stays readable.
 */
export function footprintChart(
  id: string,
  results: WorkloadResults,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
  const max = maxOf(runs, (t) => t.footprintMax)
  let min = Number.POSITIVE_INFINITY
  for (const r of runs) for (const v of r.metrics.timeline.footprintMax) if (v > 0) min = Math.min(min, v)
  const log = Number.isFinite(min) && max / min > LOG_AXIS_RATIO
  const unit = log ? byteUnit(min) : byteUnit(max)
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  return {
    id,
    title: 'Heap footprint over time',
    caption: `Memory each runtime holds for its heap (pymalloc arenas, JVM generations, CLR heaps). Solid: the most in each stretch of ops, so the peak in the table shows; dotted: the least${
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
      series: runs.flatMap((r) =>
        minMaxSeries(r, ops, unit, r.metrics.timeline.footprintMin, r.metrics.timeline.footprintMax, {
          log,
          step: true,
        }),
      ),
    },
  }
}

const PAUSE_POINTS = ['min', 'p50', 'mean', 'p95', 'p99', 'max'] as const

/** Pause distribution per runtime on a log axis (pauses span orders of magnitude), in µs or ms. */
export function pauseChart(
  id: string,
  results: WorkloadResults,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
  const smallest = Math.min(
    ...runs.flatMap((r) =>
      r.metrics.pauses.count > 0 && r.metrics.pauses.min > 0 ? [r.metrics.pauses.min] : [],
    ),
  )
  const unit = timeUnit(Number.isFinite(smallest) ? smallest : 0)
  return {
    id,
    title: 'Pause distribution (virtual time)',
    caption: `Pause percentiles per runtime in ${unit.name}, log scale. A runtime with no collections has no bars.`,
    option: {
      ...BASE,
      ...(runs.every((r) => r.metrics.pauses.count === 0) ? emptyNote('no collections in this run') : {}),
      legend: { bottom: 0 },
      xAxis: { type: 'category', data: [...PAUSE_POINTS] },
      yAxis: { type: 'log', name: `${unit.name} (log scale)`, logBase: 10 },
      series: runs.map((r) => ({
        name: r.runtime,
        type: 'bar',
        color: r.color,
        // A log axis cannot show 0: a missing bar says "no pause".
        data: PAUSE_POINTS.map((p) =>
          r.metrics.pauses.count > 0 && r.metrics.pauses[p] > 0 ? scaled(r.metrics.pauses[p], unit) : null,
        ),
      })),
    },
  }
}

/** Symbols that tell runtimes apart where colour tells collection kinds apart. */
const RUNTIME_SYMBOLS = ['circle', 'triangle', 'diamond', 'rect', 'pin', 'roundRect']

/**
 * Every pause over the run (GCViewer's and GCeasy's "pause time" chart): one point per
 * collection at its op, log scale; colour = collection kind, symbol = runtime.
 */
export function pausesOverTimeChart(
  id: string,
  results: WorkloadResults,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
  let smallest = Number.POSITIVE_INFINITY
  for (const r of runs)
    for (const pause of r.metrics.gcs.pauseVirtual) if (pause > 0) smallest = Math.min(smallest, pause)
  const unit = timeUnit(Number.isFinite(smallest) ? smallest : 0)
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  const series: unknown[] = []
  runs.forEach((r, i) => {
    const records = collectionRecordsOf(r.metrics.gcs)
    for (const kind of r.metrics.runtime.generations) {
      const gcs = records.filter((g) => g.kind === kind && g.pauseVirtual > 0)
      if (gcs.length === 0) continue
      series.push({
        name: `${r.runtime} ${kind}`,
        type: 'scatter',
        symbol: RUNTIME_SYMBOLS[i % RUNTIME_SYMBOLS.length],
        symbolSize: 7,
        color: kindColor(kind),
        data: downsample(gcs, 2000).map((g) => [scaled(g.op, ops), scaled(g.pauseVirtual, unit)]),
      })
    }
  })
  return {
    id,
    title: 'Pauses over time (virtual time)',
    caption: `Each collection's pause at the op it happened, ${unit.name}, log scale. Colour: collection kind (the same in every chart); symbol: runtime.`,
    option: {
      ...BASE,
      ...(series.length === 0 ? emptyNote('no collections in this run') : {}),
      tooltip: { trigger: 'item' },
      grid: { left: 80, right: 30, top: 50, bottom: 90 },
      legend: WRAPPING_LEGEND,
      xAxis: { type: 'value', name: ops.name, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'log', logBase: 10, name: `${unit.name} (log scale)` },
      series,
    },
  }
}

/**
 * Collections per kind and runtime, side by side on a log axis with the count on each bar: a
 * runtime's 2 full collections stay visible beside another's 163 young ones. Colour = kind.
 */
export function collectionsChart(
  id: string,
  results: WorkloadResults,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
  const kinds: string[] = []
  // Kinds no runtime ran are left out: a legend entry without a bar only puzzles the reader.
  for (const r of runs)
    for (const g of r.metrics.runtime.generations)
      if (!kinds.includes(g) && runs.some((x) => (x.metrics.collections[g] ?? 0) > 0)) kinds.push(g)
  return {
    id,
    title: 'Collections per generation',
    caption:
      'Number of collections of each kind (gc.collect() calls included), log scale, the count on each bar; colour: collection kind. Kinds with no collection are left out.',
    option: {
      ...BASE,
      ...(kinds.length === 0 ? emptyNote('no collections in this run') : {}),
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0 },
      xAxis: { type: 'category', data: runs.map((r) => r.runtime) },
      // Below 1, so a kind collected once still has a visible bar.
      yAxis: { type: 'log', logBase: 10, name: 'collections (log scale)', min: 0.5 },
      series: kinds.map((kind) => ({
        name: kind,
        type: 'bar',
        color: kindColor(kind),
        barGap: '10%',
        label: { show: true, position: 'top', fontSize: 11 },
        // 0 has no place on a log axis: no bar, and the label says nothing either.
        data: runs.map((r) => ((r.metrics.collections[kind] ?? 0) > 0 ? r.metrics.collections[kind] : null)),
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

export function workChart(
  id: string,
  results: WorkloadResults,
  costs: Record<string, number>,
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec {
  const runs = okRuns(results, styles)
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
export function sweepCharts(
  idPrefix: string,
  cells: readonly SweepResults[],
  styles: RuntimeStyles = NO_STYLES,
): ChartSpec[] {
  let max = 0
  for (const cell of cells) for (const p of cell.points) max = Math.max(max, p.figures?.totalVirtual ?? 0)
  const unit = timeUnit(max)
  const lines = (pick: (f: NonNullable<SweepResults['points'][number]['figures']>) => number) =>
    cells.map((cell, i) => ({
      name: cell.runtime,
      type: 'line',
      color: runtimeColor(cell.runtime, i, styles),
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
