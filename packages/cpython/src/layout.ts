/**
 * How each interface object is laid out as a CPython object on 64-bit, per version (3.11, 3.12,
 * 3.13): its kind (which tp_dealloc / tp_traverse / tp_clear it has), the bytes of its object
 * block, of its separately allocated items/values block, and of its bytes payload (a separate
 * `bytes` object), and whether it lives in a per-type free list. Int payload words are small
 * ints held in the items after the reference fields. Every size is a request size (what
 * PyObject_Malloc gets); pymalloc rounds it to its size class, or the system allocator takes it
 * above 512 bytes. Pinned to the real interpreters' blocks by test/layout.test.ts.
 */
import { type FinalizerAllocations, finalizerAllocations, type TypeSpec } from '@pygc/core'
import {
  BYTEARRAY_OBJECT_SIZE,
  BYTES_OBJECT_HEADER,
  DICT_OBJECT_SIZE,
  GC_HEAD_SIZE,
  LIST_OBJECT_SIZE,
  OBJECT_HEAD_SIZE,
  PREHEADER_SIZE,
  SHARED_KEYS_MAX_SIZE,
  SHARED_KEYS_USABLE_START,
  SMALL_REQUEST_THRESHOLD,
  VAR_OBJECT_HEAD_SIZE,
  WEAKREF_OBJECT_SIZE,
} from './constants.js'

/**
 * Object kinds: each is one family of tp_dealloc / tp_traverse / tp_clear in CPython.
 * - List: an exact `list` — list_dealloc (trashcan, list free list), list_traverse, _list_clear
 * - ListSub: a list subclass with `__del__` (`class T(list): __slots__ = ('__weakref__',)`) —
 *   subtype_dealloc, then list_dealloc without its trashcan
 * - Tuple: a `tuple` — tupledealloc (trashcan, per-size free list), tupletraverse, no tp_clear
 * - Slots: an instance of a class with `__slots__` (plus `__weakref__`) — subtype_dealloc, clear_slots
 * - DictInstance: an instance of a plain class, its fields in the inline managed-dict values
 * - Weakref: a `weakref.ref`, a GC-tracked container (it traverses its callback)
 * - Static: one of the interpreter's own objects of the starting state: reachable, never freed
 * - Dict: 3.10's instance `__dict__` of a plain instance (instance-dict.ts): a GC object of its
 *   own holding the instance's values — dict_dealloc (trashcan, dict free list), dict_traverse,
 *   dict_tp_clear; tracked lazily (MAINTAIN_TRACKING), untracked by full collections
 */
export const Kind = {
  List: 0,
  ListSub: 1,
  Tuple: 2,
  Slots: 3,
  DictInstance: 4,
  Weakref: 5,
  Static: 6,
  Dict: 7,
} as const
export type Kind = (typeof Kind)[keyof typeof Kind]

export interface TypeLayout {
  kind: Kind
  /**
   * Bytes of the object block (what PyObject_Malloc gets, GC head and pre-header included) of
   * an object with `items` reference and int fields, the k-th of its type (k = Infinity: once
   * the type's warm-up is over; see `warmup`).
   */
  objectBytes(items: number, k: number): number
  /** Bytes of the separate items/values block (0: none), as objectBytes. */
  itemsBytes(items: number, k: number): number
  /** How many first objects of the type are laid out larger than the rest (plain instances' shared keys). */
  warmup(items: number): number
  /** Offset of the PyObject inside the block (what id() adds to the block address). */
  preHeader: number
  hasFinalizer: boolean
  legacyFinalizer: boolean
  resurrectInto: number
  /** What the finalizer allocates (FinalizerSpec.allocate, storeNew), or null. */
  finalizerAllocs: FinalizerAllocations | null
  /** Fixed-size types: their reference fields and sizes (k = Infinity), computed once (-1: variable). */
  fixedRefs: number
  ints: number
  fixedObjectBytes: number
  fixedItemsBytes: number
  /** Fixed-size types: warmup(items), the first objects not laid out with the fixed sizes. */
  fixedWarmup: number
  /** Bytes of the payload's `bytes` object (0: none; -1: sized by alloc's length, bytesObjectBytes). */
  payloadBytes: number
  /**
   * 3.10: a plain instance keeps its attributes in a dict object of its own (Kind.Dict, made by
   * the first setattr) whose split values block has this many bytes for `items` attributes
   * (0: no dict — no attribute, or 3.11+ where the values hang off the object itself).
   */
  dictValuesBytes(items: number): number
  /**
   * alloc's lean path applies (Allocator.allocQuick): a tuple or `__slots__` instance of fixed
   * size from its first object on, in one pymalloc block (at most SMALL_REQUEST_THRESHOLD
   * bytes), with neither an items block nor a payload — a tree node, most of the objects of
   * the op loop.
   */
  quick: boolean
}

