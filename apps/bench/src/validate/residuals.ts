/**
 * A report from its rows, and its list of accepted residuals, built from the rows' `residual` fields (never from
 * their notes): one line per row that is within its bound although its figures differ.
 */
import type { ValidationReport, ValidationRow } from './types.js'

/** A residual's size in words: "1.2%", "1", "40 KiB", "in order, not in size". */
export function residualAmount(r: NonNullable<ValidationRow['residual']>): string {
  if (r.amount === null) return 'in order, not in size'
  if (r.unit === '%') return `${r.amount}%`
  if (r.unit === 'count') return `${r.amount}`
  return `${r.amount} ${r.unit}`
}

export function residualLines(rows: readonly ValidationRow[]): string[] {
  return rows
    .filter((r) => r.ok && r.residual !== undefined)
    .map((r) => {
      const unit = r.unit ? ` ${r.unit}` : ''
      const res = r.residual!
      return `${r.case}: ${r.metric} model ${r.model}${unit}, real ${r.real}${unit} (differs by ${residualAmount(res)}; ${res.why})`
    })
}

/** A report from its rows: ok when every row is, residuals from the rows' residual fields. */
export function buildReport(
  runtime: ValidationReport['runtime'],
  realRuntime: string,
  rows: ValidationRow[],
): ValidationReport {
  return { runtime, realRuntime, rows, ok: rows.every((r) => r.ok), residuals: residualLines(rows) }
}
