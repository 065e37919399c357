/**
 * The separate-process half of the benchmarks that measure memory or long runs: each measurement
 * runs in a fresh `node` process (so one model's heap, JIT state or peak resident memory never
 * skews the next), which prints one JSON line; the parent collects the lines into a table.
 */
import { spawnSync } from 'node:child_process'

/** This process's peak resident set size in bytes (getrusage's ru_maxrss, which Node gives in KiB). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024
}

/** Seconds since `start` (a process.hrtime.bigint() reading). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9
}

/**
 * Run `node entry ...args` and parse the last line of its stdout as JSON, or return why it
 * failed (the last lines of its stderr). `timeoutMs` ends a child that runs too long.
 */
export function runChild<T>(
  entry: string,
  args: readonly string[],
  timeoutMs?: number,
): T | { skipped: string } {
  const child = spawnSync(process.execPath, [entry, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 24,
    timeout: timeoutMs,
  })
  if (child.error !== undefined) return { skipped: `${args.join(' ')}: ${child.error.message}` }
  if (child.status !== 0) {
    const why = child.signal !== null ? `killed by ${child.signal}` : `exit code ${child.status}`
    const stderr = child.stderr.trim().split('\n').slice(-3).join(' | ')
    return { skipped: `${args.join(' ')}: ${why}${stderr ? `: ${stderr}` : ''}` }
  }
  const last = child.stdout.trim().split('\n').slice(-1)[0]
  return JSON.parse(last) as T
}

/** The value of environment variable `name` as a positive integer, or `fallback` when unset. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got '${raw}'`)
  return value
}

/** A comma-separated list from environment variable `name` ('' or unset: `fallback`). */
export function envList(name: string, fallback: readonly string[]): string[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return [...fallback]
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}
