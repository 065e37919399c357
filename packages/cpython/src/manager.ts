/**
 * CPython 3.11's memory manager, modeled faithfully enough that the real python3 can judge it.
 *
 * Design
 * ------
 * Every interface object is a CPython object: a row of the {@link ObjectHeap} (refcount, the
 * PyGC_Head links, flags) with a block from the modeled {@link PyMalloc} at a real modeled
 * address. The mutator's slots own references, as Python locals do: every store, overwrite,
 * clear, move and frame pop increments and decrements refcounts, and an object whose count
 * drops to zero is deallocated at once by its type's tp_dealloc.
 *
 * Deallocation is the part that must never recurse on the host. CPython recurses (a list's
 * dealloc decrefs its items, whose deallocs decref theirs...) and bounds the depth with the
 * trashcan: past a nesting of 50, an object is pushed on a LIFO "delete later" list that is
 * drained when the nesting returns to zero. The model runs every tp_dealloc as a resumable
 * frame on an explicit stack (`stk*`), so the C recursion becomes a loop whose frames are the
 * C frames, the trashcan counts the same nesting, and objects die in exactly CPython's order —
 * which is what makes finalizer and weakref-callback order comparable with the real runtime.
 *
 * Allocation of a tracked object follows gc_alloc: pymalloc first, then _PyObject_GC_Link
 * (generation 0's count++, and a collection when it passes the threshold — before the new
 * object is tracked), then _PyObject_GC_TRACK. Per-type free lists (list, tuple) bypass both
 * pymalloc and the count, in both directions; this is why 2-list cycles are collected every 781
 * allocations on 3.11 and not every 701. The cycle collector itself is in collector.ts.
 *
 * Versions (versions.ts) differ only in data: the thresholds, and where the automatic
 * collection runs. From 3.12 on, _PyObject_GC_Link only sets the eval breaker's GC bit and the
 * collection runs at the interpreter's next eval-breaker check; the model takes that to be the
 * next op boundary: every op starts by running a scheduled collection (runScheduledCollection),
 * before it reads its arguments, so the op then sees the heap the collection left.
 */
import {
  type CallbackSpec,
  type CostModel,
  callbackCode,
  callbackTagOf,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  checkRefField,
  cloneStats,
  EventHub,
  emptyStats,
  type GcControl,
  type GcEventListener,
  type GcEventType,
  type ManagerInfo,
  type ManagerStats,
  type MemoryManager,
  mutatorCost,
  notAWeakref,
  notPinned,
  nullReference,
  OutOfMemoryError,
  PygcError,
  RootSet,
  resolveCosts,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
  weakrefHasNoFields,
} from '@pygc/core'
import { CycleCollector } from './collector.js'
import {
  LIST_MAXFREELIST,
  NUM_GENERATIONS,
  TRASH_UNWIND_LEVEL,
  TUPLE_MAXFREELIST,
  TUPLE_NFREELISTS,
} from './constants.js'
import { FreeLists } from './free-lists.js'
import {
  F_FINALIZED,
  F_FREELISTED,
  F_INTERNAL,
  F_LIVE,
  FIRST_HANDLE,
  GEN0,
  GEN1,
  GEN2,
  ObjectHeap,
  PERMANENT,
} from './heap.js'
import { Kind, layoutOf, STATIC_OBJECT_BYTES, type TypeLayout, tupleBytes, WEAKREF_BYTES } from './layout.js'
import { GcModule } from './native.js'
import { type CPythonOptions, DEFAULT_HEAP_LIMIT } from './options.js'
import { PyMalloc } from './pymalloc.js'
import { DEFAULT_PRESET, PRESETS, policyOf, type VersionPolicy } from './versions.js'

/** Weakref rows keep [target, callback tag + 1, next, prev] in their fields. */
const WR_TARGET = 0
const WR_CALLBACK = 1
const WR_NEXT = 2
const WR_PREV = 3

/** Phases of a tp_dealloc frame. */
const P_BEGIN = 0
const P_LIST_ITEMS = 1
const P_AFTER_FINALIZER = 2
const P_WEAKREFS = 3
const P_LEGACY = 4
const P_AFTER_LEGACY = 5
const P_FIELDS = 6
const P_FREE = 7
/** The pseudo-frame of _PyTrash_thread_destroy_chain. */
const CHAIN = -1

export { PRESETS } from './versions.js'

export class CPythonManager implements MemoryManager<GcModule> {
  readonly info: ManagerInfo
  readonly native: GcModule
  /** @internal */ readonly heap = new ObjectHeap()
  /** @internal */ readonly pymalloc = new PyMalloc()
  /** @internal */ readonly roots: RootSet
  /** @internal */ readonly hub = new EventHub()
  /** @internal */ readonly costs: CostModel
  private readonly types = new TypeRegistry()
  private readonly layouts: TypeLayout[] = []
  private readonly collector: CycleCollector
  private readonly heapLimit: number
  /**
   * Pinned objects, one entry per pin (pins nest). A pin is a C extension's strong reference
   * (Py_INCREF with no matching slot): CPython never moves objects, so the reference is all
   * there is to it. Each entry owns one reference.
   */
  private readonly pins: number[] = []

