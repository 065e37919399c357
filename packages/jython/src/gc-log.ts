/**
 * The JVM's own view of its collections: one record per collection, and the same records in
 * the exact line format of JDK 17's `-Xlog:gc` (gc/shared/gcTraceTime.cpp: "Pause Young
 * (Allocation Failure) 32M->0M(252M) 1.110ms", sizes in whole MiB rounded down, decorated
 * with [uptime][level][tags]) so GC-log tools read it. The model's clock is virtual time.
 */
export type GcKind = 'young' | 'full'

export interface GcRecord {
  /** GC(n): HotSpot's GC id, counting young and full collections together. */
  id: number
  kind: GcKind
  /** The JVM's GCCause string: "Allocation Failure" or "System.gc()". */
  cause: string
  /** Why the model ran it, in more detail (also stats().collectionReasons). */
  reason: string
  /** Op index during which it ran. */
  op: number
  usedBefore: number
  usedAfter: number
  capacityAfter: number
  /** Virtual nanoseconds. */
  pauseVirtual: number
  /** Virtual time at the end of the collection (mutator + GC so far), nanoseconds. */
  endVirtual: number
  promotedBytes: number
  copiedBytes: number
  promotionFailed: boolean
  /** Young collections only: the tenuring threshold computed after it. */
  tenuringThreshold: number
  /**
   * Whether HotSpot prints this collection's heap change (-Xlog:gc+heap): not for a young
   * collection that was skipped as unsafe or that a full collection followed in the same VM
   * operation (GenCollectedHeap::do_collection prints once, after the last one).
   */
  heapChangePrinted: boolean
}

const MiB = 1024 * 1024

function decorate(seconds: number): string {
  return `[${seconds.toFixed(3)}s][info][gc]`
}

export function formatGcLogLine(r: GcRecord): string {
  const before = Math.floor(r.usedBefore / MiB)
  const after = Math.floor(r.usedAfter / MiB)
  const cap = Math.floor(r.capacityAfter / MiB)
  const kind = r.kind === 'young' ? 'Young' : 'Full'
  return `${decorate(r.endVirtual / 1e9)} GC(${r.id}) Pause ${kind} (${r.cause}) ${before}M->${after}M(${cap}M) ${(r.pauseVirtual / 1e6).toFixed(3)}ms`
}

export function formatGcLog(records: readonly GcRecord[]): string[] {
  return [`${decorate(0)} Using Serial`, ...records.map(formatGcLogLine)]
}

export interface ParsedGcLine {
  id: number
  kind: GcKind
  cause: string
  beforeMiB: number
  afterMiB: number
  capacityMiB: number
  pauseMs: number
}

const LINE =
  /\[info\]\[gc\s*\] GC\((\d+)\) Pause (Young|Full) \(([^)]*(?:\))?)\) (\d+)M->(\d+)M\((\d+)M\) ([\d.]+)ms/

/** Parse one `-Xlog:gc` pause line (real or modeled), or null for other lines. */
export function parseGcLogLine(line: string): ParsedGcLine | null {
  const m = LINE.exec(line)
  if (m === null) return null
  return {
    id: Number(m[1]),
    kind: m[2] === 'Young' ? 'young' : 'full',
    cause: m[3],
    beforeMiB: Number(m[4]),
    afterMiB: Number(m[5]),
    capacityMiB: Number(m[6]),
    pauseMs: Number(m[7]),
  }
}
