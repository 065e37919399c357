/**
 * HotSpot's unified GC log (-Xlog:gc,gc+heap with the Serial collector) as one record per
 * collection, heap figures in KiB. Only the collections before the oracle's op loop ended are
 * the trace's: TraceReplay prints how many collections the JVM had made at that point
 * (`collectionsAtLoopEnd`), and `collectionsUntil` cuts the log there, so whatever the oracle
 * allocates afterwards (its report) is not counted.
 */

export interface RealCollection {
  /** The log's GC(n) number: 0 for the JVM's first collection. */
  id: number
  kind: 'young' | 'full'
  cause: string
  afterKiB: number
  beforeKiB: number
  /** The old generation (Tenured) after the collection, KiB: what was promoted into it shows here. */
  oldAfterKiB: number
  /** Whether -Xlog:gc+heap printed its heap change (not for skipped or superseded young GCs). */
  heapPrinted: boolean
}

const PAUSE = /GC\((\d+)\) Pause (Young|Full) \((.*)\) \d+M->\d+M\(\d+M\) [\d.]+ms$/
const DEFNEW = /GC\((\d+)\) DefNew: (\d+)K\(\d+K\)->(\d+)K\(\d+K\)/
const TENURED = /GC\((\d+)\) Tenured: (\d+)K\(\d+K\)->(\d+)K\(\d+K\)/

/** Parse -Xlog:gc,gc+heap output into one record per collection (heap figures in KiB). */
export function parseJvmLog(text: string): RealCollection[] {
  const byId = new Map<number, RealCollection>()
  const get = (id: number): RealCollection => {
    let r = byId.get(id)
    if (r === undefined) {
      r = { id, kind: 'young', cause: '', afterKiB: 0, beforeKiB: 0, oldAfterKiB: 0, heapPrinted: false }
      byId.set(id, r)
    }
    return r
  }
  for (const line of text.split('\n')) {
    let m = PAUSE.exec(line)
    if (m) {
      const r = get(Number(m[1]))
      r.kind = m[2] === 'Young' ? 'young' : 'full'
      r.cause = m[3]
      continue
    }
    const tenured = TENURED.exec(line)
    m = DEFNEW.exec(line) ?? tenured
    if (m) {
      const r = get(Number(m[1]))
      r.beforeKiB += Number(m[2])
      r.afterKiB += Number(m[3])
      if (m === tenured) r.oldAfterKiB = Number(m[3])
      r.heapPrinted = true
    }
  }
  return [...byId.values()].filter((r) => r.cause !== '').sort((a, b) => a.id - b.id)
}

/** The collections the JVM made before its op loop ended (GC ids count from 0). */
export function collectionsUntil(
  log: readonly RealCollection[],
  collectionsAtLoopEnd: number,
): RealCollection[] {
  return log.filter((r) => r.id < collectionsAtLoopEnd)
}
