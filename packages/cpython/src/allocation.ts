/**
 * Allocation of a tracked object, in gc_alloc's order (Modules/gcmodule.c, 3.11): the block
 * from pymalloc (Objects/obmalloc.c, pymalloc.ts) first, then _PyObject_GC_Link (generation
 * 0's count++, and a collection when it passes the threshold — before the new object is
 * tracked), then _PyObject_GC_TRACK. Per-type free lists (list, tuple; free-lists.ts) bypass
 * both pymalloc and the count, in both directions; this is why 2-list cycles are collected
 * every 781 allocations on 3.11 and not every 701.
 *
 * Versions differ only in where the automatic collection runs (versions.ts): from 3.12 on,
 * _PyObject_GC_Link only sets the eval breaker's GC bit (_Py_ScheduleGC) and the manager runs
 * the collection at the next op boundary.
 */
import { OutOfMemoryError, PygcError, type Slot } from '@pygc/core'
import { collectGenerations } from './collector.js'
import { ARENA_SIZE, SMALL_REQUEST_THRESHOLD, TUPLE_NFREELISTS } from './constants.js'
import type { GcState } from './gc-state.js'
import { F_INTERNAL, F_LIVE, GEN0 } from './heap.js'
import { Kind, type TypeLayout, tupleBytes } from './layout.js'
import { WEAKREF_CELLS } from './weakrefs.js'

/**
 * The flag and list head allocQuick writes, as this module's own constants: V8 folds a module's
 * own constants into optimized code, but re-reads an imported binding and checks it at every use
 * (F_LIVE was also converted from a number at each store into the flags column).
 */
const LIVE = F_LIVE
const YOUNGEST = GEN0

/** Ids fit the object table's Int32 `oid` column (heap.ts); -1 marks internal objects. */
const MAX_OBJECT_ID = 2 ** 31 - 1

/**
 * What allocQuick reads of a quick type (TypeLayout.quick), in one small record per type: the
 * manager's alloc finds it with one array read (CPythonManager.quickTypes), in place of the type
 * registry's checks, the layout lookup and the layout's wider record.
 */
export interface QuickType {
  readonly type: number
  readonly kind: number
  readonly refs: number
  readonly ints: number
  /** refs + ints. */
  readonly cells: number
  readonly objBytes: number
  /** The tuple free list a new object may come from (its size, 1..TUPLE_NFREELISTS), 0: none (not a tuple, or no list of its size). */
  readonly tupleList: number
}

/** The QuickType of a quick type's layout. */
export function quickTypeOf(type: number, layout: TypeLayout): QuickType {
  const cells = layout.fixedRefs + layout.ints
  return {
    type,
    kind: layout.kind,
    refs: layout.fixedRefs,
    ints: layout.ints,
    cells,
    objBytes: layout.fixedObjectBytes,
    tupleList: layout.kind === Kind.Tuple && cells >= 1 && cells <= TUPLE_NFREELISTS ? cells : 0,
  }
}

export class Allocator {
  private readonly collectsAtEvalBreaker: boolean
  /**
   * A footprint at or below which an op's three small blocks (object, items, payload; at most
   * one new arena each, pymalloc.ts growthFor) always fit the heap limit.
   */
  private readonly roomyFootprint: number
  /** pymalloc's arenasEverAllocated and largeBytes when the quick path last took the footprint peak (takeFootprintPeak); -1: never. */
  private arenasSeen = -1
  private largeSeen = 0

  constructor(
    private readonly st: GcState,
    private readonly heapLimit: number,
  ) {
    this.collectsAtEvalBreaker = st.policy.trigger === 'eval-breaker'
    this.roomyFootprint = heapLimit - 3 * ARENA_SIZE
  }

  /** A fresh or free-listed object row with its block; runs _PyObject_GC_Link for fresh ones. */
  newObject(kind: number, objBytes: number, fromFreeList: boolean): number {
    const st = this.st
    let h: number
    if (fromFreeList && kind === Kind.List) {
      h = st.freeLists.popList()
    } else if (fromFreeList && kind === Kind.Dict) {
      h = st.freeLists.popDict()
      // An entry of a starting state's dict free list, which the model holds no object of: a
      // row and a block, still without a count.
      if (h === 0) h = this.freshRow(kind, objBytes)
    } else if (fromFreeList) {
      h = st.freeLists.popTuple((objBytes - tupleBytes(0)) / 8)
    } else {
      h = this.freshRow(kind, objBytes)
      this.gcLink()
      const footprint = st.pymalloc.footprint
      if (footprint > st.stats.peakFootprintBytes) st.stats.peakFootprintBytes = footprint
    }
    return h
  }

