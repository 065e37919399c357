/**
 * Each registered runtime's validation (its model against the real runtime: ./cpython.ts,
 * ./jython.ts, ./ironpython.ts, @pygc/pypy's own through ./pypy.ts; listed in the runtime
 * registry, ../runtimes.ts) behind one table format. The command is ../commands/validate.ts;
 * the library entry for one trace is ./api.ts.
 */
import { renderTerminalGrid, wrapText } from '@pygc/report'
import { VALIDATIONS } from '../runtimes.js'
import { residualAmount } from './residuals.js'
import type { ValidationReport, ValidationRow, Validator } from './types.js'

/** Each registered runtime's validator, by runtime name. */
export const VALIDATORS: Readonly<Record<ValidationReport['runtime'], Validator>> = Object.fromEntries(
  [...VALIDATIONS].map(([name, v]) => [name, v.validate]),
)

/** Each runtime's validation case names (what `--cases` may name). */
export const VALIDATION_CASE_NAMES: Readonly<Record<ValidationReport['runtime'], readonly string[]>> =
  Object.fromEntries([...VALIDATIONS].map(([name, v]) => [name, v.caseNames]))

/** Widest value and note cells; longer text wraps onto continuation lines (120-column terminals). */
const VALUE_WIDTH = 26
const NOTE_WIDTH = 26
const METRIC_WIDTH = 30

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** Greedy wrap of a cell at spaces; a word longer than the width stays whole. */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line === '' ? word : `${line} ${word}`
  }
  lines.push(line)
  return lines
}

/** The note column: the bound, the accepted residual, then any note. */
function noteCell(r: ValidationRow): string {
  const residual = r.residual ? `residual ${residualAmount(r.residual)}` : undefined
  return [r.tolerance, residual, r.note].filter((x) => x !== undefined && x !== '').join('; ')
}

/**
 * The side-by-side table: one section per case (its name as the heading), one row per compared
 * figure with the model's and the real runtime's value, then a one-line verdict. A long real
 * value equal to the model's prints as "(same)", and long text wraps, so the table stays
 * readable in a 120-column terminal.
 */
export function formatValidationTable(report: ValidationReport): string {
  if (report.rows.length === 0) return `${report.runtime} model vs ${report.realRuntime}: no case selected\n`
  const header = ['metric', 'model', 'real', 'ok', 'note']
  const rows: string[][] = []
  const groups: { row: number; title: string }[] = []
  for (const r of report.rows) {
    if (groups.length === 0 || groups[groups.length - 1].title !== r.case)
      groups.push({ row: rows.length, title: r.case })
    const unit = r.unit ? ` ${r.unit}` : ''
    const model = typeof r.model === 'number' ? `${r.model}${unit}` : r.model
    const real = typeof r.real === 'number' ? `${r.real}${unit}` : r.real
    const cells = [
      wrapCell(r.metric, METRIC_WIDTH),
      wrapCell(model, VALUE_WIDTH),
      wrapCell(real === model && real.length > 12 ? '(same)' : real, VALUE_WIDTH),
      [r.ok ? 'ok' : 'FAIL'],
      wrapCell(noteCell(r), NOTE_WIDTH),
    ]
    const height = Math.max(...cells.map((c) => c.length))
    for (let line = 0; line < height; line++) rows.push(cells.map((c) => c[line] ?? ''))
  }
  const failed = report.rows.filter((r) => !r.ok).length
  const lines = [
    `${report.runtime}${report.preset ? `:${report.preset}` : ''} model vs ${report.realRuntime}: ${report.ok ? 'ok' : 'NOT OK'}`,
    renderTerminalGrid({ header, rows, groups }, { align: ['left', 'right', 'right', 'left', 'left'] }),
    `${plural(groups.length, 'case')}, ${plural(report.rows.length, 'comparison')}: ${
      failed === 0 ? 'all within bounds' : `${failed} outside bounds (FAIL rows)`
    }.`,
  ]
  if (report.residuals.length > 0)
    lines.push(
      'Accepted residuals:',
      ...report.residuals.flatMap((r) => wrapText(r, 112).map((l, i) => (i === 0 ? `  - ${l}` : `  ${l}`))),
    )
  return `${lines.join('\n')}\n`
}