  // ---- gc module state (gcmodule.c struct _gc_runtime_state) ----
  /** @internal */ readonly count = [0, 0, 0]
  /** @internal */ readonly threshold: number[]
  /** @internal */ enabled = true
  /** @internal */ collecting = false
  /** @internal */ longLivedTotal = 0
  /** @internal */ longLivedPending = 0
  /** @internal */ readonly garbage: number[] = []
  /** The version being modeled (versions.ts): thresholds and where the automatic collection runs. */
  readonly policy: VersionPolicy
  private readonly collectsAtEvalBreaker: boolean
  /**
   * 3.12+: the eval breaker's GC bit (ceval.gc_scheduled / _PY_GC_SCHEDULED_BIT). Set by an
   * allocation that passed the threshold; the next op boundary runs the collection.
   * @internal
   */
  gcScheduled = false
  /** True while a scheduled collection runs between two ops. */
  private atOpBoundary = false

  /** @internal */ readonly freeLists: FreeLists

  // ---- the dealloc machine and the trashcan ----
  private stkH = new Int32Array(256)
  private stkPhase = new Int8Array(256)
  private stkIdx = new Int32Array(256)
  private sp = 0
  private trashNesting = 0
  private trashLater = 0
  /** @internal */ trashDeposits = 0
  /** True while delete_garbage runs: frees then count as cycle frees. */
  /** @internal */ inDeleteGarbage = false

  // ---- figures ----
  /** @internal */ readonly s: ManagerStats
  private nextId = 0
  /** @internal */ freedBytesInGc = 0
  private freesOutsideGc = 0

  constructor(options: CPythonOptions = {}) {
    const preset = options.preset ?? DEFAULT_PRESET
    const policy = policyOf(preset)
    if (policy === undefined) {
      throw new PygcError(
        'INVALID_OPTION',
        `unknown cpython preset '${preset}'; known: ${PRESETS.map((p) => p.name).join(', ')}`,
        { preset },
      )
    }
    this.policy = policy
    this.collectsAtEvalBreaker = policy.trigger === 'eval-breaker'
    this.threshold = [...policy.thresholds]
    if (options.heapLimit !== undefined && !(options.heapLimit > 0)) {
      throw new PygcError(
        'INVALID_OPTION',
        `heapLimit must be a positive number of bytes, got ${options.heapLimit}`,
      )
    }
    this.heapLimit = options.heapLimit ?? DEFAULT_HEAP_LIMIT
    this.roots = new RootSet({ outOfMemory: 'MemoryError', slotLimit: options.rootSlotLimit })
    this.costs = resolveCosts(options.cost)
    this.info = {
      family: 'cpython',
      preset,
      description: policy.description,
      generations: ['gen0', 'gen1', 'gen2'],
      moving: false,
      idKind: 'address',
      sizeMode: 'python',
      outOfMemory: 'MemoryError',
    }
    this.s = emptyStats(this.info.generations)
    if (options.thresholds) this.setThresholds(options.thresholds)
    this.freeLists = new FreeLists(this.heap)
    this.collector = new CycleCollector(this)
    this.native = new GcModule(this, this.collector)
    this.applyStartingState(options)
  }

  // ================================================================ interface: types, frames

  defineType(spec: TypeSpec): TypeId {
    const id = this.types.define(spec, this.roots.globalCount)
    this.layouts.push(layoutOf(this.types.get(id)))
    return id
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    if (this.gcScheduled) this.runScheduledCollection()
    this.roots.pushFrame(locals)
    this.s.ops++
  }

