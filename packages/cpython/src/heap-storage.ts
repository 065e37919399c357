/**
 * The object table's host storage handed from a released manager to the next one made in this
 * thread: its typed-array columns, field cells and free-handle stack, zeroed where they were
 * written, instead of fresh arrays grown by copy from 4096 rows again.
 *
 * Why: the first write to each page of a fresh ArrayBuffer is a page fault, which on this
 * project's 2-core VM costs tens of microseconds (core host-buffers.ts; measured 22 µs a page,
 * 45 ms for a new 8 MiB buffer against 0.4 ms to zero it again). Every benchmark run and every
 * `pygc run` cell builds a fresh manager, whose table grew through 1.5× copies into new
 * buffers each time. Handing the storage on, measured on binary-trees (issue 11 goal 2,
 * session 9): minor page faults per run 150 -> 40 at N=10 and 1,146 -> 0 at N=14
 * (process.resourceUsage, 40 and 3 runs after 3 warm-up runs), CPU time per run -6% at N=10
 * and -2% at N=14 (one process alternating both builds, paired medians 0.937 and 0.981; the
 * machine's load moves single figures by more, which is why the same change measured as noise
 * in session 5, commit 4737573). The baseline, Jython and PyPy hand their heap
 * buffers on through core's host-buffers.ts; the object table is fifteen columns, not one
 * buffer, so it keeps its own spare here.
 *
 * Safety, as host-buffers.ts: storage is handed on only when its manager said it is done
 * (`release()`), its old table is detached from it (left with empty columns), and it comes
 * back all zeros, exactly as fresh arrays would: every column is written only below the
 * table's handle limit, the field cells only below its field top. Nothing a model computes
 * depends on a column's capacity, so no figure can change.
 */

import type { ObjectHeap } from './heap.js'

/** The object table's typed-array columns: each is written only below the table's handle limit. */
export const COLUMNS = [
  'refcnt',
  'gcNext',
  'gcPrev',
  'gcRefs',
  'flags',
  'kind',
  'where',
  'type',
  'oid',
  'address',
  'objBytes',
  'blockRow',
  'nrefs',
  'nints',
  'fieldBase',
] as const

/** An object table's storage (heap.ts ObjectHeap): the columns, the field cells, the free handles. */
export type HeapStorage = Pick<ObjectHeap, (typeof COLUMNS)[number] | 'capacity' | 'fields'> & {
  freeHandles: Int32Array
  /** Rows [0, rows) of the columns and cells [0, cells) of `fields` may be non-zero; the rest are zero. */
  rows: number
  cells: number
}

/**
 * The largest table kept for the next manager: below heap-growth.ts RESERVE_FROM, so a spare
 * never holds a reservation (up to gigabytes of virtual memory) alive between runs.
 */
const MAX_SPARE_ROWS = 2 ** 20

/** The latest released storage (one: a thread runs one manager after another). */
let spare: HeapStorage | null = null

/** Keep a released table's storage for the next table (a large one is left to V8's GC). */
export function leaveStorage(storage: HeapStorage): void {
  spare = storage.capacity <= MAX_SPARE_ROWS ? storage : null
}

/** The spare storage, zeroed, or null: the caller then allocates fresh arrays. */
export function takeStorage(): HeapStorage | null {
  const s = spare
  if (s === null) return null
  spare = null
  const rows = s.rows
  for (const column of COLUMNS) s[column].fill(0, 0, rows)
  s.fields.fill(0, 0, s.cells)
  // The free-handle stack's high-water mark is not tracked: it is small, zero all of it.
  s.freeHandles.fill(0)
  s.rows = 0
  s.cells = 0
  return s
}
