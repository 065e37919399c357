/**
 * IronPython's memory manager: Python objects as .NET objects on a CLR workstation-GC heap.
 *
 * IronPython has no collector of its own: every Python object is a CLR object and the CLR GC
 * (generational, gen0/gen1/gen2 + the large object heap, mark / plan / compact-or-sweep,
 * finalization through the f-reachable queue) reclaims it. So this manager is the CLR GC:
 * allocation bumps in a gen0 allocation context (8 KB quantum) charged against gen0's budget;
 * objects of 85,000 bytes or more go to the LOH and are charged against its budget; an
 * exhausted budget triggers a collection (collector.ts) whose generation generation_to_condemn
 * picks. Every reference store runs the x64 write barrier: a card byte is set when the stored
 * reference points into the ephemeral range.
 *
 * What Python sees follows IronPython's sources: `gc.collect(g)` runs GC.Collect(g) and
 * WaitForPendingFinalizers twice and returns the drop of GC.GetTotalMemory; `gc.disable()`
 * only warns; `id()` is a sequential number handed out on first use; `__del__` runs on the
 * finalizer thread, modeled by a deterministic drain rule (see `finalizerDrain`).
 */
import {
  addAllocated,
  type CallbackSpec,
  CollectionCycle,
  type CostModel,
  callbackCode,
  callbackTagOf,
  checkGcAction,
  checkGeneration,
  checkInt32,
  checkIntIndex,
  cloneStats,
  EventHub,
  emptyStats,
  type FinalizerAllocations,
  finalizerAllocations,
  type GcControl,
  type GcEventListener,
  type GcEventType,
  type ManagerInfo,
  type ManagerOptions,
  type ManagerStats,
  type MemoryManager,
  noFieldsError,
  notAWeakref,
  notPinned,
  nullReference,
  OutOfMemoryError,
  PygcError,
  RootSet,
  refFieldError,
  releaseHostBuffer,
  resolveCosts,
  runFinalizerAllocations,
  type Slot,
  type TypeId,
  TypeRegistry,
  type TypeSpec,
  type WorkCounters,
} from '@pygc/core'
import { ClrAllocator, swapAllocationContexts } from './allocator.js'
import {
  DEFAULT_L3_CACHE_BYTES,
  gen0BudgetFromCache,
  type HeapLayout,
  type StaticData,
  staticDataTable,
} from './budgets.js'
import { ClrCollector, type GcRecord } from './collector.js'
import { HOME_REGION_COMMITTED } from './gen0-regions.js'
import { ClrHeap, SOH_BASE } from './heap.js'
import type { ObjectSize, SizeMode } from './layout.js'
import * as layout from './layout.js'
import { buildNative, type IronPythonNative } from './native.js'
import { allocateBetweenCollects } from './runtime-allocation.js'
import { RUNTIME_PINNED_OFFSET_BYTES } from './runtime-pinned-layout.js'
import { NO_TRACKER, WeakRefTrackers } from './weakref-tracker.js'

// layout.ts's values as this module's own constants (see layout.ts: why).
const {
  ARRAY_MAX_LENGTH,
  clrSize,
  F_FINALIZED,
  F_FREACHABLE,
  F_REGISTERED,
  F_SUPPRESSED,
  FREE_TYPE,
  HEADER_GRANULES,
  ironPythonSize,
  LARGE_OBJECT_SIZE,
  LOH_BASE,
  layoutBytes,
  MIN_OBJECT_BYTES,
  RUNTIME_TYPE,
  TRACKER_CALLBACKS_TYPE,
  TRACKER_TYPE,
  trackerCallbacksSize,
  trackerRefs,
  trackerSize,
  W_FIELDS,
  W_FLAGS,
  W_GRANULES,
  W_ID,
  W_REFS,
  W_TYPE,
  WEAKREF_TYPE,
  weakrefSize,
} = layout

/** Number.isInteger, read once: a module binding is fewer bytes of bytecode than a global's property (V8 inlines an op by bytecode size). */
const isInteger = Number.isInteger

/**
 * When the modeled finalizer thread runs the f-reachable queue:
 * - 'next-op' (default): at the op boundary right after the collection that queued them — the
 *   real finalizer thread is woken at the end of the GC and, on an idle second core, runs
 *   before the mutator has done much;
 * - 'on-collect': only in gc.collect() / GC.WaitForPendingFinalizers (a busy machine);
 * - { everyOps: n }: every n ops.
 */
export type FinalizerDrain = 'next-op' | 'on-collect' | { everyOps: number }

export interface IronPythonOptions extends ManagerOptions {
  /** gen0 budget in bytes (GCgen0size). Default: from `l3CacheBytes` as the CLR computes it. */
  gen0size?: number
  /** L3 cache size used for the default gen0 budget (default 6 MiB -> 3 MiB gen0 budget). */
  l3CacheBytes?: number
  /** 'ironpython' (default): IronPython's .NET objects; 'clr': one object[] per object (the oracle's). */
  sizeMode?: SizeMode
  finalizerDrain?: FinalizerDrain
  /**
   * Bytes of the runtime's own long-lived objects (type objects, statics, the host program's
   * buffers) on the heap before the program starts, held by strong handles. Default 0. The
   * validation sets it to the real runtime's figure so both start from the same gen2 size.
   */
  runtimeLiveBytes?: number
  /**
   * Bytes of the object the .NET runtime itself keeps pinned in gen0 (default 104, measured on
   * .NET 10: ClrMarker.runtimePinnedSurvivor (mark.ts)). 0 leaves it out.
   */
  runtimePinnedBytes?: number
  /**
   * Bytes from the start of gen0's region to that object (default 456, measured on .NET 10:
   * runtime-pinned-layout.ts): compacting collections leave it there with gen0's free-list item
   * before it. A multiple of 8, 0 or at least 24.
   */
  runtimePinnedOffsetBytes?: number
  /**
   * How far the region gen0 allocates in is committed when the program starts, as an offset
   * from the region's start (default 0x101000; gen0-regions.ts): contexts are cut there and at
   * every 64 KiB after. It depends on the real process's start-up; the validation measures it
   * (the .NET oracle's --commit-probe, BUDGETS.md#home-commit). A multiple of 4 KiB in
   * 4 KiB..4 MiB.
   */
  homeRegionCommitted?: number
  /**
   * 'regions' (default, .NET 7+) or 'segments' (.NET 6 and before). Either way what a
   * collection promotes spends the receiving generation's budget (gc.cpp compute_in); with
   * regions also when that generation was itself collected (its new budget is `desired - in`),
   * with segments only the generation above the condemned one is charged.
   */
  heapLayout?: HeapLayout
}