  popFrame(): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const roots = this.roots
    roots.checkPop()
    this.s.ops++
    // Frame teardown clears the locals in order, like a returning Python frame.
    for (let i = roots.frameBase; i < roots.top; i++) {
      const old = roots.values[i]
      if (old !== 0) {
        roots.values[i] = 0
        this.decref(old)
      }
    }
    roots.dropFrame()
  }

  // ================================================================ interface: objects

  alloc(dst: Slot, type: TypeId, length?: number): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const len = this.types.allocLength(type, length) // UNKNOWN_TYPE, VALUE_OUT_OF_RANGE
    const layout = this.layouts[type]
    let refs = layout.fixedRefs // the hot path: a fixed-size type, laid out once
    const ints = layout.ints
    if (refs < 0) refs = this.types.shapeOf(type, len).refs
    const n = refs + ints
    const objBytes = layout.fixedRefs >= 0 ? layout.fixedObjectBytes : layout.objectBytes(n)
    const itemsBytes = layout.fixedRefs >= 0 ? layout.fixedItemsBytes : layout.itemsBytes(n)
    const fromFreeList =
      (layout.kind === Kind.List && this.freeLists.hasList()) ||
      (layout.kind === Kind.Tuple && this.freeLists.hasTuple(n))
    this.checkHeapRoom(fromFreeList ? 0 : objBytes, itemsBytes, 'alloc', dst)
    this.s.ops++
    const h = this.newObject(layout.kind, objBytes, fromFreeList)
    this.initObject(h, type, layout.kind, refs, ints, objBytes, itemsBytes, false)
    this.storeRootOwned(di, h)
  }

  load(dst: Slot, obj: Slot, field: number): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const h = this.fieldsOf(this.roots.index(obj), obj, 'load')
    checkRefField('load', this.s.ops, obj, field, this.heap.nrefs[h])
    this.s.ops++
    this.storeRoot(di, this.heap.fields[this.heap.fieldBase[h] + field])
  }

  store(obj: Slot, field: number, src: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const oi = this.roots.index(obj)
    const v = this.roots.values[this.roots.index(src)]
    const h = this.fieldsOf(oi, obj, 'store')
    checkRefField('store', this.s.ops, obj, field, this.heap.nrefs[h])
    this.s.ops++
    const heap = this.heap
    const at = heap.fieldBase[h] + field
    // list_ass_item / STORE_ATTR: take the new reference, then drop the old one.
    if (v !== 0) {
      heap.refcnt[v]++
      this.s.work.refcountOps++
    }
    const old = heap.fields[at]
    heap.fields[at] = v
    if (old !== 0) this.decref(old)
  }

  move(dst: Slot, src: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const v = this.roots.values[this.roots.index(src)]
    this.s.ops++
    this.storeRoot(di, v)
  }

  clear(dst: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    this.s.ops++
    const old = this.roots.values[di]
    if (old !== 0) {
      this.roots.values[di] = 0
      this.decref(old)
    }
  }

  readInt(obj: Slot, index: number): number {
    if (this.gcScheduled) this.runScheduledCollection()
    const h = this.fieldsOf(this.roots.index(obj), obj, 'readInt')
    checkIntIndex('readInt', this.s.ops, obj, index, this.heap.nints[h])
    this.s.ops++
    return this.heap.fields[this.heap.fieldBase[h] + this.heap.nrefs[h] + index]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const oi = this.roots.index(obj)
    checkInt32('writeInt', this.s.ops, value)
    const h = this.fieldsOf(oi, obj, 'writeInt')
    checkIntIndex('writeInt', this.s.ops, obj, index, this.heap.nints[h])
    this.s.ops++
    this.heap.fields[this.heap.fieldBase[h] + this.heap.nrefs[h] + index] = value
  }

  isNull(slot: Slot): boolean {
    if (this.gcScheduled) this.runScheduledCollection()
    const v = this.roots.values[this.roots.index(slot)]
    this.s.ops++
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    if (this.gcScheduled) this.runScheduledCollection()
    const va = this.roots.values[this.roots.index(a)]
    const vb = this.roots.values[this.roots.index(b)]
    this.s.ops++
    return va === vb
  }

  idOf(slot: Slot): number {
    if (this.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(slot, 'idOf')
    this.s.ops++
    const kind = this.heap.kind[h]
    const pre = kind === Kind.DictInstance ? 32 : 16
    return this.heap.address[h] + pre
  }

  lengthOf(slot: Slot): number {
    if (this.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(slot, 'lengthOf')
    this.s.ops++
    return this.heap.kind[h] === Kind.Weakref ? 0 : this.heap.nrefs[h]
  }

  /** Py_INCREF on behalf of native code: the object lives at least until unpin. */
  pin(obj: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(obj, 'pin')
    this.s.ops++
    this.pins.push(h)
    this.incref(h)
  }

  /** The matching Py_DECREF; an object with no pin left is an error, not a refcount underflow. */
  unpin(obj: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(obj, 'unpin')
    const at = this.pins.lastIndexOf(h)
    if (at < 0) throw notPinned(this.s.ops, obj)
    this.s.ops++
    this.pins[at] = this.pins[this.pins.length - 1]
    this.pins.pop()
    this.decref(h)
  }

  objectId(slot: Slot): number {
    const v = this.roots.values[this.roots.index(slot)]
    return v === 0 ? -1 : this.heap.oid[v]
  }

  // ================================================================ interface: weak references

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    const code = callbackCode(this.s.ops, callback)
    const t = this.roots.values[ti]
    if (t === 0) throw nullReference('weakref', this.s.ops, target)
    const nargs = code === 0 ? 1 : 2
    this.checkHeapRoom(this.tupleFromFreeList(nargs) ? 0 : tupleBytes(nargs), WEAKREF_BYTES, 'weakref', dst)
    this.s.ops++
    const heap = this.heap
    // The call `weakref.ref(t[, cb])` first packs its arguments in a tuple (_PyObject_MakeTpCall).
    const args = this.allocInternalTuple(nargs)
    heap.fields[heap.fieldBase[args]] = t
    heap.refcnt[t]++
    // weakref___new__ for a subclass of weakref.ref (see FIDELITY.md: every op makes a new
    // reference object, so none is a shareable "basic" ref): a fresh object, inserted at the head.
    const wr = this.newObject(Kind.Weakref, WEAKREF_BYTES, false)
    this.initObject(wr, -1, Kind.Weakref, 0, 0, WEAKREF_BYTES, 0, false)
    const f = heap.fields
    const base = heap.fieldBase[wr]
    const first = heap.wrHead[t]
    f[base + WR_TARGET] = t
    f[base + WR_CALLBACK] = code // tag + 1 (2^31 wraps to -2^31 in the int32 cell: callbackTagOf reads it back)
    f[base + WR_NEXT] = first
    f[base + WR_PREV] = 0
    if (first !== 0) f[heap.fieldBase[first] + WR_PREV] = wr
    heap.wrHead[t] = wr
    this.decref(args)
    this.storeRootOwned(di, wr)
  }

  deref(dst: Slot, weak: Slot): void {
    if (this.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const w = this.objectIn(weak, 'deref')
    if (this.heap.kind[w] !== Kind.Weakref) throw notAWeakref(this.s.ops, weak)
    this.s.ops++
    this.storeRoot(di, this.heap.fields[this.heap.fieldBase[w] + WR_TARGET])
  }

  // ================================================================ interface: the collector

  collect(generation?: number): number {
    if (this.gcScheduled) this.runScheduledCollection()
    checkGeneration(this.s.ops, generation)
    // gc_collect_impl's default argument: NUM_GENERATIONS - 1.
    const g = generation ?? NUM_GENERATIONS - 1
    this.s.ops++
    let result = 0
    // gc_collect_impl: a collection already running makes gc.collect() return 0.
    if (!this.collecting) {
      this.collecting = true
      try {
        result = this.collector.collectWithCallback(g, 'gc.collect')
      } finally {
        this.collecting = false
      }
    }
    if (this.hub.listening) this.hub.emit({ type: 'collect-call', op: this.s.ops - 1, generation: g, result })
    return result
  }

  gcControl(action: GcControl): boolean {
    if (this.gcScheduled) this.runScheduledCollection()
    checkGcAction(this.s.ops, action)
    this.s.ops++
    if (action === 'disable') this.enabled = false
    else if (action === 'enable') this.enabled = true
    else if (action === 'freeze') this.native.freeze()
    else this.native.unfreeze()
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.s.ops - 1, action, supported: true })
    return true
  }

  // ================================================================ interface: observation

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  stats(): ManagerStats {
    const s = this.s
    s.footprintBytes = this.pymalloc.footprint
    const heap = this.heap
    s.spaces = {
      arenas: this.pymalloc.arenasAllocated * 1024 * 1024,
      large: this.pymalloc.largeBytes,
      gen0: heap.listBytes[GEN0],
      gen1: heap.listBytes[GEN1],
      gen2: heap.listBytes[GEN2],
      permanent: heap.listBytes[PERMANENT],
    }
    s.virtualTime.mutator = mutatorCost(s, s.work, this.freesOutsideGc, this.costs)
    return cloneStats(s)
  }

  forEachLiveId(visit: (id: number) => void): void {
    const heap = this.heap
    for (let h = FIRST_HANDLE; h < heap.handleLimit; h++) {
      if ((heap.flags[h] & (F_LIVE | F_INTERNAL)) === F_LIVE) visit(heap.oid[h])
    }
  }

  // ================================================================ refcounting

  /** Py_DECREF from C code that is not itself a tp_dealloc: a death runs to completion here. */
  decref(h: number): void {
    this.s.work.refcountOps++
    if (--this.heap.refcnt[h] === 0) this.runDealloc(h)
  }

  incref(h: number): void {
    this.s.work.refcountOps++
    this.heap.refcnt[h]++
  }

  /** Store into a root slot: the STORE_FAST order (new reference in, then the old one dropped). */
  private storeRoot(index: number, v: number): void {
    const roots = this.roots
    if (v !== 0) {
      this.heap.refcnt[v]++
      this.s.work.refcountOps++
    }
    const old = roots.values[index]
    roots.values[index] = v
    if (old !== 0) this.decref(old)
  }

  /** Store a new reference the caller owns (a fresh object) into a root slot, dropping the old value. */
  private storeRootOwned(index: number, v: number): void {
    const roots = this.roots
    const old = roots.values[index]
    roots.values[index] = v
    if (old !== 0) this.decref(old)
  }

  /** Py_DECREF inside a tp_dealloc frame: a death becomes a nested frame; true if one was pushed. */
  private decrefInFrame(h: number): boolean {
    this.s.work.refcountOps++
    if (--this.heap.refcnt[h] !== 0) return false
    this.pushDeallocFrame(h)
    return true
  }

  private runDealloc(h: number): void {
    const base = this.sp
    this.pushDeallocFrame(h)
    while (this.sp > base) this.step()
  }

  private pushDeallocFrame(h: number): void {
    if (this.sp === this.stkH.length) {
      const n = this.sp * 2
      const h2 = new Int32Array(n)
      h2.set(this.stkH)
      const p2 = new Int8Array(n)
      p2.set(this.stkPhase)
      const i2 = new Int32Array(n)
      i2.set(this.stkIdx)
      this.stkH = h2
      this.stkPhase = p2
      this.stkIdx = i2
    }
    this.stkH[this.sp] = h
    this.stkPhase[this.sp] = P_BEGIN
    this.stkIdx[this.sp] = 0
    this.sp++
  }

  /** One step of the frame on top: it returns whenever it pushed a nested frame or finished. */
  private step(): void {
    const top = this.sp - 1
    const h = this.stkH[top]
    if (h === CHAIN) {
      // _PyTrash_thread_destroy_chain: call each deferred object's tp_dealloc, newest first.
      if (this.trashLater !== 0) {
        const op = this.trashLater
        this.trashLater = this.heap.gcPrev[op]
        this.pushDeallocFrame(op)
      } else {
        this.trashNesting--
        this.sp--
      }
      return
    }
    const heap = this.heap
    const kind = heap.kind[h]
    let phase = this.stkPhase[top]
    if (phase === P_BEGIN) {
      if (heap.gcNext[h] !== 0) heap.listRemove(h) // PyObject_GC_UnTrack
      // Py_TRASHCAN_BEGIN: past the unwind level, defer the object to the LIFO list.
      if (this.trashNesting >= TRASH_UNWIND_LEVEL) {
        heap.gcPrev[h] = this.trashLater
        this.trashLater = h
        this.trashDeposits++
        this.sp--
        return
      }
      this.trashNesting++
      if (kind === Kind.Weakref) {
        // subtype_dealloc of the weakref.ref subclass, then weakref_dealloc: clear_weakref, tp_free.
        this.clearWeakref(h, false)
        this.gcDel(h)
        this.trashEnd()
        return
      }
      if (kind === Kind.List || kind === Kind.Tuple) {
        this.stkIdx[top] = heap.nrefs[h]
        this.stkPhase[top] = P_LIST_ITEMS
        // Real lists and tuples are not weakly referenceable; the model lets any object be, and
        // clears its weakrefs the way weakrefable C types do, first thing after the trashcan.
        if (heap.wrHead[h] !== 0 && this.clearWeakRefsOnDeath(h)) return
        phase = P_LIST_ITEMS
      } else {
        // subtype_dealloc
        const layout = this.layouts[heap.type[h]]
        if (layout.hasFinalizer) {
          heap.listAppend(h, GEN0) // _PyObject_GC_TRACK before PyObject_CallFinalizerFromDealloc
          heap.refcnt[h] = 1 // the temporary resurrection
          this.stkPhase[top] = P_AFTER_FINALIZER
          if ((heap.flags[h] & F_FINALIZED) === 0) {
            heap.flags[h] |= F_FINALIZED
            if (this.runFinalizer(h, layout, true)) return
          }
          return
        }
        phase = P_WEAKREFS
      }
    }
    if (phase === P_LIST_ITEMS) {
      // list_dealloc / tupledealloc: Py_XDECREF the items from the last to the first.
      const f = heap.fields
      const base = heap.fieldBase[h]
      for (let i = this.stkIdx[top] - 1; i >= 0; i--) {
        const c = f[base + i]
        if (c !== 0 && this.decrefInFrame(c)) {
          this.stkIdx[top] = i
          return
        }
      }
      this.freeListOrTuple(h, kind)
      this.trashEnd()
      return
    }
    if (phase === P_AFTER_FINALIZER) {
      if (--heap.refcnt[h] > 0) {
        // The finalizer resurrected the object: it stays tracked (in generation 0).
        this.trashEnd()
        return
      }
      heap.listRemove(h)
      phase = P_WEAKREFS
    }
    if (phase === P_WEAKREFS) {
      const layout = this.layouts[heap.type[h]]
      this.stkPhase[top] = layout.legacyFinalizer ? P_LEGACY : P_FIELDS
      this.stkIdx[top] = kind === Kind.ListSub ? heap.nrefs[h] : 0
      if (this.clearWeakRefsOnDeath(h)) return
      phase = this.stkPhase[top]
    }
    if (phase === P_LEGACY) {
      // tp_del runs on every death (no FINALIZED flag), after the weakrefs are cleared.
      heap.listAppend(h, GEN0)
      heap.refcnt[h] = 1
      this.stkPhase[top] = P_AFTER_LEGACY
      if (this.runFinalizer(h, this.layouts[heap.type[h]], true)) return
      phase = P_AFTER_LEGACY
    }
    if (phase === P_AFTER_LEGACY) {
      if (--heap.refcnt[h] > 0) {
        this.trashEnd()
        return
      }
      heap.listRemove(h)
      this.stkPhase[top] = P_FIELDS
      phase = P_FIELDS
    }
    if (phase === P_FIELDS) {
      const f = heap.fields
      const base = heap.fieldBase[h]
      if (kind === Kind.ListSub) {
        // base list_dealloc (its trashcan does not apply: the type's tp_dealloc is subtype_dealloc)
        for (let i = this.stkIdx[top] - 1; i >= 0; i--) {
          const c = f[base + i]
          if (c !== 0 && this.decrefInFrame(c)) {
            this.stkIdx[top] = i
            return
          }
        }
      } else {
        // clear_slots / _PyObject_FreeInstanceAttributes: first to last.
        const n = heap.nrefs[h]
        for (let i = this.stkIdx[top]; i < n; i++) {
          const c = f[base + i]
          if (c !== 0) {
            f[base + i] = 0
            if (this.decrefInFrame(c)) {
              this.stkIdx[top] = i + 1
              return
            }
          }
        }
      }
      this.stkPhase[top] = P_FREE
      phase = P_FREE
    }
    if (phase === P_FREE) {
      this.freeItems(h)
      this.gcDel(h)
      this.trashEnd()
    }
  }

  /** Py_TRASHCAN_END: leave the nesting; at the outermost level drain the deferred objects. */
  private trashEnd(): void {
    this.sp--
    this.trashNesting--
    if (this.trashLater !== 0 && this.trashNesting <= 0) {
      this.trashNesting++
      this.pushDeallocFrame(CHAIN)
    }
  }

  /** End of list_dealloc / tupledealloc: to the type's free list if there is room, else PyObject_GC_Del. */
  private freeListOrTuple(h: number, kind: number): void {
    this.freeItems(h)
    const heap = this.heap
    const size = heap.fieldCap[h]
    if (kind === Kind.List ? this.freeLists.tryPushList(h) : this.freeLists.tryPushTuple(h, size)) {
      this.noteFreed(h)
      this.releaseFields(h)
      heap.flags[h] = F_FREELISTED
      heap.fieldCap[h] = size // a tuple's free list is per size
      return
    }
    this.gcDel(h)
  }

  private freeItems(h: number): void {
    const heap = this.heap
    if (heap.itemsBytes[h] !== 0) {
      this.pymalloc.free(heap.itemsAddress[h], heap.itemsBytes[h])
      heap.itemsResized(h, 0)
    }
  }

  private releaseFields(h: number): void {
    const heap = this.heap
    heap.freeFields(heap.fieldBase[h], heap.fieldCap[h])
    heap.fieldBase[h] = 0
  }

  /** PyObject_GC_Del: untrack, generation 0's count--, and the block back to pymalloc. */
  private gcDel(h: number): void {
    const heap = this.heap
    if (heap.gcNext[h] !== 0) heap.listRemove(h)
    if (this.count[0] > 0) this.count[0]--
    if ((heap.flags[h] & F_LIVE) !== 0) this.noteFreed(h)
    this.pymalloc.free(heap.address[h], heap.objBytes[h])
    if (heap.fieldBase[h] !== 0) this.releaseFields(h)
    heap.releaseHandle(h)
  }

  private noteFreed(h: number): void {
    const heap = this.heap
    const flags = heap.flags[h]
    heap.flags[h] = flags & ~F_LIVE
    if ((flags & F_INTERNAL) !== 0) return
    const s = this.s
    const bytes = heap.objBytes[h] + heap.itemsAtAlloc[h]
    s.liveObjects--
    s.liveBytes -= bytes
    s.work.objectsFreed++
    if (this.inDeleteGarbage) {
      s.freedByCycle++
      this.freedBytesInGc += bytes
    } else {
      s.freedByRefcount++
      if (!this.collecting) this.freesOutsideGc++
      else this.freedBytesInGc += bytes
    }
    if (this.hub.perObject) {
      this.hub.emit({
        type: 'free',
        op: this.opIndex(),
        id: heap.oid[h],
        bytes,
        cause: this.inDeleteGarbage ? 'cycle' : 'refcount',
      })
    }
  }

  // ================================================================ allocation

  /** A fresh or free-listed object row with its block; runs _PyObject_GC_Link for fresh ones. */
  private newObject(kind: number, objBytes: number, fromFreeList: boolean): number {
    const heap = this.heap
    let h: number
    if (fromFreeList && kind === Kind.List) {
      h = this.freeLists.popList()
    } else if (fromFreeList) {
      h = this.freeLists.popTuple((objBytes - tupleBytes(0)) / 8)
    } else {
      const address = this.pymalloc.malloc(objBytes)
      h = heap.newHandle()
      heap.address[h] = address
      heap.objBytes[h] = objBytes
      heap.flags[h] = 0
      heap.gcNext[h] = 0
      heap.kind[h] = kind
      heap.itemsBytes[h] = 0
      heap.fieldBase[h] = 0
      heap.fieldCap[h] = 0
      heap.refcnt[h] = 1 // held by the allocating C code during a collection the link may run
      heap.nrefs[h] = 0
      heap.nints[h] = 0
      heap.wrHead[h] = 0
      this.gcLink()
      const footprint = this.pymalloc.footprint
      if (footprint > this.s.peakFootprintBytes) this.s.peakFootprintBytes = footprint
    }
    return h
  }

  /** Fill in a row after newObject: fields, items block, id, tracking (the object is tracked last). */
  private initObject(
    h: number,
    type: number,
    kind: number,
    refs: number,
    ints: number,
    objBytes: number,
    itemsBytes: number,
    internal: boolean,
  ): void {
    const heap = this.heap
    heap.kind[h] = kind
    heap.type[h] = type
    heap.refcnt[h] = 1
    heap.flags[h] = internal ? F_LIVE | F_INTERNAL : F_LIVE
    const cells = kind === Kind.Weakref ? 4 : refs + ints
    heap.fieldCap[h] = cells
    heap.fieldBase[h] = heap.allocFields(cells)
    heap.nrefs[h] = refs
    heap.nints[h] = ints
    heap.wrHead[h] = 0
    if (itemsBytes !== 0) heap.itemsAddress[h] = this.pymalloc.malloc(itemsBytes)
    heap.itemsBytes[h] = itemsBytes
    heap.itemsAtAlloc[h] = itemsBytes
    heap.listAppend(h, GEN0) // _PyObject_GC_TRACK
    const s = this.s
    if (internal) {
      heap.oid[h] = -1
    } else {
      heap.oid[h] = this.nextId++
      s.objectsAllocated++
      const bytes = objBytes + itemsBytes
      s.bytesAllocated += bytes
      s.liveObjects++
      s.liveBytes += bytes
      if (s.liveBytes > s.peakLiveBytes) s.peakLiveBytes = s.liveBytes
      if (this.hub.perObject) {
        this.hub.emit({
          type: 'alloc',
          op: this.s.ops - 1,
          id: heap.oid[h],
          typeId: type,
          bytes,
          address: heap.address[h],
        })
      }
    }
    const footprint = this.pymalloc.footprint
    if (footprint > s.peakFootprintBytes) s.peakFootprintBytes = footprint
  }

  /**
   * _PyObject_GC_Link: count the allocation; when generation 0 passes its threshold, 3.11
   * collects right here (before the new object is tracked), 3.12+ only schedules the collection
   * for the next eval-breaker check (versions.ts).
   */
  private gcLink(): void {
    this.count[0]++
    if (this.count[0] > this.threshold[0] && this.enabled && this.threshold[0] !== 0 && !this.collecting) {
      if (this.collectsAtEvalBreaker)
        this.gcScheduled = true // _Py_ScheduleGC
      else this.runCollectGenerations()
    }
  }

  /**
   * 3.12+ _Py_HandlePending -> _Py_RunGC at the op boundary: clear the bit, then
   * gc_collect_generations with the counts as they are now. Events carry the index of the op
   * about to run (core/types.ts: "events raised between ops").
   */
  private runScheduledCollection(): void {
    this.gcScheduled = false
    this.atOpBoundary = true
    try {
      this.runCollectGenerations()
    } finally {
      this.atOpBoundary = false
    }
  }

  private runCollectGenerations(): void {
    this.collecting = true
    try {
      this.collector.collectGenerations()
    } finally {
      this.collecting = false
    }
  }

  private tupleFromFreeList(n: number): boolean {
    return this.freeLists.hasTuple(n)
  }

  /** PyTuple_New(n) for the runtime's own use (call arguments, PyObject_ClearWeakRefs): no id, no events. */
  private allocInternalTuple(n: number): number {
    const fromFree = this.tupleFromFreeList(n)
    const bytes = tupleBytes(n)
    const h = this.newObject(Kind.Tuple, bytes, fromFree)
    this.initObject(h, -1, Kind.Tuple, n, 0, bytes, 0, true)
    return h
  }

  private checkHeapRoom(objBytes: number, itemsBytes: number, op: string, slot: Slot): void {
    if (this.heapLimit === Number.POSITIVE_INFINITY) return
    const need =
      (objBytes === 0 ? 0 : this.pymalloc.growthFor(objBytes)) +
      (itemsBytes === 0 ? 0 : this.pymalloc.growthFor(itemsBytes))
    if (need > 0 && this.pymalloc.footprint + need > this.heapLimit) {
      throw new OutOfMemoryError(
        'MemoryError',
        objBytes + itemsBytes,
        `${op} at op ${this.s.ops} needs ${need} more bytes of arenas/system memory; footprint ${this.pymalloc.footprint} of heapLimit ${this.heapLimit}`,
        { op: this.s.ops, slot },
      )
    }
  }

  // ================================================================ weakrefs

  /**
   * _PyWeakref_ClearRef: detach a weakref from its target (the callback is kept). It counts as
   * a cleared weakref (weakrefsCleared, a `weakref-clear` event) only when `referentDied` and the
   * weakref lives on: handle_weakrefs or PyObject_ClearWeakRefs clearing a live weakref because
   * its referent is dying. A weakref object that is itself being torn down (weakref_dealloc ->
   * clear_weakref when it is dropped, tp_clear or handle_weakrefs of a weakref that is garbage)
   * detaches without counting: nothing will ever see it cleared, and the other runtimes never
   * process a dead weak reference object (Objects/weakrefobject.c).
   */
  clearRef(wr: number, referentDied: boolean): void {
    const heap = this.heap
    const f = heap.fields
    const base = heap.fieldBase[wr]
    const target = f[base + WR_TARGET]
    if (target === 0) return
    const prev = f[base + WR_PREV]
    const next = f[base + WR_NEXT]
    if (prev !== 0) f[heap.fieldBase[prev] + WR_NEXT] = next
    else heap.wrHead[target] = next
    if (next !== 0) f[heap.fieldBase[next] + WR_PREV] = prev
    f[base + WR_TARGET] = 0
    f[base + WR_NEXT] = 0
    f[base + WR_PREV] = 0
    if (!referentDied) return
    this.s.weakrefsCleared++
    if (this.hub.listening)
      this.hub.emit({
        type: 'weakref-clear',
        op: this.opIndex(),
        weakId: heap.oid[wr],
        targetId: heap.oid[target],
      })
  }

  /** clear_weakref: detach and drop the callback. */
  private clearWeakref(wr: number, referentDied: boolean): void {
    this.clearRef(wr, referentDied)
    this.heap.fields[this.heap.fieldBase[wr] + WR_CALLBACK] = 0
  }

  /** The callback tag + 1 of a weakref (0: none). */
  callbackOf(wr: number): number {
    return this.heap.fields[this.heap.fieldBase[wr] + WR_CALLBACK]
  }

  takeCallback(wr: number): number {
    const at = this.heap.fieldBase[wr] + WR_CALLBACK
    const cb = this.heap.fields[at]
    this.heap.fields[at] = 0
    return cb
  }

  firstWeakref(h: number): number {
    return this.heap.wrHead[h]
  }

  runCallback(wr: number, tagPlusOne: number): void {
    if (this.hub.listening)
      this.hub.emit({
        type: 'weakref-callback',
        op: this.opIndex(),
        weakId: this.heap.oid[wr],
        tag: callbackTagOf(tagPlusOne),
      })
  }

  /**
   * PyObject_ClearWeakRefs on a refcount death: callback-less refs are cleared first; one
   * remaining ref is handled directly; several are cleared all at once into a tuple of
   * (ref, callback) pairs — a real allocation that can start a collection — and then called,
   * newest first. Returns true if the tuple's release pushed a dealloc frame.
   */
  private clearWeakRefsOnDeath(h: number): boolean {
    const heap = this.heap
    let head = heap.wrHead[h]
    if (head === 0) return false
    // A weakref on the list with no references left is dying itself (its dealloc deferred by
    // the trashcan): cleared, not counted.
    if (this.callbackOf(head) === 0) {
      this.clearWeakref(head, heap.refcnt[head] > 0)
      head = heap.wrHead[h]
      if (head !== 0 && this.callbackOf(head) === 0) this.clearWeakref(head, heap.refcnt[head] > 0)
    }
    head = heap.wrHead[h]
    if (head === 0) return false
    let count = 0
    for (let w = head; w !== 0; w = heap.fields[heap.fieldBase[w] + WR_NEXT]) count++
    if (count === 1) {
      const cb = this.takeCallback(head)
      this.clearWeakref(head, heap.refcnt[head] > 0)
      if (cb !== 0 && heap.refcnt[head] > 0) this.runCallback(head, cb)
      return false
    }
    const tuple = this.allocInternalTuple(count * 2)
    const refs: number[] = []
    const cbs: number[] = []
    let current = heap.wrHead[h]
    for (let i = 0; i < count && current !== 0; i++) {
      const next = heap.fields[heap.fieldBase[current] + WR_NEXT]
      const cb = this.takeCallback(current)
      if (heap.refcnt[current] > 0) {
        heap.refcnt[current]++
        this.s.work.refcountOps++
        heap.fields[heap.fieldBase[tuple] + i * 2] = current
        refs.push(current)
        cbs.push(cb)
      }
      this.clearWeakref(current, heap.refcnt[current] > 0)
      current = next
    }
    for (let i = 0; i < refs.length; i++) if (cbs[i] !== 0) this.runCallback(refs[i], cbs[i])
    return this.decrefInFrame(tuple)
  }

  // ================================================================ finalizers

  /**
   * Call an object's __del__ (as data): emit the event and, for a resurrecting finalizer,
   * store the object into its global (`G[g] = self`: the new reference first, then the old
   * value dropped). Returns true if that drop pushed a dealloc frame (inFrame) .
   */
  runFinalizer(h: number, layout: TypeLayout, inFrame: boolean): boolean {
    const heap = this.heap
    this.s.work.finalizersRun++
    if (this.hub.listening) {
      this.hub.emit({
        type: 'finalize',
        op: this.opIndex(),
        id: heap.oid[h],
        typeId: heap.type[h],
        resurrected: layout.resurrectInto >= 0,
        betweenOps: this.atOpBoundary,
      })
    }
    if (layout.resurrectInto < 0) return false
    heap.refcnt[h]++
    this.s.work.refcountOps++
    const gi = layout.resurrectInto
    const old = this.roots.values[gi]
    this.roots.values[gi] = h
    if (old === 0) return false
    if (inFrame) return this.decrefInFrame(old)
    this.decref(old)
    return false
  }

  layoutOfType(type: number): TypeLayout {
    return this.layouts[type]
  }

  /** The op index events carry: the op running now, or between ops the op about to run. */
  opIndex(): number {
    if (this.atOpBoundary) return this.s.ops
    return this.s.ops > 0 ? this.s.ops - 1 : 0
  }

  // ================================================================ free lists (clear_freelists)

  /** gc.collect(2)'s clear_freelists: every free-listed object goes to PyObject_GC_Del. */
  clearFreeLists(): void {
    this.freeLists.clear(
      (h) => this.gcDel(h),
      () => {
        if (this.count[0] > 0) this.count[0]--
      },
    )
  }

  setThresholds(t: readonly number[]): void {
    if (t.length < 1 || t.length > 3 || t.some((x) => !Number.isInteger(x) || x < 0 || x > 2 ** 31 - 1)) {
      throw new PygcError(
        'INVALID_OPTION',
        `thresholds must be 1 to 3 integers >= 0, got ${JSON.stringify(t)}`,
      )
    }
    for (let i = 0; i < t.length; i++) this.threshold[i] = t[i]
  }

  // ================================================================ starting state

  private applyStartingState(options: CPythonOptions): void {
    const st = options.start
    if (!st) return
    const heap = this.heap
    const gens = st.generations ?? [0, 0, 0]
    const heads = [GEN0, GEN1, GEN2]
    const makeStatic = (head: number): void => {
      const h = heap.newHandle()
      heap.address[h] = this.pymalloc.malloc(STATIC_OBJECT_BYTES)
      heap.objBytes[h] = STATIC_OBJECT_BYTES
      heap.kind[h] = Kind.Static
      heap.type[h] = -1
      heap.refcnt[h] = 1
      heap.flags[h] = F_LIVE | F_INTERNAL
      heap.oid[h] = -1
      heap.itemsBytes[h] = 0
      heap.itemsAtAlloc[h] = 0
      heap.fieldBase[h] = 0
      heap.fieldCap[h] = 0
      heap.nrefs[h] = 0
      heap.nints[h] = 0
      heap.wrHead[h] = 0
      heap.listAppend(h, head)
    }
    for (let g = 0; g < 3; g++) {
      const n = gens[g] ?? 0
      if (!Number.isInteger(n) || n < 0)
        throw new PygcError('INVALID_OPTION', `start.generations[${g}] must be an integer >= 0, got ${n}`)
      for (let i = 0; i < n; i++) makeStatic(heads[g])
    }
    for (let i = 0; i < (st.permanent ?? 0); i++) makeStatic(PERMANENT)
    const counts = st.counts ?? [0, 0, 0]
    for (let g = 0; g < 3; g++) this.count[g] = counts[g] ?? 0
    this.longLivedTotal = st.longLivedTotal ?? gens[2] ?? 0
    this.longLivedPending = st.longLivedPending ?? 0
    const fl = st.freeLists ?? {}
    const deadBlock = (kind: number, bytes: number, size: number): number => {
      const h = heap.newHandle()
      heap.address[h] = this.pymalloc.malloc(bytes)
      heap.objBytes[h] = bytes
      heap.kind[h] = kind
      heap.flags[h] = F_FREELISTED
      heap.fieldBase[h] = 0
      heap.fieldCap[h] = size
      heap.itemsBytes[h] = 0
      return h
    }
    for (let i = 0; i < Math.min(fl.list ?? 0, LIST_MAXFREELIST); i++) {
      this.freeLists.tryPushList(deadBlock(Kind.List, STATIC_OBJECT_BYTES, 0))
    }
    const tuples = fl.tuple ?? []
    for (let n = 1; n <= TUPLE_NFREELISTS; n++) {
      for (let i = 0; i < Math.min(tuples[n - 1] ?? 0, TUPLE_MAXFREELIST); i++) {
        this.freeLists.tryPushTuple(deadBlock(Kind.Tuple, tupleBytes(n), n), n)
      }
    }
    this.freeLists.setDictCount(fl.dict ?? 0)
    this.s.peakFootprintBytes = this.pymalloc.footprint
  }

  // ================================================================ argument checks

  /** The object in a slot, or NULL_REFERENCE. */
  private objectIn(slot: Slot, op: string): number {
    const v = this.roots.values[this.roots.index(slot)]
    if (v === 0) throw nullReference(op, this.s.ops, slot)
    return v
  }

  /** The object at root index `i` (slot `slot`) for a field op: not null, not a weak reference. */
  private fieldsOf(i: number, slot: Slot, op: string): number {
    const h = this.roots.values[i]
    if (h === 0) throw nullReference(op, this.s.ops, slot)
    if (this.heap.kind[h] === Kind.Weakref) throw weakrefHasNoFields(op, this.s.ops, slot)
    return h
  }
}
