/**
 * The one interface. Workloads are programs for a small register machine: the mutator never
 * holds an address, it names slots, and the manager keeps the slots as roots (it updates them
 * when it moves objects; in CPython they own a reference). Every operation is one op, so a run
 * can be recorded as a trace and replayed bit-for-bit on any manager and on the real runtimes.
 *
 * Op index: every op except defineType/defineGlobals counts as one op; an event carries the
 * index of the op during which it happened (0-based), so "op 12" means "while running the 13th
 * op". Events raised between ops (a finalizer thread drained at an op boundary) carry the index
 * of the op about to run.
 *
 * Object identity in events: every object (weak reference objects too) has an `id`, its
 * allocation ordinal in the run (0, 1, 2, ...). Every manager keeps it with the object so that
 * frees, finalizers and weakref clears can be matched against the reachability oracle.
 *
 * The contract: bad calls
 * -----------------------
 * Every manager checks an op's operands with the same functions (contract.ts, root-set.ts,
 * type-registry.ts), so a bad call raises a PygcError whose code depends only on the op and its
 * operands, never on the runtime, and changes nothing: not the stats (ops counter included),
 * not a slot, not the heap, and it emits no event. (What the op boundary runs first, finalizers
 * and callbacks an earlier collection queued and CPython 3.12+'s scheduled collection, belongs
 * to that collection and runs whether the op then succeeds or not.) A trace records only ops
 * that succeeded, so a recorded trace is always a valid program.
 *
 * Checks run in this order; the first that fails gives the code:
 *   1. slot operands, left to right;
 *   2. the operands that need no object (type id, length, int value, callback, generation,
 *      action, counts), left to right;
 *   3. the objects in the slots: null, then the kind of object the op needs;
 *   4. field and int indexes against the object;
 *   5. state and resources: unpin of an unpinned object, the root-set cap, the heap limit.
 *
 * | operand (op) | valid | otherwise |
 * | --- | --- | --- |
 * | a slot (every op that takes one) | a `number` that is an integer: `s >= 0` a local of the current frame, `s < 0` a defined global | INVALID_SLOT (a local with no frame pushed: NO_FRAME). A BigInt, string, null, undefined, NaN, ±Infinity or fraction is INVALID_SLOT. |
 * | `type` (alloc) | an integer `number` naming a defined type, `0 <= type < types defined` | UNKNOWN_TYPE (a string "0", a BigInt 0n... too) |
 * | `length` (alloc) | absent or 0 for a fixed-size type; absent (= 0) or an integer in `0..`{@link MAX_REF_FIELDS} (`variable: 'refs'`) or `0..`{@link MAX_PAYLOAD_BYTES} (`variable: 'bytes'`) | VALUE_OUT_OF_RANGE |
 * | `value` (writeInt) | an integer in {@link INT32_MIN}`..`{@link INT32_MAX} | VALUE_OUT_OF_RANGE |
 * | `callback` (weakref) | absent, or an object whose only key is `tag`, an integer in `0..`{@link MAX_CALLBACK_TAG} (a non-negative signed 32-bit integer) | VALUE_OUT_OF_RANGE (`null` too) |
 * | `generation` (collect) | absent (the full collection), or an integer in `0..`{@link PYTHON_GENERATIONS}` - 1` | INVALID_GENERATION |
 * | `action` (gcControl) | one of {@link GC_CONTROL_ACTIONS} | UNKNOWN_ACTION |
 * | `locals` (pushFrame) | an integer in `0..`{@link MAX_LOCALS} | VALUE_OUT_OF_RANGE |
 * | `count` (defineGlobals) | an integer in `current count..`{@link MAX_GLOBALS} | VALUE_OUT_OF_RANGE |
 * | `spec` (defineType) | see {@link TypeSpec}: a plain object with only its keys, each in range; at most {@link MAX_TYPES} types | INVALID_TYPE_SPEC |
 * | the object (load, store, readInt, writeInt, lengthOf, idOf, pin, unpin, deref) and the target (weakref) | not null | NULL_REFERENCE |
 * | the object of load, store, readInt, writeInt | an ordinary object, not a weak reference | WEAKREF_FIELD |
 * | the object of deref | a weak reference | NOT_A_WEAKREF |
 * | `field` (load, store) | an integer in `0..` the object's reference fields - 1 | FIELD_OUT_OF_RANGE (any non-integer or negative too) |
 * | `index` (readInt, writeInt) | an integer in `0..` the object's ints - 1 | FIELD_OUT_OF_RANGE (any non-integer or negative too) |
 * | unpin | the object holds a pin | VALUE_OUT_OF_RANGE |
 * | popFrame | a frame is pushed | NO_FRAME |
 * | pushFrame, defineGlobals | locals + globals stay within the manager's root-slot limit ({@link ManagerOptions.rootSlotLimit}) | OUT_OF_MEMORY, the runtime's own error (MemoryError, java.lang.OutOfMemoryError, System.OutOfMemoryException) |
 * | alloc, weakref | the heap limit ({@link ManagerOptions.heapLimit}) fits the object after the runtime's last-ditch collection | OUT_OF_MEMORY, the runtime's own error |
 */

