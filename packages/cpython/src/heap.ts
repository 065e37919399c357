/**
 * The object table: one row per CPython object, as typed-array columns indexed by a handle.
 * The handle is the model's stand-in for a PyObject*; the object's modeled address (what id()
 * returns) lives in `address`. The PyGC_Head of every container is the `gcNext`/`gcPrev` pair:
 * generation lists are real circular doubly linked lists threaded through these columns, with
 * list heads at small reserved handles, exactly like `struct gc_generation.head` in gcmodule.c.
 * Fields (the list items, slots or managed-dict values) are handles and small ints in one
 * Int32Array, allocated per object in segregated free lists.
 */
import { PygcError } from '@pygc/core'
import { BlockRows, copyInto } from './heap-blocks.js'
import { growCapacity, MAX_ROWS, withGrowth } from './heap-growth.js'
import type { HeapStorage } from './heap-storage.js'
import { Kind } from './layout.js'
import { WEAKREF_CELLS } from './weakrefs.js'

/** List heads: the generations, the permanent generation, and the collector's working lists. */
export const GEN0 = 1
export const GEN1 = 2
export const GEN2 = 3
export const PERMANENT = 4
export const UNREACHABLE = 5
export const FINALIZERS = 6
export const WRCB_TO_CALL = 7
export const SEEN = 8
export const STILL_UNREACHABLE = 9
/** 3.14.0's incremental collector: the increment being built (incremental.ts). */
export const INCREMENT = 10
const LIST_HEADS = 11
/** The `nints` byte of an object with this many int words or more (ObjectHeap.manyInts). */
const MANY_INTS = 255
/** The first handle of a real object (handle 0 is NULL). */
export const FIRST_HANDLE = 16

/** Flag bits. */
export const F_LIVE = 1
/** gcmodule.c PREV_MASK_COLLECTING: in the generation being collected. */
export const F_COLLECTING = 2
/** gcmodule.c NEXT_MASK_UNREACHABLE: moved to the tentatively unreachable list. */
export const F_UNREACHABLE = 4
/** PEP 442 _PyGC_FINALIZED: tp_finalize already ran once. */
export const F_FINALIZED = 8
/** The model's own helper objects (a call's args tuple): no id, no events. */
export const F_INTERNAL = 16
/** In a per-type free list (dead, block kept). */
export const F_FREELISTED = 32
/** Weakly referenced: its weakref list head is in `weakrefHeads` (weakrefHead). */
export const F_WEAKREFD = 64

export class ObjectHeap {
  capacity: number
  refcnt: Int32Array
  gcNext: Int32Array
  gcPrev: Int32Array
  gcRefs: Int32Array
  flags: Uint8Array
  kind: Uint8Array
  /** Which list head the object is linked into (0: untracked). */
  where: Uint8Array
  type: Int32Array
  /** The interface id (allocation ordinal, below 2^31: allocation.ts checks), -1 for internal objects. */
  oid: Int32Array
  address: Float64Array
  objBytes: Int32Array
  /** The object's row in `blocks` (its items block and payload), 0 if it owns neither. */
  blockRow: Int32Array
  readonly blocks = new BlockRows()
  /** Reference fields and int words currently held (tp_clear empties a list). */
  nrefs: Int32Array
  /**
   * Int words, up to MANY_INTS - 1; an object with more has MANY_INTS here and its count in
   * `manyInts` (few objects carry int words at all: one byte rather than four per object row,
   * issue 11, host memory per live object). Read with nintsOf, written with setNints.
   */
  nints: Uint8Array
  /** The object's first cell in `fields` (0: none); it holds fieldCells(h) cells. */
  fieldBase: Int32Array
  /**
   * Heads of the weakref lists (the tp_weaklistoffset slot) of the objects flagged F_WEAKREFD:
   * few objects are weakly referenced, so a map rather than a column (issue 11, host memory
   * per live object).
   */
  private readonly weakrefHeads = new Map<number, number>()
  /** Int word counts of MANY_INTS or more, by handle. */
  private readonly manyInts = new Map<number, number>()
  /** 3.10: a plain instance's dict object, by instance handle (instance-dict.ts). */
  readonly instanceDicts = new Map<number, number>()

  fields: Int32Array
  private fieldTop = 1
  private readonly smallFree = new Int32Array(65)
  private readonly largeFree = new Map<number, number>()

  private freeHandles: Int32Array
  private freeHandleCount = 0
  private nextHandle = FIRST_HANDLE

