/**
 * How an object lies in the model's memory. Its block has the bytes PyPy uses for it
 * (layout.ts); the model keeps its own bookkeeping in the first 16 bytes and the fields after
 * (every real object is at least that big: a list is 64 + 8 per item, a mapdict instance 80):
 *
 *   word 0  tid     type index (bits 0-15) | GC flags (bits 16-30), like PyPy's header word
 *                   (incminimark.py:203-210: the type id in the low half, flags in the high)
 *   word 1  id      allocation ordinal (the interface's identity); an IntBox's value
 *   word 2  length  the alloc length; the forwarding address once a minor collection moved it
 *   word 3  extra   the object's lifeline (a strong reference PyPy keeps in its mapdict);
 *                   a Lifeline's or Runtime filler's own size
 *   word 4  fields  reference fields (addresses), then int words; an ObjectList keeps its ints
 *                   as references to IntBoxes (0 stands for PyPy's shared constant 0)
 *
 * A Weakref's fields are: target (weak, cleared by the GC), callback tag + 1, the serial of the
 * target's lifeline. A Lifeline's word 1 is its serial.
 */
import { LARGE_OBJECT_BYTES } from './constants.js'
import { Kind, type TypeLayout } from './layout.js'

export const H_TID = 0
export const H_ID = 1
export const H_LEN = 2
export const H_EXTRA = 3
export const H_WORDS = 4

export const TYPE_MASK = 0xffff
/** Internal kinds have type indices at the top of the 16-bit range. */
export const WEAKREF_TYPE = 0xffff
export const LIFELINE_TYPE = 0xfffe
export const INT_BOX_TYPE = 0xfffd
export const RUNTIME_TYPE = 0xfffc
/** The old block id() reserved for a nursery object (incminimark.py:2745 _allocate_shadow), until the object is copied into it. */
export const SHADOW_TYPE = 0xfffb
/** An arena block standing for one RPython part of an old object (parts.ts): a leaf of its own size. */
export const PART_TYPE = 0xfffa
export const MAX_PROGRAM_TYPES = 0xfff0

/** Weakref fields. */
export const WR_TARGET = H_WORDS
export const WR_TAG = H_WORDS + 1
export const WR_LIFELINE = H_WORDS + 2
export const WEAKREF_FIELDS = 3

// GC flags: the same meaning as incminimark.py's GCFLAG_* (lines 96-146), other bits.
/** Old object not yet in old_objects_pointing_to_young: a store into it runs the write barrier. */
export const TRACK_YOUNG_PTRS = 1 << 16
/** Marked by the current major collection. */
export const VISITED = 1 << 17
/** id() was asked while young: its future old copy is allocated already (the shadow). */
export const HAS_SHADOW = 1 << 18
/** Finalization ordering (pypy/doc/discussion/finalizer-order.txt). */
export const FINALIZATION_ORDERING = 1 << 19
/** A large array of references with card-marking bytes in front. */
export const HAS_CARDS = 1 << 20
/** At least one card bit is set. */
export const CARDS_SET = 1 << 21
/** A young raw-malloced object that survives the minor collection in progress. */
export const VISITED_RMY = 1 << 22
/** Raw-malloced (outside the nursery and the arenas). */
export const RAW = 1 << 23
/** Its finalizer was queued once (or it never had one): never finalized again. */
export const FINALIZED = 1 << 24
/** A nursery object a minor collection moved (PyPy writes tid = -42): word 2 is the new address. */
export const FORWARDED = 1 << 25
/** Young raw-malloced (in young_rawmalloced_objects). */
export const YOUNG_RAW = 1 << 26
/**
 * How many of an old object's RPython parts have blocks of their own (parts.ts): 0-7, in bits
 * 28-30 (bit 27 is a lifeline's "has callbacks", manager.ts); their addresses follow the
 * object's fields.
 */
export const PARTS_SHIFT = 28
export const PARTS_MASK = 7 << PARTS_SHIFT
/** A free minimarkpage block (word 1 links to the next free block). */
export const FREE_TID = 0x7fffffff

