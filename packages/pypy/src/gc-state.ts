/**
 * What incminimark's parts share: the memory and its allocators, the lists the collectors
 * keep between collections (named as in incminimark.py), the accounting that drives the major
 * collection, and the work counters. The logic lives in the modules that own each idea.
 */
import { emptyWork, IntList, type RootSet, type WorkCounters } from '@pygc/core'
import { ArenaCollection } from './arena.js'
import { STATE_SCANNING } from './constants.js'
import { Heap } from './heap.js'
import { Memory } from './memory.js'
import type { ResolvedOptions } from './options.js'

/**
 * The mutator's slots (and the pin table) as PyPy holds them: in heap objects, not on the
 * machine stack -- a Python frame's locals are in its PyFrame, globals in a module dict, and
 * benchmarks/oracles/pypy/replay_pypy.py keeps every slot in one list. So the slots are one old
 * object to the collector, "R": the major collection marks what the slots hold when it visits
 * R, and a write into R during marking turns it grey again (incminimark.py:1741
 * _add_to_more_objects_to_trace_if_black), so what the slots hold then is marked when R is
 * visited again -- not what they held at the minor collection (a slot's object dropped in
 * between is garbage of this cycle). ROOTS_OBJECT stands for R on the mark stacks.
 */
export const ROOTS_OBJECT = -8

/** The mutator operation an allocation serves, named in its MemoryError (no message is built per op). */
export const OP_ALLOC = 0
export const OP_WRITE_INT = 1
export const OP_WEAKREF = 2
const OP_NAMES = ['alloc', 'writeInt', 'weakref']

/** Where an allocation happens, for a MemoryError: "alloc into slot 3". */
export function where(op: number, slot: number): string {
  return `${OP_NAMES[op]} into slot ${slot}`
}

export class GcState {
  readonly mem: Memory
  readonly heap: Heap
  readonly ac: ArenaCollection
  readonly nurserySize: number

  gcState = STATE_SCANNING
  /** R (ROOTS_OBJECT) was marked by the current major collection. */
  rootsVisited = false
  /** gc.disable(): only minor collections, major ones only when asked (incminimark.py:532). */
  enabled = true

  // ---- lists of addresses, as in incminimark.py ------------------------------------------
  /** Old objects (and young raw arrays, by mistake) that may point to young ones (line 334). */
  readonly oldObjectsPointingToYoung = new IntList(256)
  /** Old large arrays with GCFLAG_CARDS_SET (line 343). */
  readonly oldObjectsWithCardsSet = new IntList(16)
  /** young_rawmalloced_objects: a dict in PyPy; a list + the YOUNG_RAW flag here (line 384). */
  readonly youngRawmallocedObjects = new IntList(16)
  oldRawmallocedObjects = new IntList(64)
  /** The old raw list being swept (raw_malloc_might_sweep, line 386). */
  rawMallocMightSweep = new IntList(64)
  /**
   * Young objects an old, dead part of themselves keeps alive at the next minor collection: an
   * object with a byte payload whose payload did not fit in the nursery after its head did
   * (collector.ts allocate).
   */
  readonly youngKeptByOldHeads = new IntList(4)
  /** Objects with finalizers allocated since the last minor collection (line 395). */
  readonly probablyYoungObjectsWithFinalizers = new IntList(64)
  /** Old objects with finalizers, in registration order (a deque in PyPy, line 396). */
  oldObjectsWithFinalizers = new IntList(64)
  /** Weak reference objects: young ones, and old ones whose target is not cleared (lines 410-411). */
  readonly youngObjectsWithWeakrefs = new IntList(64)
  oldObjectsWithWeakrefs = new IntList(64)
  /** Mark stacks of the incremental major collection (line 2372). */
  objectsToTrace = new IntList(1024)
  moreObjectsToTrace = new IntList(256)
  /** Nursery objects whose id() was taken, and their shadows (nursery_objects_shadows, line 417). */
  readonly shadowsFrom = new IntList(16)
  readonly shadowsTo = new IntList(16)

  // ---- accounting ----------------------------------------------------------------------------
  /** Bytes of the nursery objects the last minor collection moved out (nursery_surviving_size). */
  nurserySurvivingSize = 0
  /** size_objects_made_old / threshold_objects_made_old: the incremental pace (line 347-356). */
  sizeObjectsMadeOld = 0
  thresholdObjectsMadeOld = 0
  rawmallocedTotalSize = 0
  rawmallocedPeakSize = 0
  nextMajorCollectionThreshold = 0
  nextMajorCollectionInitial = 0
  minHeapSize = 0
  maxHeapSize = 0
  maxHeapSizeAlreadyRaised = false
  /**
   * The allocation the running collection serves: its bytes, op kind and slot (requestOp -1:
   * gc.collect() or gc.collect_step()). A MemoryError at the end of a major collection names it:
   * PyPy raises it from inside that allocation (collect_and_reserve, external_malloc).
   */
  requestBytes = 0
  requestOp = -1
  requestSlot = 0
  /** Bytes kept alive only for finalizers by the current major collection (line 2420). */
  keptAliveByFinalizer = 0
  numMajorCollects = 0
  /** Arena count and raw bytes when the marking ended (for the gc-collect-done figures). */
  statAcArenasCount = 0
  statRawmallocedTotalSize = 0

  readonly work: WorkCounters = emptyWork()

  constructor(
    readonly options: ResolvedOptions,
    readonly roots: RootSet,
  ) {
    this.nurserySize = options.nurseryBytes
    this.mem = new Memory(options.nurseryBytes, this)
    this.heap = new Heap(this.mem)
    this.ac = new ArenaCollection(this.mem)
    // allocate_nursery (incminimark.py:548): the first threshold.
    this.minHeapSize = Math.max(options.minHeap, this.nurserySize * options.majorCollect)
    this.maxHeapSize = options.maxHeap
    this.nextMajorCollectionInitial = this.minHeapSize
    this.nextMajorCollectionThreshold = this.minHeapSize
    this.setMajorThresholdFrom(0)
  }

  /** get_total_memory_used: arenas + raw-malloced, never the nursery (incminimark.py:1226). */
  totalMemoryUsed(): number {
    return this.ac.totalMemoryUsed + this.rawmallocedTotalSize
  }

  /** threshold_reached (incminimark.py:1264). */
  thresholdReached(extra = 0): boolean {
    return this.nextMajorCollectionThreshold - this.totalMemoryUsed() < extra
  }

  /** set_major_threshold_from (incminimark.py:572); true when PYPY_GC_MAX bounded it. */
  setMajorThresholdFrom(threshold: number, reservingSize = 0): boolean {
    const thresholdMax = this.nextMajorCollectionInitial * this.options.growth
    let t = Math.min(threshold, thresholdMax)
    t += reservingSize
    if (t < this.minHeapSize) t = this.minHeapSize
    let bounded = false
    if (this.maxHeapSize > 0 && t > this.maxHeapSize) {
      t = this.maxHeapSize
      bounded = true
    }
    this.nextMajorCollectionInitial = t
    this.nextMajorCollectionThreshold = t
    return bounded
  }

  notePeakRaw(): void {
    if (this.rawmallocedTotalSize > this.rawmallocedPeakSize)
      this.rawmallocedPeakSize = this.rawmallocedTotalSize
  }
}
