/**
 * The CPython bookkeeping floor: the refcount floor (refcount-floor.ts) plus the records the
 * CPython model keeps for every object and every op, and nothing else. It is the third anchor of
 * the speed table, between the refcount floor and the `cpython` row: the gap from the refcount
 * floor to it is what CPython's per-object bookkeeping costs on this interface, however it is
 * written; the gap from it to the `cpython` row is everything else the model does.
 *
 * What it keeps, as the model does (packages/cpython heap.ts, allocation.ts, dealloc.ts):
 * - per object, in typed-array columns: the refcount, the PyGC_Head links (gcNext, gcPrev) and
 *   the list the object is in, flags, kind, type, id, address, reference and int counts, and its
 *   field cells at fieldBase;
 * - generation 0 as a real doubly linked list with its count and bytes: _PyObject_GC_TRACK at
 *   every allocation, PyObject_GC_UnTrack at every death;
 * - the free list of 2-tuples (Objects/tupleobject.c, PyTuple_MAXFREELIST = 2000); past it a
 *   fresh block with _PyObject_GC_Link's count, and PyObject_GC_Del's;
 * - the figures the model reports per op: ops, refcountOps, objectsAllocated, bytesAllocated,
 *   liveObjects, liveBytes, peakLiveBytes.
 *
 * What it leaves out, which is what the rest of the model's time buys: pymalloc's size classes,
 * pools and arenas (a fresh block is a bump address here); the cycle collector (generation 0's
 * count passes its threshold and nothing collects); the trashcan; events; the 3.12+ eval-breaker
 * checks; every type but the 2-tuple; the heap limit. Like the refcount floor it runs only
 * binary-trees' ops, through the same Mutator interface and RootSet.
 */
import { type Mutator, PygcError, type Slot, type TypeId, type TypeSpec } from '@pygc/core'
import { badField, FloorMutator, grown } from './floor-mutator.js'

/** Two reference fields per object: binary-trees' `(left, right)` tuples. */
const FIELDS = 2
/** sys.getsizeof((a, b)) on CPython 3.11: PyGC_Head 16 + PyVarObject 24 + 2 items of 8. */
const TUPLE_BYTES = 56
/** Objects/tupleobject.c (3.11): PyTuple_MAXFREELIST, the most 2-tuples kept for reuse. */
const MAX_FREE_TUPLES = 2000
/** Row 0 is null; row 1 is generation 0's list head (gcmodule.c's PyGC_Head of the generation). */
const NULL = 0
const GEN0 = 1
const FIRST_ROW = 2
/** Object kinds and flags, as the model's (only tuples exist here). */
const TUPLE = 1
const F_LIVE = 1
const F_FREELISTED = 2
const isInteger = Number.isInteger

export class BookkeepingFloor extends FloorMutator implements Mutator {
  protected readonly floorName = 'cpython bookkeeping floor'
  private capacity = 1024
  private refcnt = new Int32Array(this.capacity)
  private gcNext = new Int32Array(this.capacity)
  private gcPrev = new Int32Array(this.capacity)
  private where = new Int32Array(this.capacity)
  private flags = new Int32Array(this.capacity)
  private kind = new Int32Array(this.capacity)
  private type = new Int32Array(this.capacity)
  private oid = new Int32Array(this.capacity)
  private address = new Float64Array(this.capacity)
  private nrefs = new Int32Array(this.capacity)
  private nints = new Int32Array(this.capacity)
  private fieldBase = new Int32Array(this.capacity)
  private fields = new Int32Array(FIELDS * this.capacity)
  private nextRow = FIRST_ROW
  /** Rows whose object went to PyObject_GC_Del, for the next fresh object. */
  private freeRows = new Int32Array(1024)
  private freeRowCount = 0
  /** The 2-tuple free list (LIFO), as tupleobject.c's. */
  private readonly freeTuples = new Int32Array(MAX_FREE_TUPLES)
  private freeTupleCount = 0
  /** The next fresh block's address (no size classes: a bump pointer). */
  private nextAddress = 1 << 20
  /** Generation 0's count (_PyObject_GC_Link / PyObject_GC_Del) and its list's totals. */
  private gen0Count = 0
  private gen0Objects = 0
  private gen0Bytes = 0
  private nextId = 0
  /** The rows still to free, during a death's cascade. */
  private dying = new Int32Array(256)
  refcountOps = 0
  objectsAllocated = 0
  bytesAllocated = 0
  liveObjects = 0
  liveBytes = 0
  peakLiveBytes = 0

  constructor() {
    super()
    this.gcNext[GEN0] = GEN0
    this.gcPrev[GEN0] = GEN0
  }

  /**
   * Whether the records agree: with no collector, every live object is tracked in generation 0,
   * so its list holds `liveObjects` objects of `liveBytes` (floor-program.ts checks it after a run).
   */
  recordsAgree(): boolean {
    return this.gen0Objects === this.liveObjects && this.gen0Bytes === this.liveBytes
  }

  defineType(spec: TypeSpec): TypeId {
    if (spec.refs !== FIELDS || (spec.ints ?? 0) !== 0)
      throw new PygcError('UNSUPPORTED', 'the cpython bookkeeping floor has only two-reference objects')
    return 0
  }

