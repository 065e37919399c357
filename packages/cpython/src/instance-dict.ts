/**
 * CPython 3.10's instance `__dict__`: a plain instance (Kind.DictInstance) keeps its attributes
 * in a dict object of its own (Kind.Dict), a GC object with its own generation-0 count, tracking
 * and free list. 3.11 moved the values into the instance (no dict object until one is asked
 * for), so this exists only on the 3.10 preset (layout.ts dictValuesBytes > 0).
 *
 * The model keeps the attribute cells where every version has them (the instance's `fields`
 * run, so load/store are unchanged) and gives the dict the same run: the instance's traversal
 * visits its dict, the dict's traversal visits the cells, as subtype_traverse and dict_traverse
 * do. Once the dict is gone (tp_clear of the instance, or its death) the cells are the dict's to
 * release, and the instance has none left.
 *
 * Sources (3.10.13, deadsnakes/python3.10 tag upstream/3.10.13):
 * - Objects/dictobject.c _PyObjectDict_SetItem (:5014): the first setattr makes the dict
 *   (new_dict_with_shared_keys :682: the values block first, then new_dict :647: from the dict
 *   free list, else PyObject_GC_New, which counts toward generation 0); a new dict is untracked.
 * - MAINTAIN_TRACKING (:991), in insertdict (:1069): a dict is tracked when a value that may be
 *   tracked (a GC object other than an untracked tuple) goes in.
 * - _PyDict_MaybeUntrack (:1002), called by untrack_dicts on full collections
 *   (Modules/gcmodule.c :651, :1252): a dict holding no such value is untracked.
 * - dict_traverse (:3232): the split values first to last; dict_tp_clear -> PyDict_Clear
 *   (:1777): the table detached, the values cleared first to last, the values block freed.
 * - dict_dealloc (:2056): untrack, trashcan, the values decref'd first to last, the values block
 *   freed, then the dict free list (80) or tp_free.
 * - Objects/typeobject.c subtype_dealloc / subtype_clear: the instance drops its dict after its
 *   slots; subtype_traverse visits the dict.
 */

import { DICT_OBJECT_SIZE } from './constants.js'
import type { GcState } from './gc-state.js'
import { F_INTERNAL, F_LIVE, GEN0, type ObjectHeap } from './heap.js'
import { Kind } from './layout.js'

/** The dict of instance `h`, 0 if it has none (3.11+, no attribute yet, or dropped by tp_clear). */
export function instanceDictOf(heap: ObjectHeap, h: number): number {
  return heap.instanceDicts.size === 0 ? 0 : (heap.instanceDicts.get(h) ?? 0)
}

/**
 * The first setattr on instance `h` (`attributes` cells, already laid out): the values block,
 * then the dict (free list or a fresh GC allocation, which may collect on 3.10), untracked, held
 * by the instance.
 */
export function makeInstanceDict(st: GcState, h: number, valuesBytes: number): void {
  const heap = st.heap
  const valuesAddress = st.pymalloc.malloc(valuesBytes)
  const d = st.allocator.newObject(Kind.Dict, DICT_OBJECT_SIZE, st.freeLists.hasDict())
  heap.kind[d] = Kind.Dict
  heap.type[d] = -1
  heap.oid[d] = -1
  heap.refcnt[d] = 1
  heap.flags[d] = F_LIVE | F_INTERNAL
  heap.gcNext[d] = 0
  heap.where[d] = 0
  heap.fieldBase[d] = heap.fieldBase[h]
  heap.nrefs[d] = heap.nrefs[h]
  heap.setNints(d, heap.nintsOf(h))
  heap.setBlocks(d, valuesAddress, valuesBytes, 0, 0)
  heap.instanceDicts.set(h, d)
}

/** _PyObject_GC_MAY_BE_TRACKED: a GC object, unless an untracked tuple (every model object is a GC object). */
function mayBeTracked(heap: ObjectHeap, v: number): boolean {
  return v !== 0 && (heap.kind[v] !== Kind.Tuple || heap.gcNext[v] !== 0)
}

/** insertdict's MAINTAIN_TRACKING when instance `h` gets attribute value `v`. */
export function maintainTracking(st: GcState, h: number, v: number): void {
  const heap = st.heap
  const d = instanceDictOf(heap, h)
  if (d !== 0 && heap.gcNext[d] === 0 && mayBeTracked(heap, v)) heap.listAppend(d, GEN0)
}

/** untrack_dicts (full collections only): every dict of `head` that holds no value that may be tracked. */
export function untrackDicts(st: GcState, head: number): void {
  const heap = st.heap
  if (heap.instanceDicts.size === 0) return
  const next = heap.gcNext
  let h = next[head]
  while (h !== head) {
    const following = next[h]
    if (heap.kind[h] === Kind.Dict && !holdsTrackable(heap, h)) heap.listRemove(h)
    h = following
  }
}

function holdsTrackable(heap: ObjectHeap, d: number): boolean {
  const base = heap.fieldBase[d]
  for (let i = 0; i < heap.nrefs[d]; i++) if (mayBeTracked(heap, heap.fields[base + i])) return true
  return false
}

/**
 * The instance lets go of its dict (subtype_clear's Py_CLEAR, subtype_dealloc's Py_DECREF):
 * the cells become the dict's alone. Returns the dict, whose reference the caller drops.
 */
export function detachInstanceDict(heap: ObjectHeap, h: number): number {
  const d = instanceDictOf(heap, h)
  if (d === 0) return 0
  heap.instanceDicts.delete(h)
  heap.fieldBase[h] = 0
  heap.nrefs[h] = 0
  heap.setNints(h, 0)
  return d
}

/** PyDict_Clear on an instance dict (dict_tp_clear): values cleared first to last, then the values block freed. */
export function clearInstanceDict(st: GcState, d: number): void {
  const heap = st.heap
  const base = heap.fieldBase[d]
  const n = heap.nrefs[d]
  for (let i = 0; i < n; i++) {
    const c = heap.fields[base + i]
    if (c !== 0) {
      heap.fields[base + i] = 0
      st.objects.decref(c)
    }
  }
  const bytes = heap.itemsBytesOf(d)
  if (bytes !== 0) {
    st.pymalloc.free(heap.itemsAddressOf(d), bytes)
    heap.itemsResized(d, 0)
  }
}
