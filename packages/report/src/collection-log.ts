/**
 * A run's per-collection records as the results file stores them: columnar, one array per
 * field, index i is collection i (the collector keeps the first collections, so a record's
 * index is its position). As an array of objects the records were 1.46 of the small suite's
 * 3.15 MB, most of it the same twelve key names repeated on every line; as columns the same
 * figures take a third of that, and a data frame reads them as they are
 * (`pandas.DataFrame({k: v for k, v in gcs.items() if k != 'spaces'})`).
 *
 * `spaces` holds one column per space the runtime reports (its bytes after the collection);
 * a space a record did not report is 0 in its column, which is what the runtimes' space
 * reports mean by an absent space (CollectionRecord.spaces lists every space every time).
 */
import type { CollectionRecord } from '@pygc/core'

export interface CollectionLog {
  /** The op count when each collection ended. */
  op: number[]
  /** The generation index collected (into the runtime's generation names). */
  generation: number[]
  /** The generation's name (runtime.generations[generation]). */
  kind: string[]
  reason: string[]
  /** Virtual ns. */
  pauseVirtual: number[]
  freedObjects: number[]
  freedBytes: number[]
  liveBytesAfter: number[]
  footprintAfter: number[]
  promotedBytes: number[]
  copiedBytes: number[]
  compacted: boolean[]
  /** Bytes in each space after each collection, by space name. */
  spaces: Record<string, number[]>
}

/** The scalar columns, in the order the collectors report them. */
const COLUMNS = [
  'op',
  'generation',
  'kind',
  'reason',
  'pauseVirtual',
  'freedObjects',
  'freedBytes',
  'liveBytesAfter',
  'footprintAfter',
  'promotedBytes',
  'copiedBytes',
  'compacted',
] as const satisfies readonly (keyof CollectionLog & keyof CollectionRecord)[]

/** The records as columns (their `index` is their position, so it is not stored). */
export function collectionLogOf(records: readonly CollectionRecord[]): CollectionLog {
  const log = Object.fromEntries(COLUMNS.map((c) => [c, [] as unknown[]])) as unknown as CollectionLog
  const columns = log as unknown as Record<(typeof COLUMNS)[number], unknown[]>
  const spaceNames: string[] = []
  for (const r of records)
    for (const name of Object.keys(r.spaces)) if (!spaceNames.includes(name)) spaceNames.push(name)
  log.spaces = Object.fromEntries(spaceNames.map((name) => [name, [] as number[]]))
  for (const r of records) {
    for (const c of COLUMNS) columns[c].push(r[c])
    for (const name of spaceNames) log.spaces[name]!.push(r.spaces[name] ?? 0)
  }
  return log
}

/** How many collections the log holds. */
export function collectionCount(log: CollectionLog): number {
  return log.op.length
}

/** Records already built from a log: a report reads each run's records three times (table, two charts). */
const recordsOfLog = new WeakMap<CollectionLog, readonly CollectionRecord[]>()

/**
 * The records back from their columns (what the report's tables and charts read), built once
 * per log: the log must not change after it is first read this way (results are not edited).
 */
export function collectionRecordsOf(log: CollectionLog): readonly CollectionRecord[] {
  let records = recordsOfLog.get(log)
  if (records === undefined) {
    records = buildRecords(log)
    recordsOfLog.set(log, records)
  }
  return records
}

function buildRecords(log: CollectionLog): CollectionRecord[] {
  const columns = log as unknown as Record<(typeof COLUMNS)[number], unknown[]>
  const spaceNames = Object.keys(log.spaces)
  const records: CollectionRecord[] = []
  for (let i = 0; i < log.op.length; i++) {
    const record: Record<string, unknown> = { index: i }
    for (const c of COLUMNS) record[c] = columns[c][i]
    const spaces: Record<string, number> = {}
    for (const name of spaceNames) spaces[name] = log.spaces[name]![i]!
    record.spaces = spaces
    records.push(record as unknown as CollectionRecord)
  }
  return records
}

/**
 * The first column whose length differs from `op`'s, as a field path under the log
 * (`spaces.gen1`), or undefined when all agree. A schema checks each column's type but not
 * that they line up; a file whose columns do not is refused rather than read shifted.
 */
export function collectionLogMismatch(log: CollectionLog): string | undefined {
  const n = log.op.length
  for (const c of COLUMNS) if ((log as unknown as Record<string, unknown[]>)[c]!.length !== n) return c
  for (const [name, column] of Object.entries(log.spaces)) if (column.length !== n) return `spaces.${name}`
  return undefined
}
