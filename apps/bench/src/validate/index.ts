/**
 * `pygc validate --runtime X`: each runtime's validation (its model against the real runtime,
 * written by that runtime's engineers in ./cpython.ts, ./jython.ts, ./ironpython.ts) behind one
 * command and one table format. Exit code 1 when any report is not ok.
 */
import { PygcError } from '@pygc/core'
import { renderTerminalGrid } from '@pygc/report'
import { COMMON_OPTIONS, message, parseCommand, parseFormat } from '../cli-support.js'
import { validateCpython } from './cpython.js'
import { validateIronPython } from './ironpython.js'
import { validateJython } from './jython.js'
import type { ValidationReport, Validator } from './types.js'

export const VALIDATORS: Readonly<Record<ValidationReport['runtime'], Validator>> = {
  cpython: validateCpython,
  jython: validateJython,
  ironpython: validateIronPython,
}

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

export function formatValidationTable(report: ValidationReport): string {
  const header = ['case', 'metric', 'model', 'real', 'ok', 'note']
  const rows = report.rows.map((r) => [
    r.case,
    r.metric,
    String(r.model),
    String(r.real),
    r.ok ? 'ok' : 'FAIL',
    r.note ?? '',
  ])
  const lines = [
    `${report.runtime} model vs ${report.realRuntime}: ${report.ok ? 'ok' : 'NOT OK'}`,
    renderTerminalGrid({ header, rows }, { leftColumns: 2 }),
  ]
  if (report.residuals.length > 0)
    lines.push('Accepted residuals:', ...report.residuals.map((r) => `  - ${r}`))
  return `${lines.join('\n')}\n`
}

export async function validateCommand(args: readonly string[]): Promise<number> {
  const { values } = parseCommand('validate', args, OPTIONS)
  const runtimes = parseValidatorList(values.runtime ?? values.runtimes)
  const format = parseFormat(values.format, ['table', 'json'] as const, 'table')
  const cases = splitList(values.cases)
  const workloads = splitList(values.workloads)
  const reports: ValidationReport[] = []
  for (const runtime of runtimes) {
    const report = await VALIDATORS[runtime]({
      ...(cases ? { cases } : {}),
      log: values.quiet ? () => {} : (text) => message(`pygc validate ${runtime}: ${text}`),
    })
    if (workloads) {
      report.rows = report.rows.filter((r) => matchesWorkloads(r.case, workloads))
      report.ok = report.rows.every((r) => r.ok)
    }
    reports.push(report)
  }
  if (format === 'json')
    process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`)
  else process.stdout.write(reports.map(formatValidationTable).join('\n'))
  return reports.every((r) => r.ok) ? 0 : 1
}
