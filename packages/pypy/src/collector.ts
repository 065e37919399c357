/**
 * incminimark's policy: when a collection runs and what it does (incminimark.py at
 * release-pypy3.9-v7.3.11). The parts are in their own files: nursery.ts, minor.ts, major.ts,
 * arena.ts, raw-objects.ts, write-barrier.ts, finalizers.ts, weakrefs.ts.
 *
 *  - An allocation that does not fit the nursery runs collect_and_reserve (line 850): a minor
 *    collection with major progress, then the allocation; if it still does not fit, one more
 *    minor collection (finalizers may have refilled the nursery).
 *  - minor_collection_with_major_progress (line 809): a minor collection; then, if the GC is
 *    enabled, one major step when a major collection is in progress or the threshold is
 *    reached (arenas + raw-malloced bytes above next_major_collection_threshold); then more
 *    minor collections and steps while a major collection is in progress and the bytes made
 *    old since it began exceed threshold_objects_made_old.
 *  - An object whose largest part reaches the large-object limit is raw-malloced young
 *    (external_malloc, line 939); if that would pass the threshold, a minor collection with
 *    major progress runs first, reserving the object's size plus half a nursery.
 *  - gc.collect() (line 2294 minor_and_major_collection): finish the major collection in
 *    progress, then a whole new one, each step after a minor collection.
 *  - gc.collect_step() (line 795): one minor collection and one major step.
 *
 * A pause is what the mutator waits for: one allocation's or one call's collections. The
 * model emits one gc-start/gc-end pair per pause: generation 1 when a major collection
 * completed in it, else 0; the GC's own log (every minor collection, every step, every
 * completed major collection) is in `records`, as PYPYLOG=gc-minor,gc-collect-step,
 * gc-collect-done prints it.
 */

import type { RootSet } from '@pygc/core'
import {
  type CostModel,
  type EventHub,
  emptyWork,
  OutOfMemoryError,
  pauseCost,
  snapshotWork,
} from '@pygc/core'
import { GC_STATES, LARGE_OBJECT_BYTES, STATE_SCANNING } from './constants.js'
import { Finalizers } from './finalizers.js'
import { GcState, where } from './gc-state.js'
import { MajorCollector } from './major.js'
import { addressSpaceExhausted } from './memory.js'
import { MinorCollector } from './minor.js'
import { Nursery } from './nursery.js'
import {
  CARDS_SET,
  H_EXTRA,
  H_TID,
  HAS_CARDS,
  RAW,
  RUNTIME_TYPE,
  SHADOW_TYPE,
  TRACK_YOUNG_PTRS,
  YOUNG_RAW,
} from './objects.js'
import type { ResolvedOptions } from './options.js'
import { Parts } from './parts.js'
import { cardMarkingWordsForLength, RawObjects } from './raw-objects.js'
import { Weakrefs } from './weakrefs.js'
import { WriteBarrier } from './write-barrier.js'

/** One minor collection, as the GC logs it (gc-minor). */
export interface MinorRecord {
  op: number
  /** "minor collect, total memory used": arenas + raw-malloced after it. */
  memoryUsed: number
  /** "total size of surviving objects": bytes moved out of the nursery. */
  surviving: number
}

/** One major collection step (gc-collect-step). */
export interface StepRecord {
  op: number
  from: (typeof GC_STATES)[number]
  to: (typeof GC_STATES)[number]
}

/** One completed major collection (gc-collect-done). */
export interface MajorRecord {
  op: number
  num: number
  arenasBefore: number
  arenasAfter: number
  arenaBytes: number
  rawBefore: number
  rawAfter: number
  nextThreshold: number
}

export interface MutatorSide {
  currentOp(): number
  mutatorVirtual(): number
  bytesAllocated(): number
  /** Roots besides the slots: runtime objects, queued finalizers. */
  forEachExtraRoot(visit: (a: number) => void): void
  forEachPin(visit: (a: number) => void): void
  /** Per dead program object (events, id bookkeeping); null when nobody needs them. */
  freeVisitor(): ((a: number, bytes: number) => void) | null
  /** The finalizer queue got work (UserDelAction.fire). */
  finalizersQueued(): void
}