/**
 * Items of an object's card-marked array when PyPy allocates it outside the nursery with card
 * marks (a large array of references, incminimark.py:1009-1022), else -1: its refs and ints
 * (an IntList's ints are unboxed, so it has no cards).
 */
export function cardItemsOf(layout: TypeLayout, length: number): number {
  if (layout.kind === Kind.IntList || !layout.refArray) return -1
  if (layout.largestPart(length) < LARGE_OBJECT_BYTES || layout.itemsPart(length) < LARGE_OBJECT_BYTES)
    return -1
  return (layout.refs >= 0 ? layout.refs : length) + layout.ints
}

/**
 * Per-type tables in typed arrays (read in the collectors' loops, and by alloc: a fixed-size
 * type's allocation figures are laid out once here, so the op loop reads typed arrays rather
 * than calling the layout's closures, whose objects differ in shape from type to type).
 */
export class TypeTables {
  count = 0
  kind = new Uint8Array(16)
  /** Reference fields of a fixed-size type, -1 for variable refs. */
  refs = new Int32Array(16)
  ints = new Int32Array(16)
  finalizer = new Uint8Array(16)
  resurrectInto = new Int32Array(16)
  readonly layouts: TypeLayout[] = []
  /** Fixed-size types' bytes (-1: variable). */
  fixedBytes = new Int32Array(16)
  /** The layout's transient bytes (layout.ts), of every type. */
  transient = new Int32Array(16)
  /** Of a fixed-size type: its largestPart, cardItemsOf and payloadPart (0 for a variable one). */
  fixedLargest = new Int32Array(16)
  fixedCardItems = new Int32Array(16)
  fixedPayload = new Int32Array(16)

  add(layout: TypeLayout, fixedBytes: number): number {
    if (this.count === this.kind.length) this.grow()
    const t = this.count++
    this.kind[t] = layout.kind
    this.refs[t] = layout.refs
    this.ints[t] = layout.ints
    this.finalizer[t] = layout.hasFinalizer ? 1 : 0
    this.resurrectInto[t] = layout.resurrectInto
    this.fixedBytes[t] = fixedBytes
    this.transient[t] = layout.transient
    if (fixedBytes >= 0) {
      this.fixedLargest[t] = layout.largestPart(0)
      this.fixedCardItems[t] = cardItemsOf(layout, 0)
      this.fixedPayload[t] = layout.payloadPart(0)
    }
    this.layouts.push(layout)
    return t
  }

  private grow(): void {
    const n = this.kind.length * 2
    const g = <T extends Int32Array | Uint8Array>(a: T, make: (k: number) => T): T => {
      const b = make(n)
      b.set(a as never)
      return b
    }
    this.kind = g(this.kind, (k) => new Uint8Array(k))
    this.refs = g(this.refs, (k) => new Int32Array(k))
    this.ints = g(this.ints, (k) => new Int32Array(k))
    this.finalizer = g(this.finalizer, (k) => new Uint8Array(k))
    this.resurrectInto = g(this.resurrectInto, (k) => new Int32Array(k))
    this.fixedBytes = g(this.fixedBytes, (k) => new Int32Array(k))
    this.transient = g(this.transient, (k) => new Int32Array(k))
    this.fixedLargest = g(this.fixedLargest, (k) => new Int32Array(k))
    this.fixedCardItems = g(this.fixedCardItems, (k) => new Int32Array(k))
    this.fixedPayload = g(this.fixedPayload, (k) => new Int32Array(k))
  }
}

/** Kind of an object from its type index (program types from the table). */
export function kindOf(types: TypeTables, type: number): Kind {
  if (type < MAX_PROGRAM_TYPES) return types.kind[type] as Kind
  if (type === WEAKREF_TYPE) return Kind.Weakref
  if (type === LIFELINE_TYPE) return Kind.Lifeline
  if (type === INT_BOX_TYPE) return Kind.IntBox
  return Kind.Runtime // Runtime filler and shadows: leaves of their own size
}
