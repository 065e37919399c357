/**
 * The collector policy of HotSpot's serial heap (gc/shared/genCollectedHeap.cpp): when an
 * allocation that does not fit runs a young collection, a full one, an expansion, the
 * last-resort full collection, or throws java.lang.OutOfMemoryError; the bookkeeping around
 * each collection (prologue, update_gc_stats, the old generation's resize, the epilogue);
 * and the JVM's records of them. The collectors themselves are scavenge.ts and
 * mark-compact.ts; the mutator side (ops, events of ops, finalizer threads) is manager.ts.
 *
 * The order of decisions, from GenCollectedHeap::mem_allocate_work and
 * satisfy_failed_allocation:
 *
 *   1. objects larger than eden, or any object while the last young collection failed,
 *      first try the old generation;
 *   2. otherwise a young collection -- unless it is not safe (to-space not empty, or the old
 *      generation may not take the promotion), in which case HotSpot still opens a "Pause
 *      Young" but does nothing and marks incremental collection failed;
 *   3. a full collection follows in the same VM operation if the request still does not fit,
 *      the old generation is nearly full (< 10000 bytes free) or had to expand during
 *      promotion (TenuredGeneration::should_collect);
 *   4. then allocation is retried in eden and the old generation, then the old generation
 *      expands, then a last-resort full collection, then java.lang.OutOfMemoryError.
 */
import {
  type CollectionCycle,
  type EventHub,
  type ManagerStats,
  OutOfMemoryError,
  type Slot,
} from '@pygc/core'
import { AgeTable } from './age-table.js'
import type { GcContext } from './gc-context.js'
import type { GcKind, GcRecord } from './gc-log.js'
import type { JvmHeap } from './heap.js'
import { MarkCompactor } from './mark-compact.js'
import { MIN_HEAP_DELTA_BYTES, PAGE_SIZE, type ResolvedOptions } from './options.js'
import { PaddedAverage } from './padded-average.js'
import { Scavenger } from './scavenge.js'

export const GENERATIONS = ['young', 'full'] as const
const YOUNG = 0
const FULL = 1

/** TenuredGeneration::should_collect: "If we don't have very much free space" (bytes). */
const OLD_NEARLY_FULL_BYTES = 10000
/** AdaptiveSizePolicyWeight and PromotedPadding (gc/shared/gc_globals.hpp). */
const PROMOTED_WEIGHT = 10
const PROMOTED_PADDING = 3
/** The largest object the JVM can allocate: an array of 2^31 - 1 slots is beyond any heap here. */
const MAX_OBJECT_BYTES = 2 ** 31 - 8
/** MarkSweepAlwaysCompactCount (gc/serial/serial_globals.hpp). */
const ALWAYS_COMPACT_COUNT = 4

/** What a collection remembers from its start for its log line (the cycle keeps the rest). */
interface GcBegin {
  usedBefore: number
}

/** What the collector needs to know of the mutator side. */
export interface MutatorSide {
  /** The op running now (events inside an op carry it). */
  currentOp(): number
  /** Mutator virtual time so far (the log's uptime is mutator + GC). */
  mutatorVirtual(): number
  /** The per-object callback for dead objects, or null when nobody needs them (no events, no ids). */
  freeVisitor(): ((address: number) => void) | null
  /** A collection queued finalizers or weakref callbacks. */
  referencesQueued(): void
}

export class GenCollectedHeap {
  private readonly scavenger: Scavenger
  private readonly compactor: MarkCompactor
  private readonly ageTable = new AgeTable()
  private readonly avgPromoted = new PaddedAverage(PROMOTED_WEIGHT, PROMOTED_PADDING)

  tenuringThreshold: number
  private incrementalCollectionFailed = false
  private shrinkFactor = 0
  private capacityAtPrologue = 0
  private usedAtPrologue = 0
  private readonly initialOldBytes: number
  /** MarkSweep::total_invocations. */
  private fullInvocations = 0

  peakFootprint = 0
  /** Program objects (and bytes) in eden and the survivor spaces: the young collection's population. */
  youngObjects = 0
  youngBytes = 0
  promotionFailures = 0
  readonly records: GcRecord[] = []

