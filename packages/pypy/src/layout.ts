/**
 * What PyPy 7.3.11 (64-bit, translated with the type pointer folded into the GC header) makes
 * for each interface object, in bytes of its GC heap.
 *
 * An app-level object is several RPython objects: a list is a W_ListObject (header, strategy,
 * storage), the RPython list behind its storage (header, length, items) and the items array
 * (header, length, one word per item). The model keeps each interface object as ONE block of
 * the summed size (FIDELITY.md, "One block per object"); `largestPart` is the size of its
 * biggest RPython part, which decides whether PyPy allocates it outside the nursery.
 *
 * Every figure below was measured on Debian's pypy3 7.3.11 on this machine: the bytes minor
 * collections report surviving ("total size of surviving objects", PYPYLOG=gc-minor) for
 * 50,000 kept objects of the shape, divided by 50,000 (benchmarks/oracles/pypy/
 * measure_sizes.py); the parts checked on single objects with gc.get_rpy_referents() and
 * gc.get_rpy_memory_usage().
 *
 * The shapes are those benchmarks/oracles/pypy/replay_pypy.py makes:
 *  - list, no finalizer: an exact `list` of the ref fields and int words. A list with no ref
 *    field holds only ints: IntegerListStrategy, ints unboxed in the items array. Otherwise
 *    ObjectListStrategy: each int is a W_IntObject; the template's are shared constants, and
 *    every writeInt stores a new 16-byte box (pypy/objspace/std/listobject.py).
 *  - list with a finalizer: a list subclass with __slots__ = ('__weakref__', '_pygc_id'):
 *    W_ListObjectUserSlots... 40 bytes, a one-slot mapdict storage array (24) holding the
 *    unboxed `_pygc_id` list (24), then the list's storage and items as above.
 *  - slots and dict-instance: a mapdict instance (pypy/objspace/std/mapdict.py): header, map and
 *    five inline storage words (56 bytes); int attributes, `_pygc_id` among them, are unboxed
 *    into one list of longs held in one storage slot (UnboxedPlainAttribute); attributes beyond
 *    the five inline words go to an overflow storage array. `__slots__` classes use mapdict
 *    too, so both shapes measure the same.
 */
import type { TypeSpec } from '@pygc/core'
import { roundUpForAllocation } from './constants.js'

/** How the GC sees an object's words. */
export const Kind = {
  /** A list whose items are references (ObjectListStrategy): ints are boxes (or the shared 0). */
  ObjectList: 0,
  /** A list of ints only (IntegerListStrategy, or EmptyListStrategy when it has no items). */
  IntList: 1,
  /** A mapdict instance (slots, dict-instance) or a tuple: ref fields, then unboxed ints. */
  Instance: 2,
  /** weakref.ref (a subclass instance, one per weakref op): a weak target. */
  Weakref: 3,
  /** The WeakrefLifeline PyPy hangs on an object the first time a weak reference to it is made. */
  Lifeline: 4,
  /** A W_IntObject stored into an ObjectListStrategy list by writeInt. */
  IntBox: 5,
  /** Objects the interpreter itself keeps alive (its modules, code, JIT data): startup data. */
  Runtime: 6,
} as const
export type Kind = (typeof Kind)[keyof typeof Kind]

/** W_ListObject 24 + RPython list 24 + items array header 16 (listobject.py; rlist.py). */
const LIST_FIXED = 64
/** The parts behind LIST_FIXED and LIST_SUBCLASS_FIXED (measured with gc.get_rpy_memory_usage). */
const W_LIST_OBJECT = 24
const RPYTHON_LIST = 24
const W_LIST_USER_SLOTS = 40
const SLOTS_STORAGE = 24
const UNBOXED_ID_LIST = 24
/** The list subclass of replay_pypy.py: W_ListObjectUser 40 + storage array 24 + unboxed-int list 24 + the list's 64. */
const LIST_SUBCLASS_FIXED = 128
/** mapdict: header + map + SUBCLASSES_NUM_FIELDS (5) inline storage words (mapdict.py:861). */
const INSTANCE_FIXED = 56
const INLINE_STORAGE_WORDS = 5
/** An RPython array or list of longs: header + length (the unboxed ints, the overflow storage). */
const ARRAY_HEADER = 16
/**
 * A tuple as a program's `(a, b)` makes it (BUILD_TUPLE; replay_pypy.py builds each so,
 * benchmarks/oracles/pypy/pypy_tuples.py): two items are a W_SpecialisedTupleObject_oo, or _ii
 * for two ints (unboxed), _ff for two floats: header and the two values, 24 bytes
 * (pypy/objspace/std/specialisedtupleobject.py, makespecialisedtuple); any other count is a
 * W_TupleObject (header + wrappeditems, 16) and its items array (header + length, 16, and a
 * word per item). Measured (measure_sizes.py, 50,000 kept tuples): 1 item 40 B, 2 items 24,
 * 3 items 56, 4 items 64; (object, a new int) 40: the pair and the int's W_IntObject.
 */
