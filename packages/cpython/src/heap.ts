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
  /** The interface id (allocation ordinal), -1 for internal objects. */
  oid: Float64Array
  address: Float64Array
  objBytes: Int32Array
  itemsAddress: Float64Array
  itemsBytes: Int32Array
  /** Items bytes at allocation: what liveBytes counted (tp_clear frees the block before death). */
  itemsAtAlloc: Int32Array
  /** The object's bytes payload: a separate `bytes` object (layout.ts bytesObjectBytes), 0 if none. */
  payloadAddress: Float64Array
  payloadBytes: Int32Array
  /** Reference fields and int words currently held (tp_clear empties a list). */
  nrefs: Int32Array
  nints: Int32Array
  fieldBase: Int32Array
  fieldCap: Int32Array
  /** Head of the object's weakref list (the tp_weaklistoffset slot), 0 if none. */
  wrHead: Int32Array

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

  constructor(initial = 1 << 12) {
    this.capacity = initial
    this.refcnt = new Int32Array(initial)
    this.gcNext = new Int32Array(initial)
    this.gcPrev = new Int32Array(initial)
    this.gcRefs = new Int32Array(initial)
    this.flags = new Uint8Array(initial)
    this.kind = new Uint8Array(initial)
    this.where = new Uint8Array(initial)
    this.type = new Int32Array(initial)
    this.oid = new Float64Array(initial)
    this.address = new Float64Array(initial)
    this.objBytes = new Int32Array(initial)
    this.itemsAddress = new Float64Array(initial)
    this.itemsBytes = new Int32Array(initial)
    this.itemsAtAlloc = new Int32Array(initial)
    this.payloadAddress = new Float64Array(initial)
    this.payloadBytes = new Int32Array(initial)
    this.nrefs = new Int32Array(initial)
    this.nints = new Int32Array(initial)
    this.fieldBase = new Int32Array(initial)
    this.fieldCap = new Int32Array(initial)
    this.wrHead = new Int32Array(initial)
    this.fields = new Int32Array(1 << 12)
    this.freeHandles = new Int32Array(1 << 10)
    for (let h = 1; h < LIST_HEADS; h++) this.listInit(h)
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
    this.wrHead[h] = 0
    if (this.freeHandleCount === this.freeHandles.length) {
      const next = new Int32Array(this.freeHandles.length * 2)
      next.set(this.freeHandles)
      this.freeHandles = next
    }
    this.freeHandles[this.freeHandleCount++] = h
  }

  /** Handles ever handed out (an upper bound for scans). */
  get handleLimit(): number {
    return this.nextHandle
  }

  private grow(): void {
    const n = this.capacity * 2
    if (n > 2 ** 31 - 1) throw new PygcError('INTERNAL', 'object table exceeds 2^31 rows')
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    const i32 = (k: number) => new Int32Array(k)
    const f64 = (k: number) => new Float64Array(k)
    const u8 = (k: number) => new Uint8Array(k)
    this.refcnt = g(this.refcnt, i32)
    this.gcNext = g(this.gcNext, i32)
    this.gcPrev = g(this.gcPrev, i32)
    this.gcRefs = g(this.gcRefs, i32)
    this.flags = g(this.flags, u8)
    this.kind = g(this.kind, u8)
    this.where = g(this.where, u8)
    this.type = g(this.type, i32)
    this.oid = g(this.oid, f64)
    this.address = g(this.address, f64)
    this.objBytes = g(this.objBytes, i32)
    this.itemsAddress = g(this.itemsAddress, f64)
    this.itemsBytes = g(this.itemsBytes, i32)
    this.itemsAtAlloc = g(this.itemsAtAlloc, i32)
    this.payloadAddress = g(this.payloadAddress, f64)
    this.payloadBytes = g(this.payloadBytes, i32)
    this.nrefs = g(this.nrefs, i32)
    this.nints = g(this.nints, i32)
    this.fieldBase = g(this.fieldBase, i32)
    this.fieldCap = g(this.fieldCap, i32)
    this.wrHead = g(this.wrHead, i32)
    this.capacity = n
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
      if (this.fieldTop + n > this.fields.length) {
        let size = this.fields.length * 2
        while (this.fieldTop + n > size) size *= 2
        const next = new Int32Array(size)
        next.set(this.fields)
        this.fields = next
      }
      base = this.fieldTop
      this.fieldTop += n
      return base
    }
    this.fields.fill(0, base, base + n)
    return base
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

  /** gc_list_append: link `node` at the tail of `head`. */
  listAppend(node: number, head: number): void {
    const last = this.gcPrev[head]
    this.gcNext[last] = node
    this.gcPrev[node] = last
    this.gcNext[node] = head
    this.gcPrev[head] = node
    this.where[node] = head
    this.listCount[head]++
    this.listBytes[head] += this.objBytes[node] + this.itemsBytes[node]
  }

  /** gc_list_remove: unlink; gcNext = 0 marks the object untracked. */
  listRemove(node: number): void {
    const prev = this.gcPrev[node]
    const next = this.gcNext[node]
    this.gcNext[prev] = next
    this.gcPrev[next] = prev
    this.gcNext[node] = 0
    const head = this.where[node]
    this.listCount[head]--
    this.listBytes[head] -= this.objBytes[node] + this.itemsBytes[node]
    this.where[node] = 0
  }

  listMove(node: number, head: number): void {
    this.listRemove(node)
    this.listAppend(node, head)
  }

  /** gc_list_merge: append all of `from` to `to` (O(n) only to keep the per-list byte counts). */
  listMerge(from: number, to: number): void {
    if (this.listIsEmpty(from)) return
    for (let h = this.gcNext[from]; h !== from; h = this.gcNext[h]) this.where[h] = to
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
    const head = this.where[h]
    if (head !== 0) this.listBytes[head] += bytes - this.itemsBytes[h]
    this.itemsBytes[h] = bytes
  }
}
