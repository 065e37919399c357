/**
 * `pygc run --trace-events FILE`: the runs as a Chrome Trace Event Format file (the JSON Object
 * Format of the Trace Event Format document, which ui.perfetto.dev and chrome://tracing open):
 * each runtime a process, each workload a thread of it, each collection a complete ("X") slice
 * with its phases as nested slices, and the heap's live bytes and footprint as a counter ("C")
 * before and after every collection. Time is VIRTUAL (the cost model's ns, written as µs as
 * the format wants), so the trace is the same on every machine and runtimes line up.
 */
import type { GcOnClock } from './gc-phases.js'

/** One run: its collections on the virtual clock and the clock and heap at its end. */
export interface TracedRun {
  workload: string
  runtime: string
  kinds: readonly string[]
  collections: readonly GcOnClock[]
  end: { endNs: number; live: number; footprint: number }
}

/** The subset of the Trace Event Format written here. */
export interface TraceEvent {
  name: string
  ph: 'X' | 'C' | 'M'
  pid: number
  tid: number
  ts?: number
  dur?: number
  cat?: string
  args?: Record<string, string | number | boolean>
}

/** Virtual ns as the format's microseconds (fractions allowed), to the whole ns. */
function us(ns: number): number {
  return Math.round(ns) / 1000
}

/** The µs between two virtual-ns instants, computed in whole ns so no float noise shows. */
function usBetween(fromNs: number, toNs: number): number {
  return (Math.round(toNs) - Math.round(fromNs)) / 1000
}

export function traceEvents(
  runs: readonly TracedRun[],
  command: string,
): { traceEvents: TraceEvent[]; displayTimeUnit: 'ns'; otherData: Record<string, string> } {
  const pids = new Map<string, number>()
  const tids = new Map<string, number>()
  const events: TraceEvent[] = []
  for (const run of runs) {
    let pid = pids.get(run.runtime)
    if (pid === undefined) {
      pid = pids.size + 1
      pids.set(run.runtime, pid)
      events.push({ name: 'process_name', ph: 'M', pid, tid: 0, args: { name: run.runtime } })
      events.push({ name: 'process_sort_index', ph: 'M', pid, tid: 0, args: { sort_index: pid } })
    }
    let tid = tids.get(run.workload)
    if (tid === undefined) {
      tid = tids.size + 1
      tids.set(run.workload, tid)
    }
    events.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name: run.workload } })
    const counter = (ns: number, live: number, footprint: number): TraceEvent => ({
      name: `${run.workload} heap bytes`,
      ph: 'C',
      pid,
      tid,
      ts: us(ns),
      args: { live, footprint },
    })
    events.push(counter(0, 0, 0))
    for (const gc of run.collections) {
      const kind = run.kinds[gc.generation] ?? String(gc.generation)
      const ts = us(gc.startNs)
      const endNs = gc.startNs + gc.pauseNs
      events.push(counter(gc.startNs, gc.liveBefore, gc.footprintBefore))
      events.push({
        name: `GC ${kind}`,
        cat: 'gc',
        ph: 'X',
        pid,
        tid,
        ts,
        dur: usBetween(gc.startNs, endNs),
        args: {
          index: gc.index,
          op: gc.op,
          generation: gc.generation,
          kind,
          reason: gc.reason,
          'pause (virtual ns)': gc.pauseNs,
          'live before': gc.liveBefore,
          'live after': gc.liveAfter,
          'footprint after': gc.footprintAfter,
        },
      })
      // The phases one after another inside the pause; rounding never lets one end past it.
      let at = gc.startNs
      for (const phase of gc.phases) {
        const from = Math.min(at, endNs)
        at += phase.ns
        events.push({
          name: phase.name,
          cat: 'gc.phase',
          ph: 'X',
          pid,
          tid,
          ts: us(from),
          dur: usBetween(from, Math.min(at, endNs)),
          args: { 'virtual ns': phase.ns },
        })
      }
      events.push(counter(gc.startNs + gc.pauseNs, gc.liveAfter, gc.footprintAfter))
    }
    events.push(counter(run.end.endNs, run.end.live, run.end.footprint))
  }
  return {
    traceEvents: events,
    displayTimeUnit: 'ns',
    otherData: {
      command,
      clock: 'virtual time from the pygc cost model (ns shown as µs ticks), not wall-clock time',
    },
  }
}