  /** Objects and modeled bytes linked into each list head. */
  readonly listCount = new Float64Array(LIST_HEADS)
  readonly listBytes = new Float64Array(LIST_HEADS)

  /** `storage`: a released table's (heap-storage.ts), zeroed; else fresh columns of `initial` rows. */
  constructor(initial = 1 << 12, storage: HeapStorage | null = null) {
    if (storage !== null) {
      this.capacity = storage.capacity
      this.refcnt = storage.refcnt
      this.gcNext = storage.gcNext
      this.gcPrev = storage.gcPrev
      this.gcRefs = storage.gcRefs
      this.flags = storage.flags
      this.kind = storage.kind
      this.where = storage.where
      this.type = storage.type
      this.oid = storage.oid
      this.address = storage.address
      this.objBytes = storage.objBytes
      this.blockRow = storage.blockRow
      this.nrefs = storage.nrefs
      this.nints = storage.nints
      this.fieldBase = storage.fieldBase
      this.fields = storage.fields
      this.freeHandles = storage.freeHandles
      for (let h = 1; h < LIST_HEADS; h++) this.listInit(h)
      return
    }
    this.capacity = initial
    this.refcnt = new Int32Array(initial)
    this.gcNext = new Int32Array(initial)
    this.gcPrev = new Int32Array(initial)
    this.gcRefs = new Int32Array(initial)
    this.flags = new Uint8Array(initial)
    this.kind = new Uint8Array(initial)
    this.where = new Uint8Array(initial)
    this.type = new Int32Array(initial)
    this.oid = new Int32Array(initial)
    this.address = new Float64Array(initial)
    this.objBytes = new Int32Array(initial)
    this.blockRow = new Int32Array(initial)
    this.nrefs = new Int32Array(initial)
    this.nints = new Uint8Array(initial)
    this.fieldBase = new Int32Array(initial)
    this.fields = new Int32Array(1 << 12)
    this.freeHandles = new Int32Array(1 << 10)
    for (let h = 1; h < LIST_HEADS; h++) this.listInit(h)
  }

  /**
   * The table's storage, for the next table (heap-storage.ts): this table is left with empty
   * columns, so a stray use of it can never write into the next one's.
   */
  detachStorage(): HeapStorage {
    const storage: HeapStorage = {
      capacity: this.capacity,
      refcnt: this.refcnt,
      gcNext: this.gcNext,
      gcPrev: this.gcPrev,
      gcRefs: this.gcRefs,
      flags: this.flags,
      kind: this.kind,
      where: this.where,
      type: this.type,
      oid: this.oid,
      address: this.address,
      objBytes: this.objBytes,
      blockRow: this.blockRow,
      nrefs: this.nrefs,
      nints: this.nints,
      fieldBase: this.fieldBase,
      fields: this.fields,
      freeHandles: this.freeHandles,
      rows: this.nextHandle,
      cells: this.fieldTop,
    }
    this.capacity = 0
    this.nextHandle = FIRST_HANDLE
    this.freeHandleCount = 0
    this.fieldTop = 1
    this.refcnt = this.gcNext = this.gcPrev = this.gcRefs = new Int32Array(0)
    this.type = this.oid = this.objBytes = this.blockRow = this.nrefs = this.fieldBase = new Int32Array(0)
    this.flags = this.kind = this.where = this.nints = new Uint8Array(0)
    this.address = new Float64Array(0)
    this.fields = new Int32Array(0)
    this.freeHandles = new Int32Array(0)
    return storage
  }

  // ---------------------------------------------------------------- handles

  newHandle(): number {
    if (this.freeHandleCount > 0) return this.freeHandles[--this.freeHandleCount]
    if (this.nextHandle >= this.capacity) this.grow()
    return this.nextHandle++
  }

  releaseHandle(h: number): void {
    this.flags[h] = 0
    this.where[h] = 0
    this.gcNext[h] = 0
    if (this.weakrefHeads.size !== 0) this.weakrefHeads.delete(h)
    if (this.manyInts.size !== 0) this.manyInts.delete(h)
    const row = this.blockRow[h]
    if (row !== 0) {
      this.blocks.release(row)
      this.blockRow[h] = 0
    }
    if (this.freeHandleCount === this.freeHandles.length) this.growFreeHandles()
    this.freeHandles[this.freeHandleCount++] = h
  }

  /** Out of releaseHandle, which runs at every death: the rare growth kept out of the inlined path. */
  private growFreeHandles(): void {
    const next = new Int32Array(this.freeHandles.length * 2)
    next.set(this.freeHandles)
    this.freeHandles = next
  }