/**
 * The object .NET 10's runtime holds pinned in gen0 of every process: an idle process's gen0 GC
 * reports PromotedBytes 104, PinnedObjectsCount 1 (measured; ClrMarker.runtimePinnedSurvivor (mark.ts)).
 */
const RUNTIME_PINNED_BYTES = 104

/**
 * The id of the runtime's own objects (its start-up objects, the oracle's trackers' callback
 * lists): below every program id, so no program figure or event counts them (collector.ts
 * `reclaimed`). The trackers' ids are -3 and below, one each (initObject).
 */
const RUNTIME_OBJECT_ID = -2

/**
 * What the process's first GC.WaitForPendingFinalizers() leaves alive: 232 bytes of the runtime's
 * own, allocated in gen0 by the finalizer thread's first turn and kept (measured on .NET 10 at
 * GCgen0size 0x40000: GC.Collect(2), WaitForPendingFinalizers, GC.Collect(2) leaves gen1 at 232
 * bytes the first time, 0 every later time and 0 without the wait). Small, but not nothing: the
 * validation's start ritual then finds gen1 non-empty at its GC.Collect(1), so gen1's budget is
 * blended with the one the second GC.Collect(2) left (gc.cpp linear_allocation_model, spent
 * fraction 232 / ~5 MB > 0) instead of falling to gen1's minimum (FIDELITY.md#promotion-budget).
 */
const FIRST_FINALIZER_WAIT_BYTES = 232

/**
 * The heap limit when none is given: 2 GiB of modeled bytes (SOH + LOH). The CLR sets a hard
 * limit by default only inside a container with a memory limit (GCHeapHardLimit: "the greater
 * of 20 MB or 75% of the memory limit", docs/core/runtime-config/garbage-collector.md); a
 * 64-bit process outside one has none. The model needs one, because it holds every modeled
 * byte in a typed array: with it, a hostile trace (24 lists of 2^24 references, 3 GiB) fails
 * with System.OutOfMemoryException instead of taking the host's memory. 2 GiB is the CPython
 * model's default too. Note: at `--size large` some workloads reach it, not for their live
 * data but because the model's footprint keeps growing (binary-trees N=21: 6,713 gen0 GCs, no
 * gen1 or gen2, 2.1 GB at N=20); there one 'last GC before OOM' gen2 collection runs and the
 * run completes. `heapLimit` / `pygc run --heap-limit` overrides it.
 */
export const DEFAULT_HEAP_LIMIT = 2 * 1024 ** 3

export const IRONPYTHON_PRESETS = [
  { name: 'ironpython', description: "IronPython 3's .NET objects on a workstation non-concurrent CLR GC" },
  {
    name: 'clr',
    description: 'one object[] per object (the .NET oracle layout), workstation non-concurrent GC',
  },
] as const

interface TypeLayout {
  refs: number
  ints: number
  finalizable: boolean
  resurrectInto: number
  /** What the finalizer allocates (FinalizerSpec.allocate, storeNew), or null. */
  finalizerAllocs: FinalizerAllocations | null
  /** For fixed-size types: the size, else null (computed per allocation). */
  fixed: ObjectSize | null
  /**
   * Granules of a type alloc may bump for without its general path: fixed-size, small, not
   * finalizable, no array past Array.MaxLength; 0 for every other type.
   */
  bumpGranules: number
}

export class IronPythonManager implements MemoryManager<IronPythonNative> {
  readonly info: ManagerInfo
  readonly native: IronPythonNative
  readonly heap = new ClrHeap()
  /** IronPython's WeakRefTrackers: where weakref callbacks wait for the finalizer thread. */
  private readonly trackers = new WeakRefTrackers(this.heap)
  readonly collector: ClrCollector
  private readonly allocator: ClrAllocator
  readonly gcRecords: GcRecord[] = []
  readonly sizeMode: SizeMode
  readonly gen0size: number
  readonly heapLimit: number
  readonly finalizerDrain: FinalizerDrain
  readonly staticData: StaticData[]
  /** Python warnings raised (gc.disable's RuntimeWarning). */
  readonly warnings: string[] = []
  thresholds: [number, number, number] = [64 * 1024, 256 * 1024, 1024 * 1024]

  private readonly roots: RootSet
  private readonly types = new TypeRegistry()
  private readonly layouts: TypeLayout[] = []
  private readonly hub = new EventHub()
  private readonly s: ManagerStats
  private readonly costs: CostModel
  private readonly cycle: CollectionCycle
  private nextId = 0
  /**
   * The allocation counters (objects and bytes allocated and live, the live peak) are not
   * updated per allocation: every program object takes the next id and adds its bytes to
   * unsyncedBytes, and syncCounts adds them before a collection frees anything and whenever the
   * figures are read. syncedIds is the id count it has added so far.
   */
  private syncedIds = 0
  private unsyncedBytes = 0
  /** WeakRefTrackers made so far (their ids count down from -3: see initObject). */
  private trackerCount = 0
  private readonly pyIds = new Map<number, number>()
  private nextPyId = 43 // IronPython's IdDispenser starts above the small numbers it reserves
  private drainDue = false
  private opsAtLastDrain = 0
  private finalizersRunCount = 0
  /** Whether GC.WaitForPendingFinalizers() was called yet (FIRST_FINALIZER_WAIT_BYTES). */
  private finalizerThreadWaited = false

