/**
 * The identities a run's figures must satisfy on every runtime (core/src/collection-cycle.ts
 * says how the managers keep them). A figure that does not reconcile is a bookkeeping bug: an
 * object freed twice or never counted, a collection whose freed bytes were computed on the
 * side, a pause left out of GC time.
 *
 *  1. bytes allocated = freed bytes (refcount + cycle + tracing) + final live bytes;
 *  2. objects allocated = objects freed (refcount + cycle + tracing) + final live objects;
 *  3. Σ per-collection freed bytes and objects = bytes and objects freed by the collector
 *     (cycle + tracing);
 *  4. Σ per-collection pauses = GC virtual time, and their count = the collections counted
 *     (unless the runtime is incremental, ManagerInfo.incremental: then a record is a pause,
 *     which may hold several collections or a step of one).
 *
 * 3 and 4 need every collection record: they are skipped when the records were cut
 * (`metrics.truncated`), and say so.
 */
import type { RunMetrics } from '../run-metrics.js'

/** Float sums taken in a different order differ in the last bits; anything more is a real difference. */
const RELATIVE_TOLERANCE = 1e-9

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b))
}

export interface Reconciliation {
  /** One line per identity that does not hold, naming both sides. */
  violations: string[]
  /** Identities not checked, and why. */
  skipped: string[]
}

export function reconcile(m: RunMetrics): Reconciliation {
  const violations: string[] = []
  const skipped: string[] = []
  const fb = m.freedBytes
  const fo = m.freed
  const freedBytes = fb.refcount + fb.cycle + fb.tracing
  if (m.bytesAllocated !== freedBytes + m.finalLiveBytes)
    violations.push(
      `bytes: allocated ${m.bytesAllocated} != freed ${freedBytes} (refcount ${fb.refcount}, cycle ${fb.cycle}, tracing ${fb.tracing}) + final live ${m.finalLiveBytes}`,
    )
  const freedObjects = fo.refcount + fo.cycle + fo.tracing
  if (m.objectsAllocated !== freedObjects + m.finalLiveObjects)
    violations.push(
      `objects: allocated ${m.objectsAllocated} != freed ${freedObjects} (refcount ${fo.refcount}, cycle ${fo.cycle}, tracing ${fo.tracing}) + final live ${m.finalLiveObjects}`,
    )
  if (m.truncated) {
    skipped.push('per-collection sums: the collection records were cut at the cap')
    return { violations, skipped }
  }
  let gcFreedBytes = 0
  let gcFreedObjects = 0
  let pauses = 0
  for (const gc of m.gcs) {
    gcFreedBytes += gc.freedBytes
    gcFreedObjects += gc.freedObjects
    pauses += gc.pauseVirtual
  }
  if (gcFreedBytes !== fb.cycle + fb.tracing)
    violations.push(
      `per-collection freed bytes ${gcFreedBytes} != bytes freed by the collector ${fb.cycle + fb.tracing} (cycle ${fb.cycle}, tracing ${fb.tracing})`,
    )
  if (gcFreedObjects !== fo.cycle + fo.tracing)
    violations.push(
      `per-collection freed objects ${gcFreedObjects} != objects freed by the collector ${fo.cycle + fo.tracing}`,
    )
  if (!close(pauses, m.virtualTime.gc))
    violations.push(`Σ pauses ${pauses} != GC virtual time ${m.virtualTime.gc}`)
  const counted = Object.values(m.collections).reduce((a, b) => a + b, 0)
  if (m.runtime.incremental !== true && m.gcs.length !== counted)
    violations.push(`${m.gcs.length} collection records != ${counted} collections counted`)
  return { violations, skipped }
}
