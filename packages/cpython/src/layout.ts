/**
 * How each interface object is laid out as a CPython 3.11 object on 64-bit: its kind (which
 * tp_dealloc / tp_traverse / tp_clear it has), the bytes of its object block and of its
 * separately allocated items/values block, and whether it lives in a per-type free list.
 * Int payload words are small ints held in the items after the reference fields.
 */
import type { TypeSpec } from '@pygc/core'
import {
  GC_HEAD_SIZE,
  LIST_OBJECT_SIZE,
  MANAGED_DICT_PREHEADER,
  OBJECT_HEAD_SIZE,
  SHARED_KEYS_MIN_USABLE,
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
 */
export const Kind = {
  List: 0,
  ListSub: 1,
  Tuple: 2,
  Slots: 3,
  DictInstance: 4,
  Weakref: 5,
  Static: 6,
} as const
export type Kind = (typeof Kind)[keyof typeof Kind]

export interface TypeLayout {
  kind: Kind
  /** Bytes of the object block (what PyObject_Malloc gets, GC head and pre-header included). */
  objectBytes(items: number): number
  /** Bytes of the separate items/values block (0: none). */
  itemsBytes(items: number): number
  /** Offset of the PyObject inside the block (what id() adds to the block address). */
  preHeader: number
  hasFinalizer: boolean
  legacyFinalizer: boolean
  resurrectInto: number
  /** Fixed-size types: their reference fields and sizes, computed once (-1: variable). */
  fixedRefs: number
  ints: number
  fixedObjectBytes: number
  fixedItemsBytes: number
}

/** Objects/listobject.c list_resize: the over-allocation `(n + (n >> 3) + 6) & ~3`, exact when growing by more. */
export function listResizeAllocated(n: number): number {
  if (n === 0) return 0
  let allocated = (n + (n >> 3) + 6) & ~3
  if (n > allocated - n) allocated = (n + 3) & ~3
  return allocated
}

/** Objects/dictobject.c new_values: a prefix of one byte per slot (+2, rounded to 8) and 8 bytes per slot. */
function managedValuesBytes(n: number): number {
  const usable = Math.max(SHARED_KEYS_MIN_USABLE, n)
  return Math.ceil((usable + 2) / 8) * 8 + 8 * usable
}

export function layoutOf(spec: TypeSpec): TypeLayout {
  const layout = shapeLayout(spec)
  const ints = spec.ints ?? 0
  if (spec.variable !== undefined)
    return { ...layout, fixedRefs: -1, ints, fixedObjectBytes: 0, fixedItemsBytes: 0 }
  const n = spec.refs + ints
  return {
    ...layout,
    fixedRefs: spec.refs,
    ints,
    fixedObjectBytes: layout.objectBytes(n),
    fixedItemsBytes: layout.itemsBytes(n),
  }
}

type ShapeLayout = Omit<TypeLayout, 'fixedRefs' | 'ints' | 'fixedObjectBytes' | 'fixedItemsBytes'>

function shapeLayout(spec: TypeSpec): ShapeLayout {
  const fin = spec.finalizer
  const base = {
    hasFinalizer: fin !== undefined && !fin.legacy,
    legacyFinalizer: fin?.legacy === true,
    resurrectInto: fin?.resurrectInto ?? -1,
  }
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
      // A list subclass with __slots__ = ('__weakref__',): basicsize 48 + GC head (getsizeof == 64).
      objectBytes: () => GC_HEAD_SIZE + LIST_OBJECT_SIZE + 8,
      // Filled by list.extend: list_resize's over-allocation.
      itemsBytes: (n) => 8 * listResizeAllocated(n),
      preHeader: GC_HEAD_SIZE,
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
      // __slots__ = (fields..., '__weakref__'): PyObject 16 + 8 per slot + 8 + GC head.
      objectBytes: (n) => GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 8 * n + 8,
      itemsBytes: () => 0,
      preHeader: GC_HEAD_SIZE,
    }
  }
  return {
    ...base,
    kind: Kind.DictInstance,
    // sys.getsizeof(C()) == 56: PyObject 16 + weaklist 8 + GC head 16 + managed-dict pre-header 16.
    objectBytes: () => MANAGED_DICT_PREHEADER + GC_HEAD_SIZE + OBJECT_HEAD_SIZE + 8,
    itemsBytes: (n) => managedValuesBytes(n),
    preHeader: MANAGED_DICT_PREHEADER + GC_HEAD_SIZE,
  }
}

/** sys.getsizeof(weakref.ref(x)) == 80 on 3.11: PyWeakReference 64 + GC head 16. */
export const WEAKREF_BYTES = GC_HEAD_SIZE + WEAKREF_OBJECT_SIZE
/** A starting-state object: modeled as an empty list-sized block. */
export const STATIC_OBJECT_BYTES = GC_HEAD_SIZE + LIST_OBJECT_SIZE
/** The args tuple of a call (`weakref.ref(t)` / `weakref.ref(t, cb)`). */
export function tupleBytes(n: number): number {
  return GC_HEAD_SIZE + VAR_OBJECT_HEAD_SIZE + 8 * n
}