  /** PyTuple_New(2): from the free list, else a fresh block and _PyObject_GC_Link; then tracked. */
  alloc(dst: Slot, type: TypeId, _length?: number): void {
    const di = this.roots.index(dst)
    if (type !== 0) throw new PygcError('UNKNOWN_TYPE', `type ${String(type)} is not defined`)
    this.ops++
    let h: number
    if (this.freeTupleCount > 0) {
      h = this.freeTuples[--this.freeTupleCount]
      const base = this.fieldBase[h]
      this.fields[base] = NULL
      this.fields[base + 1] = NULL
    } else h = this.freshTuple()
    this.type[h] = type
    this.refcnt[h] = 1
    this.flags[h] = F_LIVE
    this.nrefs[h] = FIELDS
    this.nints[h] = 0
    // _PyObject_GC_TRACK: append to generation 0.
    const last = this.gcPrev[GEN0]
    this.gcNext[last] = h
    this.gcPrev[h] = last
    this.gcNext[h] = GEN0
    this.gcPrev[GEN0] = h
    this.where[h] = GEN0
    this.gen0Objects++
    this.gen0Bytes += TUPLE_BYTES
    this.oid[h] = this.nextId++
    this.objectsAllocated++
    this.bytesAllocated += TUPLE_BYTES
    this.liveObjects++
    const live = (this.liveBytes += TUPLE_BYTES)
    if (live > this.peakLiveBytes) this.peakLiveBytes = live
    this.storeRootOwned(di, h)
  }

  load(dst: Slot, obj: Slot, field: number): void {
    const roots = this.roots
    const di = roots.index(dst)
    const h = this.objectAt(roots.index(obj))
    if (!(isInteger(field) && field >= 0 && field < this.nrefs[h])) throw badField(field)
    this.ops++
    this.storeRoot(di, this.fields[this.fieldBase[h] + field])
  }

  store(obj: Slot, field: number, src: Slot): void {
    const roots = this.roots
    const h = this.objectAt(roots.index(obj))
    const v = roots.values[roots.index(src)]
    if (!(isInteger(field) && field >= 0 && field < this.nrefs[h])) throw badField(field)
    this.ops++
    if (v !== NULL) this.incref(v)
    const at = this.fieldBase[h] + field
    const old = this.fields[at]
    this.fields[at] = v
    if (old !== NULL) this.decref(old)
  }

  protected incref(h: number): void {
    this.refcnt[h]++
    this.refcountOps++
  }

  protected decref(h: number): void {
    this.refcountOps++
    if (--this.refcnt[h] === 0) this.free(h)
  }

  /** A fresh row and block, counted by _PyObject_GC_Link (out of line: most tuples are reused). */
  private freshTuple(): number {
    let h: number
    if (this.freeRowCount > 0) h = this.freeRows[--this.freeRowCount]
    else {
      if (this.nextRow === this.capacity) this.grow()
      h = this.nextRow++
      this.fieldBase[h] = FIELDS * h
    }
    this.address[h] = this.nextAddress
    this.nextAddress += TUPLE_BYTES
    this.kind[h] = TUPLE
    const base = this.fieldBase[h]
    this.fields[base] = NULL
    this.fields[base + 1] = NULL
    this.gen0Count++
    return h
  }

  /**
   * tupledealloc and the deaths it causes, on an explicit stack (never host recursion): untrack,
   * Py_XDECREF the items, then the free list or PyObject_GC_Del.
   */
  private free(row: number): void {
    const fields = this.fields
    const refcnt = this.refcnt
    const gcNext = this.gcNext
    const gcPrev = this.gcPrev
    let dying = this.dying
    let sp = 0
    let deaths = 0
    dying[sp++] = row
    while (sp > 0) {
      const h = dying[--sp]
      // PyObject_GC_UnTrack
      const prev = gcPrev[h]
      const next = gcNext[h]
      gcNext[prev] = next
      gcPrev[next] = prev
      gcNext[h] = NULL
      this.where[h] = NULL
      this.gen0Objects--
      this.gen0Bytes -= TUPLE_BYTES
      const base = this.fieldBase[h]
      for (let f = base + this.nrefs[h] - 1; f >= base; f--) {
        const child = fields[f]
        if (child === NULL) continue
        this.refcountOps++
        if (--refcnt[child] === 0) {
          if (sp === dying.length) dying = this.dying = grown(dying, sp)
          dying[sp++] = child
        }
      }
      deaths++
      if (this.freeTupleCount < MAX_FREE_TUPLES) {
        this.freeTuples[this.freeTupleCount++] = h
        this.flags[h] = F_FREELISTED
      } else {
        // PyObject_GC_Del: generation 0's count--, the row for the next fresh object.
        if (this.gen0Count > 0) this.gen0Count--
        this.flags[h] = 0
        if (this.freeRowCount === this.freeRows.length)
          this.freeRows = grown(this.freeRows, this.freeRowCount)
        this.freeRows[this.freeRowCount++] = h
      }
    }
    this.liveObjects -= deaths
    this.liveBytes -= deaths * TUPLE_BYTES
  }

  private grow(): void {
    const rows = this.nextRow
    this.refcnt = grown(this.refcnt, rows)
    this.gcNext = grown(this.gcNext, rows)
    this.gcPrev = grown(this.gcPrev, rows)
    this.where = grown(this.where, rows)
    this.flags = grown(this.flags, rows)
    this.kind = grown(this.kind, rows)
    this.type = grown(this.type, rows)
    this.oid = grown(this.oid, rows)
    this.address = grown(this.address, rows)
    this.nrefs = grown(this.nrefs, rows)
    this.nints = grown(this.nints, rows)
    this.fieldBase = grown(this.fieldBase, rows)
    this.fields = grown(this.fields, FIELDS * rows)
    this.capacity *= 2
  }
}
