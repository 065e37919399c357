/**
 * Jython 2.7 on a HotSpot 17 JVM with the Serial collector.
 *
 * Design. Every Python object is one block on a JVM heap held in an ArrayBuffer (see heap.ts
 * for the layout); the mutator's slots are the thread's stack roots. Allocation bumps a
 * pointer in eden; when that fails, GenCollectedHeap (gen-collected-heap.ts) runs HotSpot's
 * allocation-failure policy: young collections (scavenge.ts), full collections
 * (mark-compact.ts), expansion, java.lang.OutOfMemoryError.
 *
 * Finalization and weak references follow the JVM's reference processing (gc-context.ts) and
 * Jython's mapping onto it: a `__del__` is a FinalizeTrigger's finalize(), run later by the
 * finalizer thread; a weakref callback is run later by Jython's weakref reaper thread. The
 * model runs both threads at a deterministic point (options.finalizerDrain): by default at
 * the first op boundary after the collection that queued them, finalizers first, then
 * callbacks in reverse registration order.
 *
 * The op methods are the hot path: they validate everything first (so an error changes
 * nothing), touch only typed arrays, and build event objects only when someone listens.
 */
import {
  type CallbackSpec,
  CollectionCycle,
  type CostModel,
  callbackCode,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  checkRefField,
  cloneStats,
  EventHub,
  emptyStats,
  type FinalizerAllocations,
  finalizerAllocations,
  type GcControl,
  type GcEventListener,
  type GcEventType,
  IntList,
  type ManagerInfo,
  type ManagerStats,
  type MemoryManager,
  noFieldsError,
  notAWeakref,
  notPinned,
  nullReference,
  RootSet,
  releaseHostBuffer,
  resolveCosts,
  runFinalizerAllocations,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
} from '@pygc/core'
import type { GcContext } from './gc-context.js'
import { formatGcLog } from './gc-log.js'
import { GENERATIONS, GenCollectedHeap } from './gen-collected-heap.js'
import {
  FLAG_FINALIZABLE,
  FLAG_PYID,
  FLAG_WEAK,
  H_ID,
  H_KLASS,
  H_WORDS,
  JvmHeap,
  NOT_PROGRAM,
  TYPE_MASK,
  WEAK_TYPE,
} from './heap.js'
import { JythonNative } from './native.js'
import { type JythonOptions, type ResolvedOptions, resolveOptions } from './options.js'
import { layoutOf } from './sizes.js'
import { layDownStartupData, layDownStartupGarbage } from './startup-data.js'
import { verifyHeap } from './verify.js'

/** Number.isInteger, read once: a module binding is fewer bytes of bytecode than a global's property (V8 inlines an op by bytecode size). */
const isInteger = Number.isInteger

export class JythonManager implements MemoryManager<JythonNative> {
  readonly info: ManagerInfo
  readonly native: JythonNative
  readonly options: ResolvedOptions

  private readonly heap: JvmHeap
  private readonly roots: RootSet
  private readonly registry = new TypeRegistry()
  private readonly hub = new EventHub()
  private readonly costs: CostModel
  private readonly ctx: GcContext
  private readonly gch: GenCollectedHeap
  /**
   * The figures (allocation, live, frees, collections, GC time), kept by the op methods and by
   * core's CollectionCycle; `ops` is counted in its own field on the hot path and copied in.
   */
  private readonly s: ManagerStats = emptyStats(GENERATIONS)
  private readonly cycle: CollectionCycle

  private ops = 0

  private nextPyId = 1
  private readonly pyIds = new Map<number, number>()
  /** Finalizers or callbacks are queued and the drain rule says run them at the next op. */
  private drainPending = false
  /** What each type's finalizer allocates (absent: nothing). */
  private readonly finalizerAllocs: (FinalizerAllocations | undefined)[] = []
  private readonly freeVisitor = (a: number): void => this.reportFree(a)

