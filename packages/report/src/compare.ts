/**
 * Two results documents compared figure by figure, as pyperf's compare_to and hyperfine do it:
 * per workload, runtime and metric both values, the ratio and a verdict. Deterministic figures
 * (everything but wall-clock time) are the same on every machine, so the verdict is simply
 * "same" or "changed". Wall times vary: with `pygc run --repeat N` on both sides the verdict
 * comes from Welch's two-sample t-test (unequal variances, Satterthwaite's degrees of freedom;
 * jstat for Student's t distribution) at the 5% level, as hyperfine's welch_ttest script does;
 * with one run a side there is nothing to test and the verdict says so.
 */
import jStat from 'jstat'
import { csvLine } from './csv.js'
import { formatCount, formatMs } from './format.js'
import { cellText, METRIC_ROWS, type RunView } from './metric-rows.js'
import type { ResultsDocument, WallRun, WorkloadResults } from './results.js'
import { type Grid, paramsText, renderMarkdownGrid, renderTerminalGrid, runViews } from './tables.js'

export type Verdict =
  | 'same'
  | 'changed'
  | 'only in base'
  | 'only in new'
  | 'slower'
  | 'faster'
  | 'not significant'
  | 'not tested'

/** Significance level of the wall-time test. */
export const SIGNIFICANCE = 0.05

/** A wall time as compared: the mean and deviation of the repeats (one value without repeats). */
export interface WallSample {
  n: number
  mean: number
  /** Sample standard deviation (n - 1); 0 with one value. */
  sd: number
}

export interface ComparisonRow {
  workload: string
  params: string
  runtime: string
  /** METRIC_ROWS key (CSV column name). */
  metric: string
  label: string
  base: number | string | undefined
  new: number | string | undefined
  /** new / base, when both are numbers and base is not 0. */
  ratio: number | undefined
  verdict: Verdict
  /** Wall-time rows: both samples and the test's p-value (two-sided) when it could be made. */
  wall?: { base: WallSample; new: WallSample; p?: number }
  /** The two values as the tables print them. */
  baseText: string
  newText: string
}

export interface Comparison {
  base: string
  new: string
  rows: ComparisonRow[]
  /** Settings that differ between the files (a changed cost model changes every virtual time). */
  notes: string[]
}

function mean(xs: readonly number[]): number {
  let sum = 0
  for (const x of xs) sum += x
  return sum / xs.length
}

function sampleOf(values: readonly number[]): WallSample {
  const m = mean(values)
  if (values.length < 2) return { n: values.length, mean: m, sd: 0 }
  let ss = 0
  for (const x of values) ss += (x - m) ** 2
  return { n: values.length, mean: m, sd: Math.sqrt(ss / (values.length - 1)) }
}

/**
 * Welch's t-test, two-sided: the p-value for "the means are equal", or undefined when either
 * side has fewer than two values. Two samples without any spread are equal (p 1) or not (p 0).
 */
export function welchTest(a: WallSample, b: WallSample): number | undefined {
  if (a.n < 2 || b.n < 2) return undefined
  const va = (a.sd * a.sd) / a.n
  const vb = (b.sd * b.sd) / b.n
  if (va + vb === 0) return a.mean === b.mean ? 1 : 0
  const t = (a.mean - b.mean) / Math.sqrt(va + vb)
  const dof = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1))
  return 2 * (1 - jStat.studentt.cdf(Math.abs(t), dof))
}

/** Key of a run: the same workload, parameters and seed on the same runtime label. */
function runKey(w: WorkloadResults, runtime: string): string {
  return JSON.stringify([w.workload, w.size, w.params, w.seed, runtime])
}

function wallValues(wall: WallRun | undefined, key: 'totalMs' | 'gcMs'): number[] {
  if (wall === undefined) return []
  return wall.repeats?.[key] ?? [wall[key]]
}

const WALL_KEYS: Readonly<Record<string, 'totalMs' | 'gcMs'>> = { wall_ms: 'totalMs', wall_gc_ms: 'gcMs' }

function formatWall(s: WallSample): string {
  if (s.n === 0) return '–'
  return s.n === 1 ? formatMs(s.mean) : `${formatMs(s.mean)} ± ${formatMs(s.sd)} (n=${s.n})`
}

function wallRow(
  common: Omit<ComparisonRow, 'base' | 'new' | 'ratio' | 'verdict' | 'baseText' | 'newText'>,
  baseView: RunView | undefined,
  newView: RunView | undefined,
): ComparisonRow {
  const key = WALL_KEYS[common.metric]
  const a = sampleOf(wallValues(baseView?.wall, key))
  const b = sampleOf(wallValues(newView?.wall, key))
  const p = welchTest(a, b)
  const verdict: Verdict =
    a.n === 0 || b.n === 0
      ? a.n === 0
        ? 'only in new'
        : 'only in base'
      : p === undefined
        ? 'not tested'
        : p < SIGNIFICANCE
          ? b.mean > a.mean
            ? 'slower'
            : 'faster'
          : 'not significant'
  return {
    ...common,
    base: a.n > 0 ? a.mean : undefined,
    new: b.n > 0 ? b.mean : undefined,
    ratio: a.n > 0 && b.n > 0 && a.mean !== 0 ? b.mean / a.mean : undefined,
    verdict,
    wall: { base: a, new: b, ...(p !== undefined ? { p } : {}) },
    baseText: formatWall(a),
    newText: formatWall(b),
  }
}

