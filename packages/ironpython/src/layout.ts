/**
 * Object layout on the modeled CLR heap, and the two size modes.
 *
 * Every object starts with the 24 bytes a 64-bit CLR array has (the layout all objects of the
 * `clr` mode really have, since each is an `object[]`): an 8-byte object header (sync block
 * index), an 8-byte MethodTable pointer and an 8-byte length word. The model keeps its own
 * bookkeeping in those words, as the real GC keeps the mark bit in the MethodTable pointer and
 * the "finalizer run" bit in the header (dotnet/runtime src/coreclr/gc/gc.cpp, `set_marked`,
 * `BIT_SBLK_FINALIZER_RUN`), so host memory is exactly the modeled bytes:
 *
 *   word 0  header low   allocation ordinal (the object id every event names)
 *   word 1  header high  flag bits (mark, finalization state, weak reference)
 *   word 2  MT low       type id, or FREE_TYPE for a free object (a gap of the heap)
 *   word 3  MT high      total size in granules (8 bytes each: an object of the largest
 *                        size the type registry accepts, over 4 GB, still fits an int32)
 *   word 4  length low   reference field count
 *   word 5  length high  scratch: the forwarding granule while compacting, the next free
 *                        block of a free list, or the weak handle index of a weak reference
 *   then    reference fields, 8 bytes each (low word: target granule; 0 is null)
 *   then    int payload (4 bytes each), then opaque bytes
 *
 * Addresses are kept as granules (8-byte units): granule g is byte address 8g. The small object
 * heap (SOH) is granules [1, LOH_BASE); the large object heap (LOH) starts at LOH_BASE
 * (byte address 8 GiB), so a reference tells its space by a compare.
 *
 * The modules on the op and collection paths bind these values as constants of their own
 * (`import * as layout` then `const { W_TYPE, ... } = layout`): V8 folds a module's own
 * constants into optimized code, but reads an imported binding from its module cell, with a
 * check that it is initialized, at every use (measured on Node 20: a three-store header write
 * compiles to 596 bytes of machine code with imported offsets, 308 with the module's own).
 */
import type { PyShape } from '@pygc/core'

export const GRANULE = 8
export const W_ID = 0
export const W_FLAGS = 1
export const W_TYPE = 2
export const W_GRANULES = 3
export const W_REFS = 4
export const W_AUX = 5
/** Word offset of reference field 0. */
export const W_FIELDS = 6
/** Granules of the 24-byte array header. */
export const HEADER_GRANULES = 3
/** CLR minimum object size on 64-bit (gc.h `min_obj_size`: 3 pointers). */
export const MIN_OBJECT_BYTES = 24
/** Objects of this size or more go to the LOH (gc.h `LARGE_OBJECT_SIZE`). */
export const LARGE_OBJECT_SIZE = 85_000
/** First LOH granule: byte address 2^33. */
export const LOH_BASE = 1 << 30
/**
 * One past the last granule the LOH may use. References, queues and handles hold granules in
 * int32s, so the LOH is [LOH_BASE, 2^31 - 1): 8 GiB of address range, like the SOH below it.
 * An allocation that does not fit the range is an OutOfMemoryException (after a full GC).
 */
export const LOH_END = 2 ** 31 - 1
/**
 * The most elements a CLR array may have: Array.MaxLength, 0x7FFFFFC7 (System.Private.CoreLib
 * src/System/Array.cs). Measured on .NET 10: `new byte[Array.MaxLength]` allocates, one more
 * element throws System.OutOfMemoryException "Array dimensions exceeded supported range."
 * (before any collection); `new object[1 << 28]`, a 2 GiB array, allocates.
 */
export const ARRAY_MAX_LENGTH = 0x7fff_ffc7

export const FREE_TYPE = -1
export const WEAKREF_TYPE = -2
/** The runtime's own objects (statics, type objects): no fields the program can see. */
export const RUNTIME_TYPE = -3
/** IronPython's WeakRefTracker: one per object that has weakref callbacks (weakref-tracker.ts). */
export const TRACKER_TYPE = -4
/**
 * The .NET oracle's tracker's callback list, an `int[]` of its own (`clr` sizes): a runtime
 * object like the tracker, reached through the tracker's one reference field; its element
 * count is its first int payload word (what finalization_promoted_bytes counts).
 */
export const TRACKER_CALLBACKS_TYPE = -5

