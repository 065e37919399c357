/**
 * The per-type free lists of CPython 3.11 that the model's objects use: `list` (an array of up
 * to 80 dead list objects, Objects/listobject.c), `tuple` (one LIFO chain per size 1..20, up to
 * 2000 each, linked through ob_item[0] in Objects/tupleobject.c — here through the dead object's
 * gcPrev), and `dict` (80: 3.10's instance dicts, instance-dict.ts; on 3.11+ the model has no dict
 * objects of its own and the list is a count, set by the starting state). A dead
 * object on a free list keeps its pymalloc block; allocating from a free list takes neither a
 * new block nor a generation-0 count, and freeing to it gives back neither.
 */
import { DICT_MAXFREELIST, LIST_MAXFREELIST, TUPLE_MAXFREELIST, TUPLE_NFREELISTS } from './constants.js'
import type { ObjectHeap } from './heap.js'

/**
 * The bounds as this module's own constants: V8 folds a module's own constants into optimized
 * code, but re-reads an imported binding and checks it at every use (a push runs at most deaths).
 */
const LIST_MAX = LIST_MAXFREELIST
const TUPLE_SIZES = TUPLE_NFREELISTS
const TUPLE_MAX = TUPLE_MAXFREELIST

/** The entries of each free list (FreeLists.summary): tuples by size, index 0 = size 1. */
export interface FreeListEntries {
  list: number
  tuple: number[]
  dict: number
}

export class FreeLists {
  private readonly lists = new Int32Array(LIST_MAXFREELIST)
  listCount = 0
  private readonly tupleHead = new Int32Array(TUPLE_NFREELISTS + 1)
  readonly tupleCount = new Int32Array(TUPLE_NFREELISTS + 1)
  /** Entries of the dict free list: the dead dicts in `dicts` (3.10) plus entries with no object (a starting state's). */
  dictCount = 0
  private readonly dicts = new Int32Array(DICT_MAXFREELIST)
  private dictObjects = 0

  constructor(private readonly heap: ObjectHeap) {}

  hasList(): boolean {
    return this.listCount > 0
  }

  popList(): number {
    return this.lists[--this.listCount]
  }

  /** list_dealloc's `numfree < PyList_MAXFREELIST` test and push; false: the caller frees the object. */
  tryPushList(h: number): boolean {
    if (this.listCount >= LIST_MAX) return false
    this.lists[this.listCount++] = h
    return true
  }

  hasTuple(size: number): boolean {
    return size >= 1 && size <= TUPLE_NFREELISTS && this.tupleCount[size] > 0
  }

  popTuple(size: number): number {
    const h = this.tupleHead[size]
    this.tupleHead[size] = this.heap.gcPrev[h]
    this.tupleCount[size]--
    return h
  }

  /** tupleobject.c maybe_freelist_push. */
  tryPushTuple(h: number, size: number): boolean {
    if (size < 1 || size > TUPLE_SIZES || this.tupleCount[size] >= TUPLE_MAX) return false
    this.heap.gcPrev[h] = this.tupleHead[size]
    this.tupleHead[size] = h
    this.tupleCount[size]++
    return true
  }

  hasDict(): boolean {
    return this.dictCount > 0
  }

  /** new_dict's `numfree` pop: a dead dict object, or 0 for an entry the model has no object of. */
  popDict(): number {
    this.dictCount--
    return this.dictObjects > 0 ? this.dicts[--this.dictObjects] : 0
  }

  /** dict_dealloc's `numfree < PyDict_MAXFREELIST` test and push; false: the caller frees the dict. */
  tryPushDict(h: number): boolean {
    if (this.dictCount >= DICT_MAXFREELIST) return false
    this.dictCount++
    this.dicts[this.dictObjects++] = h
    return true
  }

  setDictCount(n: number): void {
    this.dictCount = Math.min(Math.max(0, n), DICT_MAXFREELIST)
  }

  /**
   * clear_freelists (gc.collect(2)): every entry goes to PyObject_GC_Del, tuples first, then
   * lists, then dicts, in gcmodule.c's order. `dictDel` stands for a dict's PyObject_GC_Del.
   */
  clear(gcDel: (h: number) => void, dictDel: () => void): void {
    for (let n = 1; n <= TUPLE_NFREELISTS; n++) {
      while (this.tupleCount[n] > 0) gcDel(this.popTuple(n))
    }
    while (this.listCount > 0) gcDel(this.popList())
    while (this.dictObjects > 0) {
      this.dictCount--
      gcDel(this.dicts[--this.dictObjects])
    }
    for (; this.dictCount > 0; this.dictCount--) dictDel()
  }

  summary(): FreeListEntries {
    return { list: this.listCount, tuple: Array.from(this.tupleCount.subarray(1)), dict: this.dictCount }
  }
}
