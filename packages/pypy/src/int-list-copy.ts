/** Copies of IntLists that share nothing with the original (startup-image.ts). */
import { IntList } from '@pygc/core'

/** The same entries and the same capacity (so the copy grows as the original would). */
export function copyOfIntList(src: IntList): IntList {
  const copy = new IntList(0)
  copyIntListInto(copy, src)
  return copy
}

/** Make `dst` hold what `src` holds, with its own array. */
export function copyIntListInto(dst: IntList, src: IntList): void {
  dst.items = new Int32Array(src.items.length)
  dst.items.set(src.items.subarray(0, src.length))
  dst.length = src.length
}
