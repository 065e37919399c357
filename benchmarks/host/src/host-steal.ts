/**
 * How much CPU time the hypervisor took from this machine while a table was timed: the "steal"
 * column of /proc/stat (proc(5): "stolen time, which is the time spent in other operating
 * systems when running in a virtualized environment"). On a shared virtual machine a speed
 * table's ratios move with the host's load, and stolen time is the part of that load a guest
 * can see; the table prints it beside the ratios, so that a figure is not cited from a run the
 * host visibly disturbed. It is not the only disturbance: on a slow day (session 13) the same
 * tree read cpython 13.99x and 10.46x V8 at N=10 in one run (all in one process and alone),
 * while a later table of that day had only 2.3% stolen; a low figure here does not make a
 * table quiet, a high one makes it not citable.
 */
import { readFileSync } from 'node:fs'

/** Cumulative CPU time of all cores, in clock ticks: everything, and the part stolen. */
export interface CpuTimes {
  total: number
  steal: number
}

/**
 * The aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal guest
 * guest_nice); null when the text has no such line or it has fewer than eight counters (a
 * kernel before 2.6.11 has no steal column). guest and guest_nice are already inside user and
 * nice, so they are not added again.
 */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '))
  if (line === undefined) return null
  const counters = line.trim().split(/\s+/).slice(1, 9).map(Number)
  if (counters.length < 8 || counters.some((c) => !Number.isFinite(c) || c < 0)) return null
  return { total: counters.reduce((a, b) => a + b, 0), steal: counters[7] }
}

/** This machine's CPU times now, or null where /proc/stat is not there (not Linux). */
export function cpuTimesNow(): CpuTimes | null {
  try {
    return parseCpuTimes(readFileSync('/proc/stat', 'utf8'))
  } catch {
    return null
  }
}

/** The share of CPU time stolen between two readings (0..1), or null when it cannot be told. */
export function stolenShare(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (before === null || after === null) return null
  const total = after.total - before.total
  if (!(total > 0)) return null
  return Math.max(0, after.steal - before.steal) / total
}

/**
 * Above this share of stolen time a table's line says its ratios are the host's as much as the
 * models': 2% of a 2-core machine is one core stalled for 40 ms of every second.
 */
export const NOISY_STEAL_SHARE = 0.02

/** The line printed under a speed table: how much was stolen, and what that means for the ratios. */
export function stealNote(share: number | null): string {
  if (share === null) return 'host: stolen CPU time unknown (no /proc/stat steal column)'
  const percent = `${(share * 100).toFixed(1)}%`
  if (share <= NOISY_STEAL_SHARE)
    return `host: ${percent} of CPU time stolen by the hypervisor during this table`
  return (
    `host: ${percent} of CPU time stolen by the hypervisor during this table, above ${NOISY_STEAL_SHARE * 100}%: ` +
    'these ratios move with the host, not only with the models; rerun on a quieter machine before citing ' +
    'them (PYGC_BENCH_CLOCK=cpu, this process’s CPU time, is less disturbed by other jobs)'
  )
}
