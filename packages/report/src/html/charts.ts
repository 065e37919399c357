/**
 * ECharts option objects for the report's charts. Options are plain JSON (no functions), so
 * they are embedded in the page as data and the page's only code is "init every chart".
 * Animations are off: the report is a document (and screenshots must show the final state).
 */
import { DEFAULT_COSTS } from '@pygc/core'
import type { DeterministicMetrics, ResultsDocument, SweepResults, WorkloadResults } from '../results.js'

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
  return RUNTIME_COLORS[runtime.split(':')[0]] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length]
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

/** Heap footprint (solid) and live bytes (dashed) per runtime over ops; dots mark collections. */
export function heapChart(id: string, results: WorkloadResults): ChartSpec {
  const runs = okRuns(results)
  const series: unknown[] = []
  let max = 0
  for (const r of runs)
    for (const s of r.metrics.timeline.samples) max = Math.max(max, s.footprintBytes, s.liveBytes)
  const unit = byteUnit(max)
  const ops = opUnit(Math.max(0, ...runs.map((r) => r.metrics.ops)))
  for (const r of runs) {
    const samples = downsample(r.metrics.timeline.samples)
    series.push({
      name: `${r.runtime} footprint`,
      type: 'line',
      showSymbol: false,
      color: r.color,
      lineStyle: { width: 2 },
      data: samples.map((s) => [scaled(s.op, ops), scaled(s.footprintBytes, unit)]),
    })
    series.push({
      name: `${r.runtime} live`,
      type: 'line',
      showSymbol: false,
      color: r.color,
      lineStyle: { width: 1, type: 'dashed' },
      data: samples.map((s) => [scaled(s.op, ops), scaled(s.liveBytes, unit)]),
    })
    series.push({
      name: `${r.runtime} collections`,
      type: 'scatter',
      symbolSize: 5,
      color: r.color,
      data: downsample(r.metrics.gcs).map((g) => [scaled(g.op, ops), scaled(g.liveBytesAfter, unit), g.kind]),
    })
  }
  return {
    id,
    title: 'Heap footprint and live bytes over time',
    caption:
      'Solid: memory the runtime holds (arenas, generations, segments); dashed: live bytes as the manager knows them; dots: collections (live bytes after). X axis: op index.',
    option: {
      ...BASE,
      grid: { left: 80, right: 40, top: 50, bottom: 110 },
      legend: WRAPPING_LEGEND,
      xAxis: { type: 'value', name: ops.name, nameLocation: 'middle', nameGap: 28 },
      yAxis: { type: 'value', name: unit.name },
      // Footprints differ by orders of magnitude between runtimes (a JVM reserves its heap):
      // a slider on the y axis lets a reader zoom into the smaller ones.
      dataZoom: [
        { type: 'inside', xAxisIndex: 0 },
        { type: 'slider', yAxisIndex: 0, right: 4, width: 12, showDetail: false },
      ],
      series,
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
  for (const r of runs) for (const g of r.metrics.runtime.generations) if (!kinds.includes(g)) kinds.push(g)
  return {
    id,
    title: 'Collections per generation',
    caption: 'Number of collections of each kind (gc.collect() calls included).',
    option: {
      ...BASE,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { bottom: 0 },
      xAxis: { type: 'category', data: runs.map((r) => r.runtime) },
      yAxis: { type: 'value', name: 'collections' },
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
const WORK_PARTS: readonly {
  name: string
  price: (m: DeterministicMetrics, c: Record<string, number>) => number
}[] = [
  { name: 'GC fixed (per collection)', price: (m, c) => m.pauses.count * c.gcFixed },
  { name: 'mark', price: (m, c) => m.work.marked * c.markObject },
  { name: 'scan references', price: (m, c) => m.work.refsScanned * c.scanRef },
  { name: 'copy', price: (m, c) => m.work.bytesCopied * c.copyByte },
  { name: 'compact', price: (m, c) => m.work.bytesCompacted * c.compactByte },
  { name: 'sweep', price: (m, c) => m.work.objectsSwept * c.sweepObject },
  { name: 'cards', price: (m, c) => m.work.cardsScanned * c.cardScan },
  { name: 'free', price: (m, c) => m.work.objectsFreed * c.freeObject },
  { name: 'finalizers', price: (m, c) => m.work.finalizersRun * c.finalizer },
  { name: 'refcounting (mutator)', price: (m, c) => m.work.refcountOps * c.refcountOp },
  { name: 'write barrier (mutator)', price: (m, c) => m.work.barrierOps * c.barrierOp },
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
      grid: { left: 100, right: 30, top: 40, bottom: 120 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: WRAPPING_LEGEND,
      yAxis: { type: 'category', data: runs.map((r) => r.runtime) },
      xAxis: { type: 'value', name: unit.name, nameLocation: 'middle', nameGap: 28 },
      series: parts.map((p) => ({
        name: p.name,
        type: 'bar',
        stack: 'work',
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
      caption: 'Fraction of virtual time spent in collections; it falls as the heap grows.',
      option: {
        ...BASE,
        legend: { bottom: 0 },
        xAxis: axis,
        yAxis: { type: 'value', name: 'GC share', min: 0 },
        series: lines((f) => f.gcShare),
      },
    },
  ]
}

/** Sweep cells grouped by workload and parameters (one pair of charts per group). */
export function sweepGroups(doc: ResultsDocument): { title: string; cells: SweepResults[] }[] {
  const groups = new Map<string, SweepResults[]>()
  for (const cell of doc.sweeps) {
    const key = `${cell.workload} ${cell.size} ${JSON.stringify(cell.params)}`
    const list = groups.get(key) ?? []
    list.push(cell)
    groups.set(key, list)
  }
  return [...groups.entries()].map(([title, cells]) => ({ title, cells }))
}