/**
 * Whether an object of this type has reference fields the GC follows, fixes and cards: the
 * program's types and the tracker (its callback list, `clr` sizes). A weak reference's length
 * word holds its handle; free objects and the runtime's other objects have no fields.
 */
export function hasReferenceFields(type: number): boolean {
  return type >= 0 || type === TRACKER_TYPE
}

/** Set by the mark phase (the CLR sets bit 0 of the MethodTable pointer). */
export const F_MARKED = 1
/** Registered in the finalization queue (allocated with a finalizer, not yet found dead). */
export const F_REGISTERED = 2
/** GC.SuppressFinalize: the finalization scan drops it instead of queueing it. */
export const F_SUPPRESSED = 4
/** Its finalizer ran (or it was resurrected): it is never queued again unless re-registered. */
export const F_FINALIZED = 8
/** In the f-reachable queue, waiting for the finalizer thread. */
export const F_FREACHABLE = 16
/**
 * Reached through a pinned handle by this collection's mark phase (gc.cpp `set_pinned`, bit 1
 * of the header word in the CLR): plan leaves it where it is. Cleared with F_MARKED.
 */
export const F_PINNED = 32

export type SizeMode = 'clr' | 'ironpython'

/** What one model object is, in modeled bytes. */
export interface ObjectSize {
  /** Total modeled bytes (header, fields, payload and, in `ironpython` mode, the companions). */
  bytes: number
  /** The largest single CLR object among them: it decides LOH placement. */
  largestPart: number
  /** Elements of the longest CLR array among them (checked against ARRAY_MAX_LENGTH). */
  longestArray: number
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8
/** An array's `size (o)` as gc.cpp reads it: header, MethodTable and length (24) plus the elements, unrounded. */
const clrArrayUnrounded = (n: number, elem: number): number => 24 + n * elem
/** A 64-bit CLR array of `n` elements of `elem` bytes: header + MT + length, then elements. */
const clrArray = (n: number, elem: number): number =>
  Math.max(MIN_OBJECT_BYTES, align8(clrArrayUnrounded(n, elem)))

/**
 * `clr` mode: the object is an `object[]` of its reference fields plus its payload packed into
 * 8-byte slots (ints 4 bytes each, then bytes), exactly what benchmarks/oracles/clr allocates.
 * A finalizable object adds the oracle's 32-byte `Fin` wrapper (header, MT, the `object[]`
 * reference and an int id, padded) — allocated with it and dying with it, folded into one;
 * one whose finalizer allocates or stores a new object (FinalizerSpec.allocate / storeNew) is
 * an `AllocatingFin`, whose four more ints (count, slots, store slots, global) make it 48.
 * A weak reference is a `System.WeakReference`: header, MT and the handle word, 24 bytes.
 */
export function clrSize(
  refs: number,
  ints: number,
  bytes: number,
  finalizable: boolean,
  allocatingFinalizer = false,
): ObjectSize {
  const elements = refs + Math.ceil((ints * 4 + bytes) / 8)
  const array = clrArray(elements, 8)
  const wrapper = !finalizable ? 0 : allocatingFinalizer ? 48 : 32
  return { bytes: array + wrapper, largestPart: array, longestArray: elements }
}

/**
 * `ironpython` mode: the .NET objects IronPython 3 creates for one Python object, folded into
 * one model allocation (they are allocated together and, in these programs, die together).
 * Sources: IronLanguages/ironpython3 Src/IronPython/Runtime/List.cs (`PythonList`: object[]
 * _data, int _size), PythonTuple.cs (object[] _data), Types/NewTypeMaker.cs (a user class's
 * instance: .class, .dict and the `__slots__`/weakref array), PythonDictionary.cs +
 * CommonDictionaryStorage.cs (Bucket[] of {Key, Value, HashCode}, 24 bytes each, load factor
 * 0.7), Bytes.cs (byte[] _bytes). Ints are boxed `System.Int32`s (24 bytes) beyond the small
 * int cache.
 */
export function ironPythonSize(shape: PyShape, refs: number, ints: number, bytes: number): ObjectSize {
  const boxedInts = ints * 24
  const bytesObject = bytes > 0 ? 24 + clrArray(bytes, 1) : 0
  const slots = refs + ints + (bytes > 0 ? 1 : 0)
  let owner: number
  let elements: number
  let elementBytes = 8
  switch (shape) {
    case 'tuple':
      owner = 24 // header, MT, object[] _data
      elements = slots
      break
    case 'slots':
      owner = 32 // header, MT, .class, .slots_and_weakref
      elements = slots + 1
      break
    case 'dict-instance': {
      let buckets = 8
      while (buckets * 0.7 < slots) buckets *= 2
      owner = 40 + 24 + 64 // instance (.class, .dict, .weakref), PythonDictionary, storage
      elements = buckets
      elementBytes = 24
      break
    }
    default:
      owner = 32 // header, MT, object[] _data, int _size (padded)
      elements = slots
  }
  const backing = clrArray(elements, elementBytes)
  return {
    bytes: owner + backing + boxedInts + bytesObject,
    largestPart: Math.max(backing, bytesObject - 24),
    longestArray: Math.max(elements, bytes),
  }
}

/**
 * IronPython's WeakRefTracker object.
 *
 * `clr`: what the .NET oracle allocates (benchmarks/oracles/clr/Program.cs `Tracker`): the
 * tracker itself (header, MT, its int[] reference and an int count: 32 bytes, one reference
 * field), then its callback list `new int[1]` as an object of its own (trackerCallbacksSize),
 * which `Chain` replaces by one twice as long (Array.Resize) when it is full. Two allocations,
 * as on .NET: at the end of an allocation context the tracker may fit where the pair would not
 * (weakref-cache --size test at 256 KiB: .NET's first collection is made by the int[1] of a
 * weakref op, the model's, with one 64-byte object, 13 ops later; FIDELITY.md#tracker-objects).
 * `ironpython`: IronLanguages/ironpython3 Src/IronPython/Runtime/WeakRef.cs — the tracker
 * (header, MT, `_lock`, `_callbacks`: 32), `new List<CallbackInfo>(1)` (32), its
 * `CallbackInfo[1]` (array header 24 + callback, long and short WeakHandle: 48) and its
 * ReaderWriterLockSlim (System.Threading: header 16, four event refs 32, `_lockID` 8, eight
 * int/uint counters and owner ids 32, four bools padded to 8: 96): 208 bytes, folded into one
 * object as `ironpython` sizes fold companions. A second callback on the same object grows the
 * list's array; not modeled in `ironpython` sizes.
 */
export function trackerSize(mode: SizeMode): number {
  return mode === 'clr' ? 32 : 208
}

/** Reference fields of the tracker object: `clr` sizes point at the callback list. */
export function trackerRefs(mode: SizeMode): number {
  return mode === 'clr' ? 1 : 0
}

/** The oracle's tracker's callback list: an `int[]` of `n` elements (int[1] 32 bytes, int[4] 40). */
export function trackerCallbacksSize(n: number): number {
  return clrArray(n, 4)
}

/**
 * What gc.cpp counts for the oracle's callback list in `finalization_promoted_bytes`:
 * mark_phase takes it as the promoted bytes the finalization scan added
 * (`total_promoted_bytes - promoted_bytes_live`), which sum each object's `size (o)`, an
 * array's unrounded: `int[1]` counts 28 bytes, not the 32 it occupies (measured on .NET 10: the
 * GCHeapStats_V2 event's FinalizationPromotedSize is 9,020 for 148 objects, not a multiple of
 * 8; and gen0's budget after callbacks-resurrection's first collection, 472,000 = 20 x (32,072 -
 * 8,472), needs 4 bytes less per f-reachable tracker than the model's 8,896;
 * BUDGETS.md#finalization-promoted). Every other object, the tracker and IronPython's folded
 * 208-byte tracker included, counts its size, a multiple of 8.
 */
export function trackerCallbacksFinalizationBytes(n: number): number {
  return clrArrayUnrounded(n, 4)
}

/** IronPython's `weakref` object (WeakHandle, hash, callback) or the CLR's WeakReference. */
export function weakrefSize(mode: SizeMode): number {
  return mode === 'clr' ? 24 : 40
}

/**
 * Bytes of the host layout needed to hold the fields: header, refs, ints, payload. The modeled
 * size is at least this (in `ironpython` mode it is larger; the rest of the object is unused).
 */
export function layoutBytes(refs: number, ints: number, bytes: number): number {
  return Math.max(MIN_OBJECT_BYTES, align8(24 + refs * 8 + ints * 4 + bytes))
}
