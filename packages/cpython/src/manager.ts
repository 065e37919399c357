/**
 * CPython 3.11's memory manager, modeled faithfully enough that the real python3 can judge it:
 * the `MemoryManager` ops, as the bytecodes and C calls a Python program makes.
 *
 * Every interface object is a CPython object: a row of the {@link ObjectHeap} (refcount, the
 * PyGC_Head links, flags) with a block from the modeled {@link PyMalloc} at a real modeled
 * address. The mutator's slots own references, as Python locals do: every store, overwrite,
 * clear, move and frame pop increments and decrements refcounts, and an object whose count
 * drops to zero is deallocated at once by its type's tp_dealloc.
 *
 * The parts, each in the file named after the CPython source it models (README.md has the map):
 * allocation.ts (gc_alloc, _PyObject_GC_Link), dealloc.ts (Py_DECREF, tp_dealloc, the trashcan),
 * weakrefs.ts (weakrefobject.c), collector.ts (gcmodule.c's collector), starting-state.ts, and
 * gc-state.ts, the one record they share (struct _gc_runtime_state).
 *
 * Versions (versions.ts) differ only in data: the thresholds, and where the automatic
 * collection runs. From 3.12 on, _PyObject_GC_Link only sets the eval breaker's GC bit and the
 * collection runs at the interpreter's next eval-breaker check; the model takes that to be the
 * next op boundary: every op starts by running a scheduled collection (runScheduledCollection),
 * before it reads its arguments, so the op then sees the heap the collection left.
 */
import {
  type CallbackSpec,
  CollectionCycle,
  callbackCode,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  cloneStats,
  EventHub,
  emptyStats,
  type GcControl,
  type GcEventListener,
  type GcEventType,
  type ManagerInfo,
  type ManagerStats,
  type MemoryManager,
  noFieldsError,
  notAWeakref,
  notPinned,
  nullReference,
  PygcError,
  RootSet,
  refFieldError,
  resolveCosts,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
  type WorkCounters,
} from '@pygc/core'
import {
  Allocator,
  collectGenerationsNow,
  type QuickType,
  quickTypeOf,
  runAtEvalBreaker,
} from './allocation.js'
import { collectWithCallback } from './collector.js'
import { NUM_GENERATIONS } from './constants.js'
import { Deallocator } from './dealloc.js'
import { FrameObjects } from './frames.js'
import { type FreeListEntries, FreeLists } from './free-lists.js'
import { GcState } from './gc-state.js'
import { F_INTERNAL, F_LIVE, FIRST_HANDLE, ObjectHeap } from './heap.js'
import { leaveStorage, takeStorage } from './heap-storage.js'
import { incrementalCollectorOf } from './incremental-host.js'
import { maintainTracking, makeInstanceDict } from './instance-dict.js'
import { bytesObjectBytes, Kind, layoutOf, type TypeLayout, tupleBytes, weakrefBytes } from './layout.js'
import { GcModule } from './native.js'
import { type CPythonOptions, DEFAULT_HEAP_LIMIT } from './options.js'
import { type MallocStats, PyMalloc } from './pymalloc.js'
import { applyStartingState } from './starting-state.js'
import { DEFAULT_PRESET, PRESETS, policyOf, type VersionPolicy } from './versions.js'
import { WeakrefLists } from './weakrefs.js'

export { PRESETS } from './versions.js'

/** Number.isInteger and two kinds, read once: a module binding is fewer bytes of bytecode than a property read (V8 inlines an op by bytecode size). */
const isInteger = Number.isInteger
const WEAKREF = Kind.Weakref
const DICT_INSTANCE = Kind.DictInstance

