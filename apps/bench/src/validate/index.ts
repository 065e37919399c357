/**
 * `pygc validate --runtime X`: each registered runtime's validation (its model against the real
 * runtime, written by that runtime's engineers: ./cpython.ts, ./jython.ts, ./ironpython.ts,
 * @pygc/pypy's own through ./pypy.ts; listed in the registry, ../runtimes.ts) behind one command
 * and one table format. Exit code 1 when any report is not ok.
 */
import { PygcError } from '@pygc/core'
import { renderTerminalGrid, wrapText } from '@pygc/report'
import { COMMON_OPTIONS, message, parseCommand, parseFormat } from '../cli-support.js'
import { VALIDATIONS } from '../runtimes.js'
import { planRuns } from './selection.js'
import type { ValidationReport, Validator } from './types.js'

/** Each registered runtime's validator, by runtime name. */
export const VALIDATORS: Readonly<Record<ValidationReport['runtime'], Validator>> = Object.fromEntries(
  [...VALIDATIONS].map(([name, v]) => [name, v.validate]),
)

/** Each runtime's validation case names (what `--cases` may name). */
export const VALIDATION_CASE_NAMES: Readonly<Record<ValidationReport['runtime'], readonly string[]>> =
  Object.fromEntries([...VALIDATIONS].map(([name, v]) => [name, v.caseNames]))

const OPTIONS = {
  ...COMMON_OPTIONS,
  runtime: { type: 'string', short: 'r' },
  runtimes: { type: 'string' },
  cases: { type: 'string' },
  workloads: { type: 'string' },
  format: { type: 'string', short: 'f' },
} as const

function parseValidatorList(text: string | undefined): ValidationReport['runtime'][] {
  const valid = Object.keys(VALIDATORS) as ValidationReport['runtime'][]
  if (text === undefined || text === 'all') return valid
  return text.split(',').map((name) => {
    const trimmed = name.trim()
    if (!(valid as string[]).includes(trimmed)) {
      throw new PygcError(
        'UNKNOWN_RUNTIME',
        `no validation for runtime '${trimmed}'; valid: ${valid.join(', ')}, all`,
      )
    }
    return trimmed as ValidationReport['runtime']
  })
}

function splitList(text: string | undefined): string[] | undefined {
  return text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
}

/**
 * Case names start with their workload's name ("binary-trees d=10"), so --workloads selects
 * the rows of those workloads. Validators take exact case names; --workloads filters after.
 */
function matchesWorkloads(caseName: string, workloads: readonly string[] | undefined): boolean {
  return workloads === undefined || workloads.some((w) => caseName === w || caseName.startsWith(`${w} `))
}

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
    const model = String(r.model)
    const real = String(r.real)
    const cells = [
      wrapCell(r.metric, METRIC_WIDTH),
      wrapCell(model, VALUE_WIDTH),
      wrapCell(real === model && real.length > 12 ? '(same)' : real, VALUE_WIDTH),
      [r.ok ? 'ok' : 'FAIL'],
      wrapCell(r.note ?? '', NOTE_WIDTH),
    ]
    const height = Math.max(...cells.map((c) => c.length))
    for (let line = 0; line < height; line++) rows.push(cells.map((c) => c[line] ?? ''))
  }
  const failed = report.rows.filter((r) => !r.ok).length
  const lines = [
    `${report.runtime} model vs ${report.realRuntime}: ${report.ok ? 'ok' : 'NOT OK'}`,
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

export async function validateCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('validate', args, OPTIONS)
  const runtimes = parseValidatorList(values.runtime ?? values.runtimes)
  const format = parseFormat(values.format, ['table', 'json'] as const, 'table')
  const cases = splitList(values.cases)
  const workloads = splitList(values.workloads)
  // A case name selects the cases of whichever runtimes have it; a name none has throws here,
  // before any oracle runs.
  const runs = planRuns(runtimes, cases, VALIDATION_CASE_NAMES)
  const reports: ValidationReport[] = []
  for (const { runtime, cases: own } of runs) {
    const report = await VALIDATORS[runtime]({
      ...(own ? { cases: own } : {}),
      log: values.quiet ? () => {} : (text) => message(`pygc validate ${runtime}: ${text}`),
    })
    if (workloads) {
      report.rows = report.rows.filter((r) => matchesWorkloads(r.case, workloads))
      report.ok = report.rows.every((r) => r.ok)
    }
    reports.push(report)
  }
  // A name that matched nothing is a mistake, not a pass: say so and fail.
  const unmatched = [...(cases ?? []), ...(workloads ?? [])].filter(
    (name) => !reports.some((report) => report.rows.some((r) => matchesWorkloads(r.case, [name]))),
  )
  if (unmatched.length > 0) {
    message(
      `pygc validate: no validation case of ${runtimes.join(', ')} matches ${unmatched.map((n) => `'${n}'`).join(', ')} (pygc validate --runtime R without --cases lists R's cases)`,
    )
  }
  if (format === 'json')
    process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`)
  else process.stdout.write(reports.map(formatValidationTable).join('\n'))
  return reports.every((r) => r.ok) && unmatched.length === 0 ? 0 : 1
}