import type { CostModel } from './cost-model.js'
import type { RuntimeOomName } from './errors.js'

/**
 * A slot: `s >= 0` is local `s` of the current frame, `s < 0` is global `-s - 1`
 * (use {@link globalSlot}). Slots hold a reference or null, never an int.
 */
export type Slot = number
export type TypeId = number

/** The slot naming global `index`. */
export function globalSlot(index: number): Slot {
  return -1 - index
}
/** The global index a negative slot names. */
export function globalIndex(slot: Slot): number {
  return -1 - slot
}

/** Most locals one frame may have (pushFrame). */
export const MAX_LOCALS = 2 ** 20
/** Most globals a program may declare (defineGlobals). */
export const MAX_GLOBALS = 2 ** 20
/**
 * The default cap on the root set, locals of every frame plus globals: 2^24 slots (128 MiB of
 * host memory for the slots). Slots are the model's stack and globals, which no runtime bounds
 * by heap size; the cap keeps a tiny hostile trace (150 pushFrame(2^20)) from taking gigabytes.
 */
export const DEFAULT_ROOT_SLOT_LIMIT = 2 ** 24
/** Most types a program may declare: far more than any program defines, few enough that a type table stays small. */
export const MAX_TYPES = 2 ** 16
/** Most reference fields (and most ints) an object may have. */
export const MAX_REF_FIELDS = 2 ** 24
/** Most payload bytes an object may have: the largest signed 32-bit integer. */
export const MAX_PAYLOAD_BYTES = 2 ** 31 - 1
export const INT32_MIN = -(2 ** 31)
export const INT32_MAX = 2 ** 31 - 1
/** Callback tags are non-negative signed 32-bit integers: every runtime and the real ones' replayers hold them in an int. */
export const MAX_CALLBACK_TAG = INT32_MAX
/**
 * collect(generation) takes a Python gc generation on every runtime: 0, 1 or 2. CPython's
 * gc.collect raises ValueError "invalid generation" for anything else, -1 included
 * (Modules/gcmodule.c gc_collect_impl: `generation < 0 || generation >= NUM_GENERATIONS`;
 * measured on python3 3.11.7, 3.12.1 and 3.13.0). A runtime with fewer collection kinds maps
 * the generation onto its own (baseline: its one full collection; Jython ignores it, as
 * Jython's gc.collect does).
 */
export const PYTHON_GENERATIONS = 3

/**
 * What a Python runtime makes for an object of this type. Each runtime model states the real
 * sizes and tracking rules of each shape in its package; managers that do not care ignore it.
 * - `list` (default): a Python list of the reference fields (and ints) — `[a, b, ...]`
 * - `tuple`: a tuple of the fields (immutable in Python; the model still allows stores,
 *    a workload that wants tuple semantics only stores before publishing the object)
 * - `slots`: an instance of a class with `__slots__` naming the fields
 * - `dict-instance`: an instance of a plain class, its fields in its `__dict__`
 */
export type PyShape = 'list' | 'tuple' | 'slots' | 'dict-instance'

/**
 * A finalizer (`__del__`, `finalize()`, `~T()`) as data, so it can be traced and replayed. It
 * must be a plain object (`{}` for a plain finalizer) with no keys but these; anything else
 * (`finalizer: "yes"`, `true`, `null`) is INVALID_TYPE_SPEC.
 */