/**
 * Which CPython's object layouts: they differ by version in the pre-header (3.12 moved the
 * `__weakref__` slot of `__slots__` classes and list subclasses into it) and in where a plain
 * instance keeps its attribute values (3.11/3.12 a separate values block, 3.13 inline).
 * Measured on the real interpreters: packages/cpython/VERSIONS.md section 1.
 */
export type LayoutVersion = '3.10' | '3.11' | '3.12' | '3.13'

/**
 * 3.10 Objects/dictobject.c: a split table's values, `new_values(USABLE_FRACTION(DK_SIZE(keys)))`
 * (:642, :687), 8 bytes per usable slot; the class's shared keys start at PyDict_MINSIZE 8 and
 * grow by `insertion_resize` (GROWTH_RATE = used * 3) to the next power of two: 5, 10, 21, 42,
 * 85, 170 values (measured: benchmarks/oracles/cpython/measured/layouts-3.10.13.json).
 */
export function splitDictValuesBytes(attributes: number): number {
  if (attributes === 0) return 0
  let size = 8
  while (usableFraction(size) < attributes) size *= 2
  return 8 * usableFraction(size)
}

/** A weakref.ref with its GC head: PyWeakReference 64 on 3.11+ (vectorcall added), 56 on 3.10 (3.10.13 Include/weakrefobject.h). */
export function weakrefBytes(version: LayoutVersion): number {
  return GC_HEAD_SIZE + (version === '3.10' ? WEAKREF_OBJECT_SIZE - 8 : WEAKREF_OBJECT_SIZE)
}

/** Objects/listobject.c list_resize: the over-allocation `(n + (n >> 3) + 6) & ~3`, exact when growing by more. */
export function listResizeAllocated(n: number): number {
  if (n === 0) return 0
  let allocated = (n + (n >> 3) + 6) & ~3
  if (n > allocated - n) allocated = (n + 3) & ~3
  return allocated
}

/**
 * Objects/listobject.c list_preallocate_exact (3.11.7 :98-109, 3.12.1 :99, 3.13.0 :176): the
 * first `extend` of an empty list allocates exactly n items rounded up to an even count.
 */
export function listPreallocateExact(n: number): number {
  return (n + 1) & ~1
}

/**
 * The values a plain instance's shared-keys dict gives its k-th instance (k = 0, 1, ...) with
 * `a` attributes: a class's shared keys start with dk_usable = 30 and each new instance takes
 * one (`_PyDict_NewKeysForClass`, 3.11.7 Objects/dictobject.c:5340, :5357; 3.12.1 :5329,
 * :5346; 3.13.0 :6638, :6664), read before the decrement on 3.13. Steady state: a + 1.
 */
export function sharedKeysValues(version: LayoutVersion, attributes: number, k: number): number {
  return Math.max(Math.min(attributes + 1, SHARED_KEYS_MAX_SIZE - 1), sharedKeysStart(version) - k)
}

/** The instances of a class whose values are still larger than the steady state (sharedKeysValues). */
export function sharedKeysWarmup(version: LayoutVersion, attributes: number): number {
  return Math.max(0, sharedKeysStart(version) - Math.min(attributes + 1, SHARED_KEYS_MAX_SIZE - 1))
}

/** The values of a class's first instance: dk_usable = 30 read after (3.11/3.12) or before (3.13) its decrement. */
function sharedKeysStart(version: LayoutVersion): number {
  return version === '3.13' ? SHARED_KEYS_USABLE_START : SHARED_KEYS_USABLE_START - 1
}