  constructor(
    private readonly options: ResolvedOptions,
    private readonly heap: JvmHeap,
    private readonly ctx: GcContext,
    /** The manager's figures: counts, reasons, frees, GC time (kept by `cycle`). */
    private readonly stats: ManagerStats,
    /** Core's bookkeeping of every collection: gc-start/gc-end, pause, counts, frees. */
    private readonly cycle: CollectionCycle,
    private readonly hub: EventHub,
    private readonly clock: MutatorSide,
  ) {
    this.scavenger = new Scavenger(ctx, this.ageTable)
    this.compactor = new MarkCompactor(ctx)
    this.initialOldBytes = options.geometry.oldInitialBytes
    this.tenuringThreshold = options.maxTenuringThreshold
    this.peakFootprint = heap.committed()
  }

  /** A program object of `size` bytes was allocated at `a`. */
  noteAllocated(a: number, size: number): void {
    if (a < this.heap.oldStart) {
      this.youngObjects++
      this.youngBytes += size
    }
  }

  /** System.gc(): a full collection. */
  systemGc(): void {
    this.doCollection(true, 0, 'System.gc()', 'System.gc()', false)
  }

  /**
   * GenCollectedHeap::mem_allocate_work, for one object of `size` bytes. The model bumps
   * eden directly instead of carving thread-local buffers from it: with one thread a TLAB
   * only changes where in eden an object lands, and when eden cannot give a new TLAB HotSpot
   * 17 allocates the object outside any TLAB, so the request that triggers a collection is
   * the object itself, not a TLAB (checked with -Xlog:gc=trace: "Young invoke=N size=32").
   */
  allocate(size: number, what: string, slot: Slot | undefined): number {
    const heap = this.heap
    const a = heap.allocEden(size)
    if (a !== 0) return a
    if (size > MAX_OBJECT_BYTES) this.outOfMemory(size, what, slot, 'Requested array size exceeds VM limit')
    // should_try_older_generation_allocation: too big for eden, or the last scavenge failed.
    if (size > heap.edenEnd - heap.edenStart || this.incrementalCollectionFailed) {
      const o = heap.allocOld(size)
      if (o !== 0) return o
    }
    return this.satisfyFailedAllocation(size, what, slot)
  }

  private attemptAllocation(size: number): number {
    const a = this.heap.allocEden(size)
    return a !== 0 ? a : this.heap.allocOld(size)
  }

  /** GenCollectedHeap::satisfy_failed_allocation. */
  private satisfyFailedAllocation(size: number, what: string, slot: Slot | undefined): number {
    const heap = this.heap
    if (!this.incrementalCollectionFailed) {
      this.doCollection(false, size, 'Allocation Failure', 'allocation failure', false)
    } else {
      this.doCollection(true, size, 'Allocation Failure', 'young gc not safe', false)
    }
    let a = this.attemptAllocation(size)
    if (a !== 0) return a
    // expand_heap_and_allocate: only the old generation can expand.
    if (heap.expandOld(size, MIN_HEAP_DELTA_BYTES)) {
      this.notePeakFootprint()
      a = heap.allocOld(size)
      if (a !== 0) return a
    }
    // The last resort: a maximally compacting full collection that also clears soft references.
    this.doCollection(true, size, 'Allocation Failure', 'last resort', true)
    a = this.attemptAllocation(size)
    if (a !== 0) return a
    return this.outOfMemory(size, what, slot, 'Java heap space')
  }

  private outOfMemory(size: number, what: string, slot: Slot | undefined, detail: string): never {
    throw new OutOfMemoryError('java.lang.OutOfMemoryError', size, `${detail} (${what} into slot ${slot})`, {
      slot,
      op: this.clock.currentOp(),
    })
  }

