/**
 * How the object table's typed-array columns grow. By 1.5× rather than 2×: a grown column is a
 * fresh array the old one is copied into, so the host briefly holds both, and a table that
 * doubles can end up to half empty; growing by half keeps both the copy peak and the unused tail
 * smaller (issue 11, host memory per live object).
 */
export const MAX_ROWS = 2 ** 31 - 1

export function growCapacity(current: number): number {
  return Math.min(MAX_ROWS, current + Math.max(current >> 1, 16))
}
