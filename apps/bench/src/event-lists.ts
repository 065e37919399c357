/**
 * How complete a run's finalizer and weakref event lists are, and the trimming a results file
 * applies to them (EventLists in packages/report/src/results.ts). The metrics collector keeps
 * the first 10,000 events of each list; the finalizers and weakref-cache workloads make far
 * more, and their lists were 7 of the 17 MB of the small suite's results.json. A results file
 * keeps, for every runtime of a workload alike, the events of the lowest `perKind` object ids
 * (finalizers) and weakref ids (clears, callbacks): every runtime's list then speaks of the same
 * objects, which is what the semantic-differences table compares.
 */
import type { RunMetrics } from '@pygc/core'
import type { DeterministicMetrics, EventLists, WorkloadResults } from '@pygc/report'

/** Events kept per workload and kind in a results file unless --events says otherwise. */
export const DEFAULT_EVENTS_KEPT = 500

/** The op of a list's last event when the collector left events out (its count is higher). */
function cutAfter(list: readonly { op: number }[], total: number): number | undefined {
  return list.length < total ? (list[list.length - 1]?.op ?? -1) : undefined
}

/** The lists' completeness from the collector's counts; undefined when every list is complete. */
export function eventListsOf(metrics: RunMetrics | DeterministicMetrics): EventLists | undefined {
  const cuts = {
    finalizersCutAfterOp: cutAfter(metrics.finalizers.events, metrics.finalizers.count),
    clearsCutAfterOp: cutAfter(metrics.weakrefs.clearEvents, metrics.weakrefs.cleared),
    callbacksCutAfterOp: cutAfter(metrics.weakrefs.callbackEvents, metrics.weakrefs.callbacks),
  }
  const lists: EventLists = {}
  for (const [key, op] of Object.entries(cuts)) if (op !== undefined) lists[key as keyof typeof cuts] = op
  return Object.keys(lists).length === 0 ? undefined : lists
}

/** The `perKind`-th smallest of the ids, or undefined when there are no more than `perKind`. */
function idLimit(ids: ReadonlySet<number>, perKind: number): number | undefined {
  if (ids.size <= perKind) return undefined
  return [...ids].sort((a, b) => a - b)[perKind - 1]
}

/** Keep the events of the lowest `perKind` ids on every runtime of the workload (0: keep all). */
export function keepLowestIds(results: WorkloadResults, perKind: number): void {
  if (perKind === 0) return
  const metrics = results.runs.flatMap((r) => (r.metrics ? [r.metrics] : []))
  const objects = new Set<number>()
  const weakrefs = new Set<number>()
  for (const m of metrics) {
    for (const e of m.finalizers.events) objects.add(e.id)
    for (const e of m.weakrefs.clearEvents) weakrefs.add(e.weakId)
    for (const e of m.weakrefs.callbackEvents) weakrefs.add(e.weakId)
  }
  const finalizerIdsUpTo = idLimit(objects, perKind)
  const weakrefIdsUpTo = idLimit(weakrefs, perKind)
  if (finalizerIdsUpTo === undefined && weakrefIdsUpTo === undefined) return
  for (const m of metrics) {
    const lists: EventLists = { ...m.eventLists }
    if (finalizerIdsUpTo !== undefined) {
      m.finalizers.events = m.finalizers.events.filter((e) => e.id <= finalizerIdsUpTo)
      lists.finalizerIdsUpTo = finalizerIdsUpTo
    }
    if (weakrefIdsUpTo !== undefined) {
      m.weakrefs.clearEvents = m.weakrefs.clearEvents.filter((e) => e.weakId <= weakrefIdsUpTo)
      m.weakrefs.callbackEvents = m.weakrefs.callbackEvents.filter((e) => e.weakId <= weakrefIdsUpTo)
      lists.weakrefIdsUpTo = weakrefIdsUpTo
    }
    m.eventLists = lists
  }
}