  /** Handles ever handed out (an upper bound for scans). */
  get handleLimit(): number {
    return this.nextHandle
  }

  private grow(): void {
    if (this.capacity >= MAX_ROWS) throw new PygcError('INTERNAL', 'object table exceeds 2^31 rows')
    this.capacity = withGrowth(this.capacity, growCapacity(this.capacity), (n) => this.resize(n))
  }

  /** Every column at `n` rows: all are allocated before any is replaced, so a refused allocation changes nothing. */
  private resize(n: number): void {
    const refcnt = new Int32Array(n)
    const gcNext = new Int32Array(n)
    const gcPrev = new Int32Array(n)
    const gcRefs = new Int32Array(n)
    const flags = new Uint8Array(n)
    const kind = new Uint8Array(n)
    const where = new Uint8Array(n)
    const type = new Int32Array(n)
    const oid = new Int32Array(n)
    const address = new Float64Array(n)
    const objBytes = new Int32Array(n)
    const blockRow = new Int32Array(n)
    const nrefs = new Int32Array(n)
    const nints = new Uint8Array(n)
    const fieldBase = new Int32Array(n)
    this.refcnt = copyInto(refcnt, this.refcnt)
    this.gcNext = copyInto(gcNext, this.gcNext)
    this.gcPrev = copyInto(gcPrev, this.gcPrev)
    this.gcRefs = copyInto(gcRefs, this.gcRefs)
    this.flags = copyInto(flags, this.flags)
    this.kind = copyInto(kind, this.kind)
    this.where = copyInto(where, this.where)
    this.type = copyInto(type, this.type)
    this.oid = copyInto(oid, this.oid)
    this.address = copyInto(address, this.address)
    this.objBytes = copyInto(objBytes, this.objBytes)
    this.blockRow = copyInto(blockRow, this.blockRow)
    this.nrefs = copyInto(nrefs, this.nrefs)
    this.nints = copyInto(nints, this.nints)
    this.fieldBase = copyInto(fieldBase, this.fieldBase)
  }

  // ---------------------------------------------------------------- weakref lists

  /** The first weakref to `h`, 0 if none. */
  weakrefHead(h: number): number {
    return (this.flags[h] & F_WEAKREFD) === 0 ? 0 : (this.weakrefHeads.get(h) as number)
  }

  setWeakrefHead(h: number, wr: number): void {
    if (wr === 0) {
      this.flags[h] &= ~F_WEAKREFD
      this.weakrefHeads.delete(h)
    } else {
      this.flags[h] |= F_WEAKREFD
      this.weakrefHeads.set(h, wr)
    }
  }

  // ---------------------------------------------------------------- items block and payload

  /**
   * The blocks object `h` owns besides its own: the items block (its address, and its bytes,
   * which also become the items bytes at allocation) and the payload. A side row only when there
   * is one; all zero releases it.
   */
  setBlocks(
    h: number,
    itemsAddress: number,
    itemsBytes: number,
    payloadAddress: number,
    payloadBytes: number,
  ): void {
    let row = this.blockRow[h]
    if (itemsBytes === 0 && payloadBytes === 0) {
      if (row !== 0) {
        this.blocks.release(row)
        this.blockRow[h] = 0
      }
      return
    }
    if (row === 0) {
      row = this.blocks.take()
      this.blockRow[h] = row
    }
    const b = this.blocks
    b.itemsAddress[row] = itemsAddress
    b.itemsBytes[row] = itemsBytes
    b.itemsAtAlloc[row] = itemsBytes
    b.payloadAddress[row] = payloadAddress
    b.payloadBytes[row] = payloadBytes
  }

  /** The items block's current bytes (0 once tp_clear freed it, or none). */
  itemsBytesOf(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? 0 : this.blocks.itemsBytes[row]
  }

  itemsAddressOf(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? 0 : this.blocks.itemsAddress[row]
  }

  /** Items bytes at allocation: what liveBytes counted (tp_clear frees the block before death). */
  itemsAtAllocOf(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? 0 : this.blocks.itemsAtAlloc[row]
  }

  /** The payload `bytes` object's address, 0 if none or freed. */
  payloadAddressOf(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? 0 : this.blocks.payloadAddress[row]
  }

  /** The payload's bytes (still counted after the block is freed, until the object's death). */
  payloadBytesOf(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? 0 : this.blocks.payloadBytes[row]
  }