/** Every figure of every run found in either document, base first. */
export function compareDocuments(
  base: ResultsDocument,
  next: ResultsDocument,
  names: { base: string; new: string },
  notes: readonly string[] = [],
): Comparison {
  const views = (doc: ResultsDocument) => {
    const map = new Map<string, { w: WorkloadResults; view: RunView }>()
    for (const w of doc.workloads)
      for (const view of runViews(doc, w)) map.set(runKey(w, view.run.runtime), { w, view })
    return map
  }
  const a = views(base)
  const b = views(next)
  const keys = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))]
  const rows: ComparisonRow[] = []
  for (const key of keys) {
    const left = a.get(key)
    const right = b.get(key)
    const w = (left ?? right)?.w as WorkloadResults
    const runtime = (left ?? right)?.view.run.runtime as string
    for (const metric of METRIC_ROWS) {
      const common = {
        workload: w.workload,
        params: paramsText(w.params),
        runtime,
        metric: metric.key,
        label: metric.label,
      }
      if (Object.hasOwn(WALL_KEYS, metric.key)) {
        rows.push(wallRow(common, left?.view, right?.view))
        continue
      }
      const x = left ? metric.value(left.view) : undefined
      const y = right ? metric.value(right.view) : undefined
      if (x === undefined && y === undefined) continue
      const verdict: Verdict =
        x === undefined ? 'only in new' : y === undefined ? 'only in base' : x === y ? 'same' : 'changed'
      rows.push({
        ...common,
        base: x,
        new: y,
        ratio: typeof x === 'number' && typeof y === 'number' && x !== 0 ? y / x : undefined,
        verdict,
        baseText: left ? cellText(metric, left.view) : '–',
        newText: right ? cellText(metric, right.view) : '–',
      })
    }
  }
  return { base: names.base, new: names.new, rows, notes: [...notes] }
}

/** Rows a reader wants first: everything that is not "same" (wall rows always). */
export function notableRows(c: Comparison): ComparisonRow[] {
  return c.rows.filter((r) => r.verdict !== 'same')
}

function ratioText(r: ComparisonRow): string {
  if (r.ratio === undefined) return ''
  if (r.ratio >= 100) return `${formatCount(Math.round(r.ratio))}x`
  // A changed figure never reads "1x": more digits until the change shows.
  let digits = 3
  while (digits < 8 && r.ratio !== 1 && Number(r.ratio.toPrecision(digits)) === 1) digits++
  return `${Number(r.ratio.toPrecision(digits))}x`
}

function verdictText(r: ComparisonRow): string {
  return r.wall?.p !== undefined ? `${r.verdict} (p=${Number(r.wall.p.toPrecision(2))})` : r.verdict
}

/** The comparison as a grid (all rows, or only the notable ones). */
export function comparisonGrid(c: Comparison, options: { all?: boolean } = {}): Grid {
  const rows = (options.all ? c.rows : notableRows(c)).map((r) => [
    r.workload,
    r.runtime,
    r.label,
    r.baseText,
    r.newText,
    ratioText(r),
    verdictText(r),
  ])
  return { header: ['workload', 'runtime', 'metric', 'base', 'new', 'new/base', 'verdict'], rows }
}

/** "12 of 1,440 figures changed; wall time: 3 slower, 1 faster, 32 not significant". */
export function comparisonSummary(c: Comparison): string {
  const count = (v: Verdict) => c.rows.filter((r) => r.verdict === v).length
  const figures = c.rows.filter((r) => r.wall === undefined)
  const changed = figures.filter((r) => r.verdict !== 'same').length
  const wall = (['slower', 'faster', 'not significant', 'not tested'] as const)
    .filter((v) => count(v) > 0)
    .map((v) => `${count(v)} ${v}`)
  return `${formatCount(changed)} of ${formatCount(figures.length)} deterministic figures differ${
    wall.length > 0 ? `; wall times: ${wall.join(', ')}` : ''
  }`
}

export function formatComparison(
  c: Comparison,
  format: 'table' | 'md',
  options: { all?: boolean } = {},
): string {
  const grid = comparisonGrid(c, options)
  const head = `${c.base} -> ${c.new}: ${comparisonSummary(c)}`
  const notes = c.notes.map((n) => `note: ${n}`)
  const body =
    grid.rows.length === 0
      ? 'every figure is the same'
      : format === 'md'
        ? renderMarkdownGrid(grid, { leftColumns: 3 })
        : renderTerminalGrid(grid, { leftColumns: 3 })
  const hidden = options.all ? 0 : c.rows.length - grid.rows.length
  const tail = hidden > 0 ? [`(${formatCount(hidden)} unchanged figures not shown; --all shows them)`] : []
  return `${[format === 'md' ? `## ${head}` : head, ...notes, '', body, ...tail].join('\n')}\n`
}

/** One CSV row per figure (every row: CSV is for programs). */
export function comparisonCsv(comparisons: readonly Comparison[]): string {
  const lines = [
    csvLine([
      'base_file',
      'new_file',
      'workload',
      'params',
      'runtime',
      'metric',
      'base',
      'new',
      'ratio',
      'verdict',
      'base_n',
      'base_sd',
      'new_n',
      'new_sd',
      'p_value',
    ]),
  ]
  for (const c of comparisons)
    for (const r of c.rows)
      lines.push(
        csvLine([
          c.base,
          c.new,
          r.workload,
          r.params,
          r.runtime,
          r.metric,
          r.base,
          r.new,
          r.ratio,
          r.verdict,
          r.wall?.base.n,
          r.wall?.base.sd,
          r.wall?.new.n,
          r.wall?.new.sd,
          r.wall?.p,
        ]),
      )
  return `${lines.join('\n')}\n`
}
