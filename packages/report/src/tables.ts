/**
 * The side-by-side tables in four forms: a terminal table with aligned columns, Markdown,
 * CSV (one row per workload and runtime, raw numbers, for spreadsheets and pandas) and JSON.
 * All are pure functions of a ResultsDocument.
 */
import { csvLine } from './csv.js'
import type { DifferenceTable } from './differences.js'
import { semanticDifferences } from './differences.js'
import { formatBytes, formatCount, formatNanos, formatPercent } from './format.js'
import {
  cellText,
  METRIC_ROWS,
  type MetricRow,
  type MetricValue,
  type RunView,
  rowsWithData,
} from './metric-rows.js'
import type { ResultsDocument, RuntimeRun, SweepResults, WorkloadResults } from './results.js'
import { NO_STYLES, type RuntimeStyles, styleOf } from './runtime-styles.js'

/** A generic grid: a header row and body rows of text cells. */
export interface Grid {
  header: string[]
  rows: string[][]
  /** Section titles: `title` is shown just before body row `row` (a metric group). */
  groups?: { row: number; title: string }[]
}

/** The runtime columns of one workload, each with its wall-clock times when recorded. */
export function runViews(doc: ResultsDocument, results: WorkloadResults): RunView[] {
  const paramsKey = JSON.stringify(results.params)
  return results.runs.map((run) => ({
    run,
    wall: doc.wall.runs.find(
      (w) =>
        w.workload === results.workload &&
        w.runtime === run.runtime &&
        w.point === undefined &&
        (w.params === undefined || JSON.stringify(w.params) === paramsKey),
    ),
  }))
}

export function statusText(run: RuntimeRun): string {
  if (run.status === 'error') return `ERROR ${run.error?.name ?? run.error?.code ?? ''}`.trim()
  if (run.check && !run.check.ok) return `CHECK FAILED (${run.check.value} != ${run.check.expected})`
  return 'ok'
}

/** The self-check's value (its label is in the workload title, the same for every runtime). */
export function checkText(run: RuntimeRun): string {
  if (!run.check) return run.replay ? `replayed ${formatCount(run.replay.ops)} ops` : ''
  const value = formatCount(run.check.value)
  return run.check.ok ? `${value} ok` : `${value}, expected ${formatCount(run.check.expected)}`
}

/** What the self-check counts ("tree nodes checked"), when the runs have one. */
export function checkLabel(results: WorkloadResults): string | undefined {
  return results.runs.find((r) => r.check)?.check?.label
}

export function paramsText(params: Record<string, number>): string {
  const entries = Object.entries(params)
  return entries.length === 0 ? '(no parameters)' : entries.map(([k, v]) => `${k}=${v}`).join(' ')
}

/** The side-by-side grid of one workload: one row per metric, one column per runtime. */
export function workloadGrid(doc: ResultsDocument, results: WorkloadResults): Grid {
  const views = runViews(doc, results)
  // The runtime label already names a non-default preset (`jython:small-heap`).
  const header = ['metric', ...views.map((v) => v.run.runtime)]
  const rows: string[][] = [
    ['status', ...views.map((v) => statusText(v.run))],
    [views.some((v) => v.run.check) ? 'self-check' : 'check', ...views.map((v) => checkText(v.run))],
  ]
  const groups: { row: number; title: string }[] = []
  for (const row of rowsWithData(views)) {
    if (groups.length === 0 || groups[groups.length - 1].title !== row.group)
      groups.push({ row: rows.length, title: row.group })
    rows.push([row.label, ...views.map((v) => cellText(row, v))])
  }
  return { header, rows, groups }
}

/** Error messages of failed runs, shown under a table (too long for a cell). */
export function errorNotes(results: WorkloadResults): string[] {
  return results.runs
    .filter((r) => r.status === 'error' && r.error)
    .map((r) => `${r.runtime}: ${r.error?.message}`)
}

export function workloadTitle(results: WorkloadResults): string {
  const origin = results.origin === 'trace' ? 'trace replay' : `size ${results.size}`
  const check = checkLabel(results)
  return `${results.workload} — ${origin}, ${paramsText(results.params)}, seed ${results.seed}${check ? `; self-check: ${check}` : ''}`
}

