/**
 * Human formatting of figures for tables. Deterministic (no locale): the same number always
 * prints the same way on every machine, so Markdown and terminal tables diff cleanly.
 */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes)
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const sign = bytes < 0 ? '-' : ''
  return unit === 0
    ? `${sign}${value} B`
    : `${sign}${value.toFixed(value >= 100 ? 0 : 1)} ${BYTE_UNITS[unit]}`
}

/** Virtual nanoseconds -> "12.3 µs", "4.56 ms", "1.23 s". */
export function formatNanos(ns: number): string {
  if (!Number.isFinite(ns)) return String(ns)
  const abs = Math.abs(ns)
  if (abs < 1000) return `${trim(ns, abs < 10 ? 2 : 0)} ns`
  if (abs < 1e6) return `${trim(ns / 1e3, 3)} µs`
  if (abs < 1e9) return `${trim(ns / 1e6, 3)} ms`
  return `${trim(ns / 1e9, 3)} s`
}

/** Host milliseconds -> "123 ms", "1.23 s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  return ms < 1000 ? `${trim(ms, ms < 10 ? 2 : 0)} ms` : `${trim(ms / 1000, 3)} s`
}

/** 0.1234 -> "12.3%". */
export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction)
  return `${(fraction * 100).toFixed(1)}%`
}

/** 1234567 -> "1,234,567" (fixed grouping, independent of the host locale). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (!Number.isInteger(n)) return trim(n, 2)
  const s = String(Math.abs(n))
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return n < 0 ? `-${grouped}` : grouped
}

/** Up to `significant` significant digits, without trailing zeros. */
function trim(value: number, significant: number): string {
  if (significant <= 0) return String(Math.round(value))
  const s = Number(value.toPrecision(significant))
  return String(s)
}
