/**
 * The one record the parts of the interpreter share: the gc module's state, as CPython 3.11
 * keeps it in `struct _gc_runtime_state` (Include/internal/pycore_gc.h), and the interpreter
 * parts a collection works on (the object table, pymalloc, refcounting and dealloc, the weakref
 * lists, the figures). The manager builds it once; the collector (collector.ts), allocation
 * (allocation.ts), deallocation (dealloc.ts), the weakref lists (weakrefs.ts), the starting
 * state (starting-state.ts) and the gc module (native.ts) all reach each other through it,
 * the way gcmodule.c reaches everything through `tstate->interp->gc`.
 */

import type { CollectionCycle, EventHub, ManagerStats, RootSet } from '@pygc/core'
import type { Allocator } from './allocation.js'
import { ARENA_SIZE } from './constants.js'
import type { Deallocator } from './dealloc.js'
import type { FrameObjects } from './frames.js'
import type { FreeLists } from './free-lists.js'
import { GEN0, GEN1, GEN2, type ObjectHeap, PERMANENT } from './heap.js'
import type { IncrementalCollector } from './incremental.js'
import type { TypeLayout } from './layout.js'
import type { PyMalloc } from './pymalloc.js'
import type { VersionPolicy } from './versions.js'
import type { WeakrefLists } from './weakrefs.js'

/** gc.get_stats() of one generation (struct gc_generation_stats). */
export interface GenerationStats {
  collections: number
  collected: number
  uncollectable: number
}

/** A gc.callbacks entry: called with "start" and "stop" around every collection. */
export type GcCallback = (
  phase: 'start' | 'stop',
  info: { generation: number; collected: number; uncollectable: number },
) => void

export class GcState {
  // ---- struct _gc_runtime_state ----
  /** generations[i].count: allocations minus deallocations (gen 0), or collections of the younger generation. */
  readonly count = [0, 0, 0]
  /** generations[i].threshold. */
  readonly threshold: number[]
  enabled = true
  /** True while a collection runs: _PyObject_GC_Link and gc.collect() do not start another. */
  collecting = false
  longLivedTotal = 0
  longLivedPending = 0
  /** gc.garbage: objects with a legacy finalizer (tp_del) the collector could not free. */
  readonly garbage: number[] = []
  readonly generationStats: GenerationStats[] = [0, 1, 2].map(() => ({
    collections: 0,
    collected: 0,
    uncollectable: 0,
  }))
  readonly callbacks: GcCallback[] = []

  // ---- the eval breaker (3.12+) ----
  /**
   * ceval.gc_scheduled / _PY_GC_SCHEDULED_BIT: set by an allocation that passed threshold 0;
   * the next op boundary runs the collection (versions.ts).
   */
  gcScheduled = false
  /** True while a scheduled collection runs between two ops. */
  atOpBoundary = false

  // ---- refcount deaths not yet in `stats` ----
  /**
   * The program's objects that died of their reference counts outside any collection, and their
   * bytes, since the last settleFrees: the op loop counts a death in these two fields rather
   * than in six figures of ManagerStats (dealloc.ts noteFreed); settleFrees adds them before
   * anything reads the figures (a collection's begin, the manager's stats()).
   */
  unsettledFrees = 0
  unsettledFreedBytes = 0

  // ---- the interpreter the collector works on ----
  readonly heap: ObjectHeap
  readonly pymalloc: PyMalloc
  readonly freeLists: FreeLists
  readonly roots: RootSet
  /** One layout per type id (TypeRegistry order). */
  readonly layouts: TypeLayout[] = []
  /** Objects each type has made so far (a plain instance's values shrink over its class's first ones). */
  readonly instancesMade: number[] = []
  readonly stats: ManagerStats
  readonly hub: EventHub
  /** The accounting of every collection, free and finalizer (core/collection-cycle.ts). */
  readonly cycle: CollectionCycle
  readonly policy: VersionPolicy
  /** 3.14.0's incremental collector (policy.collector 'incremental'), else undefined: the generational one. */
  incremental?: IncrementalCollector
  /** 3.10's frames as GC objects (policy.frameObjects), else undefined. */
  frames?: FrameObjects
  /** True while delete_garbage runs: frees then count as cycle frees. */
  inDeleteGarbage = false
  /** The parts that need each other; wired once by the manager's constructor. */
  objects!: Deallocator
  weakrefs!: WeakrefLists
  allocator!: Allocator

  constructor(parts: {
    heap: ObjectHeap
    pymalloc: PyMalloc
    freeLists: FreeLists
    roots: RootSet
    stats: ManagerStats
    hub: EventHub
    cycle: CollectionCycle
    policy: VersionPolicy
  }) {
    this.heap = parts.heap
    this.pymalloc = parts.pymalloc
    this.freeLists = parts.freeLists
    this.roots = parts.roots
    this.stats = parts.stats
    this.hub = parts.hub
    this.cycle = parts.cycle
    this.policy = parts.policy
    this.threshold = [...parts.policy.thresholds]
    // The parts wired later get their fields now, empty until the manager sets them: GcState's
    // hidden class is then final before any part (or the manager) keeps a reference to it. A
    // field added after would move it to a new class, and V8 forgets the class of the fields
    // holding it: the op loop then checks the class of `st` at more of its uses (binary-trees:
    // 0.7% more instructions of JIT code, cachegrind).
    this.objects = undefined as unknown as Deallocator
    this.weakrefs = undefined as unknown as WeakrefLists
    this.allocator = undefined as unknown as Allocator
    this.incremental = undefined
    this.frames = undefined
  }

  /** stats().spaces: pymalloc's arenas and large blocks, and the bytes linked into each generation. */
  spaces(): Record<string, number> {
    const heap = this.heap
    const pymalloc = this.pymalloc
    return {
      arenas: pymalloc.arenasAllocated * ARENA_SIZE,
      large: pymalloc.largeBytes,
      gen0: heap.listBytes[GEN0],
      gen1: heap.listBytes[GEN1],
      gen2: heap.listBytes[GEN2],
      permanent: heap.listBytes[PERMANENT],
    }
  }

  /** Add the refcount deaths counted since the last call to the figures (see unsettledFrees). */
  settleFrees(): void {
    if (this.unsettledFrees === 0) return
    this.cycle.refcountFreedMany(this.unsettledFrees, this.unsettledFreedBytes)
    this.unsettledFrees = 0
    this.unsettledFreedBytes = 0
  }

  /** The op index events carry: the op running now, or between ops the op about to run. */
  opIndex(): number {
    const ops = this.stats.ops
    if (this.atOpBoundary) return ops
    return ops > 0 ? ops - 1 : 0
  }
}