/** Sweep cells grouped by workload, size and parameters (one table or chart pair per group). */
export function sweepGroups(doc: ResultsDocument): { title: string; cells: SweepResults[] }[] {
  const groups = new Map<string, SweepResults[]>()
  for (const cell of doc.sweeps) {
    const key = `${cell.workload} ${cell.size} ${JSON.stringify(cell.params)}`
    const list = groups.get(key) ?? []
    list.push(cell)
    groups.set(key, list)
  }
  return [...groups.values()].map((cells) => ({
    title: `${cells[0].workload} — size ${cells[0].size}, ${paramsText(cells[0].params)}, seed ${cells[0].seed}`,
    cells,
  }))
}

/**
 * One row per runtime and heap size (DaCapo-style heap sensitivity). `withWorkload: false`
 * leaves out the workload and params columns, for a table under a title that names them.
 */
export function sweepGrid(sweeps: readonly SweepResults[], options: { withWorkload?: boolean } = {}): Grid {
  const withWorkload = options.withWorkload ?? true
  const header = [
    'workload',
    'params',
    'runtime',
    'min heap',
    'heap',
    'heap bytes',
    'status',
    'GCs',
    'GC share',
    'pause p99',
    'pause max',
    'peak footprint',
    'total time',
  ]
  const rows: string[][] = []
  const shown = (row: string[]) => (withWorkload ? row : row.slice(2))
  for (const cell of sweeps) {
    const minHeap =
      cell.minHeap.status === 'ok'
        ? `${formatBytes(cell.minHeap.bytes)}${cell.minHeap.modelFloor !== undefined ? ' (model floor)' : ''}`
        : `ERROR ${cell.minHeap.error?.name ?? ''}`
    for (const point of cell.points) {
      const f = point.figures
      rows.push(
        shown([
          cell.workload,
          paramsText(cell.params),
          cell.runtime,
          minHeap,
          `${point.multiple}x`,
          formatBytes(point.heapLimit),
          point.status === 'ok' ? 'ok' : `ERROR ${point.error?.name ?? point.error?.code ?? ''}`,
          f ? formatCount(f.collections) : '',
          f ? formatPercent(f.gcShare) : '',
          f ? formatNanos(f.pauseP99) : '',
          f ? formatNanos(f.pauseMax) : '',
          f ? formatBytes(f.peakFootprintBytes) : '',
          f ? formatNanos(f.totalVirtual) : '',
        ]),
      )
    }
    if (cell.points.length === 0)
      rows.push(
        shown([
          cell.workload,
          paramsText(cell.params),
          cell.runtime,
          minHeap,
          '',
          '',
          'no points',
          '',
          '',
          '',
          '',
          '',
          '',
        ]),
      )
  }
  return { header: shown(header), rows }
}

/** The semantic-differences grid: one row per event, one column per runtime. */
export function differencesGrid(table: DifferenceTable, limit = Number.POSITIVE_INFINITY): Grid {
  const rows = table.rows.slice(0, limit).map((r) => [r.what, ...r.cells, r.differs ? '≠' : ''])
  if (table.rows.length > limit)
    rows.push([
      `… ${table.rows.length - limit} more rows (--all, or --format json)`,
      ...table.runtimes.map(() => ''),
      '',
    ])
  return { header: ['event', ...table.runtimes, '≠'], rows }
}

// ---------------------------------------------------------------------------------------------
// Terminal

/**
 * Aligned columns: by default the first `leftColumns` (1) left-aligned and the others
 * right-aligned (numbers line up); `align` sets each column instead.
 */
export function renderTerminalGrid(
  grid: Grid,
  options: { leftColumns?: number; align?: readonly ('left' | 'right')[] } = {},
): string {
  const left = options.leftColumns ?? 1
  const alignLeft = (c: number) => (options.align ? options.align[c] === 'left' : c < left)
  const all = [grid.header, ...grid.rows]
  const widths = grid.header.map((_, c) => Math.max(...all.map((r) => displayWidth(r[c] ?? ''))))
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (alignLeft(c) ? padEnd(cell, widths[c]) : padStart(cell, widths[c])))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const total = rule.length
  const titles = new Map((grid.groups ?? []).map((g) => [g.row, g.title]))
  const body: string[] = []
  grid.rows.forEach((row, i) => {
    const title = titles.get(i)
    if (title !== undefined)
      body.push(`── ${title} ${'─'.repeat(Math.max(2, total - displayWidth(title) - 4))}`)
    body.push(line(row))
  })
  return [line(grid.header), rule, ...body].join('\n')
}