const SPECIALISED_PAIR = 24
const W_TUPLE_OBJECT = 16
/**
 * A byte payload of n bytes: W_BytesObject (header + value, 16) and its rpy_string (header,
 * hash, length, chars + NUL: 24 + n + 1, rounded up to 8) (rpython/rtyper/lltypesystem/rstr.py
 * STR; pypy/objspace/std/bytesobject.py). Measured (benchmarks/oracles/pypy/measure_sizes.py):
 * n = 1, 7: 48 B; 8: 56; 16: 64; 100: 144; 1,000: 1,048.
 */
const BYTES_OBJECT = 16
const RPY_STRING_FIXED = 24 + 1

/**
 * One weakref op: the weakref.ref subclass instance (48), its RPython weakref to the target
 * (16), its empty mapdict storage (16) and the RPython weakref to it in the target's lifeline
 * list (16). Measured: 96.0 bytes surviving per weakref.
 */
export const WEAKREF_BYTES = 96
/** Its parts, in that order. */
export const WEAKREF_PARTS: readonly number[] = [48, 16, 16, 16]
/**
 * The first weakref to an object also makes its WeakrefLifeline (40), the lifeline's
 * WRefShrinkList (24) and that list's items array (24) (pypy/module/_weakref/interp__weakref.py).
 */
export const LIFELINE_BYTES = 88
/** Its parts, in that order (the target's storage growth, if any, is counted with the first). */
export const LIFELINE_PARTS: readonly number[] = [40, 24, 24]
/** W_IntObject: header + intval (the JIT allocates it with SizeDescr 16). */
export const INT_BOX_BYTES = 16

/**
 * Nursery bytes PyPy uses while making an object that are garbage as soon as it is made: the
 * interpreter's own temporaries on the paths the JIT does not compile inline. Measured with
 * benchmarks/oracles/pypy/replay_pypy.py: 400,000 allocations into one slot at the smallest
 * nursery, (minor collections x nursery) / 400,000 (to 0.7 bytes), less the object's size:
 *  - an instance of a class with __del__: 399 bytes for 88 (allocate_instance registers it
 *    with the finalizer queue, a residual call the JIT keeps);
 *  - a list subclass with __del__: 583 bytes for 144;
 *  - a weakref.ref subclass instance: 197 bytes for the 96 that survive (the lifeline code is
 *    @jit.dont_look_inside);
 *  - everything else: none (a list, a slots or dict instance, an int box measure their size).
 */
export const FINALIZER_INSTANCE_TRANSIENT = 311
export const FINALIZER_LIST_TRANSIENT = 439
export const WEAKREF_TRANSIENT = 101
/**
 * The same for a weakref that makes its target's lifeline: 72 bytes besides the weakref (96)
 * and the lifeline (88). Measured (December 2026, pypy3 7.3.11, 264 KiB nursery): 400,000
 * dict-instances each weakly referenced once, 335.9 nursery bytes per pair, the instance alone
 * 79.7 (FIDELITY.md, "Weak references").
 */
export const FIRST_WEAKREF_TRANSIENT = 72

export interface TypeLayout {
  kind: Kind
  /** Garbage bytes the interpreter allocates in the nursery while making one (see above). */
  transient: number
  /** Reference fields of a fixed-size type (-1: the alloc length). */
  refs: number
  ints: number
  /** Bytes of an object with `length` (ignored for fixed-size types). */
  bytes(length: number): number
  /** Bytes of its largest RPython part: at or above LARGE_OBJECT_BYTES PyPy allocates it outside the nursery. */
  largestPart(length: number): number
  /** The large part is an array of references (so PyPy gives it card marks when it is large). */
  refArray: boolean
  /** Bytes of its array of references and ints (the part card marks cover), 0 if none. */
  itemsPart(length: number): number
  /**
   * Bytes of its byte payload (W_BytesObject and rpy_string), 0 if none: PyPy makes them after
   * the rest of the object (replay_pypy.py: the owner, then `source * n`).
   */
  payloadPart(length: number): number
  /**
   * Its RPython parts' sizes, in the order the layout above lists them, written into `out`;
   * returns how many. They sum to bytes(length). PyPy gives each part its own block: in an
   * arena page of its size class when it is old (parts.ts).
   */
  parts(length: number, out: Int32Array): number
  hasFinalizer: boolean
  resurrectInto: number
}

