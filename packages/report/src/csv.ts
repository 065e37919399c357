/**
 * CSV cells (RFC 4180), the one place every CSV pygc writes (run, sweep, merge, diff) turns a
 * value into a cell. Text cells are neutralised against formula injection by OWASP's rule
 * (owasp.org/www-community/attacks/CSV_Injection): a cell that begins with `=`, `+`, `-`, `@`,
 * a tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text instead of
 * running it (a workload named `=HYPERLINK(...)` in a trace's metadata reaches the CSV). Numbers
 * are written as numbers: a negative figure is data, not a formula.
 */

/** Text a spreadsheet would read as a formula, by OWASP's list of leading characters. */
const FORMULA_START = /^[=+\-@\t\r]/

/** A plain decimal number (`-2`, what Jython's gc.collect() returns): a value, never a formula. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/

/** One text cell's content, made inert for spreadsheets. */
export function neutraliseCsvText(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text
}

/** A value as one CSV cell: empty for undefined and null, quoted when RFC 4180 needs it. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  const s = typeof value === 'string' ? neutraliseCsvText(value) : String(value)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvCell).join(',')
}