  constructor(options: IronPythonOptions = {}) {
    const preset = options.preset ?? 'ironpython'
    if (preset !== 'ironpython' && preset !== 'clr') {
      throw new PygcError(
        'INVALID_OPTION',
        `unknown IronPython preset '${preset}'; presets: ironpython, clr`,
        { preset },
      )
    }
    this.sizeMode = options.sizeMode ?? (preset === 'clr' ? 'clr' : 'ironpython')
    if (this.sizeMode !== 'clr' && this.sizeMode !== 'ironpython') {
      throw new PygcError('INVALID_OPTION', `sizeMode must be 'clr' or 'ironpython', got ${this.sizeMode}`)
    }
    const l3 = options.l3CacheBytes ?? DEFAULT_L3_CACHE_BYTES
    this.gen0size = options.gen0size ?? gen0BudgetFromCache(l3)
    if (!Number.isInteger(this.gen0size) || this.gen0size < 64 * 1024 || this.gen0size > 2 ** 31) {
      throw new PygcError(
        'INVALID_OPTION',
        `gen0size must be an integer number of bytes in 65536..2^31, got ${options.gen0size}`,
      )
    }
    this.heapLimit = options.heapLimit ?? DEFAULT_HEAP_LIMIT
    this.roots = new RootSet({ outOfMemory: 'System.OutOfMemoryException', slotLimit: options.rootSlotLimit })
    if (!(this.heapLimit > 0))
      throw new PygcError('INVALID_OPTION', `heapLimit must be > 0, got ${options.heapLimit}`)
    this.heap.adoptSoh(this, this.heapLimit)
    const drain = options.finalizerDrain ?? 'next-op'
    if (
      typeof drain === 'object'
        ? !(Number.isInteger(drain.everyOps) && drain.everyOps > 0)
        : drain !== 'next-op' && drain !== 'on-collect'
    ) {
      throw new PygcError(
        'INVALID_OPTION',
        `finalizerDrain must be 'next-op', 'on-collect' or { everyOps: n > 0 }`,
      )
    }
    this.finalizerDrain = drain
    this.costs = resolveCosts(options.cost)
    this.staticData = staticDataTable(this.gen0size)
    for (let g = 0; g < 4; g++) {
      this.heap.desiredAllocation[g] = this.staticData[g].minSize
      this.heap.newAllocation[g] = this.staticData[g].minSize
    }
    this.info = {
      family: 'ironpython',
      preset,
      description: `IronPython on the CLR workstation GC (non-concurrent), gen0 budget ${this.gen0size} B, ${this.sizeMode} sizes`,
      generations: ['gen0', 'gen1', 'gen2'],
      moving: true,
      idKind: 'counter',
      sizeMode: this.sizeMode,
      outOfMemory: 'System.OutOfMemoryException',
    }
    this.s = emptyStats(this.info.generations)
    this.cycle = new CollectionCycle(this.s, this.hub, this.costs)
    this.collector = new ClrCollector({
      heap: this.heap,
      roots: this.roots,
      hub: this.hub,
      stats: this.s,
      work: this.s.work,
      cycle: this.cycle,
      staticData: this.staticData,
      heapLayout: options.heapLayout ?? 'regions',
      // System.WeakReference (the oracle's) is finalized inside the GC; IronPython's weakref.ref
      // has an ordinary finalizer (eager-finalization.ts).
      weakrefsFinalizeEagerly: this.sizeMode === 'clr',
      heapLimit: this.heapLimit,
      opIndex: () => this.s.ops,
    })
    this.allocator = new ClrAllocator({
      heap: this.heap,
      stats: this.s,
      heapLimit: this.heapLimit,
      collect: (generation, reason, forceCompact) => {
        this.collectNow(generation, reason, forceCompact)
      },
      opIndex: () => this.s.ops,
    })
    this.native = buildNative(this)
    const runtimeLive = options.runtimeLiveBytes ?? 0
    if (
      !Number.isInteger(runtimeLive) ||
      runtimeLive < 0 ||
      runtimeLive % 8 !== 0 ||
      runtimeLive >= LARGE_OBJECT_SIZE * 1000
    ) {
      throw new PygcError(
        'INVALID_OPTION',
        `runtimeLiveBytes must be a multiple of 8 in 0..85,000,000, got ${options.runtimeLiveBytes}`,
      )
    }
    this.allocateRuntimeObjects(runtimeLive)
    const runtimePinned = options.runtimePinnedBytes ?? RUNTIME_PINNED_BYTES
    if (
      !Number.isInteger(runtimePinned) ||
      runtimePinned < 0 ||
      runtimePinned % 8 !== 0 ||
      runtimePinned >= LARGE_OBJECT_SIZE
    ) {
      throw new PygcError(
        'INVALID_OPTION',
        `runtimePinnedBytes must be a multiple of 8 in 0..84,999, got ${options.runtimePinnedBytes}`,
      )
    }
    this.heap.runtimePinnedBytes = runtimePinned
    const offset = options.runtimePinnedOffsetBytes ?? RUNTIME_PINNED_OFFSET_BYTES
    if (
      !Number.isInteger(offset) ||
      offset % 8 !== 0 ||
      (offset !== 0 && offset < MIN_OBJECT_BYTES) ||
      offset > 1 << 20
    ) {
      throw new PygcError(
        'INVALID_OPTION',
        `runtimePinnedOffsetBytes must be 0 or a multiple of 8 in 24..1,048,576, got ${options.runtimePinnedOffsetBytes}`,
      )
    }
    this.heap.runtimePinnedOffsetBytes = offset
    const committed = options.homeRegionCommitted ?? HOME_REGION_COMMITTED
    if (!Number.isInteger(committed) || committed % 4096 !== 0 || committed < 4096 || committed > 4 << 20) {
      throw new PygcError(
        'INVALID_OPTION',
        `homeRegionCommitted must be a multiple of 4,096 in 4,096..4,194,304, got ${options.homeRegionCommitted}`,
      )
    }
    this.heap.homeRegionCommitted = committed
  }

