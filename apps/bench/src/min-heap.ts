/**
 * The minimum heap a workload needs on a manager, found as DaCapo finds it: by bisection on
 * the heap limit, treating the runtime's out-of-memory error as "too small". Bisection assumes
 * that a run which fits in H also fits in any heap larger than H — true of the models' limits
 * (a larger limit only postpones collections), and the points above the minimum re-check it.
 */
import type { MinHeapSearch } from '@pygc/report'
import type { Execution } from './execute.js'

/** Stop when the bracket is narrower than this fraction of its upper end (DaCapo reports MB). */
export const MIN_HEAP_TOLERANCE = 1 / 64
/** Doublings tried above the unconstrained peak footprint before giving up. */
const MAX_DOUBLINGS = 6

/**
 * `runAt(limit)` runs the workload with a heap limit (undefined = the runtime's default).
 * The unconstrained run gives the first upper bound: its peak footprint.
 */
export function findMinHeap(runAt: (heapLimit: number | undefined) => Execution): MinHeapSearch {
  const probes: MinHeapSearch['probes'] = []
  const free = runAt(undefined)
  if (free.run.status !== 'ok' || !free.run.metrics) {
    return {
      status: 'error',
      bytes: 0,
      tolerance: MIN_HEAP_TOLERANCE,
      probes,
      ...(free.run.error ? { error: free.run.error } : {}),
    }
  }
  let lastError: MinHeapSearch['error']
  /** Limits the model refused outright (an option error, not out of memory), with its message. */
  const refused = new Map<number, string>()
  const probe = (limit: number): boolean => {
    const run = runAt(limit).run
    const ok = run.status === 'ok'
    if (!ok) lastError = run.error
    if (!ok && run.error?.code === 'INVALID_OPTION') refused.set(limit, run.error.message)
    probes.push({ heapLimit: limit, ok })
    return ok
  }
  let hi = Math.max(1, Math.ceil(free.run.metrics.peakFootprintBytes))
  let fits = probe(hi)
  for (let i = 0; !fits && i < MAX_DOUBLINGS; i++) {
    hi *= 2
    fits = probe(hi)
  }
  if (!fits) {
    return {
      status: 'error',
      bytes: 0,
      tolerance: MIN_HEAP_TOLERANCE,
      probes,
      ...(lastError ? { error: lastError } : {}),
    }
  }
  // Invariant: a heap of `hi` bytes fits; a heap of `lo` bytes does not (0 never does).
  let lo = 0
  while (hi - lo > Math.max(1, hi * MIN_HEAP_TOLERANCE)) {
    const mid = Math.floor((lo + hi) / 2)
    if (probe(mid)) hi = mid
    else lo = mid
  }
  const floor = refused.get(lo)
  return {
    status: 'ok',
    bytes: hi,
    tolerance: MIN_HEAP_TOLERANCE,
    probes,
    ...(floor !== undefined ? { modelFloor: floor } : {}),
  }
}