/**
 * Most objects one finalizer run may allocate (FinalizerSpec.allocate.count). The oracles run a
 * finalizer as interpreted code inside the collection or on the finalizer thread; a bound keeps
 * one finalizer's work to the order of one op's, so a trace cannot hide a workload inside its
 * finalizers (pygc's own bound, not a runtime's).
 */
export const MAX_FINALIZER_ALLOCATIONS = 1024

/**
 * What a finalizer allocates: `count` new objects of `type`, each with null fields and zero
 * ints, garbage once the finalizer returns. `type` must be defined before the finalizer's type,
 * be fixed-size and have no finalizer itself (so a finalizer never starts a chain of finalizers
 * of the objects it made); `count` is in 1..{@link MAX_FINALIZER_ALLOCATIONS}.
 */
export interface FinalizerAllocation {
  type: TypeId
  count: number
}

/**
 * A new object the finalizer stores into a global: one object of `type` (the same rules as
 * {@link FinalizerAllocation}'s type), stored into global `global` (an index, not a slot; defined
 * when the finalizer's type is, and not the global `resurrectInto` names), replacing what it held.
 */
export interface FinalizerStore {
  type: TypeId
  global: number
}

export interface FinalizerSpec {
  /**
   * If set, the finalizer stores the object into this global (index, not slot), resurrecting
   * it. A resurrected object stays usable and is never finalized again. An integer naming a
   * global defined when the type is.
   */
  resurrectInto?: number
  /**
   * CPython only: model the finalizer as a legacy `tp_del` (the object and all it reaches become
   * uncollectable, appended to gc.garbage). Other runtimes treat it as an ordinary finalizer.
   * A boolean.
   */
  legacy?: boolean
  /**
   * The finalizer allocates objects that die when it returns. It runs where the runtime runs
   * finalizers (CPython: inside the collection or the dealloc; JVM and CLR: on the finalizer
   * thread after the GC; PyPy: from its finalizer queue), so the objects are allocated there.
   * Order inside one finalizer: resurrectInto, then allocate, then storeNew.
   */
  allocate?: FinalizerAllocation
  /** The finalizer allocates one object and stores it into a global, where it stays live. */
  storeNew?: FinalizerStore
}

/**
 * A weak reference callback as data: running it emits a `weakref-callback` event with the tag.
 * The tag is an integer in 0..{@link MAX_CALLBACK_TAG}; `tag` is the only key.
 */
export interface CallbackSpec {
  tag: number
}

/**
 * A type declaration. defineType checks it whole before it defines anything: a plain object
 * with no keys but these (an optional key may be present as `undefined`), each of the right
 * kind and range, else INVALID_TYPE_SPEC naming the key.
 */
export interface TypeSpec {
  /** A non-empty string of at most 200 characters. */
  name: string
  /** Reference fields, an integer in 0..{@link MAX_REF_FIELDS}. For `variable: 'refs'` the count comes from alloc's `length`. */
  refs: number
  /** Int payload words (signed 32-bit each), readable with readInt / writeInt; 0..{@link MAX_REF_FIELDS}. */
  ints?: number
  /** Opaque payload bytes (a bytes buffer), 0..{@link MAX_PAYLOAD_BYTES}. For `variable: 'bytes'` the count comes from alloc's `length`. */
  bytes?: number
  /** Which part of the object alloc's `length` sizes. Absent: fixed-size objects. */
  variable?: 'refs' | 'bytes'
  finalizer?: FinalizerSpec
  shape?: PyShape
}

/**
 * Runtime-neutral control of the collector, named after Python's gc module. Each runtime does
 * what its own `gc` module does; where it has no such thing (Jython's gc.disable raises
 * NotImplementedError) the op returns false and a `gc-control` event says so: a result, not
 * an error that would end the run.
 */
export type GcControl = 'disable' | 'enable' | 'freeze' | 'unfreeze'
/** Every {@link GcControl} action, in the order of their trace codes. */
export const GC_CONTROL_ACTIONS: readonly GcControl[] = Object.freeze([
  'disable',
  'enable',
  'freeze',
  'unfreeze',
])