  /** The runtime's own objects: blocks under 85,000 bytes, live through strong handles, ids -2. */
  private allocateRuntimeObjects(bytes: number): void {
    const block = 80_000
    for (let left = bytes; left > 0; ) {
      const size = left - block >= MIN_OBJECT_BYTES || left === block ? Math.min(block, left) : left
      const g = this.allocator.allocateSmall(size / 8)
      this.heap.writeHeader(this.heap.soh, g * 2, RUNTIME_OBJECT_ID, RUNTIME_TYPE, size, 0, 0)
      this.heap.strongHandles.push(g)
      left -= size
    }
  }

  // ------------------------------------------------------------------ types, frames

  defineType(spec: TypeSpec): TypeId {
    const id = this.types.define(spec, this.roots.globalCount)
    const finalizable = spec.finalizer !== undefined
    const ints = spec.ints ?? 0
    const fixed =
      spec.variable === undefined ? this.sizeOf(id, spec.refs, ints, spec.bytes ?? 0, finalizable) : null
    this.layouts.push({
      refs: spec.refs,
      ints,
      finalizable,
      resurrectInto: spec.finalizer?.resurrectInto ?? -1,
      finalizerAllocs: finalizerAllocations(spec),
      fixed,
      bumpGranules:
        fixed !== null &&
        !finalizable &&
        fixed.largestPart < LARGE_OBJECT_SIZE &&
        fixed.longestArray <= ARRAY_MAX_LENGTH
          ? fixed.bytes / 8
          : 0,
    })
    return id
  }

  private sizeOf(type: TypeId, refs: number, ints: number, bytes: number, finalizable: boolean): ObjectSize {
    const spec = this.types.get(type)
    // The oracle makes an AllocatingFin when the finalizer allocates or stores (layout.ts clrSize).
    const allocs = finalizerAllocations(spec)
    const allocating = allocs !== null && (allocs.count > 0 || allocs.storeType >= 0)
    const size =
      this.sizeMode === 'clr'
        ? clrSize(refs, ints, bytes, finalizable, allocating)
        : ironPythonSize(spec.shape ?? 'list', refs, ints, bytes)
    const host = layoutBytes(refs, ints, bytes)
    return size.bytes >= host ? size : { ...size, bytes: host, largestPart: Math.max(size.largestPart, host) }
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.beginOp()
    this.roots.pushFrame(locals)
    this.s.ops++
  }

  popFrame(): void {
    this.beginOp()
    this.roots.popFrame()
    this.s.ops++
  }