  constructor(options: JythonOptions = {}) {
    this.options = resolveOptions(options)
    this.costs = resolveCosts(options.cost)
    this.heap = new JvmHeap(this.options, this)
    this.roots = new RootSet({ outOfMemory: 'java.lang.OutOfMemoryError', slotLimit: options.rootSlotLimit })
    const preset = options.preset ?? (this.options.sizeMode === 'java' ? 'java' : 'default')
    this.info = {
      family: 'jython',
      preset,
      description:
        `Jython 2.7 on HotSpot 17 -XX:+UseSerialGC (${this.options.sizeMode} sizes): ` +
        'copying young gen (eden + 2 survivors, adaptive tenuring), mark-compact old gen, card table',
      generations: GENERATIONS,
      moving: true,
      idKind: 'counter',
      sizeMode: this.options.sizeMode,
      outOfMemory: 'java.lang.OutOfMemoryError',
    }
    this.ctx = {
      heap: this.heap,
      roots: this.roots,
      hiddenRoots: new IntList(),
      jniGlobalRefs: new IntList(),
      finalizeQueue: new IntList(),
      finalizable: new IntList(),
      weakrefs: new IntList(),
      quietWeakrefs: 0,
      work: this.s.work,
      cleared: [],
      pendingCallbacks: [],
      onFree: null,
    }
    this.cycle = new CollectionCycle(this.s, this.hub, this.costs)
    this.gch = new GenCollectedHeap(this.options, this.heap, this.ctx, this.s, this.cycle, this.hub, {
      // Ops count completed ops: the one in progress (whose allocation or collect() runs the GC) is `ops`.
      currentOp: () => this.ops,
      mutatorVirtual: () => this.mutatorVirtual(),
      freeVisitor: () => (this.needFreeVisits() ? this.freeVisitor : null),
      referencesQueued: () => {
        this.drainPending = this.options.finalizerDrain === 'next-op'
      },
    })
    layDownStartupData(this.heap, this.ctx.hiddenRoots, this.options.jvmStartup)
    layDownStartupGarbage(this.heap, this.options.jvmStartup.garbageBytes)
    this.native = new JythonNative({
      collect: () => this.collect(),
      records: () => this.gch.records,
      logLines: () => formatGcLog(this.gch.records),
      runFinalization: () => this.runFinalizerThreads(),
      summary: () => this.summary(),
      addressOf: (slot) => this.roots.get(slot),
      tenuringThreshold: () => this.gch.tenuringThreshold,
      verify: () => verifyHeap(this.heap, this.roots, this.ctx),
    })
  }

  // ---- Mutator: declarations and frames ----------------------------------------------------

  defineType(spec: TypeSpec): TypeId {
    // MAX_TYPES (core types.ts) is below TYPE_MASK, the weak reference's type code.
    const id = this.registry.define(spec, this.roots.globalCount)
    const s = this.registry.get(id)
    const layout = layoutOf(s, this.options.sizeMode)
    const variable = s.variable === 'refs' ? 1 : s.variable === 'bytes' ? 2 : 0
    this.heap.types.add(
      variable === 1 ? 0 : s.refs,
      s.ints ?? 0,
      variable,
      layout.base,
      layout.unit,
      s.finalizer !== undefined,
      s.finalizer?.resurrectInto ?? -1,
    )
    const allocs = finalizerAllocations(s)
    if (allocs !== null) this.finalizerAllocs[id] = allocs
    return id
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    if (this.drainPending) this.runFinalizerThreads()
    this.roots.pushFrame(locals)
    this.ops++
  }

  popFrame(): void {
    if (this.drainPending) this.runFinalizerThreads()
    this.roots.popFrame()
    this.ops++
  }

  // ---- Mutator: objects --------------------------------------------------------------------

  /**
   * The hot case, a fixed-size type with no length, is one table read (typeof first, so that a
   * string id such as '0' never indexes the table; any other id reads undefined or 0 there);
   * every other case, errors included, is allocSized's.
   */
  alloc(dst: Slot, type: TypeId, length?: number): void {
    if (this.drainPending) this.runFinalizerThreads()
    const di = this.roots.index(dst)
    const size = typeof type === 'number' && length === undefined ? this.heap.types.fixedBytes[type] : 0
    if (size > 0) this.place(di, dst, type, size, 0)
    else this.allocSized(di, dst, type, length)
  }