/** Objects/dictobject.c new_values (3.11.7 :693-699, 3.12.1 :702): a prefix of one byte per slot (+2, rounded to 8), then 8 bytes per slot. */
export function splitValuesBytes(slots: number): number {
  return roundUp8(slots + 2) + 8 * slots
}

/** Include/internal/pycore_dict.h _PyInlineValuesSize (3.13.0 :322): a prefix rounded to 8, then 8 bytes per slot plus one. */
export function inlineValuesBytes(slots: number): number {
  return roundUp8(slots) + 8 * (slots + 1)
}

/**
 * A materialized (combined) dict table for `used` unicode keys: `32 + size * ix + usable * 16`
 * (ix = 1 byte up to 128 slots, 2 up to 2^15, else 4), the size grown by GROWTH_RATE = used * 3
 * from 128 (the 30th key; measured 1520 bytes for 30..85 attributes, 3264 for 86..170).
 */
export function combinedTableBytes(used: number): number {
  let size = 128
  while (usableFraction(size) < used) size = nextPowerOfTwo(usableFraction(size) * 3)
  const ix = size <= 128 ? 1 : size <= 1 << 15 ? 2 : 4
  return 32 + size * ix + usableFraction(size) * 16
}

/** Objects/bytesobject.c: PyBytesObject_SIZE + n, one block (3.11.7 :33); b'' is a singleton (no block). */
export function bytesObjectBytes(n: number): number {
  return n === 0 ? 0 : BYTES_OBJECT_HEADER + n
}

/** Objects/bytearrayobject.c PyByteArray_FromStringAndSize: a 56-byte object, and a buffer of n + 1 (3.11.7 :133) when n > 0. */
export function bytearrayBytes(n: number): { object: number; buffer: number } {
  return { object: BYTEARRAY_OBJECT_SIZE, buffer: n === 0 ? 0 : n + 1 }
}

function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8
}

function usableFraction(size: number): number {
  return Math.floor((size << 1) / 3)
}