function displayWidth(s: string): number {
  return [...s].length
}
function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - displayWidth(s)))
}
function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - displayWidth(s))) + s
}

/** The terminal tables; `styles` (the runtime registry's) gives each runtime's footprint note. */
export function formatTable(doc: ResultsDocument, styles: RuntimeStyles = NO_STYLES): string {
  const parts: string[] = []
  for (const results of doc.workloads) {
    parts.push(...wrapText(workloadTitle(results), NOTE_WIDTH))
    parts.push(renderTerminalGrid(workloadGrid(doc, results)))
    for (const note of errorNotes(results)) parts.push(`  ${note}`)
    parts.push('')
  }
  if (doc.sweeps.length > 0) {
    parts.push("heap-size sensitivity (heap as a multiple of each runtime's minimum heap)", '')
    for (const group of sweepGroups(doc)) {
      parts.push(group.title)
      parts.push(renderTerminalGrid(sweepGrid(group.cells, { withWorkload: false }), { leftColumns: 1 }))
      parts.push('')
    }
  }
  parts.push(...tableNotes(doc, styles).flatMap((n) => wrapText(n, NOTE_WIDTH)))
  return `${parts.join('\n')}\n`
}

/** Notes under a terminal table wrap to fit a 100-column terminal with room to spare. */
const NOTE_WIDTH = 100

/** Greedy word wrap; continuation lines are indented two spaces. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && displayWidth(line) + 1 + displayWidth(word) > width) {
      lines.push(line)
      line = `  ${word}`
    } else line = line === '' ? word : `${line} ${word}`
  }
  if (line !== '') lines.push(line)
  return lines
}

function virtualTimeNote(): string {
  return 'Times are virtual (deterministic cost model, see @pygc/core cost-model.ts) except "wall".'
}

/** What a reader needs to read the tables: time base, what "footprint" is, missing rows. */
export function tableNotes(doc: ResultsDocument, styles: RuntimeStyles = NO_STYLES): string[] {
  const notes = [virtualTimeNote()]
  const families = new Set<string>()
  for (const w of doc.workloads) for (const r of w.runs) if (r.metrics) families.add(r.metrics.runtime.family)
  const meanings = [...families].flatMap((f) => {
    const footprint = styleOf(styles, f)?.footprint
    return footprint === undefined ? [] : [`${f}: ${footprint}`]
  })
  if (meanings.length > 0) notes.push(`Footprint is the memory the runtime holds — ${meanings.join('; ')}.`)
  if (doc.workloads.length > 0 && !doc.settings.promptness)
    notes.push('Promptness (ops and bytes from unreachable to freed) is measured with --promptness.')
  return notes
}

// ---------------------------------------------------------------------------------------------
// Markdown

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|')
}

export function renderMarkdownGrid(grid: Grid, options: { leftColumns?: number } = {}): string {
  const left = options.leftColumns ?? 1
  const line = (cells: string[]) => `| ${cells.map(mdEscape).join(' | ')} |`
  const align = grid.header.map((_, c) => (c < left ? ':---' : '---:'))
  const titles = new Map((grid.groups ?? []).map((g) => [g.row, g.title]))
  const body: string[] = []
  grid.rows.forEach((row, i) => {
    const title = titles.get(i)
    if (title !== undefined) body.push(line([`**${title}**`, ...row.slice(1).map(() => '')]))
    body.push(line(row))
  })
  return [line(grid.header), `| ${align.join(' | ')} |`, ...body].join('\n')
}

