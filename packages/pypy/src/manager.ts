/**
 * PyPy 7.3.11's memory manager (the incminimark GC) behind the one interface.
 *
 * Every interface object is one block of the bytes PyPy uses for it (layout.ts) at a real
 * address: bump-allocated in the nursery, copied once by a minor collection into an arena
 * block or a raw-malloced block, never moved again; objects too large for the nursery are
 * raw-malloced young (with card marks when they are arrays of references). The collectors are
 * in collector.ts and the files it names.
 *
 * The mutator's slots are the roots, like the stack of the interpreter running the program.
 * `__del__` and weakref callbacks run as PyPy runs them: queued by a major collection, run by
 * the interpreter at the end of the op during which the collection ran (the next bytecode
 * boundary: UserDelAction), or at the end of gc.collect(); never while gc.disable() holds
 * (gc.collect() still runs them).
 *
 * The op methods validate everything first (an error changes nothing), touch only typed
 * arrays, and build events only when someone listens.
 */
import {
  type CallbackSpec,
  type CostModel,
  callbackCode,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  checkRefField,
  EventHub,
  type FinalizerAllocations,
  finalizerAllocations,
  type GcControl,
  type GcEvent,
  type GcEventListener,
  type GcEventType,
  IntList,
  type ManagerInfo,
  type ManagerStats,
  type MemoryManager,
  mutatorCost,
  notAWeakref,
  notPinned,
  nullReference,
  PygcError,
  RootSet,
  type RuntimeFamily,
  releaseHostBuffer,
  resolveCosts,
  runFinalizerAllocations,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
  weakrefHasNoFields,
} from '@pygc/core'
import { IncMiniMark } from './collector.js'
import { LARGE_OBJECT_BYTES } from './constants.js'
import { OP_ALLOC, OP_WEAKREF, OP_WRITE_INT } from './gc-state.js'
import {
  FIRST_WEAKREF_TRANSIENT,
  INT_BOX_BYTES,
  Kind,
  LIFELINE_BYTES,
  layoutOf,
  lifelineSlotGrowth,
  WEAKREF_BYTES,
  WEAKREF_TRANSIENT,
} from './layout.js'
import { PyPyNative } from './native.js'
import {
  cardItemsOf,
  H_EXTRA,
  H_ID,
  H_LEN,
  H_TID,
  H_WORDS,
  INT_BOX_TYPE,
  LIFELINE_TYPE,
  MAX_PROGRAM_TYPES,
  TYPE_MASK,
  WEAKREF_TYPE,
  WR_LIFELINE,
  WR_TAG,
  WR_TARGET,
} from './objects.js'
import { type PyPyOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { startUp } from './startup-image.js'

/** Number.isInteger, read once: a module binding is fewer bytes of bytecode than a global's property (V8 inlines an op by bytecode size). */
const isInteger = Number.isInteger

/** A lifeline registered with the finalizer queue for its callbacks (enable_callbacks). */
const LIFELINE_HAS_CALLBACKS = 1 << 27

export const PYPY_FAMILY: RuntimeFamily = 'pypy'

export const GENERATIONS = ['minor', 'major'] as const

/** The slot an error names for a finalizer's object, which is in none. */
const NO_SLOT = Number.NaN

export class PyPyManager implements MemoryManager<PyPyNative> {
  readonly info: ManagerInfo
  readonly native: PyPyNative
  readonly options: ResolvedOptions
  readonly gc: IncMiniMark

  private readonly roots = new RootSet()
  private readonly registry = new TypeRegistry()
  private readonly hub = new EventHub()
  private readonly costs: CostModel
  /** Pins (strong roots; PyPy cannot pin an object with references, so it may still move). */
  private readonly pins = new IntList(8)
  /** The interpreter's own objects (startup data): roots the program cannot see. */
  private readonly hiddenRoots: readonly number[]

  private ops = 0
  private objectsAllocated = 0
  /**
   * Bytes of the program's objects (alloc, weakref), the figure every runtime reports: bytes
   * allocated = freed + live, from the program's objects only. The objects PyPy makes for itself
   * (int boxes of writeInt into an object list, weakref lifelines) are real memory — the nursery,
   * the arenas, footprint and the validated surviving sizes hold them — but are not the program's
   * allocations, as CPython's small-int cache or Jython's own objects are not.
   */
  private bytesAllocated = 0
  /** Bytes of the objects PyPy makes for itself: allocation work the mutator pays for. */
  private runtimeBytesAllocated = 0
  private peakLiveBytes = 0
  private finalizersFired = false
  /** What each type's finalizer allocates (absent: nothing). */
  private readonly finalizerAllocs: (FinalizerAllocations | undefined)[] = []
  private finalizersEnabled = true
  private readonly callbackPairs: number[] = []
  private readonly freeVisitor = (a: number, bytes: number): void => this.reportFree(a, bytes)

  constructor(options: PyPyOptions = {}) {
    this.options = resolveOptions(options)
    this.costs = resolveCosts(options.cost)
    this.gc = new IncMiniMark(this.options, this.roots, this.costs, this.hub, {
      currentOp: () => this.ops,
      mutatorVirtual: () => this.mutatorVirtual(),
      bytesAllocated: () => this.bytesAllocated,
      forEachExtraRoot: (visit) => this.forEachExtraRoot(visit),
      forEachPin: (visit) => {
        for (let i = 0; i < this.pins.length; i++) visit(this.pins.items[i])
      },
      freeVisitor: () => (this.hub.perObject ? this.freeVisitor : null),
      finalizersQueued: () => {
        this.finalizersFired = true
      },
    })
    this.gc.minor.extraRoots = this.pins
    this.hiddenRoots = startUp(this.gc.s)
    // garbage the oracle's loop left in the nursery before the program (options.ts StartupHeap)
    this.gc.nursery.free += this.options.startup.nurseryUsed ?? 0
    const preset = options.preset ?? 'default'
    this.info = {
      family: PYPY_FAMILY,
      preset,
      description:
        `PyPy 7.3.11 incminimark (nursery ${Math.round(this.options.nurseryBytes / 1024)} KiB): ` +
        'bump-allocated nursery copied out by minor collections, incremental non-moving mark-sweep, minimarkpage arenas',
      generations: GENERATIONS,
      moving: true,
      idKind: 'address',
      sizeMode: 'pypy',
      outOfMemory: 'MemoryError',
      incremental: true,
    }
    this.native = new PyPyNative(this)
  }

  // ---- Mutator: declarations and frames ----------------------------------------------------

  defineType(spec: TypeSpec): TypeId {
    if (this.registry.count >= MAX_PROGRAM_TYPES) {
      throw new PygcError('INVALID_TYPE_SPEC', `too many types: at most ${MAX_PROGRAM_TYPES}`)
    }
    const id = this.registry.define(spec, this.roots.globalCount)
    const s = this.registry.get(id)
    const layout = layoutOf(s)
    this.gc.s.heap.types.add(layout, s.variable === undefined ? layout.bytes(0) : -1)
    const allocs = finalizerAllocations(s)
    if (allocs !== null) this.finalizerAllocs[id] = allocs
    return id
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.roots.pushFrame(locals)
    this.ops++
  }

  popFrame(): void {
    this.roots.popFrame()
    this.ops++
  }

  // ---- Mutator: objects --------------------------------------------------------------------

  alloc(dst: Slot, type: TypeId, length?: number): void {
    const di = this.roots.index(dst)
    const len = this.registry.allocLength(type, length) // UNKNOWN_TYPE, VALUE_OUT_OF_RANGE
    const a = this.newProgramObject(type, len, dst)
    if (this.gc.s.heap.types.finalizer[type] === 1) this.gc.s.probablyYoungObjectsWithFinalizers.push(a)
    this.roots.values[di] = a
    this.ops++
    if (this.finalizersFired || this.native.hooksPending) this.afterGc(this.ops - 1)
  }

  /**
   * A new program object of `type` with `len` (alloc's, or a finalizer's): the interpreter's
   * transient garbage first, then the block (nursery or raw) and its header, counted. A
   * fixed-size type's figures come from the type tables (objects.ts), a variable one's from its layout.
   */
  private newProgramObject(type: TypeId, len: number, slot: Slot): number {
    const types = this.gc.s.heap.types
    const transient = types.transient[type]
    if (transient > 0) this.gc.allocateTransient(transient, OP_ALLOC, slot)
    let size = types.fixedBytes[type]
    let largest: number
    let cardItems: number
    let payload: number
    if (size >= 0) {
      largest = types.fixedLargest[type]
      cardItems = types.fixedCardItems[type]
      payload = types.fixedPayload[type]
    } else {
      const layout = types.layouts[type]
      size = layout.bytes(len)
      largest = layout.largestPart(len)
      cardItems = cardItemsOf(layout, len)
      payload = layout.payloadPart(len)
    }
    const large = largest >= LARGE_OBJECT_BYTES
    const a = this.gc.allocate(size, largest, cardItems, OP_ALLOC, slot, payload)
    const id = this.objectsAllocated
    const w = this.gc.s.mem.w
    w[(a >> 2) + H_TID] = type | (large ? this.gc.youngRawFlags(cardItems >= 0) : 0)
    w[(a >> 2) + H_ID] = id
    w[(a >> 2) + H_LEN] = len
    w[(a >> 2) + H_EXTRA] = 0
    this.noteAllocated(a, id, type, size, true)
    return a
  }

  load(dst: Slot, obj: Slot, field: number): void {
    const di = this.roots.index(dst)
    const a = this.objectIn(obj, 'load')
    const f = this.checkField(a, obj, field, 'load')
    this.roots.values[di] = this.gc.s.mem.w[f]
    this.ops++
  }

  store(obj: Slot, field: number, src: Slot): void {
    const v = this.roots.values[this.roots.index(src)]
    const a = this.objectIn(obj, 'store')
    const f = this.checkField(a, obj, field, 'store')
    this.gc.s.mem.w[f] = v
    this.gc.barrier.onStore(a, field)
    this.ops++
  }

  move(dst: Slot, src: Slot): void {
    const di = this.roots.index(dst)
    this.roots.values[di] = this.roots.values[this.roots.index(src)]
    this.ops++
  }

  clear(dst: Slot): void {
    this.roots.values[this.roots.index(dst)] = 0
    this.ops++
  }

  readInt(obj: Slot, index: number): number {
    const a = this.objectIn(obj, 'readInt')
    const iw = this.checkInt(a, obj, index, 'readInt')
    this.ops++
    const w = this.gc.s.mem.w
    if (this.gc.s.heap.kindAt(a) !== Kind.ObjectList) return w[iw]
    // An ObjectListStrategy item is a W_IntObject (0: the template's shared constant 0).
    const box = w[iw]
    return box === 0 ? 0 : w[(box >> 2) + H_ID]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    const ai = this.roots.index(obj)
    checkInt32('writeInt', this.ops, value) // the contract checks the value before the object
    const a = this.objectIn(obj, 'writeInt')
    this.checkInt(a, obj, index, 'writeInt')
    const heap = this.gc.s.heap
    if (heap.kindAt(a) !== Kind.ObjectList) {
      this.gc.s.mem.w[heap.intWord(a, index)] = value
      this.ops++
      return
    }
    // Storing an int into an ObjectListStrategy list stores a new W_IntObject (16 bytes).
    const box = this.gc.allocate(INT_BOX_BYTES, INT_BOX_BYTES, -1, OP_WRITE_INT, obj)
    const w = this.gc.s.mem.w
    w[(box >> 2) + H_TID] = INT_BOX_TYPE
    w[(box >> 2) + H_ID] = value
    const moved = this.roots.values[ai] // the allocation may have moved the list
    w[heap.intWord(moved, index)] = box
    this.gc.barrier.onStore(moved, heap.refFields(moved) + index)
    this.noteAllocated(box, -1, -2, INT_BOX_BYTES, false)
    this.ops++
    if (this.finalizersFired || this.native.hooksPending) this.afterGc(this.ops - 1)
  }

  isNull(slot: Slot): boolean {
    const v = this.roots.values[this.roots.index(slot)]
    this.ops++
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    const va = this.roots.values[this.roots.index(a)]
    const vb = this.roots.values[this.roots.index(b)]
    this.ops++
    return va === vb
  }

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    const tag = callbackCode(this.ops, callback) // 0, or the tag + 1; checked before the target
    if (this.roots.values[ti] === 0) throw nullReference('weakref', this.ops, target)
    const s = this.gc.s
    const heap = s.heap
    // The first weak reference hangs a WeakrefLifeline on the target (kept in its mapdict).
    const first = s.mem.w[(this.roots.values[ti] >> 2) + H_EXTRA] === 0
    this.gc.allocateTransient(first ? FIRST_WEAKREF_TRANSIENT : WEAKREF_TRANSIENT, OP_WEAKREF, dst)
    let t = this.roots.values[ti]
    if (first) {
      const growth = heap.isProgram(t) && heap.typeOf(t) !== WEAKREF_TYPE ? this.lifelineGrowth(t) : 0
      const size = LIFELINE_BYTES + growth
      const l = this.gc.allocate(size, size, -1, OP_WEAKREF, dst)
      const w = s.mem.w
      w[(l >> 2) + H_TID] = LIFELINE_TYPE
      w[(l >> 2) + H_ID] = this.gc.weak.nextLifelineSerial++
      w[(l >> 2) + H_EXTRA] = size
      t = this.roots.values[ti]
      w[(t >> 2) + H_EXTRA] = l
      this.gc.barrier.onStoreField(t)
      this.noteAllocated(l, -1, -2, size, false)
    }
    const a = this.gc.allocate(WEAKREF_BYTES, WEAKREF_BYTES, -1, OP_WEAKREF, dst)
    t = this.roots.values[ti]
    const w = s.mem.w
    const lifeline = w[(t >> 2) + H_EXTRA]
    const id = this.objectsAllocated
    w[(a >> 2) + H_TID] = WEAKREF_TYPE
    w[(a >> 2) + H_ID] = id
    w[(a >> 2) + H_LEN] = 0
    w[(a >> 2) + H_EXTRA] = 0
    w[(a >> 2) + WR_TARGET] = t
    w[(a >> 2) + WR_TAG] = tag
    w[(a >> 2) + WR_LIFELINE] = w[(lifeline >> 2) + H_ID]
    s.youngObjectsWithWeakrefs.push(a)
    if (tag !== 0) {
      // enable_callbacks: the lifeline joins the finalizer queue once.
      if ((w[(lifeline >> 2) + H_TID] & LIFELINE_HAS_CALLBACKS) === 0) {
        w[(lifeline >> 2) + H_TID] |= LIFELINE_HAS_CALLBACKS
        s.probablyYoungObjectsWithFinalizers.push(lifeline)
      }
      this.gc.weak.addCallbackRef(a)
    }
    this.roots.values[di] = a
    this.noteAllocated(a, id, -1, WEAKREF_BYTES, true)
    this.ops++
    if (this.finalizersFired || this.native.hooksPending) this.afterGc(this.ops - 1)
  }

  private lifelineGrowth(t: number): number {
    const w = this.gc.s.mem.w
    const type = w[(t >> 2) + H_TID] & TYPE_MASK
    return lifelineSlotGrowth(this.registry.get(type), w[(t >> 2) + H_LEN])
  }

  deref(dst: Slot, weak: Slot): void {
    const di = this.roots.index(dst)
    const a = this.roots.values[this.roots.index(weak)]
    if (a === 0) throw nullReference('deref', this.ops, weak)
    if (this.gc.s.heap.typeOf(a) !== WEAKREF_TYPE) throw notAWeakref(this.ops, weak)
    this.roots.values[di] = this.gc.s.mem.w[(a >> 2) + WR_TARGET]
    this.ops++
  }

  /**
   * PyPy's gc.collect(generation): the argument is ignored, a full major collection runs
   * (incminimark.py:2294 minor_and_major_collection), then the queued finalizers run
   * (pypy/module/gc/interp_gc.py collect). PyPy returns None: the model returns 0.
   */
  collect(generation?: number): number {
    checkGeneration(this.ops, generation)
    this.gc.fullCollection()
    this.runFinalizers(true, this.ops)
    this.native.fireHooks()
    if (this.hub.listening) {
      this.hub.emit({ type: 'collect-call', op: this.ops, generation: generation ?? -1, result: 0 })
    }
    this.ops++
    return 0
  }

  /**
   * gc.disable() / gc.enable() exist on PyPy: disabled, only minor collections run (a major one
   * only when asked) and finalizers wait (interp_gc.py disable/enable). gc.freeze does not exist
   * (AttributeError): false, with an event saying so.
   */
  gcControl(action: GcControl): boolean {
    checkGcAction(this.ops, action)
    const supported = action === 'disable' || action === 'enable'
    if (action === 'disable') {
      this.gc.s.enabled = false
      this.finalizersEnabled = false
    } else if (action === 'enable') {
      this.gc.s.enabled = true
      this.finalizersEnabled = true
    }
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.ops, action, supported })
    if (action === 'enable' && this.gc.finalizers.queue.length > 0) this.runFinalizers(false, this.ops)
    this.ops++
    return supported
  }

  /**
   * id(): the object's address once it is old. A nursery object gets its old block reserved
   * now (a "shadow", incminimark.py:2745), so its id never changes when it moves there.
   */
  idOf(slot: Slot): number {
    const a = this.objectIn(slot, 'idOf')
    this.ops++
    return this.native.idOfAddress(a)
  }

  lengthOf(slot: Slot): number {
    const a = this.objectIn(slot, 'lengthOf')
    this.ops++
    const heap = this.gc.s.heap
    return heap.typeOf(a) === WEAKREF_TYPE ? 0 : heap.refFields(a)
  }

  /**
   * A strong root in a table, like the replayer's pin table. PyPy pins only objects without GC
   * references (rgc.pin; incminimark.py pin refuses the others), so a pinned interface object
   * still moves out of the nursery (FIDELITY.md, "Pinning").
   */
  pin(obj: Slot): void {
    const a = this.objectIn(obj, 'pin')
    this.ops++
    this.pins.push(a)
  }

  unpin(obj: Slot): void {
    const a = this.objectIn(obj, 'unpin')
    if (!this.pins.removeOne(a)) throw notPinned(this.ops, obj)
    this.ops++
  }

  // ---- MemoryManager -----------------------------------------------------------------------

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  objectId(slot: Slot): number {
    const a = this.roots.get(slot)
    return a === 0 ? -1 : this.gc.s.mem.w[(a >> 2) + H_ID]
  }

  /** Done: the reserved address space may go to the next manager (core host-buffers.ts). */
  release(): void {
    releaseHostBuffer(this.gc.s)
  }

  forEachLiveId(visit: (id: number) => void): void {
    this.native.forEachObject((a) => {
      if (this.gc.s.heap.isProgram(a)) visit(this.gc.s.mem.w[(a >> 2) + H_ID])
    })
  }

  stats(): ManagerStats {
    const g = this.gc
    const liveBytes = this.bytesAllocated - g.freedBytes
    const footprint = g.footprint()
    return {
      ops: this.ops,
      objectsAllocated: this.objectsAllocated,
      bytesAllocated: this.bytesAllocated,
      liveObjects: this.objectsAllocated - g.freedObjects,
      liveBytes,
      peakLiveBytes: Math.max(this.peakLiveBytes, liveBytes),
      footprintBytes: footprint,
      peakFootprintBytes: Math.max(footprint, this.native.peakFootprint()),
      collections: [g.minorCount, g.s.numMajorCollects],
      collectionReasons: { ...g.reasons },
      freedByRefcount: 0,
      freedByCycle: 0,
      freedByTracing: g.freedObjects,
      freedBytesByRefcount: 0,
      freedBytesByCycle: 0,
      freedBytesByTracing: g.freedBytes,
      weakrefsCleared: g.weak.weakrefsCleared,
      work: { ...g.s.work },
      virtualTime: { mutator: this.mutatorVirtual(), gc: g.gcVirtual },
      wallGcMs: g.wallGcMs,
      spaces: g.spaces(),
    }
  }

  // ---- validation helpers ------------------------------------------------------------------

  private objectIn(slot: Slot, what: string): number {
    const a = this.roots.values[this.roots.index(slot)]
    if (a === 0) throw nullReference(what, this.ops, slot)
    return a
  }

  /** The word index of reference field `field` of the object at `a`, after checking it exists. */
  private checkField(a: number, slot: Slot, field: number, what: string): number {
    const heap = this.gc.s.heap
    const t = heap.typeOf(a)
    // The hot case is one table read: the type's refs, -1 for a type of variable length (whose
    // length word, like every error, is the out-of-line path's).
    if (t !== WEAKREF_TYPE && isInteger(field) && field >= 0 && field < heap.types.refs[t])
      return (a >> 2) + H_WORDS + field
    return this.lengthCheckedField(a, slot, field, what)
  }

  private lengthCheckedField(a: number, slot: Slot, field: number, what: string): number {
    const heap = this.gc.s.heap
    if (heap.typeOf(a) === WEAKREF_TYPE) throw weakrefHasNoFields(what, this.ops, slot)
    checkRefField(what, this.ops, slot, field, heap.refFields(a))
    return (a >> 2) + H_WORDS + field
  }

  private checkInt(a: number, slot: Slot, index: number, what: string): number {
    const heap = this.gc.s.heap
    const t = heap.typeOf(a)
    if (t === WEAKREF_TYPE) throw weakrefHasNoFields(what, this.ops, slot)
    checkIntIndex(what, this.ops, slot, index, heap.types.ints[t])
    return heap.intWord(a, index)
  }

  // ---- allocation bookkeeping --------------------------------------------------------------

  private noteAllocated(a: number, id: number, typeId: number, size: number, program: boolean): void {
    if (program) {
      this.objectsAllocated++
      this.bytesAllocated += size
      if (this.gc.s.mem.inNursery(a)) {
        this.gc.nursery.programObjects++
        this.gc.nursery.programBytes += size
      }
    } else {
      this.runtimeBytesAllocated += size
    }
    const live = this.bytesAllocated - this.gc.freedBytes
    if (live > this.peakLiveBytes) this.peakLiveBytes = live
    if (program && this.hub.perObject) {
      this.hub.emitAlloc(this.ops, id, typeId, size, a)
    }
  }

  private forEachExtraRoot(visit: (a: number) => void): void {
    const h = this.hiddenRoots
    for (let i = 0; i < h.length; i++) visit(h[i])
    const q = this.gc.finalizers.queue
    for (let i = 0; i < q.length; i++) visit(q.items[i])
  }

  private reportFree(a: number, bytes: number): void {
    const w = this.gc.s.mem.w
    if (this.hub.perObject) {
      this.hub.emit({ type: 'free', op: this.ops, id: w[(a >> 2) + H_ID], bytes, cause: 'tracing' })
    }
  }

  private mutatorVirtual(): number {
    return (
      mutatorCost(
        {
          ops: this.ops,
          objectsAllocated: this.objectsAllocated,
          bytesAllocated: this.bytesAllocated + this.runtimeBytesAllocated,
        },
        this.gc.s.work,
        0,
        this.costs,
      ) +
      this.gc.s.work.finalizersRun * this.costs.finalizer
    )
  }

  // ---- the interpreter's finalizer action --------------------------------------------------

  /**
   * UserDelAction._run_finalizers: the queued objects in order; an object's `__del__` (a
   * resurrecting one stores it into its global), a lifeline's weakref callbacks newest first.
   * `force`: gc.collect() runs them even while gc.disable() holds. Events carry `op`, the index
   * of the op during which the collection ran.
   */
  runFinalizers(force: boolean, op: number): void {
    this.finalizersFired = false
    if (!this.finalizersEnabled && !force) return
    const q = this.gc.finalizers.queue
    if (q.length === 0) return
    // In queue order (FinalizerQueue.next_dead pops the deque from the left). FIDELITY.md,
    // "Finalizers": a gc.collect() whose first finalizer the JIT has not compiled runs it last.
    // The batch stays in the queue (roots of the major collections) until it has run: a
    // finalizer that allocates may start collections. What they queue waits for the next run.
    const n = q.length
    for (let k = 0; k < n; k++) {
      const a = q.items[k]
      const unit = this.finalizeOne(a, op)
      if (this.hub.listening) for (const e of unit) this.hub.emit(e)
      const t = this.gc.s.mem.w[(a >> 2) + H_TID] & TYPE_MASK
      const allocs = t === LIFELINE_TYPE ? undefined : this.finalizerAllocs[t]
      if (allocs !== undefined) runFinalizerAllocations(allocs, (t) => this.finalizerObject(t), this.roots)
    }
    q.items.copyWithin(0, n, q.length)
    q.length -= n
  }

  /** A new instance of a fixed-size type (TypeRegistry: allocate and storeNew name only those). */
  /**
   * A `__del__` that allocates (FinalizerSpec.allocate, storeNew), run from the finalizer queue
   * as UserDelAction runs it: `count` instances dropped as made, then one stored into its
   * global, each allocated as the program's are (in the nursery; a full one starts a minor
   * collection, whose own finalizers wait for the next run).
   */
  private finalizerObject(type: TypeId): number {
    return this.newProgramObject(type, 0, NO_SLOT)
  }

  /** Run one queued object's finalizer: a __del__ (maybe resurrecting) or a lifeline's callbacks. */
  private finalizeOne(a: number, op: number): GcEvent[] {
    const s = this.gc.s
    const w = s.mem.w
    const t = w[(a >> 2) + H_TID] & TYPE_MASK
    if (t === LIFELINE_TYPE) {
      const pairs = this.callbackPairs
      pairs.length = 0
      this.gc.weak.takeCallbacks(a, pairs)
      const events: GcEvent[] = []
      for (let k = 0; k < pairs.length; k += 2) {
        events.push({ type: 'weakref-callback', op, weakId: pairs[k], tag: pairs[k + 1] })
      }
      return events
    }
    const into = s.heap.types.resurrectInto[t]
    if (into >= 0) this.roots.values[into] = a
    s.work.finalizersRun++
    // PyPy runs finalizers at the end of the op during which the GC ran (afterGc) or inside gc.collect()
    // and gc.enable(): always inside an op, after its own effect.
    return [
      { type: 'finalize', op, id: w[(a >> 2) + H_ID], typeId: t, resurrected: into >= 0, betweenOps: false },
    ]
  }

  /**
   * What the interpreter does at the end of an op during which the GC ran: its pending actions,
   * the gc.hooks callbacks (aggregated: one call per hook with the count since the last), then
   * the finalizer queue.
   */
  afterGc(op: number): void {
    this.native.fireHooks()
    if (this.finalizersFired) this.runFinalizers(false, op)
  }

  /** gc.collect_step() for the native surface: one minor collection and one major step. */
  collectStepOp(): { from: number; to: number } {
    const r = this.gc.collectStep()
    this.ops++
    this.afterGc(this.ops - 1)
    return r
  }

  /** Run the finalizers gc.collect_step() hands over in its USERDEL pseudo-step. */
  runQueuedFinalizers(): void {
    this.runFinalizers(true, this.ops)
  }

  /** The hidden roots, for heap walks. */
  forEachHiddenRoot(visit: (a: number) => void): void {
    for (let i = 0; i < this.hiddenRoots.length; i++) visit(this.hiddenRoots[i])
  }

  get opCount(): number {
    return this.ops
  }
}