export class IncMiniMark {
  readonly s: GcState
  readonly nursery: Nursery
  readonly raw: RawObjects
  readonly barrier: WriteBarrier
  readonly weak: Weakrefs
  readonly finalizers: Finalizers
  readonly minor: MinorCollector
  readonly major: MajorCollector

  readonly minors: MinorRecord[] = []
  readonly steps: StepRecord[] = []
  readonly majors: MajorRecord[] = []
  /** Pauses per kind (stats().collections): [pauses without a completed major, completed majors]. */
  minorCount = 0
  freedObjects = 0
  freedBytes = 0
  gcVirtual = 0
  wallGcMs = 0
  readonly reasons: Record<string, number> = {}

  private pauseDepth = 0
  private pauseStart = {
    work: emptyWork(),
    wall: 0,
    freedObjects: 0,
    freedBytes: 0,
    majors: 0,
    copied: 0,
  }
  private pauseReason = ''
  private majorsAtPauseStart = 0

  constructor(
    options: ResolvedOptions,
    roots: RootSet,
    private readonly costs: CostModel,
    private readonly hub: EventHub,
    private readonly mutator: MutatorSide,
  ) {
    this.s = new GcState(options, roots)
    this.nursery = new Nursery(this.s.mem)
    this.raw = new RawObjects(this.s)
    this.barrier = new WriteBarrier(this.s, this.raw)
    this.weak = new Weakrefs(this.s)
    this.minor = new MinorCollector(this.s, this.nursery, this.raw, this.weak, new Parts(this.s))
    this.major = new MajorCollector(this.s, this.raw, this.weak, {
      forEachExtraRoot: (visit) => this.mutator.forEachExtraRoot(visit),
      forEachPin: (visit) => this.mutator.forEachPin(visit),
      onFree: (a, bytes) => this.onSweptFree(a, bytes),
      onMajorDone: () => this.recordMajor(),
      executeFinalizers: () => {
        if (this.finalizers.queue.length > 0) this.mutator.finalizersQueued()
      },
    })
    this.finalizers = new Finalizers(this.s, () => this.major.visitAllObjects())
    this.major.finalizers = this.finalizers
  }

  // ---- allocation ----------------------------------------------------------------------------

  /**
   * Memory for an object of `size` bytes whose largest part is `largestPart` bytes: nursery,
   * or raw-malloced young for large ones (with card words when `cardItems` >= 0: a large array
   * of references with that many items). Returns the address; the caller writes the header.
   *
   * `payload`: the bytes of its byte payload, which PyPy makes after the rest (the head). When
   * the head fits in the nursery and the payload does not, PyPy's minor collection comes
   * between them: the head survives it and is old, the payload is made young after it and held
   * by that old head, which the next minor collection keeps as written-into
   * (old_objects_pointing_to_young) whether or not anything still reaches it. So the payload
   * survives that collection too (measured: a two-item list, then a 79,000-byte payload into
   * it, dropped, 300 times at 264 KiB: 99 minor collections keeping 79,160 B each; payload
   * first, then the list: 32 B each). The model, whose object is one block, keeps the object
   * alive at the next minor collection (youngKeptByOldHeads).
   */
  allocate(
    size: number,
    largestPart: number,
    cardItems: number,
    op: number,
    slot: number,
    payload = 0,
  ): number {
    if (largestPart >= LARGE_OBJECT_BYTES) return this.externalMalloc(size, cardItems, op, slot)
    const block = Nursery.blockSize(size)
    const a = this.nursery.bump(block)
    let at = a
    if (a === 0) {
      const headFits =
        payload > 0 && this.nursery.top - this.nursery.free >= Nursery.blockSize(size - payload)
      at = this.collectAndReserve(block, op, slot)
      if (headFits) this.s.youngKeptByOldHeads.push(at)
    }
    this.nursery.objects++
    return at
  }

  /**
   * `size` bytes of the interpreter's temporaries (layout.ts, transient): nursery space that is
   * garbage at once. Laid down as a filler block so the nursery stays walkable.
   */
  allocateTransient(size: number, op: number, slot: number): void {
    const block = Nursery.blockSize(size)
    const a = this.nursery.bump(block)
    const at = a !== 0 ? a : this.collectAndReserve(block, op, slot)
    const w = this.s.mem.w
    w[(at >> 2) + H_TID] = RUNTIME_TYPE
    w[(at >> 2) + H_EXTRA] = block
  }

