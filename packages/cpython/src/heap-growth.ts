/**
 * How the object table's typed-array columns (and the field cells, and the block rows) grow.
 *
 * Small tables grow by 1.5× rather than 2×: a grown column is a fresh array the old one is
 * copied into, so the host briefly holds both, and a table that doubles can end up to half empty;
 * growing by half keeps both the copy peak and the unused tail smaller.
 *
 * A large table stops growing by copy: past RESERVE_FROM rows it grows once to RESERVED_ROWS, a
 * reservation the OS backs with pages only as rows are first written (the host zero-allocates
 * large ArrayBuffers with calloc, which maps fresh pages lazily), the way HotSpot reserves -Xmx
 * and commits as it goes. Each later object then costs only the bytes of its row, with no old and
 * new copy of a large table alive at once and no copying time (issue 11, host memory per live
 * object: 10 million objects grew through ~20 copies, the last of them holding ~1.7 times the
 * table). Where the host refuses the reservation (strict overcommit), growth falls back to
 * copying (withGrowth).
 */
export const MAX_ROWS = 2 ** 31 - 1
/** Rows (or cells) from which the next growth is the reservation: 2^20, about 60 MiB of object rows. */
export const RESERVE_FROM = 2 ** 20
/** The reservation: 2^26 rows (64 M objects; virtual memory, resident only as written). */
export const RESERVED_ROWS = 2 ** 26

/** The growth by copy: 1.5×. */
export function copyGrowth(current: number): number {
  return Math.min(MAX_ROWS, current + Math.max(current >> 1, 16))
}

/** The next capacity of a table of `current` rows: the reservation once large, else copyGrowth. */
export function growCapacity(current: number): number {
  if (current >= RESERVE_FROM && current < RESERVED_ROWS) return RESERVED_ROWS
  return copyGrowth(current)
}

/**
 * Grow to `capacity` with `resize`; if the host cannot allocate the reservation (a RangeError:
 * "Array buffer allocation failed"), grow by copy instead. Returns the capacity reached.
 */
export function withGrowth(current: number, capacity: number, resize: (n: number) => void): number {
  if (capacity !== RESERVED_ROWS) {
    resize(capacity)
    return capacity
  }
  try {
    resize(capacity)
    return capacity
  } catch (e) {
    if (!(e instanceof RangeError)) throw e
    const fallback = copyGrowth(current)
    resize(fallback)
    return fallback
  }
}