export interface Mutator {
  /** Declare a type; returns its id (0, 1, 2... in order). Types may be defined at any time. */
  defineType(spec: TypeSpec): TypeId
  /** Declare the number of globals (may only grow; new globals are null). Default 0. */
  defineGlobals(count: number): void
  pushFrame(locals: number): void
  /** Pop the current frame; its locals stop being roots. */
  popFrame(): void
  alloc(dst: Slot, type: TypeId, length?: number): void
  /** dst = obj.field */
  load(dst: Slot, obj: Slot, field: number): void
  /** obj.field = src (src may be null) */
  store(obj: Slot, field: number, src: Slot): void
  move(dst: Slot, src: Slot): void
  clear(dst: Slot): void
  readInt(obj: Slot, index: number): number
  writeInt(obj: Slot, index: number, value: number): void
  isNull(slot: Slot): boolean
  same(a: Slot, b: Slot): boolean
  /** dst = a new weak reference to target (target must not be null). */
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void
  /** dst = the weak reference's target, or null once it was cleared. */
  deref(dst: Slot, weak: Slot): void
  /**
   * Like Python's gc.collect(generation): a forced collection (default: the full one).
   * Returns what the runtime's gc.collect returns (CPython: unreachable objects found;
   * Jython: -2; IronPython: 0 ...).
   */
  collect(generation?: number): number
  gcControl(action: GcControl): boolean
  /** Python's id(obj): an address (CPython) or a counter handed out on first use (JVM, CLR). */
  idOf(slot: Slot): number
  /** The number of reference fields of the object in the slot. */
  lengthOf(slot: Slot): number
  /**
   * Pin the object in the slot: a strong handle that also forbids the collector to move the
   * object — the CLR's `GCHandle.Alloc(o, GCHandleType.Pinned)`. The object stays alive (a
   * root) until unpinned, whatever the slots hold. Pins nest: each pin adds one to a count per
   * object and each unpin takes one away; the object is free to move (and to die) again when
   * the count drops to zero. A null slot is NULL_REFERENCE. What each runtime makes of it:
   * CLR a pinned handle (never moves; a compacting GC leaves a free object in the gap before
   * it); CPython an incref (objects never move anyway); JVM a JNI global reference (a root
   * only: HotSpot's Serial GC cannot pin, so the object may still move); baseline a root.
   */
  pin(obj: Slot): void
  /**
   * Drop one pin of the object in the slot. Unpinning an object that is not pinned is
   * PygcError('VALUE_OUT_OF_RANGE') naming the slot; a null slot is NULL_REFERENCE.
   */
  unpin(obj: Slot): void
}

/**
 * The runtime a manager models, as its descriptor names it (RuntimeDescriptor.family): 'cpython',
 * 'jython', 'ironpython', 'pypy', 'baseline', or any runtime registered later. Open: a new
 * runtime is a new package and a registry entry (ADDING_A_RUNTIME.md), not an edit here.
 */
export type RuntimeFamily = string

export interface ManagerInfo {
  family: RuntimeFamily
  preset: string
  description: string
  /** Names of the collection kinds counted in stats().collections, youngest first. */
  generations: readonly string[]
  /** Whether collections move objects (so addresses change). */
  moving: boolean
  /** What idOf returns. */
  idKind: 'address' | 'counter'
  /** Size mode (e.g. 'python', 'java', 'jython', 'clr', 'ironpython'). */
  sizeMode: string
  /** The error this runtime raises when its heap or root set is exhausted, under its own name. */
  outOfMemory: RuntimeOomName
  /**
   * True when a pause is not one collection: an incremental collector's pause may run several
   * minor collections and steps of a major one (PyPy's incminimark, collect_and_reserve), so
   * stats().collections counts collections while the collection records count pauses. Absent
   * (false) for every collector whose collections are each one pause.
   */
  incremental?: boolean
}

/**
 * GC work, counted by every manager as it goes (plain counters: cheap enough to keep always on).
 * Virtual time is computed from these with a {@link CostModel}, so it is deterministic.
 */