  /** alloc of a variable-size type, or with a length, or of a bad type id (UNKNOWN_TYPE, VALUE_OUT_OF_RANGE). */
  private allocSized(di: number, dst: Slot, type: TypeId, length: number | undefined): void {
    const len = this.registry.allocLength(type, length)
    this.place(di, dst, type, this.heap.bytesFor(type, len), len)
  }

  /** The object of alloc's checked arguments: allocated, initialised, in root index `di`. */
  private place(di: number, dst: Slot, type: TypeId, size: number, len: number): void {
    const finalizable = this.heap.types.finalizer[type] === 1
    const a = this.gch.allocate(size, 'alloc', dst)
    const id = this.s.objectsAllocated
    this.heap.initObject(a, size, id, type | (finalizable ? FLAG_FINALIZABLE : 0), len)
    if (finalizable) this.ctx.finalizable.push(a)
    this.roots.values[di] = a
    this.noteAllocated(a, id, type, size)
    this.ops++
  }

  load(dst: Slot, obj: Slot, field: number): void {
    if (this.drainPending) this.runFinalizerThreads()
    const di = this.roots.index(dst)
    const a = this.fieldsOf(this.roots.index(obj), obj, 'load')
    const f = this.fieldWord(a, obj, field, 'load')
    this.roots.values[di] = this.heap.words[f]
    this.ops++
  }

  store(obj: Slot, field: number, src: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    const oi = this.roots.index(obj)
    const v = this.roots.values[this.roots.index(src)]
    const a = this.fieldsOf(oi, obj, 'store')
    const f = this.fieldWord(a, obj, field, 'store')
    const heap = this.heap
    heap.words[f] = v
    // The post-write barrier (CardTableBarrierSet::write_ref_field_post) runs on every
    // reference store: HotSpot's Serial card mark is unconditional, so every store counts as a
    // barrier operation. Only old-generation cards are ever scanned, so the model dirties just
    // those; a dirty young card would be ignored anyway.
    this.ctx.work.barrierOps++
    if (a >= heap.oldStart) heap.cards.dirty(f << 2)
    this.ops++
  }

  move(dst: Slot, src: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    const di = this.roots.index(dst)
    this.roots.values[di] = this.roots.values[this.roots.index(src)]
    this.ops++
  }

  clear(dst: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    this.roots.values[this.roots.index(dst)] = 0
    this.ops++
  }

  readInt(obj: Slot, index: number): number {
    if (this.drainPending) this.runFinalizerThreads()
    const a = this.fieldsOf(this.roots.index(obj), obj, 'readInt')
    const w = this.intWord(a, obj, index, 'readInt')
    this.ops++
    return this.heap.ints[w]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    if (this.drainPending) this.runFinalizerThreads()
    const oi = this.roots.index(obj)
    checkInt32('writeInt', this.ops, value)
    const a = this.fieldsOf(oi, obj, 'writeInt')
    const w = this.intWord(a, obj, index, 'writeInt')
    this.heap.ints[w] = value
    this.ops++
  }