  /** A new row and its pymalloc block, not yet linked (no count). */
  private freshRow(kind: number, objBytes: number): number {
    const st = this.st
    const heap = st.heap
    const address = st.pymalloc.malloc(objBytes)
    const h = heap.newHandle()
    heap.address[h] = address
    heap.objBytes[h] = objBytes
    // What a collection the link may run can see of the row: not live, not tracked, held by
    // the allocating C code. A fresh handle has no block row (releaseHandle dropped it), and
    // initObject writes the rest before anything reads it.
    heap.flags[h] = 0
    heap.gcNext[h] = 0
    heap.kind[h] = kind
    heap.refcnt[h] = 1
    heap.nrefs[h] = 0
    return h
  }

  /** Fill in a row after newObject: fields, items block, id, tracking (the object is tracked last). */
  initObject(
    h: number,
    type: number,
    kind: number,
    refs: number,
    ints: number,
    objBytes: number,
    itemsBytes: number,
    internal: boolean,
    payloadBytes = 0,
  ): void {
    const st = this.st
    const heap = st.heap
    heap.kind[h] = kind
    heap.type[h] = type
    heap.refcnt[h] = 1
    heap.flags[h] = internal ? F_LIVE | F_INTERNAL : F_LIVE
    const cells = kind === Kind.Weakref ? WEAKREF_CELLS : refs + ints
    heap.takeFields(h, cells)
    heap.nrefs[h] = refs
    heap.setNints(h, ints)
    if (itemsBytes !== 0 || payloadBytes !== 0) this.mallocBlocks(h, itemsBytes, payloadBytes)
    else if (heap.blockRow[h] !== 0) heap.setBlocks(h, 0, 0, 0, 0) // a list from its free list
    heap.listAppend(h, GEN0) // _PyObject_GC_TRACK
    // 3.12+: `cls()` and `weakref.ref()` are CALLs, whose eval-breaker check comes before the
    // new object is stored: a scheduled collection runs now, the object tracked and held.
    if (st.gcScheduled && !internal && CHECKS_BEFORE_STORE[kind] === 1) runAtEvalBreaker(st)
    if (internal) heap.oid[h] = -1
    else this.countAllocation(h, type, objBytes + itemsBytes + payloadBytes)
    const footprint = st.pymalloc.footprint
    if (footprint > st.stats.peakFootprintBytes) st.stats.peakFootprintBytes = footprint
  }

  /**
   * alloc of a quick type (TypeLayout.quick: a fixed-size tuple or `__slots__` instance with
   * neither an items block nor a payload): checkHeapRoom, the op's count, newObject and
   * initObject in the same order, with each column written once and none of the tests that
   * cannot hold for such a type (the op loop allocates mostly these, and V8 cannot drop
   * branches on arguments the way a specialised C path would). Returns the new object, held
   * by the caller.
   */
  allocQuick(q: QuickType, dst: Slot): number {
    const st = this.st
    const heap = st.heap
    const cells = q.cells
    const objBytes = q.objBytes
    const tupleList = q.tupleList
    let h: number
    let fromFreeList = false
    // hasTuple(cells), its size test done once per type (QuickType.tupleList).
    if (tupleList !== 0 && st.freeLists.tupleCount[tupleList] > 0) {
      // checkHeapRoom(0, 0): a block from the free list needs no new memory.
      st.stats.ops++
      h = st.freeLists.popTuple(tupleList)
      fromFreeList = true
      // The row keeps its kind and its block (tupleBytes(cells): objBytes).
      heap.reuseTupleRow(h, cells)
    } else h = this.freshQuick(q.kind, objBytes, cells, dst)
    heap.type[h] = q.type
    heap.refcnt[h] = 1
    heap.flags[h] = LIVE
    heap.nrefs[h] = q.refs
    // setNints without its manyInts test: a quick type's cells fit one small block (fewer than
    // MANY_INTS), and neither a fresh row (releaseHandle) nor a free-listed tuple (at most
    // TUPLE_NFREELISTS cells) has a manyInts entry.
    heap.nints[h] = q.ints
    // _PyObject_GC_TRACK; the row owns no block row (see above), so it adds objBytes.
    heap.listAppendBytes(h, YOUNGEST, objBytes)
    let collected = false
    if (st.gcScheduled && CHECKS_BEFORE_STORE[q.kind] === 1) {
      runAtEvalBreaker(st)
      collected = true
    }
    this.countAllocation(h, q.type, objBytes)
    // The footprint peak: freshQuick took it after its block, and only a collection here can
    // have changed the footprint since; a free-listed block took no memory, but the peak is
    // taken here as before (an earlier op's growth may not have been taken yet), unless the
    // footprint cannot have grown since this path last took it (takeFootprintPeak).
    const pymalloc = st.pymalloc
    if (
      collected ||
      (fromFreeList &&
        (pymalloc.arenasEverAllocated !== this.arenasSeen || pymalloc.largeBytes > this.largeSeen))
    )
      this.takeFootprintPeak()
    return h
  }