export function formatMarkdown(
  doc: ResultsDocument,
  options: { differencesLimit?: number; styles?: RuntimeStyles } = {},
): string {
  const parts: string[] = ['# pygc results', '', `Command: \`${doc.meta.command}\`  `]
  parts.push(`Seed ${doc.meta.seed}, ${doc.meta.date}, ${versionsText(doc.meta.versions)}`, '')
  for (const results of doc.workloads) {
    parts.push(`## ${results.workload}`, '', `${workloadTitle(results)}. ${results.description}`, '')
    parts.push(renderMarkdownGrid(workloadGrid(doc, results)), '')
    for (const note of errorNotes(results)) parts.push(`- ${note}`)
    const differences = semanticDifferences(results)
    if (differences.rows.some((r) => r.kind !== 'summary' || r.differs)) {
      parts.push('', '### Semantic differences', '')
      parts.push(renderMarkdownGrid(differencesGrid(differences, options.differencesLimit ?? 30)), '')
    }
  }
  if (doc.sweeps.length > 0) {
    parts.push(
      '## Heap-size sensitivity',
      '',
      renderMarkdownGrid(sweepGrid(doc.sweeps), { leftColumns: 3 }),
      '',
    )
  }
  parts.push('', ...tableNotes(doc, options.styles).map((n) => `_${n}_  `))
  return `${parts.join('\n')}\n`
}