  isNull(slot: Slot): boolean {
    if (this.drainPending) this.runFinalizerThreads()
    const v = this.roots.values[this.roots.index(slot)]
    this.ops++
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    if (this.drainPending) this.runFinalizerThreads()
    const va = this.roots.values[this.roots.index(a)]
    const vb = this.roots.values[this.roots.index(b)]
    this.ops++
    return va === vb
  }

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    if (this.drainPending) this.runFinalizerThreads()
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    const tag = callbackCode(this.ops, callback) // tag + 1 in a uint32 word, 0 for none
    if (this.roots.values[ti] === 0) throw nullReference('weakref', this.ops, target)
    const size = this.heap.weakBytes
    const a = this.gch.allocate(size, 'weakref', dst)
    const id = this.s.objectsAllocated
    this.heap.initObject(a, size, id, WEAK_TYPE | FLAG_WEAK, 0)
    // Read the target after allocating: a collection may have moved it.
    const w = (a >> 2) + H_WORDS
    this.heap.words[w] = this.roots.values[ti]
    this.heap.words[w + 1] = tag
    this.ctx.weakrefs.push(a)
    this.roots.values[di] = a
    this.noteAllocated(a, id, -1, size)
    this.ops++
  }

  deref(dst: Slot, weak: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    const di = this.roots.index(dst)
    const a = this.roots.values[this.roots.index(weak)]
    if (a === 0) throw nullReference('deref', this.ops, weak)
    if ((this.heap.words[(a >> 2) + H_KLASS] & FLAG_WEAK) === 0) throw notAWeakref(this.ops, weak)
    this.roots.values[di] = this.heap.words[(a >> 2) + H_WORDS]
    this.ops++
  }

  /** Jython's gc.collect(): System.gc(), a full collection whatever the generation; returns -2 ("unknown"). */
  collect(generation?: number): number {
    if (this.drainPending) this.runFinalizerThreads()
    checkGeneration(this.ops, generation)
    this.gch.systemGc()
    if (this.hub.listening) {
      this.hub.emit({ type: 'collect-call', op: this.ops, generation: generation ?? -1, result: -2 })
    }
    this.ops++
    return -2
  }

  /**
   * Jython's gc.enable() does nothing (true); gc.disable() raises NotImplementedError, and
   * there is no gc.freeze: those return false, with an event saying so.
   */
  gcControl(action: GcControl): boolean {
    if (this.drainPending) this.runFinalizerThreads()
    checkGcAction(this.ops, action)
    const supported = action === 'enable'
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.ops, action, supported })
    this.ops++
    return supported
  }

  /** id(): Jython's IdImpl hands out 1, 2, 3... on first use (objects move, so no address). */
  idOf(slot: Slot): number {
    if (this.drainPending) this.runFinalizerThreads()
    const a = this.objectIn(slot, 'idOf')
    this.ops++
    const k = (a >> 2) + H_KLASS
    const objectId = this.heap.words[a >> 2]
    if ((this.heap.words[k] & FLAG_PYID) !== 0) return this.pyIds.get(objectId) as number
    const id = this.nextPyId++
    this.heap.words[k] |= FLAG_PYID
    this.pyIds.set(objectId, id)
    return id
  }

  lengthOf(slot: Slot): number {
    if (this.drainPending) this.runFinalizerThreads()
    const a = this.objectIn(slot, 'lengthOf')
    this.ops++
    return this.heap.refCount(a)
  }

  /**
   * JNI NewGlobalRef: a root the collector updates when the object moves. Not a pin: HotSpot's
   * Serial GC has no object pinning, so the object may still move (FIDELITY.md#pinning).
   */
  pin(obj: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    const a = this.objectIn(obj, 'pin')
    this.ops++
    this.ctx.jniGlobalRefs.push(a)
  }

  /** JNI DeleteGlobalRef of one of the object's global references. */
  unpin(obj: Slot): void {
    if (this.drainPending) this.runFinalizerThreads()
    const a = this.objectIn(obj, 'unpin')
    if (!this.ctx.jniGlobalRefs.removeOne(a)) throw notPinned(this.ops, obj)
    this.ops++
  }

  // ---- MemoryManager -----------------------------------------------------------------------

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  objectId(slot: Slot): number {
    const a = this.roots.get(slot)
    return a === 0 ? -1 : this.heap.words[a >> 2]
  }

  /** Done: the reserved heap may go to the next manager (core host-buffers.ts). */
  release(): void {
    releaseHostBuffer(this)
  }

  forEachLiveId(visit: (id: number) => void): void {
    const h = this.heap
    const spans: [number, number][] = [
      [h.oldStart, h.oldTop],
      [h.edenStart, h.edenTop],
      [h.fromStart, h.fromTop],
      [h.toStart, h.toTop],
    ]
    for (const [start, end] of spans) {
      for (let a = start; a < end; a += h.sizeOf(a)) {
        if ((h.words[(a >> 2) + H_KLASS] & NOT_PROGRAM) === 0) visit(h.words[a >> 2])
      }
    }
  }

  stats(): ManagerStats {
    const h = this.heap
    const s = cloneStats(this.s)
    s.ops = this.ops
    s.footprintBytes = h.committed()
    s.peakFootprintBytes = Math.max(this.gch.peakFootprint, h.committed())
    s.virtualTime.mutator = this.mutatorVirtual()
    s.spaces = { eden: h.edenUsed(), survivor: h.fromUsed() + h.toUsed(), old: h.oldUsed() }
    return s
  }

  // ---- validation helpers ------------------------------------------------------------------

  /** The object in a slot, or NULL_REFERENCE. */
  private objectIn(slot: Slot, op: string): number {
    const a = this.roots.values[this.roots.index(slot)]
    if (a === 0) throw nullReference(op, this.ops, slot)
    return a
  }

  /** The object at root index `i` (slot `slot`) for a field op: not null, not a weak reference. */
  private fieldsOf(i: number, slot: Slot, op: string): number {
    const a = this.roots.values[i]
    if (a === 0 || (this.heap.words[(a >> 2) + H_KLASS] & FLAG_WEAK) !== 0)
      throw noFieldsError(op, this.ops, slot, a)
    return a
  }

  /**
   * The word index of reference field `field` of the ordinary object at `a` (fieldsOf), after
   * checking it exists. The hot case is one table read: the type's refs, which are 0 for a type
   * of variable length, whose length word is read out of line.
   */
  private fieldWord(a: number, slot: Slot, field: number, op: string): number {
    const heap = this.heap
    const t = heap.words[(a >> 2) + H_KLASS] & TYPE_MASK
    if (isInteger(field) && field >= 0 && field < heap.types.refs[t]) return (a >> 2) + H_WORDS + field
    return this.lengthCheckedFieldWord(a, slot, field, op)
  }

  private lengthCheckedFieldWord(a: number, slot: Slot, field: number, op: string): number {
    checkRefField(op, this.ops, slot, field, this.heap.refCount(a))
    return (a >> 2) + H_WORDS + field
  }

  /** The word index of int `index` of the object at `a`, after checking it exists. */
  private intWord(a: number, slot: Slot, index: number, op: string): number {
    const heap = this.heap
    checkIntIndex(op, this.ops, slot, index, heap.types.ints[heap.words[(a >> 2) + H_KLASS] & TYPE_MASK])
    return (a >> 2) + H_WORDS + heap.refCount(a) + index
  }

  // ---- allocation --------------------------------------------------------------------------

  private noteAllocated(a: number, id: number, typeId: number, size: number): void {
    const s = this.s
    s.objectsAllocated++
    s.bytesAllocated += size
    s.liveObjects++
    s.liveBytes += size
    this.gch.noteAllocated(a, size)
    if (s.liveBytes > s.peakLiveBytes) s.peakLiveBytes = s.liveBytes
    if (this.hub.perObject) {
      this.hub.emitAlloc(this.ops, id, typeId, size, a)
    }
  }

  // ---- what the collector asks of the mutator side ---------------------------------------

  private needFreeVisits(): boolean {
    return this.hub.perObject || this.pyIds.size > 0
  }

  private reportFree(a: number): void {
    const words = this.heap.words
    const id = words[a >> 2]
    if ((words[(a >> 2) + H_KLASS] & FLAG_PYID) !== 0) this.pyIds.delete(id)
    if (this.hub.perObject) {
      this.hub.emit({
        type: 'free',
        op: this.ops,
        id,
        bytes: this.heap.sizeOf(a),
        cause: 'tracing',
      })
    }
  }

  /** Mutator virtual time: ops, allocation, barriers, and the finalizers the finalizer thread ran. */
  private mutatorVirtual(): number {
    this.s.ops = this.ops
    return this.cycle.mutatorTime()
  }

  // ---- the finalizer thread and the weakref reaper -----------------------------------------

  /**
   * Run what the JVM's finalizer thread and Jython's weakref reaper would run now: every
   * queued FinalizeTrigger (a resurrecting `__del__` stores its object into its global), then
   * every pending weakref callback, newest registration first (GlobalRef calls its
   * references in reverse order). Events carry the index of the op about to run.
   */
  private runFinalizerThreads(): void {
    this.drainPending = false
    const ctx = this.ctx
    const heap = this.heap
    const op = this.ops
    const queue = ctx.finalizeQueue
    if (queue.length > 0) {
      // The batch stays in the queue (a root list the collections update) until every
      // finalizer of it has run: one that allocates may start a collection that moves the rest.
      // What that collection queues waits for the next turn.
      const n = queue.length
      for (let i = 0; i < n; i++) {
        const a = queue.items[i]
        const type = heap.words[(a >> 2) + H_KLASS] & TYPE_MASK
        const into = heap.types.resurrectInto[type]
        if (into >= 0) this.roots.values[into] = a
        // The finalizer thread runs between collections: mutator time (CollectionCycle's rule).
        this.cycle.finalized()
        if (this.hub.listening) {
          this.hub.emit({
            type: 'finalize',
            op,
            id: heap.words[(a >> 2) + H_ID],
            typeId: type,
            resurrected: into >= 0,
            betweenOps: true,
          })
        }
        const allocs = this.finalizerAllocs[type]
        if (allocs !== undefined) runFinalizerAllocations(allocs, (t) => this.finalizerObject(t), this.roots)
      }
      queue.items.copyWithin(0, n, queue.length)
      queue.length -= n
    }
    const cbs = ctx.pendingCallbacks
    if (cbs.length > 0) {
      const pairs: [number, number][] = []
      for (let i = 0; i < cbs.length; i += 2) pairs.push([cbs[i], cbs[i + 1]])
      cbs.length = 0
      pairs.sort((x, y) => y[0] - x[0])
      if (this.hub.listening) {
        for (const [weakId, tag] of pairs) this.hub.emit({ type: 'weakref-callback', op, weakId, tag })
      }
    }
  }

  /**
   * A `__del__` that allocates (FinalizerSpec.allocate, storeNew), on the finalizer thread:
   * `count` instances dropped as made, then one stored into its global, each allocated in eden
   * as the program's are (a collection it starts is an allocation failure like any other).
   */
  private finalizerObject(type: TypeId): number {
    const size = this.heap.bytesFor(type, 0)
    const a = this.gch.allocate(size, 'alloc', undefined)
    const id = this.s.objectsAllocated
    this.heap.initObject(a, size, id, type, 0)
    this.noteAllocated(a, id, type, size)
    return a
  }

  // ---- native summary ----------------------------------------------------------------------

  private summary(): Record<string, unknown> {
    const h = this.heap
    const g = this.options.geometry
    const w = this.ctx.work
    return {
      jvm: 'HotSpot 17 -XX:+UseSerialGC',
      sizeMode: this.options.sizeMode,
      heap: {
        edenBytes: g.edenBytes,
        survivorBytes: g.survivorBytes,
        oldInitialBytes: g.oldInitialBytes,
        oldMaxBytes: g.oldMaxBytes,
        oldCommittedBytes: h.oldCapacity(),
      },
      collections: { young: this.s.collections[0], full: this.s.collections[1] },
      causes: { ...this.s.collectionReasons },
      tenuringThreshold: this.gch.tenuringThreshold,
      promotionFailures: this.gch.promotionFailures,
      bytesCopied: w.bytesCopied,
      bytesPromoted: w.bytesPromoted,
      bytesCompacted: w.bytesCompacted,
      cardsScanned: w.cardsScanned,
      barrierOps: w.barrierOps,
      finalizersRun: w.finalizersRun,
      finalizersQueued: this.ctx.finalizeQueue.length,
      weakrefsCleared: this.s.weakrefsCleared,
      idsHandedOut: this.nextPyId - 1,
      finalizerDrain: this.options.finalizerDrain,
    }
  }
}