function nextPowerOfTwo(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/**
 * The layout of a type, as one object shape for every type: alloc reads a layout's fields on
 * every allocation, and the layouts built by spreading (shapeLayout, withPayloadReference) each
 * had a hidden class of their own, which made those reads megamorphic in V8 (7 of alloc's
 * property loads, seen with %DebugPrint on CPythonManager.prototype.alloc after a few
 * binary-trees runs). One object literal with its keys in a fixed order has one hidden class.
 */
export function layoutOf(spec: TypeSpec, version: LayoutVersion = '3.11'): TypeLayout {
  const l = spreadLayoutOf(spec, version)
  return {
    kind: l.kind,
    objectBytes: l.objectBytes,
    itemsBytes: l.itemsBytes,
    warmup: l.warmup,
    preHeader: l.preHeader,
    hasFinalizer: l.hasFinalizer,
    legacyFinalizer: l.legacyFinalizer,
    resurrectInto: l.resurrectInto,
    finalizerAllocs: l.finalizerAllocs,
    fixedRefs: l.fixedRefs,
    ints: l.ints,
    fixedObjectBytes: l.fixedObjectBytes,
    fixedItemsBytes: l.fixedItemsBytes,
    fixedWarmup: l.fixedWarmup,
    payloadBytes: l.payloadBytes,
    dictValuesBytes: l.dictValuesBytes,
    quick:
      (l.kind === Kind.Tuple || l.kind === Kind.Slots) &&
      l.fixedRefs >= 0 &&
      l.fixedWarmup === 0 &&
      l.fixedItemsBytes === 0 &&
      l.payloadBytes === 0 &&
      l.fixedObjectBytes <= SMALL_REQUEST_THRESHOLD,
  }
}

function spreadLayoutOf(spec: TypeSpec, version: LayoutVersion = '3.11'): Omit<TypeLayout, 'quick'> {
  const layout = withPayloadReference(spec, shapeLayout(spec, version))
  const ints = spec.ints ?? 0
  const payloadItem = spec.variable === 'bytes' || (spec.bytes ?? 0) > 0 ? 1 : 0
  const dictValuesBytes =
    layout.kind === Kind.DictInstance && version === '3.10'
      ? (items: number) => splitDictValuesBytes(items + payloadItem)
      : () => 0
  const payloadBytes = spec.variable === 'bytes' ? -1 : bytesObjectBytes(spec.bytes ?? 0)
  if (spec.variable !== undefined)
    return {
      ...layout,
      fixedRefs: -1,
      ints,
      fixedObjectBytes: 0,
      fixedItemsBytes: 0,
      fixedWarmup: 0,
      payloadBytes,
      dictValuesBytes,
    }
  const n = spec.refs + ints
  return {
    ...layout,
    fixedRefs: spec.refs,
    ints,
    fixedObjectBytes: layout.objectBytes(n, Infinity),
    fixedItemsBytes: layout.itemsBytes(n, Infinity),
    fixedWarmup: layout.warmup(n),
    payloadBytes,
    dictValuesBytes,
  }
}

/**
 * An object carrying a byte payload holds its `bytes` object by a reference of its own, one more
 * item (a list's last item, a slot, an attribute) after its reference and int fields: a Python
 * object can own another only through a reference (benchmarks/oracles/replay.py keeps it there).
 * Every size taking an item count counts it; the fields the program sees do not change.
 */
function withPayloadReference(spec: TypeSpec, layout: ShapeLayout): ShapeLayout {
  if (spec.variable !== 'bytes' && (spec.bytes ?? 0) === 0) return layout
  return {
    ...layout,
    objectBytes: (items, k) => layout.objectBytes(items + 1, k),
    itemsBytes: (items, k) => layout.itemsBytes(items + 1, k),
    warmup: (items) => layout.warmup(items + 1),
  }
}

type ShapeLayout = Omit<
  TypeLayout,
  | 'quick'
  | 'fixedRefs'
  | 'ints'
  | 'fixedObjectBytes'
  | 'fixedItemsBytes'
  | 'fixedWarmup'
  | 'payloadBytes'
  | 'dictValuesBytes'
>

function shapeLayout(spec: TypeSpec, version: LayoutVersion): ShapeLayout {
  const fin = spec.finalizer
  const base = {
    hasFinalizer: fin !== undefined && !fin.legacy,
    legacyFinalizer: fin?.legacy === true,
    resurrectInto: fin?.resurrectInto ?? -1,
    finalizerAllocs: finalizerAllocations(spec),
    warmup: () => 0,
  }
  // 3.12+: a `__weakref__` in `__slots__` is Py_TPFLAGS_MANAGED_WEAKREF, its pointer in the
  // pre-header (3.12.1 Objects/typeobject.c:3559-3563, pycore_object.h:339-343).
  const managedWeakref = version === '3.12' || version === '3.13'
  const shape = spec.shape ?? 'list'
  if (shape === 'list' && fin === undefined) {
    return {
      ...base,
      kind: Kind.List,
      // sys.getsizeof([]) == 56: PyListObject 40 + PyGC_Head 16; items by PyList_New(n): exactly n slots.
      objectBytes: () => GC_HEAD_SIZE + LIST_OBJECT_SIZE,
      itemsBytes: (n) => 8 * n,
      preHeader: GC_HEAD_SIZE,
    }
  }
  if (shape === 'list') {
    return {
      ...base,
      kind: Kind.ListSub,
      // `class T(list): __slots__ = ('__weakref__',)`: 3.11 the weakref slot after the list
      // (basicsize 48 + GC head); 3.12+ no slot, the pre-header's two words instead.
      objectBytes: () =>
        managedWeakref
          ? PREHEADER_SIZE + GC_HEAD_SIZE + LIST_OBJECT_SIZE
          : GC_HEAD_SIZE + LIST_OBJECT_SIZE + 8,
      // Filled by list.extend on an empty list: list_preallocate_exact's even count.
      itemsBytes: (n) => 8 * listPreallocateExact(n),
      preHeader: managedWeakref ? PREHEADER_SIZE + GC_HEAD_SIZE : GC_HEAD_SIZE,
    }
  }
  if (shape === 'tuple') {
    return {
      ...base,
      kind: Kind.Tuple,
      // sys.getsizeof(()) == 40: PyVarObject 24 + GC head 16, items inline.
      objectBytes: (n) => GC_HEAD_SIZE + VAR_OBJECT_HEAD_SIZE + 8 * n,
      itemsBytes: () => 0,
      preHeader: GC_HEAD_SIZE,
    }
  }
  if (shape === 'slots') {
    return {
      ...base,
      kind: Kind.Slots,
      // __slots__ = (fields..., '__weakref__'): 3.11 PyObject 16 + 8 per slot + 8 + GC head;
      // 3.12+ the weakref pointer in the pre-header.
      objectBytes: (n) =>
        managedWeakref
          ? PREHEADER_SIZE + GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 8 * n
          : GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 8 * n + 8,
      itemsBytes: () => 0,
      preHeader: managedWeakref ? PREHEADER_SIZE + GC_HEAD_SIZE : GC_HEAD_SIZE,
    }
  }
  return { ...base, ...dictInstanceLayout(version) }
}

/**
 * A plain instance with `a` attributes, the k-th of its class (k = Infinity: steady state).
 * - 3.10: PyObject + dict pointer + weaklist + GC head = 48 (no pre-header, sys.getsizeof 48);
 *   the attributes in a dict object of its own (dictValuesBytes, instance-dict.ts).
 * - 3.11: pre-header (dict, values) + PyObject + weaklist 8 + GC head = 56; values block.
 * - 3.12: pre-header (dict or values, weakref) + PyObject + GC head = 48; values block.
 * - 3.13: one block, the values inline after the object (`_PyType_AllocNoTrack`, 3.13.0
 *   Objects/typeobject.c:2035).
 * From the 30th attribute (SHARED_KEYS_MAX_SIZE, 3.11.7 pycore_dict.h:128) the dict is
 * materialized: a 64-byte dict and a combined table, modeled as one items block of both
 * (their two blocks' bytes, not their size classes; VERSIONS.md section 1).
 */
function dictInstanceLayout(
  version: LayoutVersion,
): Pick<ShapeLayout, 'kind' | 'objectBytes' | 'itemsBytes' | 'preHeader' | 'warmup'> {
  if (version === '3.10') {
    return {
      kind: Kind.DictInstance,
      objectBytes: () => GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 16,
      itemsBytes: () => 0,
      preHeader: GC_HEAD_SIZE,
      warmup: () => 0,
    }
  }
  const fixed =
    version === '3.11'
      ? PREHEADER_SIZE + GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 8
      : PREHEADER_SIZE + GC_HEAD_SIZE + OBJECT_HEAD_SIZE
  const materialized = (a: number): number =>
    a >= SHARED_KEYS_MAX_SIZE ? DICT_OBJECT_SIZE + combinedTableBytes(a) : 0
  if (version === '3.13') {
    return {
      kind: Kind.DictInstance,
      objectBytes: (a, k) =>
        fixed + inlineValuesBytes(sharedKeysValues(version, Math.min(a, SHARED_KEYS_MAX_SIZE - 1), k)),
      itemsBytes: (a) => materialized(a),
      preHeader: PREHEADER_SIZE + GC_HEAD_SIZE,
      warmup: (a) => sharedKeysWarmup(version, a),
    }
  }
  return {
    kind: Kind.DictInstance,
    objectBytes: () => fixed,
    itemsBytes: (a, k) =>
      a >= SHARED_KEYS_MAX_SIZE ? materialized(a) : splitValuesBytes(sharedKeysValues(version, a, k)),
    preHeader: PREHEADER_SIZE + GC_HEAD_SIZE,
    warmup: (a) => sharedKeysWarmup(version, a),
  }
}

/** A weakref.ref: PyWeakReference 64 + GC head 16 = 80 on 3.11, 3.12, 3.13 (3.10: weakrefBytes). */
export const WEAKREF_BYTES = weakrefBytes('3.11')
/** A starting-state object: modeled as an empty list-sized block. */
export const STATIC_OBJECT_BYTES = GC_HEAD_SIZE + LIST_OBJECT_SIZE
/** The args tuple of a call (`weakref.ref(t)` / `weakref.ref(t, cb)`). */
export function tupleBytes(n: number): number {
  return GC_HEAD_SIZE + VAR_OBJECT_HEAD_SIZE + 8 * n
}