  private collectAndReserve(size: number, op: number, slot: number): number {
    this.beginPause('nursery full')
    this.serving(size, op, slot)
    try {
      let count = 0
      let a = 0
      for (;;) {
        count++
        if (count === 1) this.minorCollectionWithMajorProgress(0, false)
        else this.minorCollection()
        a = this.nursery.bump(size)
        if (a !== 0) break
        if (count >= 2)
          throw new OutOfMemoryError(
            'MemoryError',
            size,
            `${where(op, slot)}: the nursery cannot hold ${size} bytes`,
          )
      }
      this.nursery.applyTiny(this.s.options.debugTinyNursery)
      return a
    } finally {
      this.serving(0, -1, 0)
      this.endPause()
    }
  }

  /** The allocation the next collections serve (0, -1: none; see GcState.requestBytes). */
  private serving(bytes: number, op: number, slot: number): void {
    this.s.requestBytes = bytes
    this.s.requestOp = op
    this.s.requestSlot = slot
  }

  /** external_malloc(alloc_young=True) for a large object (incminimark.py:939). */
  private externalMalloc(size: number, cardItems: number, op: number, slot: number): number {
    const s = this.s
    const cardWords = cardItems >= 0 ? cardMarkingWordsForLength(cardItems) : 0
    const allocsize = size + cardWords * 8
    if (s.thresholdReached(allocsize)) {
      this.beginPause('large object')
      this.serving(allocsize, op, slot)
      try {
        this.minorCollectionWithMajorProgress(allocsize + Math.floor(s.nurserySize / 2), false)
      } finally {
        this.serving(0, -1, 0)
        this.endPause()
      }
    }
    const a = this.raw.allocate(size, cardWords)
    if (a === 0) {
      throw addressSpaceExhausted(size, where(op, slot))
    }
    // Header flags are written by the caller; it ORs in youngRawFlags().
    s.youngRawmallocedObjects.push(a)
    return a
  }

  /** The flags a young raw object starts with (with cards: tracked, cards set; incminimark.py:1009-1022). */
  youngRawFlags(hasCards: boolean): number {
    return RAW | YOUNG_RAW | (hasCards ? HAS_CARDS | TRACK_YOUNG_PTRS | CARDS_SET : 0)
  }

  // ---- collections ---------------------------------------------------------------------------

  /** minor_collection_with_major_progress (incminimark.py:809). */
  minorCollectionWithMajorProgress(extrasize: number, forceEnabled: boolean): void {
    const s = this.s
    this.minorCollection()
    if (!s.enabled && !forceEnabled) return
    if (s.gcState !== STATE_SCANNING || s.thresholdReached(extrasize)) {
      this.majorStep(extrasize)
      while (s.gcState !== STATE_SCANNING) {
        let threshold = s.thresholdObjectsMadeOld
        if (threshold >= extrasize) {
          threshold -= extrasize
          if (s.sizeObjectsMadeOld <= threshold) break
        }
        this.minorCollection()
        this.majorStep(extrasize)
      }
    }
  }

  minorCollection(): void {
    const s = this.s
    this.minor.onFree = this.mutator.freeVisitor()
    const r = this.minor.collect()
    this.minor.onFree = null
    this.freedObjects += r.freedObjects
    this.freedBytes += r.freedBytes
    this.minorCount++
    this.minors.push({
      op: this.mutator.currentOp(),
      memoryUsed: s.totalMemoryUsed(),
      surviving: r.survivingBytes,
    })
  }

  majorStep(reservingSize: number): void {
    const from = this.s.gcState
    try {
      this.major.step(reservingSize)
    } finally {
      this.steps.push({ op: this.mutator.currentOp(), from: GC_STATES[from], to: GC_STATES[this.s.gcState] })
    }
  }

  /** gc.collect(): minor_and_major_collection. */
  fullCollection(): void {
    this.beginPause('gc.collect()')
    try {
      this.gcStepUntil(STATE_SCANNING)
      this.gcStepUntil(1)
      this.gcStepUntil(STATE_SCANNING)
    } finally {
      this.endPause()
    }
  }