function payloadLength(spec: TypeSpec, length: number): number {
  return spec.variable === 'bytes' ? length : (spec.bytes ?? 0)
}

/** The payload's rpy_string; none for b'' (a prebuilt constant, what replay_pypy.py stores for n = 0). */
function payloadString(spec: TypeSpec, length: number): number {
  const n = payloadLength(spec, length)
  return n > 0 ? roundUpForAllocation(RPY_STRING_FIXED + n) : 0
}

/**
 * The size PyPy tests against the large-object limit: malloc_varsize compares the size before
 * rounding (incminimark.py: `totalsize > nonlarge_max`), so a payload of n >= 135,143 bytes
 * is allocated outside the nursery (measured: 135,142 in the nursery, 135,143 outside).
 */
function payloadStringUnrounded(spec: TypeSpec, length: number): number {
  const n = payloadLength(spec, length)
  return n > 0 ? RPY_STRING_FIXED + n : 0
}

/**
 * The reference an object holds its payload's bytes object by: one more list item or attribute
 * (a Python object owns another only through a reference; replay_pypy.py keeps it there).
 * Measured: a two-item list holding a 1-byte payload survives as 128 B (80 + 48).
 */
function payloadReference(spec: TypeSpec): number {
  return spec.variable === 'bytes' || (spec.bytes ?? 0) > 0 ? 1 : 0
}

function payloadBytes(spec: TypeSpec, length: number): number {
  const string = payloadString(spec, length)
  return string > 0 ? BYTES_OBJECT + string : 0
}

/** mapdict storage words an instance needs: its ref attributes, plus one for the unboxed ints (`_pygc_id` always). */
export function instanceBytes(refs: number, ints: number): number {
  const needed = refs + 1
  const overflow =
    needed > INLINE_STORAGE_WORDS ? ARRAY_HEADER + 8 * (needed - (INLINE_STORAGE_WORDS - 1)) : 0
  return INSTANCE_FIXED + ARRAY_HEADER + 8 * (1 + ints) + overflow
}

export function layoutOf(spec: TypeSpec): TypeLayout {
  const ints = spec.ints ?? 0
  const variableRefs = spec.variable === 'refs'
  // Reference words the object has: its ref fields and its payload's reference.
  const refsOf = (length: number): number => (variableRefs ? length : spec.refs) + payloadReference(spec)
  const fin = spec.finalizer
  const base = {
    refs: variableRefs ? -1 : spec.refs,
    ints,
    hasFinalizer: fin !== undefined,
    resurrectInto: fin?.resurrectInto ?? -1,
    payloadPart: (length: number) => payloadBytes(spec, length),
  }
  const shape = spec.shape ?? 'list'
  if (shape === 'list') {
    const fixed = fin === undefined ? LIST_FIXED : LIST_SUBCLASS_FIXED
    // A list built from a template of Nones and zeros: no None means IntegerListStrategy.
    const intOnly = !variableRefs && spec.refs === 0 && payloadReference(spec) === 0
    return {
      ...base,
      transient: fin === undefined ? 0 : FINALIZER_LIST_TRANSIENT,
      kind: intOnly ? Kind.IntList : Kind.ObjectList,
      bytes: (length) => fixed + 8 * (refsOf(length) + ints) + payloadBytes(spec, length),
      largestPart: (length) =>
        Math.max(ARRAY_HEADER + 8 * (refsOf(length) + ints), payloadStringUnrounded(spec, length)),
      refArray: !intOnly,
      itemsPart: (length) => ARRAY_HEADER + 8 * (refsOf(length) + ints),
      parts: (length, out) => {
        let n = 0
        if (fin === undefined) {
          out[n++] = W_LIST_OBJECT
        } else {
          out[n++] = W_LIST_USER_SLOTS
          out[n++] = SLOTS_STORAGE
          out[n++] = UNBOXED_ID_LIST
        }
        out[n++] = RPYTHON_LIST
        out[n++] = ARRAY_HEADER + 8 * (refsOf(length) + ints)
        return n + payloadParts(spec, length, out, n)
      },
    }
  }
  if (shape === 'tuple') return tupleLayout(spec, base, refsOf, ints)
  return {
    ...base,
    transient: fin === undefined ? 0 : FINALIZER_INSTANCE_TRANSIENT,
    kind: Kind.Instance,
    bytes: (length) => instanceBytes(refsOf(length), ints) + payloadBytes(spec, length),
    largestPart: (length) =>
      Math.max(
        INSTANCE_FIXED,
        ARRAY_HEADER + 8 * Math.max(0, refsOf(length) - 4),
        payloadStringUnrounded(spec, length),
      ),
    refArray: true,
    itemsPart: (length) => ARRAY_HEADER + 8 * Math.max(0, refsOf(length) - 4),
    parts: (length, out) => {
      const refs = refsOf(length)
      let n = 0
      out[n++] = INSTANCE_FIXED
      out[n++] = ARRAY_HEADER + 8 * (1 + ints)
      if (refs + 1 > INLINE_STORAGE_WORDS) {
        out[n++] = ARRAY_HEADER + 8 * (refs + 1 - (INLINE_STORAGE_WORDS - 1))
      }
      return n + payloadParts(spec, length, out, n)
    },
  }
}