  /**
   * The quick path's footprint peak (allocQuick's, and freshQuick's after its block), out of
   * line, noting the pymalloc figures it was taken at: the footprint (arenas held times
   * ARENA_SIZE, plus large bytes held) can only have grown since if a new arena was made
   * (arenasEverAllocated counts them all) or the large bytes rose above these; otherwise it is
   * at most the footprint then, which the peak already holds, and allocQuick skips the take
   * with the same figures.
   */
  private takeFootprintPeak(): void {
    const st = this.st
    const pymalloc = st.pymalloc
    this.arenasSeen = pymalloc.arenasEverAllocated
    this.largeSeen = pymalloc.largeBytes
    const footprint = pymalloc.footprint
    if (footprint > st.stats.peakFootprintBytes) st.stats.peakFootprintBytes = footprint
  }

  /**
   * allocQuick's fresh row, out of line (a tree's nodes mostly come from the tuple free list):
   * checkHeapRoom, the op's count, the block, _PyObject_GC_Link, the footprint peak and the
   * cells. Returns the row, held by the allocating C code, not yet tracked.
   */
  private freshQuick(kind: number, objBytes: number, cells: number, dst: Slot): number {
    const st = this.st
    // checkHeapRoom: a quick type's block is small, so the op loop's case is the footprint test.
    if (st.pymalloc.footprint > this.roomyFootprint) this.checkHeapRoomNearLimit(objBytes, 0, 'alloc', dst, 0)
    st.stats.ops++
    const h = this.freshRow(kind, objBytes)
    this.gcLink()
    this.takeFootprintPeak()
    // A fresh handle has neither cells (gcDel released them) nor a block row (releaseHandle).
    st.heap.fieldBase[h] = st.heap.allocFields(cells)
    return h
  }

  /**
   * The items block and the payload's `bytes` object of a new object, from pymalloc. The payload
   * is untracked (an atomic object), so no GC link, no count. Out of initObject: most objects
   * own neither, and initObject runs per allocation.
   */
  private mallocBlocks(h: number, itemsBytes: number, payloadBytes: number): void {
    const pymalloc = this.st.pymalloc
    const itemsAddress = itemsBytes === 0 ? 0 : pymalloc.malloc(itemsBytes)
    const payloadAddress = payloadBytes === 0 ? 0 : pymalloc.malloc(payloadBytes)
    this.st.heap.setBlocks(h, itemsAddress, itemsBytes, payloadAddress, payloadBytes)
  }

  /** A new program object: its id, and the allocation and live figures. */
  private countAllocation(h: number, type: number, bytes: number): void {
    const st = this.st
    const s = st.stats
    // The id is the allocation ordinal: the program objects allocated before this one, which is
    // what objectsAllocated counts (only this method adds to it), so one counter serves both.
    const id = s.objectsAllocated
    if (id === MAX_OBJECT_ID) throw tooManyObjects()
    st.heap.oid[h] = id
    s.objectsAllocated = id + 1
    s.bytesAllocated += bytes
    s.liveObjects++
    s.liveBytes += bytes
    // The live bytes now: less the deaths not yet settled (gc-state.ts unsettledFrees).
    const live = s.liveBytes - st.unsettledFreedBytes
    if (live > s.peakLiveBytes) s.peakLiveBytes = live
    if (st.hub.perObject) emitAlloc(st, h, type, bytes)
  }

  /**
   * _PyObject_GC_Link: count the allocation; when generation 0 passes its threshold, 3.11
   * collects right here (before the new object is tracked), 3.12+ only schedules the collection
   * for the next eval-breaker check (versions.ts).
   */
  private gcLink(): void {
    const st = this.st
    st.count[0]++
    if (st.count[0] > st.threshold[0] && st.enabled && st.threshold[0] !== 0 && !st.collecting) {
      if (this.collectsAtEvalBreaker)
        st.gcScheduled = true // _Py_ScheduleGC
      else collectGenerationsNow(st)
    }
  }

