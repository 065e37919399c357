/** A plain text table: right-aligned numbers, left-aligned text, one header rule. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const isNumeric = (s: string): boolean => /^[-+]?[\d.,]+\s*[a-zA-Z×/%]*$/.test(s.trim()) || s === '-'
  const cell = (s: string, i: number): string =>
    i > 0 && isNumeric(s) ? s.padStart(widths[i]) : s.padEnd(widths[i])
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => cell(c, i))
      .join('  ')
      .trimEnd()
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

/** 1234567.8 -> "1,234,568". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A ratio with two significant decimals: "12.34×". */
export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(r >= 100 ? 0 : 2)}×` : '-'
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`
}