/**
 * A tuple's layout (SPECIALISED_PAIR, W_TUPLE_OBJECT above). Its ints: in a tuple that has a
 * reference item, each int the program writes is a new W_IntObject the tuple points to, as in
 * an ObjectListStrategy list (replay_pypy.py fills the tuple's items in such a list before its
 * BUILD_TUPLE), so the kind is ObjectList; a pair of ints is a _ii pair, unboxed. A tuple of
 * ints only and of another length than two boxes every int when it is built, written or not:
 * not modelled (FIDELITY.md, "Tuples").
 */
function tupleLayout(
  spec: TypeSpec,
  base: Pick<TypeLayout, 'refs' | 'ints' | 'hasFinalizer' | 'resurrectInto' | 'payloadPart'>,
  refsOf: (length: number) => number,
  ints: number,
): TypeLayout {
  const items = (length: number): number => refsOf(length) + ints
  const pair = (length: number): boolean => items(length) === 2
  const head = (length: number): number =>
    pair(length) ? SPECIALISED_PAIR : W_TUPLE_OBJECT + ARRAY_HEADER + 8 * items(length)
  const hasRefItem = spec.variable === 'refs' || refsOf(0) > 0
  return {
    ...base,
    transient: 0,
    kind: ints > 0 && hasRefItem ? Kind.ObjectList : Kind.Instance,
    bytes: (length) => head(length) + payloadBytes(spec, length),
    largestPart: (length) =>
      Math.max(
        pair(length) ? SPECIALISED_PAIR : ARRAY_HEADER + 8 * items(length),
        payloadStringUnrounded(spec, length),
      ),
    refArray: true,
    itemsPart: (length) => (pair(length) ? 0 : ARRAY_HEADER + 8 * items(length)),
    parts: (length, out) => {
      let n = 0
      if (pair(length)) {
        out[n++] = SPECIALISED_PAIR
      } else {
        out[n++] = W_TUPLE_OBJECT
        out[n++] = ARRAY_HEADER + 8 * items(length)
      }
      return n + payloadParts(spec, length, out, n)
    },
  }
}

/** The payload's W_BytesObject and rpy_string after `n` parts in `out`; how many it added. */
function payloadParts(spec: TypeSpec, length: number, out: Int32Array, n: number): number {
  const string = payloadString(spec, length)
  if (string === 0) return 0
  out[n] = BYTES_OBJECT
  out[n + 1] = string
  return 2
}

/**
 * The bytes a mapdict instance grows by when its lifeline takes a storage slot (one more
 * attribute; across the five inline words that makes the overflow array). Lists and tuples
 * cannot be weakly referenced in Python; the model gives them a lifeline all the same and no growth.
 */
export function lifelineSlotGrowth(spec: TypeSpec, length: number): number {
  if ((spec.shape ?? 'list') === 'list' && spec.finalizer === undefined) return 0
  if (spec.shape === 'tuple') return 0
  const refs = (spec.variable === 'refs' ? length : spec.refs) + payloadReference(spec)
  if ((spec.shape ?? 'list') === 'list') {
    // the list subclass's storage array holds the unboxed ints; the lifeline is a second slot
    return 8
  }
  return instanceBytes(refs + 1, spec.ints ?? 0) - instanceBytes(refs, spec.ints ?? 0)
}