  /** _PyObject_GC_Link for an object the model keeps no row of (3.10's frames, frames.ts). */
  linkUntracked(): void {
    this.gcLink()
  }

  /** A tuple of `n` items would come from its free list (no block, no count). */
  tupleFromFreeList(n: number): boolean {
    return this.st.freeLists.hasTuple(n)
  }

  /** PyTuple_New(n) for the runtime's own use (call arguments, PyObject_ClearWeakRefs): no id, no events. */
  internalTuple(n: number): number {
    const fromFree = this.tupleFromFreeList(n)
    const bytes = tupleBytes(n)
    const h = this.newObject(Kind.Tuple, bytes, fromFree)
    this.initObject(h, -1, Kind.Tuple, n, 0, bytes, 0, true)
    return h
  }

  /**
   * The heap limit, checked before an op changes anything: the arenas and system memory the
   * blocks would add must fit, else MemoryError.
   */
  checkHeapRoom(objBytes: number, itemsBytes: number, op: string, slot: Slot, payloadBytes = 0): void {
    if (this.heapLimit === Number.POSITIVE_INFINITY) return
    // The op loop's case: small blocks (each adds at most one arena) far below the limit.
    if (
      this.st.pymalloc.footprint <= this.roomyFootprint &&
      objBytes <= SMALL_REQUEST_THRESHOLD &&
      itemsBytes <= SMALL_REQUEST_THRESHOLD &&
      payloadBytes <= SMALL_REQUEST_THRESHOLD
    )
      return
    this.checkHeapRoomNearLimit(objBytes, itemsBytes, op, slot, payloadBytes)
  }

  /**
   * checkHeapRoom near the limit or for a large block, out of line: alloc runs checkHeapRoom
   * on every allocation and V8 inlines by bytecode size, so its hot part stays small.
   */
  private checkHeapRoomNearLimit(
    objBytes: number,
    itemsBytes: number,
    op: string,
    slot: Slot,
    payloadBytes: number,
  ): void {
    const pymalloc = this.st.pymalloc
    const need =
      (objBytes === 0 ? 0 : pymalloc.growthFor(objBytes)) +
      (itemsBytes === 0 ? 0 : pymalloc.growthFor(itemsBytes)) +
      (payloadBytes === 0 ? 0 : pymalloc.growthFor(payloadBytes))
    if (need > 0 && pymalloc.footprint + need > this.heapLimit) {
      const ops = this.st.stats.ops
      throw new OutOfMemoryError(
        'MemoryError',
        objBytes + itemsBytes + payloadBytes,
        `${op} at op ${ops} needs ${need} more bytes of arenas/system memory; footprint ${pymalloc.footprint} of heapLimit ${this.heapLimit}`,
        { op: ops, slot },
      )
    }
  }
}

/** The `alloc` event of a new program object, built out of line (initObject runs per allocation). */
function emitAlloc(st: GcState, h: number, type: number, bytes: number): void {
  st.hub.emit({
    type: 'alloc',
    op: st.stats.ops - 1,
    id: st.heap.oid[h],
    typeId: type,
    bytes,
    address: st.heap.address[h],
  })
}

function tooManyObjects(): PygcError {
  return new PygcError('VALUE_OUT_OF_RANGE', `cpython: more than ${MAX_OBJECT_ID} objects allocated`, {
    op: 'alloc',
  })
}

/**
 * The object kinds made by a CALL in replay.py's op loop (a class instance, a weak reference),
 * whose eval-breaker check (3.12+) precedes the store; an exact list (`template * 1`) is stored
 * first (VERSIONS.md section 3).
 */
const CHECKS_BEFORE_STORE = new Uint8Array(8)
CHECKS_BEFORE_STORE[Kind.ListSub] = 1
CHECKS_BEFORE_STORE[Kind.Slots] = 1
CHECKS_BEFORE_STORE[Kind.DictInstance] = 1
CHECKS_BEFORE_STORE[Kind.Weakref] = 1

/** 3.12+ _Py_HandlePending: clear the scheduled bit and run the collection inside the current op. */
export function runAtEvalBreaker(st: GcState): void {
  st.gcScheduled = false
  collectGenerationsNow(st)
}

/**
 * The automatic collection, as _PyObject_GC_Link (3.11) and _Py_RunGC (3.12+) start it:
 * `collecting` set around gc_collect_generations.
 */
export function collectGenerationsNow(st: GcState): void {
  st.collecting = true
  try {
    collectGenerations(st)
  } finally {
    st.collecting = false
  }
}