export function versionsText(versions: Record<string, string>): string {
  return Object.entries(versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
}

// ---------------------------------------------------------------------------------------------
// CSV (RFC 4180; cells through csv.ts, which neutralises formulas)

/**
 * Virtual times are sums of fractional unit costs: rounded for the CSV (to 0.1 virtual ns, a
 * share to 6 digits) so float noise such as 484248.80000000005 does not reach a spreadsheet.
 */
function roundTo(x: number | undefined, digits: number): number | undefined {
  if (x === undefined) return undefined
  const scale = 10 ** digits
  return Math.round(x * scale) / scale
}

/**
 * A metric row's CSV column: its key with its unit named, unless the key already says it
 * (`pause_total_ns`, `peak_live_bytes`, `wall_ms`, `gc_share_fraction`); counts have none.
 */
export function csvColumn(row: MetricRow): string {
  const suffix: Partial<Record<MetricRow['unit'], string>> = {
    ns: '_ns',
    bytes: '_bytes',
    ms: '_ms',
    fraction: '_fraction',
    ratio: '_ratio',
  }
  const unit = suffix[row.unit]
  if (unit === undefined || row.key.endsWith(unit) || (row.unit === 'bytes' && row.key.includes('bytes')))
    return row.key
  return `${row.key}${unit}`
}

/** A raw value for the CSV: virtual times to 0.1 ns and fractions to 6 digits, past float noise. */
function csvValue(row: MetricRow, value: MetricValue): MetricValue {
  if (typeof value !== 'number') return value
  if (row.unit === 'ns') return roundTo(value, 1)
  if (row.unit === 'fraction' || row.unit === 'ratio') return roundTo(value, 6)
  return value
}

/**
 * One row per workload and runtime, raw numbers with units in the column names (virtual ns,
 * bytes, host ms, fractions), and one `collections_<kind>` column per collection kind any
 * runtime of the document has (empty where a runtime has no such kind) instead of display text.
 */
export function formatRunsCsv(doc: ResultsDocument): string {
  const kinds: string[] = []
  for (const w of doc.workloads)
    for (const r of w.runs)
      for (const k of r.metrics?.runtime.generations ?? []) if (!kinds.includes(k)) kinds.push(k)
  const rows = METRIC_ROWS.filter((r) => r.unit !== 'text')
  const header = [
    'workload',
    'size',
    'params',
    'seed',
    'runtime',
    'preset',
    'status',
    'error',
    'check_label',
    'check',
    'check_ok',
    ...rows.flatMap((r) =>
      r.key === 'collections' ? [csvColumn(r), ...kinds.map((k) => `collections_${k}`)] : [csvColumn(r)],
    ),
  ]
  const lines = [csvLine(header)]
  for (const results of doc.workloads) {
    for (const view of runViews(doc, results)) {
      const run = view.run
      const byKind = kinds.map((k) => run.metrics?.collections[k])
      lines.push(
        csvLine([
          results.workload,
          results.size,
          paramsText(results.params),
          results.seed,
          run.runtime,
          run.preset,
          run.status,
          run.error ? `${run.error.name}: ${run.error.message}` : '',
          run.check?.label,
          run.check?.value,
          run.check ? run.check.ok : '',
          ...rows.flatMap((r) =>
            r.key === 'collections' ? [r.value(view), ...byKind] : [csvValue(r, r.value(view))],
          ),
        ]),
      )
    }
  }
  return `${lines.join('\n')}\n`
}

/** One row per runtime and heap size; times in virtual nanoseconds. */
export function formatSweepCsv(sweeps: readonly SweepResults[]): string {
  const header = [
    'workload',
    'size',
    'params',
    'seed',
    'runtime',
    'preset',
    'cell',
    'min_heap_bytes',
    'min_heap_is_model_floor',
    'heap_multiple',
    'heap_bytes',
    'status',
    'error',
    'collections',
    'gc_share',
    'gc_time_ns',
    'mutator_time_ns',
    'total_time_ns',
    'pause_p50_ns',
    'pause_p99_ns',
    'pause_max_ns',
    'peak_footprint_bytes',
    'peak_live_bytes',
  ]
  const lines = [csvLine(header)]
  for (const cell of sweeps) {
    for (const p of cell.points) {
      const f = p.figures
      lines.push(
        csvLine([
          cell.workload,
          cell.size,
          paramsText(cell.params),
          cell.seed,
          cell.runtime,
          cell.preset,
          cell.cell,
          cell.minHeap.status === 'ok' ? cell.minHeap.bytes : '',
          cell.minHeap.modelFloor !== undefined,
          p.multiple,
          p.heapLimit,
          p.status,
          p.error ? `${p.error.name}: ${p.error.message}` : cell.minHeap.error?.message,
          f?.collections,
          roundTo(f?.gcShare, 6),
          roundTo(f?.gcVirtual, 1),
          roundTo(f?.mutatorVirtual, 1),
          roundTo(f?.totalVirtual, 1),
          roundTo(f?.pauseP50, 1),
          roundTo(f?.pauseP99, 1),
          roundTo(f?.pauseMax, 1),
          f?.peakFootprintBytes,
          f?.peakLiveBytes,
        ]),
      )
    }
  }
  return `${lines.join('\n')}\n`
}

/** Runs, then sweeps (separated by a blank line) when the document has both. */
export function formatCsv(doc: ResultsDocument): string {
  const parts: string[] = []
  if (doc.workloads.length > 0 || doc.sweeps.length === 0) parts.push(formatRunsCsv(doc))
  if (doc.sweeps.length > 0) parts.push(formatSweepCsv(doc.sweeps))
  return parts.join('\n')
}

// ---------------------------------------------------------------------------------------------
// JSON

/**
 * Stable JSON: keys in insertion order (the builders fix that order), two-space indent for the
 * document's structure, one line per record in a list (a collection, an event) and a list of
 * numbers (a timeline column) packed into lines — readable, diffable, and small.
 */
export function formatJson(doc: unknown): string {
  return `${layoutJson(doc, '', false)}\n`
}

/** Values whose compact form is at most this long stay on one line. */
const ONE_LINE = 160
/** A record in a list (a collection with its spaces) stays on one line up to this length. */
const RECORD_LINE = 480
/** A packed list of numbers breaks its lines after this many characters. */
const PACKED_LINE = 120

function layoutJson(value: unknown, indent: string, inList: boolean): string {
  const compact = JSON.stringify(value)
  if (value === null || typeof value !== 'object' || compact.length <= ONE_LINE) return compact
  if (inList && !Array.isArray(value) && compact.length <= RECORD_LINE) return compact
  const inner = `${indent}  `
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    if (value.every((v) => typeof v === 'number')) return packNumbers(value as number[], indent)
    return `[\n${value.map((v) => inner + layoutJson(v, inner, true)).join(',\n')}\n${indent}]`
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined)
  if (entries.length === 0) return '{}'
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${layoutJson(v, inner, false)}`).join(',\n')}\n${indent}}`
}

/** A list of numbers, several to a line. */
function packNumbers(values: readonly number[], indent: string): string {
  const inner = `${indent}  `
  const lines: string[] = []
  let line = ''
  for (const v of values) {
    const item = JSON.stringify(v)
    if (line !== '' && line.length + item.length + 1 > PACKED_LINE) {
      lines.push(`${line},`)
      line = item
    } else line = line === '' ? item : `${line},${item}`
  }
  lines.push(line)
  return `[\n${lines.map((l) => inner + l).join('\n')}\n${indent}]`
}