  /** The payload block went back to pymalloc (its bytes stay for the death count). */
  payloadFreed(h: number): void {
    const row = this.blockRow[h]
    if (row !== 0) this.blocks.payloadAddress[row] = 0
  }

  // ---------------------------------------------------------------- field storage

  /** A zeroed run of `n` Int32 cells for an object's fields (index 0 means "none"). */
  allocFields(n: number): number {
    if (n === 0) return 0
    let base: number
    if (n <= 64 && this.smallFree[n] !== 0) {
      base = this.smallFree[n]
      this.smallFree[n] = this.fields[base]
    } else if (n > 64 && (this.largeFree.get(n) ?? 0) !== 0) {
      base = this.largeFree.get(n) as number
      this.largeFree.set(n, this.fields[base])
    } else {
      if (this.fieldTop + n > this.fields.length) this.growFields(this.fieldTop + n)
      base = this.fieldTop
      this.fieldTop += n
      return base
    }
    if (n > 64) {
      this.fields.fill(0, base, base + n)
      return base
    }
    // A loop, not fill(): small runs are a few cells, and fill() costs a builtin call per object.
    const fields = this.fields
    for (let i = base; i < base + n; i++) fields[i] = 0
    return base
  }

  /**
   * Zeroed cells for a new object's `cells` fields at fieldBase[h]: the cells the row kept if
   * they fit (a tuple from its free list keeps its last ones: dealloc.ts freeListOrTuple), else
   * fresh ones (a fresh row has none: gcDel released them).
   */
  takeFields(h: number, cells: number): void {
    const kept = this.fieldBase[h]
    if (kept !== 0 && this.fieldCells(h) === cells) {
      const fields = this.fields
      for (let i = kept; i < kept + cells; i++) fields[i] = 0
    } else {
      if (kept !== 0) this.freeFields(kept, this.fieldCells(h))
      this.fieldBase[h] = this.allocFields(cells)
    }
  }

  /**
   * takeFields and no block row, for a tuple from its free list of size `cells`: it keeps its
   * cells, and the list is per size (dealloc.ts pushes a tuple on the list of its fieldCells), so
   * they are zeroed in place with no test of their count; only a starting state's entry has none
   * (starting-state.ts deadBlock) and takes fresh ones. Out of allocation.ts allocQuick, which V8
   * inlines only below its bytecode limit.
   */
  reuseTupleRow(h: number, cells: number): void {
    const base = this.fieldBase[h]
    if (base !== 0) {
      const fields = this.fields
      for (let i = base; i < base + cells; i++) fields[i] = 0
    } else this.fieldBase[h] = this.allocFields(cells)
    if (this.blockRow[h] !== 0) this.setBlocks(h, 0, 0, 0, 0)
  }

  private growFields(cells: number): void {
    const current = this.fields.length
    let size = growCapacity(current)
    while (cells > size) size = growCapacity(size)
    withGrowth(current, size, (n) => {
      this.fields = copyInto(new Int32Array(Math.max(n, cells)), this.fields)
    })
  }

  /**
   * The cells object `h`'s fields occupy: its reference fields and int words, or a weak
   * reference's links (weakrefs.ts). A tuple on its free list still has its last ones (dealloc.ts
   * freeListOrTuple); tp_clear gives a list's cells back as it empties it (collector.ts tpClear).
   */
  fieldCells(h: number): number {
    return this.kind[h] === Kind.Weakref ? WEAKREF_CELLS : this.nrefs[h] + this.nintsOf(h)
  }

  /** The int words object `h` holds. */
  nintsOf(h: number): number {
    const n = this.nints[h]
    return n < MANY_INTS ? n : (this.manyInts.get(h) as number)
  }

  setNints(h: number, n: number): void {
    if (n < MANY_INTS) {
      if (this.nints[h] === MANY_INTS) this.manyInts.delete(h)
      this.nints[h] = n
    } else {
      this.nints[h] = MANY_INTS
      this.manyInts.set(h, n)
    }
  }

  freeFields(base: number, n: number): void {
    if (n === 0) return
    if (n <= 64) {
      this.fields[base] = this.smallFree[n]
      this.smallFree[n] = base
    } else {
      this.fields[base] = this.largeFree.get(n) ?? 0
      this.largeFree.set(n, base)
    }
  }

  // ---------------------------------------------------------------- GC lists (gcmodule.c gc_list_*)

  listInit(head: number): void {
    this.gcNext[head] = head
    this.gcPrev[head] = head
    this.listCount[head] = 0
    this.listBytes[head] = 0
  }