export interface WorkCounters {
  /** Objects marked live by a tracing phase (incl. CPython's move_unreachable reachable set). */
  marked: number
  /** Reference fields examined by a collector. */
  refsScanned: number
  /** Bytes copied by a copying collector (young gen evacuation). */
  bytesCopied: number
  /** Bytes slid by a compacting collector. */
  bytesCompacted: number
  /** Bytes promoted to an older generation. */
  bytesPromoted: number
  /** Objects visited by a sweep. */
  objectsSwept: number
  /** Reference count increments and decrements. */
  refcountOps: number
  /** Write-barrier executions. */
  barrierOps: number
  /** Cards scanned by a young/ephemeral collection. */
  cardsScanned: number
  /** Objects freed (any cause). */
  objectsFreed: number
  /** Finalizers run. */
  finalizersRun: number
}

export interface ManagerStats {
  /** Ops executed (defineType/defineGlobals excluded). */
  ops: number
  objectsAllocated: number
  bytesAllocated: number
  /** Objects and bytes allocated and not yet reclaimed (as the manager knows them: garbage not yet found counts). */
  liveObjects: number
  liveBytes: number
  peakLiveBytes: number
  /** Memory the runtime holds from the OS: arenas, generations, segments. */
  footprintBytes: number
  peakFootprintBytes: number
  /** Collections per kind, indexed like info.generations. */
  collections: number[]
  /** Collections per reason ("allocation", "gc.collect", "promotion failure", ...). */
  collectionReasons: Record<string, number>
  freedByRefcount: number
  freedByCycle: number
  freedByTracing: number
  /** Bytes of the objects counted by freedByRefcount / freedByCycle / freedByTracing. */
  freedBytesByRefcount: number
  freedBytesByCycle: number
  freedBytesByTracing: number
  weakrefsCleared: number
  work: WorkCounters
  /** Virtual nanoseconds: mutator and collector, from the cost model. */
  virtualTime: { mutator: number; gc: number }
  /** Collections' total pause in wall-clock milliseconds (host time, not deterministic). */
  wallGcMs: number
  /**
   * Current sizes of the runtime's spaces in modeled bytes, under the runtime's own names (CPython
   * arenas, large, gen0..permanent; JVM eden, survivor, old; CLR gen0..gen2, loh; PyPy nursery,
   * arenas, rawmalloced; baseline heap): the same keys as the gc-end event's `spaces`.
   */
  spaces: Record<string, number>
}

/** Events. Nothing is built or sent when nobody listens (managers check a flag first). */
export type GcEvent =
  /** typeId is -1 for a weak reference object (made by weakref(), not by alloc()). */
  | { type: 'alloc'; op: number; id: number; typeId: number; bytes: number; address: number }
  | { type: 'free'; op: number; id: number; bytes: number; cause: 'refcount' | 'cycle' | 'tracing' }
  | { type: 'gc-start'; op: number; generation: number; reason: string }
  | {
      type: 'gc-end'
      op: number
      generation: number
      reason: string
      /** Virtual nanoseconds from the cost model. */
      pauseVirtual: number
      pauseWallMs: number
      /** Objects and bytes the collector reclaimed in this collection (cause cycle or tracing). */
      freedObjects: number
      freedBytes: number
      liveBytesAfter: number
      footprintAfter: number
      /** Bytes this collection promoted to an older generation (work.bytesPromoted over the collection). */
      promotedBytes: number
      /** Bytes this collection moved: evacuated by copying or slid by compaction (work.bytesCopied + work.bytesCompacted over the collection). */
      copiedBytes: number
      compacted: boolean
      /** Space sizes after the collection (same keys as stats().spaces). */
      spaces: Record<string, number>
    }
  | {
      type: 'finalize'
      op: number
      id: number
      typeId: number
      resurrected: boolean
      /**
       * True when the finalizer ran at the boundary before op `op` (a finalizer thread's turn,
       * a collection scheduled to the op boundary, or outside any op): that op had not read its
       * operands yet, so it sees what a resurrection stored. False when it ran inside op `op`
       * (a reference count that op dropped to zero, a collection that op's allocation or
       * gc.collect() started). The reachability oracle applies a resurrection at that moment.
       */
      betweenOps: boolean
    }
  | { type: 'weakref-clear'; op: number; weakId: number; targetId: number }
  | { type: 'weakref-callback'; op: number; weakId: number; tag: number }
  | { type: 'gc-control'; op: number; action: GcControl; supported: boolean }
  | { type: 'collect-call'; op: number; generation: number; result: number }