  /**
   * GenCollectedHeap::do_collection. `full` asks for a full collection (System.gc(), or a
   * retry after a failed scavenge); otherwise a young one, followed by a full one when
   * TenuredGeneration::should_collect says so.
   */
  private doCollection(full: boolean, size: number, cause: string, reason: string, maximal: boolean): void {
    const heap = this.heap
    let request = size
    let fullReason = reason
    let doFull: boolean
    if (!full) {
      const failed = this.youngCollection(cause, reason)
      if (request > 0 && request <= heap.edenEnd - heap.edenTop) request = 0
      doFull = true
      if (failed) fullReason = 'promotion failed'
      else if (request > 0) fullReason = 'allocation failure'
      else if (heap.oldFree() < OLD_NEARLY_FULL_BYTES) fullReason = 'old gen full'
      else if (this.capacityAtPrologue < heap.oldCapacity()) fullReason = 'old gen expanded'
      else doFull = false
    } else {
      this.gcPrologue()
      doFull = true
    }
    if (doFull) {
      if (!full) this.records[this.records.length - 1].heapChangePrinted = false
      this.fullCollection(cause, fullReason, maximal)
    }
  }

  private gcPrologue(): void {
    this.capacityAtPrologue = this.heap.oldCapacity()
    this.usedAtPrologue = this.heap.oldUsed()
  }

  /** DefNewGeneration::collection_attempt_is_safe / TenuredGeneration::promotion_attempt_is_safe. */
  private collectionAttemptIsSafe(): boolean {
    const heap = this.heap
    if (heap.toTop !== heap.toStart) return false
    const available = heap.oldMaxAvailable()
    return available >= this.avgPromoted.padded || available >= heap.youngUsed()
  }

  /** One "Pause Young". Returns whether promotion failed (so a full collection must follow). */
  private youngCollection(cause: string, reason: string): boolean {
    const heap = this.heap
    this.gcPrologue()
    const safe = this.collectionAttemptIsSafe()
    const begin = this.beginGc(YOUNG, safe ? reason : 'young gc not safe')
    let copied = 0
    let promoted = 0
    let failed = false
    if (!safe) {
      // "Slight lie: we did not even attempt one" (DefNewGeneration::collect).
      this.incrementalCollectionFailed = true
    } else {
      this.ctx.onFree = this.clock.freeVisitor()
      const r = this.scavenger.collect(this.tenuringThreshold, this.youngObjects, this.youngBytes)
      this.ctx.onFree = null
      copied = r.copiedBytes
      promoted = r.promotedBytes
      failed = r.promotionFailed
      // The dead of eden and from-space are reclaimed with their spaces, never visited one by one.
      this.cycle.freedMany(r.freedObjects, r.freedBytes, 'tracing')
      this.youngObjects = r.youngObjects
      this.youngBytes = r.youngBytes
      if (failed) {
        this.incrementalCollectionFailed = true
        this.promotionFailures++
      } else {
        this.tenuringThreshold = this.ageTable.computeTenuringThreshold(
          heap.survivorBytes,
          this.options.targetSurvivorRatio,
          this.options.maxTenuringThreshold,
        )
      }
    }
    // TenuredGeneration::update_gc_stats: sample the bytes promoted by this scavenge.
    const promotedNow = heap.oldUsed() - this.usedAtPrologue
    if (promotedNow >= 0) this.avgPromoted.sample(promotedNow)
    this.endGc(begin, YOUNG, cause, safe ? reason : 'young gc not safe', promoted, copied, failed)
    if (!safe) this.records[this.records.length - 1].heapChangePrinted = false
    return failed
  }

  /** One "Pause Full": mark-compact of the whole heap, then the old generation's resize. */
  private fullCollection(cause: string, reason: string, maximal: boolean): void {
    const heap = this.heap
    const begin = this.beginGc(FULL, reason)
    this.ctx.onFree = this.clock.freeVisitor()
    this.fullInvocations++
    // MarkSweepAlwaysCompactCount (4): every 4th full collection, and the last-resort one
    // (which sets it to 1), compacts fully; the others may leave dead wood at the bottom.
    const r = this.compactor.collect(maximal || this.fullInvocations % ALWAYS_COMPACT_COUNT === 0)
    this.ctx.onFree = null
    this.cycle.freedMany(r.freedObjects, r.freedBytes, 'tracing')
    this.youngObjects = r.youngObjects
    this.youngBytes = r.youngBytes
    this.computeNewOldSize()
    // DefNewGeneration::gc_epilogue(full): only a still-unsafe, non-empty young gen keeps the failure.
    this.incrementalCollectionFailed = !this.collectionAttemptIsSafe() && heap.edenTop !== heap.edenStart
    this.endGc(begin, FULL, cause, reason, 0, 0, false)
  }

