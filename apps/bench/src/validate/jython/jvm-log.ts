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

/** A space line of -Xlog:gc+heap=debug's heap printout: its bottom and top addresses. */
const SPACE = /GC\((\d+)\)\s+(?:eden|from|to|the) +space \d+K, +\d+% used \[0x([0-9a-f]+), 0x([0-9a-f]+),/
const HEAP_AT = /GC\((\d+)\) Heap (before|after) GC invocations=/

/**
 * The bytes in use before and after collection `id`, exact: the sum over the spaces of top -
 * bottom from -Xlog:gc+heap=debug's "Heap before/after GC" printouts (the info lines give KiB,
 * rounded down, which loses up to 1 KiB per figure). null when the log has no such printout.
 */
export function exactHeapBytes(text: string, id: number): { before: number; after: number } | null {
  const used = { before: 0, after: 0 }
  let at: 'before' | 'after' | null = null
  let seen = false
  for (const line of text.split('\n')) {
    const h = HEAP_AT.exec(line)
    if (h) {
      at = Number(h[1]) === id ? (h[2] as 'before' | 'after') : null
      continue
    }
    const s = at === null ? null : SPACE.exec(line)
    if (s && at !== null && Number(s[1]) === id) {
      used[at] += Number.parseInt(s[3], 16) - Number.parseInt(s[2], 16)
      seen = true
    }
  }
  return seen ? used : null
}