  private gcStepUntil(state: number): void {
    while (this.s.gcState !== state) {
      this.minorCollection()
      this.majorStep(0)
    }
  }

  /** gc.collect_step(): one minor collection and one major step; the states before and after. */
  collectStep(): { from: number; to: number } {
    this.beginPause('gc.collect_step()')
    const from = this.s.gcState
    try {
      this.minorCollection()
      this.majorStep(0)
    } finally {
      this.endPause()
    }
    return { from, to: this.s.gcState }
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  private onSweptFree(a: number, bytes: number): void {
    const heap = this.s.heap
    const t = heap.typeOf(a)
    if (t === SHADOW_TYPE) return // its object's bytes were freed with the nursery
    if (heap.isProgram(a)) {
      this.freedObjects++
      this.freedBytes += bytes
      const visit = this.mutator.freeVisitor()
      if (visit !== null) visit(a, bytes)
    }
  }

  private recordMajor(): void {
    const s = this.s
    this.majors.push({
      op: this.mutator.currentOp(),
      num: s.numMajorCollects,
      arenasBefore: s.statAcArenasCount,
      arenasAfter: s.ac.arenasCount,
      arenaBytes: s.ac.totalMemoryUsed,
      rawBefore: s.statRawmallocedTotalSize,
      rawAfter: s.rawmallocedTotalSize,
      nextThreshold: s.nextMajorCollectionThreshold,
    })
  }

  private countReason(reason: string): void {
    this.reasons[reason] = (this.reasons[reason] ?? 0) + 1
  }

  private beginPause(reason: string): void {
    if (this.pauseDepth++ > 0) return
    this.pauseReason = reason
    this.majorsAtPauseStart = this.s.numMajorCollects
    this.pauseStart = {
      work: snapshotWork(this.s.work),
      wall: performance.now(),
      freedObjects: this.freedObjects,
      freedBytes: this.freedBytes,
      majors: this.s.numMajorCollects,
      copied: this.s.work.bytesCopied,
    }
    this.weak.cleared.length = 0
    if (this.hub.listening) {
      this.hub.emit({ type: 'gc-start', op: this.mutator.currentOp(), generation: 0, reason })
    }
  }

  private endPause(): void {
    if (--this.pauseDepth > 0) return
    const s = this.s
    const start = this.pauseStart
    const pause = pauseCost(start.work, s.work, this.costs)
    const wallMs = performance.now() - start.wall
    this.gcVirtual += pause
    this.wallGcMs += wallMs
    const generation = s.numMajorCollects > this.majorsAtPauseStart ? 1 : 0
    this.countReason(this.pauseReason)
    const cleared = this.weak.cleared
    if (this.hub.listening) {
      const op = this.mutator.currentOp()
      for (let i = 0; i < cleared.length; i += 2) {
        this.hub.emit({ type: 'weakref-clear', op, weakId: cleared[i], targetId: cleared[i + 1] })
      }
      const copied = s.work.bytesCopied - start.copied
      this.hub.emit({
        type: 'gc-end',
        op,
        generation,
        reason: this.pauseReason,
        pauseVirtual: pause,
        pauseWallMs: wallMs,
        freedObjects: this.freedObjects - start.freedObjects,
        freedBytes: this.freedBytes - start.freedBytes,
        liveBytesAfter: this.mutator.bytesAllocated() - this.freedBytes,
        footprintAfter: this.footprint(),
        promotedBytes: copied,
        copiedBytes: copied,
        compacted: false,
        spaces: this.spaces(),
      })
    }
    cleared.length = 0
  }

  /** What PyPy holds from the OS for the heap: the nursery, the arenas, the raw-malloced bytes. */
  footprint(): number {
    return this.s.nurserySize + this.s.ac.totalMemoryAlloced + this.s.rawmallocedTotalSize
  }

  spaces(): Record<string, number> {
    return {
      nursery: this.nursery.used(),
      arenas: this.s.ac.totalMemoryUsed,
      rawmalloced: this.s.rawmallocedTotalSize,
    }
  }

  stateName(): string {
    return GC_STATES[this.s.gcState]
  }
}