  /**
   * CardGeneration::compute_new_size: grow so that at least MinHeapFreeRatio of the old
   * generation is free; shrink toward MaxHeapFreeRatio free, damped by the shrink factor
   * (0%, 10%, 40%, 100% on successive calls), and give back expansion done for promotion.
   */
  private computeNewOldSize(): void {
    const heap = this.heap
    const o = this.options
    const used = heap.oldUsed()
    const capacity = heap.oldCapacity()
    const initial = this.initialOldBytes
    const minimumDesired = Math.max(used / (1 - o.minHeapFreeRatio / 100), initial)
    if (capacity < minimumDesired) {
      const expand = minimumDesired - capacity
      if (expand >= MIN_HEAP_DELTA_BYTES) heap.expandOld(expand, 0)
      this.shrinkFactor = 0
      this.notePeakFootprint()
      return
    }
    let shrink = 0
    const maxShrink = capacity - minimumDesired
    if (o.maxHeapFreeRatio < 100) {
      const maximumDesired = Math.max(used / (1 - o.maxHeapFreeRatio / 100), initial)
      if (capacity > maximumDesired) {
        shrink = capacity - maximumDesired
        shrink = Math.floor(shrink / 100) * this.shrinkFactor
        this.shrinkFactor = this.shrinkFactor === 0 ? 10 : Math.min(this.shrinkFactor * 4, 100)
      }
    }
    if (capacity > this.capacityAtPrologue) {
      shrink = Math.max(shrink, Math.min(capacity - this.capacityAtPrologue, maxShrink))
    }
    shrink = Math.floor(shrink / PAGE_SIZE) * PAGE_SIZE
    if (shrink >= MIN_HEAP_DELTA_BYTES) heap.shrinkOld(heap.oldEnd - shrink)
  }

  /** A collection of `generation` starts; `reason` is what it is counted under. */
  private beginGc(generation: number, reason: string): GcBegin {
    this.heap.notePeaks() // a collection lowers tops: what was written below them must stay known
    this.cycle.begin(generation, reason, this.clock.currentOp())
    this.ctx.cleared.length = 0
    return { usedBefore: this.heap.used() }
  }

  /**
   * The collection ends: weak references it cleared are reported, then core's cycle prices
   * the pause and reports gc-end, then the JVM's record of it (for -Xlog:gc) is kept.
   */
  private endGc(
    begin: GcBegin,
    generation: number,
    cause: string,
    reason: string,
    promoted: number,
    copied: number,
    promotionFailed: boolean,
  ): void {
    const heap = this.heap
    heap.notePeaks()
    this.notePeakFootprint()
    const cleared = this.ctx.cleared
    this.stats.weakrefsCleared += cleared.length / 2
    const op = this.clock.currentOp()
    if (this.ctx.finalizeQueue.length > 0 || this.ctx.pendingCallbacks.length > 0)
      this.clock.referencesQueued()
    if (this.hub.listening) {
      for (let i = 0; i < cleared.length; i += 2) {
        this.hub.emit({ type: 'weakref-clear', op, weakId: cleared[i], targetId: cleared[i + 1] })
      }
    }
    const pause = this.cycle.end(op, {
      compacted: generation === FULL,
      footprintAfter: heap.committed(),
      spaces: () => ({
        eden: heap.edenUsed(),
        survivor: heap.fromUsed() + heap.toUsed(),
        old: heap.oldUsed(),
      }),
    })
    const kind: GcKind = generation === YOUNG ? 'young' : 'full'
    this.records.push({
      id: this.records.length,
      kind,
      cause,
      reason,
      op,
      usedBefore: begin.usedBefore,
      usedAfter: heap.used(),
      capacityAfter: heap.capacity(),
      pauseVirtual: pause,
      endVirtual: this.clock.mutatorVirtual() + this.stats.virtualTime.gc,
      promotedBytes: promoted,
      copiedBytes: copied,
      promotionFailed,
      tenuringThreshold: this.tenuringThreshold,
      heapChangePrinted: true,
    })
    cleared.length = 0
  }

  notePeakFootprint(): void {
    const c = this.heap.committed()
    if (c > this.peakFootprint) this.peakFootprint = c
  }
}