  // ------------------------------------------------------------------ allocation

  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.beginOp()
    const di = this.roots.index(dst)
    const len = this.types.allocLength(type, length) // UNKNOWN_TYPE, VALUE_OUT_OF_RANGE
    const layout = this.layouts[type]
    const granules = layout.bumpGranules
    if (granules === 0) {
      this.allocGeneral(di, dst, type, len, layout)
      return
    }
    // The common case in line (V8 inlines an op by bytecode size): initObject's for a program
    // object in the SOH.
    const g = this.allocator.bumpSmall(granules)
    const h = this.heap
    const id = this.nextId++
    h.writeHeader(h.soh, g * 2, id, type, granules * 8, layout.refs, 0)
    this.unsyncedBytes += granules * 8
    if (this.hub.perObject) this.hub.emitAlloc(this.s.ops, id, type, granules * 8, g * 8)
    this.roots.values[di] = g
    this.s.ops++
  }

  /** alloc of a variable-size, large, finalizable or too long type (any type: see bumpGranules). */
  private allocGeneral(di: number, dst: Slot, type: TypeId, len: number, layout: TypeLayout): void {
    let size = layout.fixed
    let refs = layout.refs
    if (size === null) {
      const shape = this.types.shapeOf(type, len)
      refs = shape.refs
      size = this.sizeOf(type, shape.refs, shape.ints, shape.bytes, layout.finalizable)
    }
    // The CLR's allocation helper throws before it allocates or collects anything.
    if (size.longestArray > ARRAY_MAX_LENGTH)
      throw arrayTooLong(size.longestArray, size.bytes, dst, this.s.ops)
    const g = this.allocator.allocate(size.bytes, size.largestPart >= LARGE_OBJECT_SIZE)
    const flags = layout.finalizable ? F_REGISTERED : 0
    this.initObject(g, type, size.bytes, refs, flags)
    if (layout.finalizable) this.heap.finalizable.push(g)
    this.roots.values[di] = g
    this.s.ops++
  }

  /** Write a new object's header and count it; returns its id. */
  private initObject(g: number, type: number, bytes: number, refs: number, flags: number): number {
    const h = this.heap
    const m = g < LOH_BASE ? h.soh : h.loh
    const w = g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2
    if (type === TRACKER_TYPE) {
      // The runtime's WeakRefTracker, not a program object: ids of its own (-3, -4, ...), so the
      // program's objects keep the ids they have on every runtime (the n-th object the program
      // makes is id n), and no program figure or event counts it (CollectionCycle.runtimeAllocated).
      const trackerId = -3 - this.trackerCount++
      h.writeHeader(m, w, trackerId, type, bytes, refs, flags)
      this.cycle.runtimeAllocated(bytes)
      return trackerId
    }
    const id = this.nextId++
    h.writeHeader(m, w, id, type, bytes, refs, flags)
    this.unsyncedBytes += bytes
    if (this.hub.perObject) {
      this.hub.emitAlloc(this.s.ops, id, type, bytes, g * 8)
    }
    return id
  }

  /** Bring the allocation counters up to date (core addAllocated). */
  private syncCounts(): void {
    addAllocated(this.s, this.nextId - this.syncedIds, this.unsyncedBytes)
    this.syncedIds = this.nextId
    this.unsyncedBytes = 0
  }

  footprint(): number {
    return this.heap.footprint()
  }

  // ------------------------------------------------------------------ field ops

  /** The object in a slot, validated as a non-null ordinary object (not a weak reference). */
  private objectIn(slot: Slot, what: string): number {
    return this.fieldsOf(this.roots.index(slot), slot, what)
  }

  /** The object at root index `i` (slot `slot`) for a field op: not null, not a weak reference. */
  private fieldsOf(i: number, slot: Slot, op: string): number {
    // The root set holds float64s; every granule is below 2^31 (LOH_END), so `| 0` is exact and
    // lets V8 do the field ops' address arithmetic in int32, not in float64 with a check per index.
    const g = this.roots.values[i] | 0
    if (g === 0 || this.typeAt(g) === WEAKREF_TYPE) throw noFieldsError(op, this.s.ops, slot, g)
    return g
  }

  private typeAt(g: number): number {
    return g < LOH_BASE ? this.heap.soh[g * 2 + W_TYPE] : this.heap.loh[(g - LOH_BASE) * 2 + W_TYPE]
  }

  /** checkRefField's test in place, its error out of line (core contract.ts refFieldError). */
  private fieldWord(g: number, field: number, what: string, slot: Slot): number {
    const m = g < LOH_BASE ? this.heap.soh : this.heap.loh
    const w = g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2
    if (!(isInteger(field) && field >= 0 && field < m[w + W_REFS]))
      throw refFieldError(what, this.s.ops, slot, field, m[w + W_REFS])
    return w + W_FIELDS + 2 * field
  }

  load(dst: Slot, obj: Slot, field: number): void {
    this.beginOp()
    const di = this.roots.index(dst)
    const g = this.objectIn(obj, 'load')
    const fw = this.fieldWord(g, field, 'load', obj)
    this.roots.values[di] = (g < LOH_BASE ? this.heap.soh : this.heap.loh)[fw]
    this.s.ops++
  }

  store(obj: Slot, field: number, src: Slot): void {
    this.beginOp()
    const oi = this.roots.index(obj)
    const t = this.roots.values[this.roots.index(src)] | 0 // see fieldsOf
    const g = this.fieldsOf(oi, obj, 'store')
    const fw = this.fieldWord(g, field, 'store', obj)
    const h = this.heap
    this.s.work.barrierOps++
    // The x64 write barrier: card-mark only stores of references into the ephemeral range.
    const young = t >= h.g1Start && t < LOH_BASE
    if (g < LOH_BASE) {
      h.soh[fw] = t
      if (young) h.sohCards.dirty(g + HEADER_GRANULES + field)
    } else {
      h.loh[fw] = t
      if (young) h.lohCards.dirty(g + HEADER_GRANULES + field)
    }
    this.s.ops++
  }

  move(dst: Slot, src: Slot): void {
    this.beginOp()
    const di = this.roots.index(dst)
    this.roots.values[di] = this.roots.values[this.roots.index(src)]
    this.s.ops++
  }

  clear(dst: Slot): void {
    this.beginOp()
    this.roots.values[this.roots.index(dst)] = 0
    this.s.ops++
  }

  /**
   * Root index `i` holds slot `obj`; `index` is checked against the object's ints. Returns the
   * word of int `index` in the object's words array (heap.words(g)): two numbers, not an object
   * per readInt / writeInt.
   */
  private intWord(i: number, obj: Slot, index: number, what: string): number {
    const g = this.fieldsOf(i, obj, what)
    checkIntIndex(what, this.s.ops, obj, index, this.layouts[this.typeAt(g)].ints)
    const m = g < LOH_BASE ? this.heap.soh : this.heap.loh
    const w = g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2
    return w + W_FIELDS + 2 * m[w + W_REFS] + index
  }

  readInt(obj: Slot, index: number): number {
    this.beginOp()
    const i = this.roots.index(obj)
    const w = this.intWord(i, obj, index, 'readInt')
    this.s.ops++
    return this.heap.words(this.roots.values[i])[w]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    this.beginOp()
    const oi = this.roots.index(obj)
    checkInt32('writeInt', this.s.ops, value)
    const w = this.intWord(oi, obj, index, 'writeInt')
    this.heap.words(this.roots.values[oi])[w] = value
    this.s.ops++
  }

  isNull(slot: Slot): boolean {
    this.beginOp()
    const r = this.roots.values[this.roots.index(slot)] === 0
    this.s.ops++
    return r
  }

  same(a: Slot, b: Slot): boolean {
    this.beginOp()
    const r = this.roots.values[this.roots.index(a)] === this.roots.values[this.roots.index(b)]
    this.s.ops++
    return r
  }

  lengthOf(slot: Slot): number {
    this.beginOp()
    const g = this.roots.values[this.roots.index(slot)]
    if (g === 0) throw nullReference('lengthOf', this.s.ops, slot)
    const n =
      this.typeAt(g) === WEAKREF_TYPE
        ? 0
        : g < LOH_BASE
          ? this.heap.soh[g * 2 + W_REFS]
          : this.heap.loh[(g - LOH_BASE) * 2 + W_REFS]
    this.s.ops++
    return n
  }

  // ------------------------------------------------------------------ pinning

  /**
   * `GCHandle.Alloc(o, GCHandleType.Pinned)`: a strong handle whose object no compacting GC
   * moves (the gap a compaction leaves before it becomes a free object, see collector.ts plan).
   * One handle per pin, so pins nest.
   */
  pin(obj: Slot): void {
    this.beginOp()
    const g = this.roots.values[this.roots.index(obj)]
    if (g === 0) throw nullReference('pin', this.s.ops, obj)
    this.heap.pinnedHandles.push(g)
    this.s.ops++
  }

  /** `GCHandle.Free` of one of the object's pinned handles. */
  unpin(obj: Slot): void {
    this.beginOp()
    const g = this.roots.values[this.roots.index(obj)]
    if (g === 0) throw nullReference('unpin', this.s.ops, obj)
    if (!this.heap.pinnedHandles.removeOne(g)) throw notPinned(this.s.ops, obj)
    this.s.ops++
  }

  // ------------------------------------------------------------------ weak references

  /**
   * A weak reference: a small object owning a short weak GC handle (WeakReference /
   * IronPython's WeakHandle with trackResurrection false). Its own finalizer frees the handle,
   * so like the real WeakReference it is registered for finalization.
   */
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.beginOp()
    const di = this.roots.index(dst)
    const ti = this.roots.index(target)
    // tag + 1 in the handle's int32 cell (2^31 wraps to -2^31: callbackTagOf reads it back), 0 for none.
    const code = callbackCode(this.s.ops, callback)
    if (this.roots.values[ti] === 0) throw nullReference('weakref', this.s.ops, target)
    const bytes = weakrefSize(this.sizeMode)
    const g = this.allocator.allocateSmall(bytes / 8)
    const id = this.initObject(g, WEAKREF_TYPE, bytes, 0, F_REGISTERED)
    const h = this.heap.allocHandle(this.roots.values[ti], false, code, id)
    this.heap.soh[g * 2 + W_REFS] = h
    this.heap.finalizable.push(g)
    this.roots.values[di] = g
    // IronPython chains every weakref into its target's tracker (WeakRefHelpers.InitializeWeakRef,
    // a null callback included); the .NET oracle (`clr` sizes) makes a Tracker only for a callback.
    if (code !== 0 || this.sizeMode === 'ironpython')
      this.chainCallback(ti, di, id, code === 0 ? -1 : callbackTagOf(code))
    this.s.ops++
  }

  /**
   * IronPython's weakref: the target's WeakRefTracker (made now if it has none, after the weakref
   * object, as `_weakref.ref` does) chains the callback (`tag` -1: none). Making the tracker may
   * collect: the target and the weakref are re-read from their slots afterwards.
   */
  private chainCallback(ti: number, di: number, weakId: number, tag: number): void {
    const v = this.roots.values
    const targetId = this.heap.words(v[ti])[this.heap.wordOf(v[ti]) + W_ID]
    const separateList = this.sizeMode === 'clr'
    let trackerId = this.trackers.trackerOf(targetId)
    // The oracle chains into a tracker only while its short weak handle to it is set
    // (WeakrefCallbacks.cs TrackerOrdinalOf): one found dead, awaiting or past its finalizer
    // (a resurrected target's), is not reused; a new tracker is made.
    if (separateList && trackerId !== NO_TRACKER && !this.trackerAttached(trackerId)) trackerId = NO_TRACKER
    if (trackerId === NO_TRACKER) {
      const bytes = trackerSize(this.sizeMode)
      const t = this.allocator.allocateSmall(bytes / 8)
      trackerId = this.initObject(t, TRACKER_TYPE, bytes, trackerRefs(this.sizeMode), F_REGISTERED)
      this.heap.finalizable.push(t)
      this.trackers.add(trackerId, t, targetId, v[ti])
      if (separateList) this.newTrackerCallbackList(trackerId, 1)
    } else if (separateList) {
      // Tracker.Chain: a full list is replaced by one twice as long (Array.Resize).
      const n = this.trackers.chained(trackerId)
      if (n > 0 && (n & (n - 1)) === 0) this.newTrackerCallbackList(trackerId, 2 * n)
    }
    this.trackers.chain(trackerId, v[di], weakId, tag)
  }

  /** Whether a tracker is still alive and not found dead by a collection (no finalization pending or done). */
  private trackerAttached(trackerId: number): boolean {
    const g = this.trackers.granuleOf(trackerId)
    if (g === 0) return false
    return (this.heap.soh[g * 2 + W_FLAGS] & (F_FREACHABLE | F_FINALIZED)) === 0
  }

  /**
   * The .NET oracle's tracker's callback list (`clr` sizes): a new `int[length]` the tracker's
   * one field points at, allocated after the tracker as `new Tracker()` and Array.Resize do. Its
   * allocation may collect and move the tracker: its address is read after.
   */
  private newTrackerCallbackList(trackerId: number, length: number): void {
    const h = this.heap
    const bytes = trackerCallbacksSize(length)
    const a = this.allocator.allocateSmall(bytes / 8)
    h.writeHeader(h.soh, a * 2, RUNTIME_OBJECT_ID, TRACKER_CALLBACKS_TYPE, bytes, 0, 0)
    h.soh[a * 2 + W_FIELDS] = length
    this.cycle.runtimeAllocated(bytes)
    const t = this.trackers.granuleOf(trackerId)
    h.soh[t * 2 + W_FIELDS] = a
    // The write barrier, as a program store: a reference into the ephemeral range is carded.
    if (a >= h.g1Start) h.sohCards.dirty(t + HEADER_GRANULES)
  }

  deref(dst: Slot, weak: Slot): void {
    this.beginOp()
    const di = this.roots.index(dst)
    const g = this.roots.values[this.roots.index(weak)]
    if (g === 0) throw nullReference('deref', this.s.ops, weak)
    if (this.typeAt(g) !== WEAKREF_TYPE) throw notAWeakref(this.s.ops, weak)
    this.roots.values[di] = this.heap.handleTarget[this.heap.soh[g * 2 + W_REFS]]
    this.s.ops++
  }

  // ------------------------------------------------------------------ collection

  /**
   * Python's gc.collect(generation) as IronPython runs it (PythonContext.Collect): twice
   * GC.Collect(generation) + GC.WaitForPendingFinalizers(); returns how much GC.GetTotalMemory
   * dropped, in bytes (never negative).
   */
  collect(generation?: number): number {
    this.beginOp()
    checkGeneration(this.s.ops, generation)
    const gen = generation ?? 2
    this.syncCounts()
    const start = this.s.liveBytes
    for (let i = 0; i < 2; i++) {
      if (i > 0) allocateBetweenCollects(this.heap)
      this.collectNow(gen, 'gc.collect', false)
      this.runFinalizers(false)
    }
    this.syncCounts() // the finalizers may have allocated
    const result = Math.min(Math.max(start - this.s.liveBytes, 0), 2 ** 31 - 1)
    if (this.hub.listening) this.hub.emit({ type: 'collect-call', op: this.s.ops, generation: gen, result })
    this.s.ops++
    return result
  }

  /** Run one collection now (GC.Collect or a budget trigger). */
  collectNow(generation: number, reason: string, forceCompact: boolean): GcRecord {
    if (this.cycle.collecting)
      throw new PygcError('INTERNAL', 'a collection was requested during a collection')
    this.syncCounts()
    const rec = this.collector.collect({ generation, reason, forceCompact })
    this.gcRecords.push(rec)
    if (this.heap.freachable.length > 0) this.drainDue = true
    return rec
  }

  /** Called at the start of every op: the modeled finalizer thread gets its turn. */
  private beginOp(): void {
    if (this.drainDue) this.finalizerThreadTurn()
  }

  /** beginOp's rare part, out of line (every op starts with beginOp, and V8 inlines by bytecode size). */
  private finalizerThreadTurn(): void {
    const rule = this.finalizerDrain
    if (rule === 'on-collect') return
    if (typeof rule === 'object' && this.s.ops - this.opsAtLastDrain < rule.everyOps) return
    this.runFinalizers(true)
  }

  /**
   * The finalizer thread: run every queued finalizer, last queued first. A Python `__del__` emits a
   * `finalize` event and may resurrect the object into a global; a weak reference's finalizer
   * frees its handle. Either way the object is finalized: it is reclaimed by a later collection
   * of the generation it was promoted to (unless resurrected or re-registered). `betweenOps`:
   * the thread's turn at an op boundary (or a native call between ops), not inside gc.collect().
   */
  runFinalizers(betweenOps: boolean): void {
    const h = this.heap
    this.drainDue = false
    this.opsAtLastDrain = this.s.ops
    // The finalizer thread allocates from its own context (allocator.ts swapAllocationContexts).
    swapAllocationContexts(h)
    try {
      this.runFinalizerBatch(betweenOps)
    } finally {
      swapAllocationContexts(h)
    }
  }

  /**
   * The finalizer thread's loop (FinalizerThread::FinalizeAllObjects) over
   * CFinalize::GetNextFinalizableObject (finalization.cpp): `obj = *(--SegQueueLimit
   * (FinalizerListSeg))` takes the object at the queue's end before its finalizer runs, until the
   * queue is empty. So the last queued runs first, what a collection during a finalizer queues
   * runs next in the same turn, and an object whose finalizer has run is no root for the
   * collections its successors' allocations start. The one running stays alive while it runs
   * (`this` on the thread's stack): it keeps its place in the queue, a root list the collections
   * relocate, until its finalizer returns.
   */
  private runFinalizerBatch(betweenOps: boolean): void {
    const q = this.heap.freachable
    while (q.length > 0) {
      const at = q.length - 1
      this.runFinalizer(q.items[at], betweenOps)
      // A collection inside it may have appended to the queue: those stay, after `at`.
      q.items.copyWithin(at, at + 1, q.length)
      q.length--
    }
  }

  /** One queued object's finalizer, on the finalizer thread. */
  private runFinalizer(g: number, betweenOps: boolean): void {
    const h = this.heap
    const m = g < LOH_BASE ? h.soh : h.loh
    const w = g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2
    m[w + W_FLAGS] = (m[w + W_FLAGS] & ~F_FREACHABLE) | F_FINALIZED
    const type = m[w + W_TYPE]
    if (type === WEAKREF_TYPE) {
      h.freeHandle(m[w + W_REFS])
      return
    }
    if (type === TRACKER_TYPE) {
      this.runTrackerFinalizer(m[w + W_ID])
      return
    }
    this.finalizersRunCount++
    // The finalizer thread runs between collections: mutator time (CollectionCycle's rule).
    this.cycle.finalized()
    const into = this.layouts[type].resurrectInto
    if (into >= 0 && into < this.roots.globalCount) this.roots.values[into] = g
    if (this.hub.listening) {
      this.hub.emit({
        type: 'finalize',
        op: this.s.ops,
        id: m[w + W_ID],
        typeId: type,
        resurrected: into >= 0,
        betweenOps,
      })
    }
    const allocs = this.layouts[type].finalizerAllocs
    if (allocs !== null) runFinalizerAllocations(allocs, (t) => this.finalizerObject(t), this.roots)
  }

  /**
   * A `__del__` that allocates (FinalizerSpec.allocate, storeNew), on the finalizer thread:
   * `count` instances dropped as made, then one stored into its global, each through the
   * allocator as the program's are (its gen0 budget may start a collection).
   */
  private finalizerObject(type: TypeId): number {
    const layout = this.layouts[type]
    const size = layout.fixed as ObjectSize // allocate and storeNew name fixed-size types (TypeRegistry)
    const g = this.allocator.allocate(size.bytes, size.largestPart >= LARGE_OBJECT_SIZE)
    this.initObject(g, type, size.bytes, layout.refs, 0)
    return g
  }

  /**
   * ~WeakRefTracker on the finalizer thread, between ops (mutator time, never inside a pause):
   * its callbacks last registered first. Counted as no `finalize` (the tracker is the runtime's
   * object, like a weak reference's own finalizer); each callback is a `weakref-callback` event.
   */
  private runTrackerFinalizer(trackerId: number): void {
    const runs = this.trackers.finalize(trackerId)
    if (!this.hub.listening) return
    for (const r of runs)
      this.hub.emit({ type: 'weakref-callback', op: this.s.ops, weakId: r.weakId, tag: r.tag })
  }

  /** GC.SuppressFinalize: the object's finalizer will not run. */
  suppressFinalize(slot: Slot): void {
    const g = this.objectIn(slot, 'GC.SuppressFinalize')
    this.flagsOf(g, (f) => f | F_SUPPRESSED)
  }

  /** GC.ReRegisterForFinalize: arm the finalizer again (after it ran, or after SuppressFinalize). */
  reRegisterForFinalize(slot: Slot): void {
    const g = this.objectIn(slot, 'GC.ReRegisterForFinalize')
    if (this.layouts[this.typeAt(g)].finalizable === false) {
      throw new PygcError(
        'UNSUPPORTED',
        `GC.ReRegisterForFinalize: the type of the object in slot ${slot} has no finalizer`,
        { slot },
      )
    }
    let registered = false
    this.flagsOf(g, (f) => {
      registered = (f & (F_REGISTERED | F_FREACHABLE)) !== 0
      return (f & ~(F_SUPPRESSED | F_FINALIZED)) | (registered ? 0 : F_REGISTERED)
    })
    if (!registered) this.heap.finalizable.push(g)
  }

  private flagsOf(g: number, update: (flags: number) => number): void {
    const m = g < LOH_BASE ? this.heap.soh : this.heap.loh
    const w = (g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2) + W_FLAGS
    m[w] = update(m[w])
  }

  gcControl(action: GcControl): boolean {
    this.beginOp()
    checkGcAction(this.s.ops, action)
    // IronPython: enable() does nothing (the GC is always on); disable() only warns;
    // freeze/unfreeze do not exist in IronPython's gc module.
    const supported = action === 'enable'
    if (action === 'disable')
      this.warnings.push('RuntimeWarning: IronPython has no support for disabling the GC')
    if (this.hub.listening) this.hub.emit({ type: 'gc-control', op: this.s.ops, action, supported })
    this.s.ops++
    return supported
  }

  /** id(): IronPython's IdDispenser hands out sequential numbers on first use (objects move). */
  idOf(slot: Slot): number {
    this.beginOp()
    const g = this.roots.values[this.roots.index(slot)]
    if (g === 0) throw nullReference('idOf', this.s.ops, slot)
    const id = this.idAt(g)
    let py = this.pyIds.get(id)
    if (py === undefined) {
      py = this.nextPyId++
      this.pyIds.set(id, py)
    }
    this.s.ops++
    return py
  }

  private idAt(g: number): number {
    return g < LOH_BASE ? this.heap.soh[g * 2 + W_ID] : this.heap.loh[(g - LOH_BASE) * 2 + W_ID]
  }

  // ------------------------------------------------------------------ introspection

  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void {
    return this.hub.on(listener, types)
  }

  objectId(slot: Slot): number {
    const g = this.roots.get(slot)
    return g === 0 ? -1 : this.idAt(g)
  }

  /** Done: the reserved SOH may go to the next manager (core host-buffers.ts). */
  release(): void {
    releaseHostBuffer(this)
  }

  /** The program's objects (weak references included; the runtime's WeakRefTrackers are not). */
  forEachLiveId(visit: (id: number) => void): void {
    this.forEachObject((g, m, w) => {
      if (m[w + W_TYPE] !== TRACKER_TYPE && m[w + W_TYPE] !== TRACKER_CALLBACKS_TYPE) visit(m[w + W_ID])
      void g
    })
  }

  /** Visit every object (free gaps excluded) of the SOH and the LOH in address order. */
  forEachObject(visit: (g: number, m: Int32Array, w: number) => void): void {
    const h = this.heap
    for (let g = SOH_BASE; g < h.sohTop; ) {
      if (g === h.acPtr && h.acEnd !== 0) {
        g = h.acEnd
        continue
      }
      if (g === h.otherAcPtr && h.otherAcEnd !== 0) {
        g = h.otherAcEnd
        continue
      }
      const w = g * 2
      if (h.soh[w + W_TYPE] !== FREE_TYPE && h.soh[w + W_ID] !== -1) visit(g, h.soh, w)
      g += h.soh[w + W_GRANULES]
    }
    for (let g = LOH_BASE; g < h.lohTop; ) {
      const w = (g - LOH_BASE) * 2
      if (h.loh[w + W_TYPE] !== FREE_TYPE) visit(g, h.loh, w)
      g += h.loh[w + W_GRANULES]
    }
  }

  spaces(): Record<string, number> {
    return this.heap.spaces()
  }

  stats(): ManagerStats {
    this.syncCounts()
    const s = cloneStats(this.s)
    s.footprintBytes = this.footprint()
    s.spaces = this.spaces()
    s.virtualTime.mutator = this.cycle.mutatorTime()
    return s
  }

  /** The work counters (live object, not a copy): for the native surface. */
  get work(): WorkCounters {
    return this.s.work
  }

  get finalizersRun(): number {
    return this.finalizersRunCount
  }

  get opCount(): number {
    return this.s.ops
  }

  /** GC.GetTotalMemory: bytes of objects allocated and not reclaimed. */
  totalMemory(): number {
    this.syncCounts()
    return this.s.liveBytes
  }

  /** Run the finalizers now if a collection queued some (GC.WaitForPendingFinalizers). */
  waitForPendingFinalizers(): void {
    if (this.heap.freachable.length > 0) this.runFinalizers(true)
    if (!this.finalizerThreadWaited) {
      this.finalizerThreadWaited = true
      this.allocateRuntimeObjects(FIRST_FINALIZER_WAIT_BYTES)
    }
  }
}

/** alloc's error for an array past Array.MaxLength, built out of line (alloc runs per object; V8 inlines by bytecode size). */
function arrayTooLong(length: number, bytes: number, slot: Slot, op: number): OutOfMemoryError {
  return new OutOfMemoryError(
    'System.OutOfMemoryException',
    bytes,
    `Array dimensions exceeded supported range: an array of ${length} elements is longer than Array.MaxLength (${ARRAY_MAX_LENGTH})`,
    { slot, op },
  )
}