export type GcEventType = GcEvent['type']
export type GcEventListener = (e: GcEvent) => void

export interface MemoryManager<Native = unknown> extends Mutator {
  readonly info: ManagerInfo
  stats(): ManagerStats
  /**
   * Subscribe to every event, or only to `types`; returns the unsubscribe function. Zero cost
   * when nobody listens; `alloc`/`free` (one per object) are only built when a listener asks
   * for them (no filter, or a filter that names them).
   */
  on(listener: GcEventListener, types?: readonly GcEventType[]): () => void
  /** The runtime's own surface (gc module, GC.CollectionCount, -Xlog:gc...). */
  readonly native: Native
  /**
   * Visit every live object's id (allocated and not yet reclaimed) — used by the conformance kit
   * and the reachability oracle to check that nothing reachable was freed.
   */
  forEachLiveId(visit: (id: number) => void): void
  /** The id of the object in the slot (its allocation ordinal), or -1 for null. */
  objectId(slot: Slot): number
  /**
   * Optional: the caller is done with this manager (it must not be used afterwards), so its
   * host memory may go to the next manager created in this process (host-buffers.ts). Figures
   * never depend on it; it only spares the next manager fresh pages.
   */
  release?(): void
}

/** Options every manager accepts; runtime-specific options extend this. */
export interface ManagerOptions {
  preset?: string
  /**
   * Heap limit in modeled bytes; allocation beyond it raises the runtime's out-of-memory error.
   * Every runtime has a default (its package documents it and why), so a hostile program fails
   * with that error instead of taking the host's memory: CPython 2 GiB, Jython 512 MiB (-Xmx),
   * IronPython 2 GiB, baseline 2 GiB. `pygc run --heap-limit` overrides it.
   */
  heapLimit?: number
  /**
   * Most root slots (locals of every frame plus globals) at once; pushFrame or defineGlobals
   * beyond it raises the runtime's out-of-memory error. An integer in 1..2^27; default
   * {@link DEFAULT_ROOT_SLOT_LIMIT}.
   */
  rootSlotLimit?: number
  /** Overrides of the virtual-time unit costs. */
  cost?: Partial<CostModel>
}

/**
 * A runtime as data, in the spirit of MMTk's plan constraints: what the command, the report, the
 * host benchmarks, the validators and the tests need to know about a runtime, exported by its
 * package and listed once in the registry (apps/bench/src/runtimes.ts; ADDING_A_RUNTIME.md).
 */
export interface RuntimeDescriptor<O extends ManagerOptions = ManagerOptions> {
  /** ManagerInfo.family of every manager `create` makes. */
  family: RuntimeFamily
  /** The name users type: 'cpython', 'jython', 'ironpython', 'pypy', 'baseline'. */
  name: string
  /** The npm package that exports this descriptor (its version goes into results' meta). */
  package: string
  description: string
  presets: readonly { name: string; description: string }[]
  defaultPreset: string
  /** Compared when no runtime is named (`pygc run` without --runtimes, `npm run bench`). */
  runByDefault: boolean
  /** The runtime's series colour in the report's charts (a CSS hex colour). */
  color: string
  /** What stats().footprintBytes measures on this runtime: the memory it holds for its heap. */
  footprint: string
  /** Its default heap limit as help text shows it, e.g. '512 MiB (-Xmx512m)' (`--heap-limit`). */
  defaultHeapLimit: string
  /** The ManagerInfo.sizeMode values its options accept, the default first. */
  sizeModes: readonly string[]
  /** ManagerInfo.outOfMemory of its managers: the out-of-memory error under its own name. */
  outOfMemory: RuntimeOomName
  /**
   * What a report row (a METRIC_ROWS key of @pygc/report) means on this runtime, where that
   * differs from the general meaning; the report's glossary shows it.
   */
  meanings?: Readonly<Record<string, string>>
  create(options?: O): MemoryManager
}