export class CPythonManager implements MemoryManager<GcModule> {
  readonly info: ManagerInfo
  readonly native: GcModule
  /** The version being modeled (versions.ts): thresholds and where the automatic collection runs. */
  readonly policy: VersionPolicy
  /** The record every part shares (gc-state.ts); the fields below are its parts, cached for the op loop. */
  private readonly st: GcState
  private readonly heap: ObjectHeap
  private readonly roots: RootSet
  private readonly s: ManagerStats
  /** s.work (never replaced), cached for the refcount paths of the op loop. */
  private readonly work: WorkCounters
  private readonly hub = new EventHub()
  private readonly objects: Deallocator
  private readonly allocator: Allocator
  private readonly types = new TypeRegistry()
  /**
   * Per type id: its QuickType if it is a quick type (TypeLayout.quick), else undefined. alloc's
   * op loop case, a quick type and no length, is one read of this array.
   */
  private readonly quickTypes: (QuickType | undefined)[] = []
  /**
   * Pinned objects, one entry per pin (pins nest). A pin is a C extension's strong reference
   * (Py_INCREF with no matching slot): CPython never moves objects, so the reference is all
   * there is to it. Each entry owns one reference.
   */
  private readonly pins: number[] = []
  /** A weak reference object's bytes on this preset's layouts (72 on 3.10, 80 on 3.11+). */
  private readonly weakrefBytes: number
  /**
   * 3.10: a plain instance may have a dict object whose tracking a store maintains (insertdict's
   * MAINTAIN_TRACKING, instance-dict.ts). From 3.11 no instance has one (layout.ts
   * dictValuesBytes is 0) and maintainTracking has nothing to do, so store skips the kind read.
   */
  private readonly instanceDicts: boolean

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
    this.weakrefBytes = weakrefBytes(policy.layout)
    this.instanceDicts = policy.layout === '3.10'
    if (options.heapLimit !== undefined && !(options.heapLimit > 0)) {
      throw new PygcError(
        'INVALID_OPTION',
        `heapLimit must be a positive number of bytes, got ${options.heapLimit}`,
      )
    }
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
    const heap = new ObjectHeap(undefined, takeStorage())
    const stats = emptyStats(this.info.generations)
    const costs = resolveCosts(options.cost)
    this.st = new GcState({
      heap,
      pymalloc: new PyMalloc(),
      freeLists: new FreeLists(heap),
      // Root values are object-table handles (heap.ts: below 2^31 rows).
      roots: new RootSet({ outOfMemory: 'MemoryError', slotLimit: options.rootSlotLimit, int32Values: true }),
      stats,
      hub: this.hub,
      cycle: new CollectionCycle(stats, this.hub, costs),
      policy,
    })
    this.heap = heap
    this.roots = this.st.roots
    this.s = stats
    this.work = stats.work
    this.objects = this.st.objects = new Deallocator(this.st)
    this.st.weakrefs = new WeakrefLists(this.st)
    this.allocator = this.st.allocator = new Allocator(this.st, options.heapLimit ?? DEFAULT_HEAP_LIMIT)
    // Both assigned on every preset, undefined where absent: GcState's fields are assigned, not
    // defined (tsconfig.json), so an optional one set on some presets only would give GcState a
    // hidden class per preset, and the op loop's reads of it would be polymorphic in a process
    // that runs several.
    this.st.incremental = policy.collector === 'incremental' ? incrementalCollectorOf(this.st) : undefined
    this.st.frames = policy.frameObjects ? new FrameObjects(this.st) : undefined
    if (options.thresholds) this.setThresholds(options.thresholds)
    this.native = new GcModule(this, this.st)
    applyStartingState(this.st, options.start)
  }

  // ================================================================ interface: types, frames

  defineType(spec: TypeSpec): TypeId {
    const id = this.types.define(spec, this.roots.globalCount)
    const layout = layoutOf(this.types.get(id), this.st.policy.layout)
    this.st.layouts.push(layout)
    this.quickTypes.push(layout.quick ? quickTypeOf(id, layout) : undefined)
    this.st.instancesMade.push(0)
    return id
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    this.roots.pushFrame(locals)
    this.s.ops++
  }

  popFrame(): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const roots = this.roots
    roots.checkPop()
    this.s.ops++
    // Frame teardown clears the locals in order, like a returning Python frame. A death's
    // finalizer may store into a global, but nothing pushes a frame meanwhile: `values` and
    // `top` stay as read here.
    // The decrefs' refcountOps are tallied in `n` and added once, and before any death: a
    // dealloc can start a collection, which reads the counter.
    const values = roots.values
    let n = 0
    for (let i = roots.frameBase, top = roots.top; i < top; i++) {
      const old = values[i]
      if (old !== 0) {
        values[i] = 0
        n++
        if (--this.heap.refcnt[old] === 0) {
          this.work.refcountOps += n
          n = 0
          this.objects.dealloc(old)
        }
      }
    }
    this.work.refcountOps += n
    roots.dropFrame()
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  // ================================================================ interface: objects

  alloc(dst: Slot, type: TypeId, length?: number): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    // The op loop's case (a tree node): a quick type and no length, which passes the type
    // registry's checks, found with one read (an integer first: quickTypes["0"] would read the
    // first type). Everything else, errors included, is allocChecked's, out of line, so that
    // alloc is small enough for V8 to inline into the workload (it inlines by bytecode size,
    // from one budget per function).
    const q = length === undefined && isInteger(type) ? this.quickTypes[type] : undefined
    const h = q !== undefined ? this.allocator.allocQuick(q, dst) : this.allocChecked(dst, type, length)
    this.storeRootOwned(di, h)
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  /** alloc past its quick case: the type and length checked, then the new object, held by the caller. */
  private allocChecked(dst: Slot, type: TypeId, length: number | undefined): number {
    const len = this.types.allocLength(type, length) // UNKNOWN_TYPE, VALUE_OUT_OF_RANGE
    const layout = this.st.layouts[type]
    const q = this.quickTypes[type]
    return q !== undefined ? this.allocator.allocQuick(q, dst) : this.allocLaidOut(dst, type, len, layout)
  }

  /** alloc of any type but a quick one: the new object, held by the caller. */
  private allocLaidOut(dst: Slot, type: TypeId, len: number, layout: TypeLayout): number {
    let refs = layout.fixedRefs
    const ints = layout.ints
    if (refs < 0) refs = this.types.shapeOf(type, len).refs
    const n = refs + ints
    // A plain instance's size depends on how many its class made before (shared keys' warm-up).
    const made = this.st.instancesMade[type]
    const steady = layout.fixedRefs >= 0 && made >= layout.fixedWarmup
    const objBytes = steady ? layout.fixedObjectBytes : layout.objectBytes(n, made)
    const itemsBytes = steady ? layout.fixedItemsBytes : layout.itemsBytes(n, made)
    const payloadBytes = layout.payloadBytes >= 0 ? layout.payloadBytes : bytesObjectBytes(len)
    const fromFreeList =
      (layout.kind === Kind.List && this.st.freeLists.hasList()) ||
      (layout.kind === Kind.Tuple && this.st.freeLists.hasTuple(n))
    this.allocator.checkHeapRoom(fromFreeList ? 0 : objBytes, itemsBytes, 'alloc', dst, payloadBytes)
    this.s.ops++
    if (layout.kind === Kind.DictInstance) this.st.instancesMade[type] = made + 1
    const h = this.allocator.newObject(layout.kind, objBytes, fromFreeList)
    this.allocator.initObject(h, type, layout.kind, refs, ints, objBytes, itemsBytes, false, payloadBytes)
    // 3.10: the first setattr makes the instance's dict, before `obj` is stored.
    if (layout.kind === Kind.DictInstance) {
      const valuesBytes = layout.dictValuesBytes(n)
      if (valuesBytes !== 0) makeInstanceDict(this.st, h, valuesBytes)
    }
    return h
  }

  // load and store test the field in place (checkRefField's test, its error out of line: core
  // contract.ts refFieldError), as V8 inlines an op into the workload by bytecode size. The
  // test also stands for fieldsOf's: a null slot's row 0 and a weak reference have no reference
  // fields (nrefs 0), so they fail it, and badField raises their error first, as fieldsOf did.

  load(dst: Slot, obj: Slot, field: number): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const roots = this.roots
    const di = roots.index(dst)
    const h = roots.values[roots.index(obj)]
    const heap = this.heap
    if (!(isInteger(field) && field >= 0 && field < heap.nrefs[h])) throw this.badField('load', obj, field, h)
    this.s.ops++
    this.storeRoot(di, heap.fields[heap.fieldBase[h] + field])
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  store(obj: Slot, field: number, src: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const roots = this.roots
    const oi = roots.index(obj)
    const v = roots.values[roots.index(src)]
    const h = roots.values[oi]
    const heap = this.heap
    if (!(isInteger(field) && field >= 0 && field < heap.nrefs[h]))
      throw this.badField('store', obj, field, h)
    this.s.ops++
    const at = heap.fieldBase[h] + field
    // list_ass_item / STORE_ATTR: take the new reference, then drop the old one.
    if (v !== 0) {
      heap.refcnt[v]++
      this.work.refcountOps++
      // 3.10 insertdict: MAINTAIN_TRACKING of the instance's dict, before the old value goes.
      if (this.instanceDicts && heap.kind[h] === DICT_INSTANCE) maintainTracking(this.st, h, v)
    }
    const old = heap.fields[at]
    heap.fields[at] = v
    if (old !== 0) this.decref(old)
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  move(dst: Slot, src: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const roots = this.roots
    const di = roots.index(dst)
    const v = roots.values[roots.index(src)]
    this.s.ops++
    this.storeRoot(di, v)
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  clear(dst: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const values = this.roots.values
    const di = this.roots.index(dst)
    this.s.ops++
    const old = values[di]
    if (old !== 0) {
      values[di] = 0
      this.decref(old)
    }
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  readInt(obj: Slot, index: number): number {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const h = this.fieldsOf(this.roots.index(obj), obj, 'readInt')
    checkIntIndex('readInt', this.s.ops, obj, index, this.heap.nintsOf(h))
    this.s.ops++
    return this.heap.fields[this.heap.fieldBase[h] + this.heap.nrefs[h] + index]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const oi = this.roots.index(obj)
    checkInt32('writeInt', this.s.ops, value)
    const h = this.fieldsOf(oi, obj, 'writeInt')
    checkIntIndex('writeInt', this.s.ops, obj, index, this.heap.nintsOf(h))
    this.s.ops++
    this.heap.fields[this.heap.fieldBase[h] + this.heap.nrefs[h] + index] = value
  }

  isNull(slot: Slot): boolean {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const v = this.roots.values[this.roots.index(slot)]
    this.s.ops++
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const va = this.roots.values[this.roots.index(a)]
    const vb = this.roots.values[this.roots.index(b)]
    this.s.ops++
    return va === vb
  }

  idOf(slot: Slot): number {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(slot, 'idOf')
    this.s.ops++
    const kind = this.heap.kind[h]
    // 3.11+ plain instances have the two pre-header words in front of the GC head; 3.10's none.
    const pre = kind === Kind.DictInstance && this.st.policy.layout !== '3.10' ? 32 : 16
    return this.heap.address[h] + pre
  }

  lengthOf(slot: Slot): number {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(slot, 'lengthOf')
    this.s.ops++
    return this.heap.kind[h] === Kind.Weakref ? 0 : this.heap.nrefs[h]
  }

  /** Py_INCREF on behalf of native code: the object lives at least until unpin. */
  pin(obj: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(obj, 'pin')
    this.s.ops++
    this.pins.push(h)
    this.objects.incref(h)
  }

  /** The matching Py_DECREF; an object with no pin left is an error, not a refcount underflow. */
  unpin(obj: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const h = this.objectIn(obj, 'unpin')
    const at = this.pins.lastIndexOf(h)
    if (at < 0) throw notPinned(this.s.ops, obj)
    this.s.ops++
    this.pins[at] = this.pins[this.pins.length - 1]
    this.pins.pop()
    this.decref(h)
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  objectId(slot: Slot): number {
    const v = this.roots.values[this.roots.index(slot)]
    return v === 0 ? -1 : this.heap.oid[v]
  }

  // ================================================================ interface: weak references

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    const code = callbackCode(this.s.ops, callback)
    const t = this.roots.values[ti]
    if (t === 0) throw nullReference('weakref', this.s.ops, target)
    const nargs = code === 0 ? 1 : 2
    const wrBytes = this.weakrefBytes
    this.allocator.checkHeapRoom(
      this.allocator.tupleFromFreeList(nargs) ? 0 : tupleBytes(nargs),
      wrBytes,
      'weakref',
      dst,
    )
    this.s.ops++
    const heap = this.heap
    // The call `weakref.ref(t[, cb])` first packs its arguments in a tuple (_PyObject_MakeTpCall).
    const args = this.allocator.internalTuple(nargs)
    heap.fields[heap.fieldBase[args]] = t
    heap.refcnt[t]++
    // weakref___new__: a fresh reference object, inserted at the head of the target's list.
    const wr = this.allocator.newObject(Kind.Weakref, wrBytes, false)
    // The CALL's eval-breaker check runs before `wr` is stored (initObject runs it once `wr` is tracked).
    this.allocator.initObject(wr, -1, Kind.Weakref, 0, 0, wrBytes, 0, false)
    this.st.weakrefs.insertHead(wr, t, code)
    this.decref(args)
    this.storeRootOwned(di, wr)
    if (this.st.gcScheduled) this.runAtEvalBreaker()
  }

  deref(dst: Slot, weak: Slot): void {
    if (this.st.gcScheduled) this.runScheduledCollection()
    const di = this.roots.index(dst)
    const w = this.objectIn(weak, 'deref')
    if (this.heap.kind[w] !== Kind.Weakref) throw notAWeakref(this.s.ops, weak)
    this.s.ops++
    this.storeRoot(di, this.st.weakrefs.target(w))
  }

  // ================================================================ interface: the collector

  collect(generation?: number): number {
    if (this.st.gcScheduled) this.runScheduledCollection()
    checkGeneration(this.s.ops, generation)
    // gc_collect_impl's default argument: NUM_GENERATIONS - 1.
    const g = generation ?? NUM_GENERATIONS - 1
    this.s.ops++
    let result = 0
    // gc_collect_impl: a collection already running makes gc.collect() return 0.
    if (!this.st.collecting) {
      this.st.collecting = true
      try {
        result = collectWithCallback(this.st, g, 'gc.collect')
      } finally {
        this.st.collecting = false
      }
    }
    if (this.hub.listening) this.hub.emit({ type: 'collect-call', op: this.s.ops - 1, generation: g, result })
    return result
  }

  gcControl(action: GcControl): boolean {
    if (this.st.gcScheduled) this.runScheduledCollection()
    checkGcAction(this.s.ops, action)
    this.s.ops++
    if (action === 'disable') this.st.enabled = false
    else if (action === 'enable') this.st.enabled = true
    else if (action === 'freeze') this.native.freeze()
    else this.native.unfreeze()
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.s.ops - 1, action, supported: true })
    return true
  }

  // ================================================================ interface: observation

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  /** `sys._debugmallocstats()`'s figures of the modeled pymalloc (what `pygc validate` compares). */
  debugMallocStats(): MallocStats {
    return this.st.pymalloc.debugStats()
  }

  /**
   * The entries in the free lists now: lists, tuples by size (index 0 = size 1), dicts. Each
   * holds a pymalloc block, and an object the interpreter makes next takes one instead of a new
   * block (what `pygc validate` needs of the oracle's own objects after the trace).
   */
  freeListEntries(): FreeListEntries {
    return this.st.freeLists.summary()
  }

  /**
   * The modeled pymalloc itself, for a validation that places blocks the real interpreter makes
   * beside the program's (replay.py's own ints: apps/bench/src/validate/cpython-replay-ints.ts).
   */
  get pymalloc(): PyMalloc {
    return this.st.pymalloc
  }

  /** The interface id of the object in `slot` (-1 if null), with no op counted and nothing run: for such a validation's bookkeeping. */
  objectIdIn(slot: Slot): number {
    const h = this.roots.values[this.roots.index(slot)]
    return h === 0 ? -1 : this.heap.oid[h]
  }

  stats(): ManagerStats {
    this.st.settleFrees()
    const s = this.s
    s.footprintBytes = this.st.pymalloc.footprint
    s.spaces = this.st.spaces()
    s.virtualTime.mutator = this.st.cycle.mutatorTime()
    return cloneStats(s)
  }

  /** Done: the object table's storage goes to the next manager made in this thread (heap-storage.ts). */
  release(): void {
    if (this.heap.capacity > 0) leaveStorage(this.heap.detachStorage())
  }

  forEachLiveId(visit: (id: number) => void): void {
    const heap = this.heap
    for (let h = FIRST_HANDLE; h < heap.handleLimit; h++) {
      if ((heap.flags[h] & (F_LIVE | F_INTERNAL)) === F_LIVE) visit(heap.oid[h])
    }
  }

  // ================================================================ the gc module's setters

  /** gc.set_threshold (and the `thresholds` option): 1 to 3 integers >= 0. */
  setThresholds(t: readonly number[]): void {
    if (t.length < 1 || t.length > 3 || t.some((x) => !Number.isInteger(x) || x < 0 || x > 2 ** 31 - 1)) {
      throw new PygcError(
        'INVALID_OPTION',
        `thresholds must be 1 to 3 integers >= 0, got ${JSON.stringify(t)}`,
      )
    }
    for (let i = 0; i < t.length; i++) this.st.threshold[i] = t[i]
  }

  // ================================================================ root stores

  /**
   * Py_DECREF from the op loop (dealloc.ts decref, with the count read through the manager's
   * own heap field: one dependent load fewer per decref); a death is the deallocator's.
   */
  private decref(h: number): void {
    this.work.refcountOps++
    if (--this.heap.refcnt[h] === 0) this.objects.dealloc(h)
  }

  /** Store into a root slot: the STORE_FAST order (new reference in, then the old one dropped). */
  private storeRoot(index: number, v: number): void {
    const values = this.roots.values
    const old = values[index]
    values[index] = v
    if (v !== 0) this.heap.refcnt[v]++
    // The incref's and the decref's refcountOps in one add, before a death (see popFrame).
    if (old !== 0) {
      this.work.refcountOps += v !== 0 ? 2 : 1
      if (--this.heap.refcnt[old] === 0) this.objects.dealloc(old)
    } else if (v !== 0) this.work.refcountOps++
  }

  /** Store a new reference the caller owns (a fresh object) into a root slot, dropping the old value. */
  private storeRootOwned(index: number, v: number): void {
    const roots = this.roots
    const old = roots.values[index]
    roots.values[index] = v
    if (old !== 0) this.decref(old)
  }

  // ================================================================ the eval breaker (3.12+)

  /**
   * 3.12+ _Py_HandlePending -> _Py_RunGC where replay.py's op loop checks the eval breaker
   * (packages/cpython/VERSIONS.md section 3): at the end of the op that scheduled it (the loop's
   * back edge, or the CALL of id()), after its stores and the frees they caused; events carry
   * that op's index. A class instance or weak reference is made by a CALL, which checks before
   * the object is stored: allocation.ts runs that one (initObject). Counts are read now: frees
   * since the scheduling can leave nothing to collect.
   */
  private runAtEvalBreaker(): void {
    runAtEvalBreaker(this.st)
  }

  /**
   * A collection scheduled by an op that did not reach its own check (it threw after the
   * allocation): the next op's start runs it, between the two ops.
   */
  private runScheduledCollection(): void {
    const st = this.st
    st.gcScheduled = false
    st.atOpBoundary = true
    try {
      collectGenerationsNow(st)
    } finally {
      st.atOpBoundary = false
    }
  }

  // ================================================================ argument checks (core/contract.ts)

  /** The object in a slot, or NULL_REFERENCE. */
  private objectIn(slot: Slot, op: string): number {
    const v = this.roots.values[this.roots.index(slot)]
    if (v === 0) throw nullReference(op, this.s.ops, slot)
    return v
  }

  /** The object at root index `i` (slot `slot`) for a field op: not null, not a weak reference. */
  private fieldsOf(i: number, slot: Slot, op: string): number {
    const h = this.roots.values[i]
    if (h === 0 || this.heap.kind[h] === WEAKREF) throw noFieldsError(op, this.s.ops, slot, h)
    return h
  }

  /** load/store's error, out of line: fieldsOf's (a null slot, a weak reference), else the field's. */
  private badField(op: string, slot: Slot, field: number, h: number): PygcError {
    if (h === 0 || this.heap.kind[h] === WEAKREF) return noFieldsError(op, this.s.ops, slot, h)
    return refFieldError(op, this.s.ops, slot, field, this.heap.nrefs[h])
  }
}