  listIsEmpty(head: number): boolean {
    return this.gcNext[head] === head
  }

  /** What a linked object adds to its list's byte total: its block and its items block now. */
  linkedBytes(h: number): number {
    const row = this.blockRow[h]
    return row === 0 ? this.objBytes[h] : this.objBytes[h] + this.blocks.itemsBytes[row]
  }

  /** gc_list_append: link `node` at the tail of `head`. */
  listAppend(node: number, head: number): void {
    this.listAppendBytes(node, head, this.linkedBytes(node))
  }

  /** listAppend of a node whose linkedBytes the caller knows (a new object: allocation.ts allocQuick). */
  listAppendBytes(node: number, head: number, bytes: number): void {
    const next = this.gcNext
    const prev = this.gcPrev
    const last = prev[head]
    next[last] = node
    prev[node] = last
    next[node] = head
    prev[head] = node
    this.where[node] = head
    this.listCount[head]++
    this.listBytes[head] += bytes
  }

  /** gc_list_remove: unlink; gcNext = 0 marks the object untracked. */
  listRemove(node: number): void {
    this.listRemoveBytes(node, this.linkedBytes(node))
  }

  /** listRemove of an object whose bytes in its list (linkedBytes) the caller has read. */
  listRemoveBytes(node: number, bytes: number): void {
    const prev = this.gcPrev[node]
    const next = this.gcNext[node]
    this.gcNext[prev] = next
    this.gcPrev[next] = prev
    this.untrackFrom(node, this.where[node], bytes)
  }

  /**
   * listRemove's bookkeeping without the unlinking, for a caller that relinks `head` itself
   * afterwards without `node` (collector.ts moveUnreachable's untrack_tuples).
   */
  untrackUnlinked(node: number, head: number): void {
    this.untrackFrom(node, head, this.linkedBytes(node))
  }

  /** `node` untracked (gcNext = 0) and out of `head`'s totals, where it added `bytes`. */
  private untrackFrom(node: number, head: number, bytes: number): void {
    this.gcNext[node] = 0
    this.listCount[head]--
    this.listBytes[head] -= bytes
    this.where[node] = 0
  }

  /** listRemove then listAppend in one pass (the collector moves most young objects twice): the row's bytes read once. */
  listMove(node: number, head: number): void {
    const bytes = this.linkedBytes(node)
    const from = this.where[node]
    this.listCount[from]--
    this.listBytes[from] -= bytes
    this.listRelink(node, head)
    this.listCount[head]++
    this.listBytes[head] += bytes
  }

  /** listMove without the per-list totals (the caller's). */
  private listRelink(node: number, head: number): void {
    const next = this.gcNext
    const prev = this.gcPrev
    const before = prev[node]
    const after = next[node]
    next[before] = after
    prev[after] = before
    const last = prev[head]
    next[last] = node
    prev[node] = last
    next[node] = head
    prev[head] = node
    this.where[node] = head
  }

  /** gc_list_merge: append all of `from` to `to` (O(n) only to name `to` in each object's `where`). */
  listMerge(from: number, to: number): void {
    if (this.listIsEmpty(from)) return
    for (let h = this.gcNext[from]; h !== from; h = this.gcNext[h]) this.where[h] = to
    this.listSplice(from, to)
  }

  /**
   * gc_list_merge of a list whose objects already have `to` as their `where` (a collection's
   * survivors: collector.ts moveUnreachable names it as it passes them): O(1).
   */
  listSplice(from: number, to: number): void {
    if (this.listIsEmpty(from)) return
    const tail = this.gcPrev[to]
    this.gcNext[tail] = this.gcNext[from]
    this.gcPrev[this.gcNext[from]] = tail
    this.gcNext[this.gcPrev[from]] = to
    this.gcPrev[to] = this.gcPrev[from]
    this.listCount[to] += this.listCount[from]
    this.listBytes[to] += this.listBytes[from]
    this.listInit(from)
  }

  isTracked(h: number): boolean {
    return this.gcNext[h] !== 0
  }

  /** Keep the per-list byte totals right when an object's items block changes size. */
  itemsResized(h: number, bytes: number): void {
    const row = this.blockRow[h]
    const before = row === 0 ? 0 : this.blocks.itemsBytes[row]
    const head = this.where[h]
    if (head !== 0) this.listBytes[head] += bytes - before
    if (row !== 0) this.blocks.itemsBytes[row] = bytes
    else if (bytes !== 0)
      throw new PygcError('INTERNAL', `items resized to ${bytes} bytes on an object with no block row`)
  }
}
