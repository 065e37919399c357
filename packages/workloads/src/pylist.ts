/**
 * Python lists as the B-tree uses them: a list object with room for `capacity` references and
 * its length in int 0 (CPython's ob_size). list.insert / del shift in place, as list_ass_slice
 * does; slicing and `+` make new lists. All helpers work on slots of the current frame and use
 * the caller's `scratch` slot, which they leave null.
 */
import type { Mutator, Slot } from '@pygc/core'

export function listLength(m: Mutator, list: Slot): number {
  return m.readInt(list, 0)
}

/** `dst = []` with room for `capacity` references. */
export function newList(m: Mutator, listType: number, dst: Slot, capacity: number): void {
  m.alloc(dst, listType, capacity)
  m.writeInt(dst, 0, 0)
}

/** `list.insert(position, value)`. */
export function listInsert(m: Mutator, list: Slot, position: number, value: Slot, scratch: Slot): void {
  const length = listLength(m, list)
  for (let j = length; j > position; j--) {
    m.load(scratch, list, j - 1)
    m.store(list, j, scratch)
  }
  m.clear(scratch)
  m.store(list, position, value)
  m.writeInt(list, 0, length + 1)
}

/** `list.append(value)`. */
export function listAppend(m: Mutator, list: Slot, value: Slot): void {
  const length = listLength(m, list)
  m.store(list, length, value)
  m.writeInt(list, 0, length + 1)
}

/** `del list[position]`. */
export function listDelete(m: Mutator, list: Slot, position: number, scratch: Slot): void {
  const length = listLength(m, list)
  for (let j = position; j < length - 1; j++) {
    m.load(scratch, list, j + 1)
    m.store(list, j, scratch)
  }
  m.clear(scratch)
  m.store(list, length - 1, scratch)
  m.writeInt(list, 0, length - 1)
}

/** Append `list[from:to]` to `dst`. */
function extend(m: Mutator, dst: Slot, list: Slot, from: number, to: number, scratch: Slot): void {
  let length = listLength(m, dst)
  for (let j = from; j < to; j++) {
    m.load(scratch, list, j)
    m.store(dst, length++, scratch)
  }
  m.clear(scratch)
  m.writeInt(dst, 0, length)
}

/** `dst = list[from:to]` (a new list). */
export function listSlice(
  m: Mutator,
  listType: number,
  dst: Slot,
  list: Slot,
  from: number,
  to: number,
  capacity: number,
  scratch: Slot,
): void {
  newList(m, listType, dst, capacity)
  extend(m, dst, list, from, to, scratch)
}

/** `dst = a + [middle] + b` (a new list); `middle` may be null for `a + b`. */
export function listConcat(
  m: Mutator,
  listType: number,
  dst: Slot,
  a: Slot,
  middle: Slot | null,
  b: Slot,
  capacity: number,
  scratch: Slot,
): void {
  newList(m, listType, dst, capacity)
  extend(m, dst, a, 0, listLength(m, a), scratch)
  if (middle !== null) listAppend(m, dst, middle)
  extend(m, dst, b, 0, listLength(m, b), scratch)
}
