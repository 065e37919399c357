/**
 * The objects of the heap: where their size and their references are (objects.ts has the
 * header layout), over the memory (memory.ts) and the per-type tables.
 */
import { INT_BOX_BYTES, Kind, WEAKREF_BYTES } from './layout.js'
import type { Memory } from './memory.js'
import {
  H_EXTRA,
  H_LEN,
  H_TID,
  H_WORDS,
  INT_BOX_TYPE,
  kindOf,
  MAX_PROGRAM_TYPES,
  TYPE_MASK,
  TypeTables,
  WEAKREF_FIELDS,
  WEAKREF_TYPE,
} from './objects.js'

export class Heap {
  readonly types = new TypeTables()

  constructor(readonly mem: Memory) {}

  typeOf(a: number): number {
    return this.mem.w[(a >> 2) + H_TID] & TYPE_MASK
  }

  kindAt(a: number): Kind {
    return kindOf(this.types, this.typeOf(a))
  }

  /** Bytes of the object at `a` (the block PyPy would use for it). */
  sizeOf(a: number): number {
    const w = this.mem.w
    const t = w[(a >> 2) + H_TID] & TYPE_MASK
    if (t < MAX_PROGRAM_TYPES) {
      const fixed = this.types.fixedBytes[t]
      return fixed >= 0 ? fixed : this.types.layouts[t].bytes(w[(a >> 2) + H_LEN])
    }
    if (t === WEAKREF_TYPE) return WEAKREF_BYTES
    if (t === INT_BOX_TYPE) return INT_BOX_BYTES
    return w[(a >> 2) + H_EXTRA] // Lifeline, Runtime and Shadow blocks keep their size
  }

  /** Reference fields of a program object (ref fields only, not its boxed ints). */
  refFields(a: number): number {
    const t = this.typeOf(a)
    const r = this.types.refs[t]
    return r >= 0 ? r : this.mem.w[(a >> 2) + H_LEN]
  }

  /**
   * The words the GC traces, as [first, end) word indices after the header: ref fields and, in
   * an ObjectList, the int boxes. Internal objects trace none (a weakref's target is weak).
   */
  tracedWords(a: number): number {
    const t = this.typeOf(a)
    if (t >= MAX_PROGRAM_TYPES) return 0
    const types = this.types
    const r = types.refs[t] >= 0 ? types.refs[t] : this.mem.w[(a >> 2) + H_LEN]
    const k = types.kind[t]
    if (k === Kind.ObjectList) return r + types.ints[t]
    if (k === Kind.IntList) return 0
    return r
  }

  /** Whether word 3 holds a lifeline reference (program objects and weakrefs can have one). */
  hasLifelineSlot(a: number): boolean {
    const t = this.typeOf(a)
    return t < MAX_PROGRAM_TYPES || t === WEAKREF_TYPE
  }

  /** The 4-byte words the model writes after an object's header: its fields (and a weakref's three). */
  fieldWords(a: number): number {
    const t = this.typeOf(a)
    if (t < MAX_PROGRAM_TYPES) return this.refFields(a) + this.types.ints[t]
    return t === WEAKREF_TYPE ? WEAKREF_FIELDS : 0
  }

  /** The word index of int `i` of the object at `a`. */
  intWord(a: number, i: number): number {
    return (a >> 2) + H_WORDS + this.refFields(a) + i
  }

  /** A program object or a weak reference (what the interface counts and names by id). */
  isProgram(a: number): boolean {
    const t = this.typeOf(a)
    return t < MAX_PROGRAM_TYPES || t === WEAKREF_TYPE
  }
}
