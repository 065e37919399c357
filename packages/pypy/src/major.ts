/**
 * The incremental major collection (incminimark.py:2318 major_collection_step): a state
 * machine advanced one step at a time, each step right after a minor collection, so a major
 * collection is spread over many short pauses. Old objects never move: marking sets
 * GCFLAG_VISITED, sweeping frees the unmarked in place.
 *
 *   SCANNING    one step: the roots go on objects_to_trace; the pace counters restart.
 *   MARKING     each step marks about max(PYPY_GC_INCREMENT_STEP, 2 x the bytes the last
 *               minor collection moved) bytes of objects (visit_all_objects_step); if it used
 *               less than half of that and objects written into during marking are waiting,
 *               it marks them all. When nothing is left: the non-stack roots again, the
 *               finalizers (finalizers.ts), the old weakrefs (weakrefs.ts), and the sweep is
 *               prepared -- all in that step.
 *   SWEEPING    each step frees up to 3 x nursery / 280 old raw-malloced objects (and does
 *               nothing else) while any are left, then walks up to 3 x nursery / 8 KiB arena
 *               pages. The step that finishes sets the next threshold:
 *               min(used x 1.82, used + max_delta), at most 1.4 x the previous one
 *               (set_major_threshold_from), `used` not counting what finalizers kept alive.
 *   FINALIZING  one step: the finalizer queue is handed to the interpreter (execute_finalizers).
 *
 * Every step first adds nursery_size / 2 to threshold_objects_made_old; the caller
 * (collector.ts) runs more minor collections and steps while the bytes made old since the
 * cycle began exceed it, so a program that promotes faster than the collector marks gets
 * extra steps.
 */
import { OutOfMemoryError } from '@pygc/core'
import {
  PAGE_BYTES,
  SMALL_REQUEST_THRESHOLD,
  STATE_FINALIZING,
  STATE_MARKING,
  STATE_SCANNING,
  STATE_SWEEPING,
} from './constants.js'
import type { Finalizers } from './finalizers.js'
import { type GcState, ROOTS_OBJECT, where } from './gc-state.js'
import { H_EXTRA, H_WORDS, PARTS_MASK, TRACK_YOUNG_PTRS, VISITED } from './objects.js'
import { markParts } from './parts.js'
import type { RawObjects } from './raw-objects.js'
import type { Weakrefs } from './weakrefs.js'

/** R is a list: W_ListObject, its storage and items array header (layout.ts). */
const ROOTS_LIST_FIXED = 64

export interface StepHooks {
  /** Non-stack roots: the runtime's own objects, queued finalizers. */
  forEachExtraRoot(visit: (a: number) => void): void
  /** The pins (held in R's company: a table in the heap). */
  forEachPin(visit: (a: number) => void): void
  /** A program object (or internal one) is freed by the sweep. */
  onFree(a: number, bytes: number): void
  /** A major collection completed (gc-collect-done). */
  onMajorDone(): void
  /** FINALIZING: queued finalizers may run. */
  executeFinalizers(): void
}

export class MajorCollector {
  finalizers!: Finalizers
  steps = 0

  constructor(
    private readonly s: GcState,
    private readonly raw: RawObjects,
    private readonly weak: Weakrefs,
    private readonly hooks: StepHooks,
  ) {}

  /** One major_collection_step; returns the state it started from. */
  step(reservingSize = 0): number {
    const s = this.s
    const oldState = s.gcState
    this.steps++
    s.thresholdObjectsMadeOld += Math.floor(s.nurserySize / 2)
    switch (s.gcState) {
      case STATE_SCANNING:
        s.sizeObjectsMadeOld = 0
        s.thresholdObjectsMadeOld = Math.floor(s.nurserySize / 2)
        s.objectsToTrace.clear()
        this.collectRoots()
        s.gcState = STATE_MARKING
        s.moreObjectsToTrace.clear()
        break
      case STATE_MARKING:
        this.markingStep()
        break
      case STATE_SWEEPING:
        this.sweepingStep(reservingSize)
        break
      default:
        // FINALIZING: ready for the next cycle even if a finalizer collects again.
        s.gcState = STATE_SCANNING
        this.hooks.executeFinalizers()
    }
    return oldState
  }

  private markingStep(): void {
    const s = this.s
    let estimate = s.options.incrementStep
    const fromNursery = s.nurserySurvivingSize * 2
    if (fromNursery > estimate) estimate = fromNursery
    const remaining = this.visitAllObjectsStep(estimate)
    if (remaining >= Math.floor(estimate / 2) && s.moreObjectsToTrace.length > 0) {
      const swap = s.objectsToTrace
      s.objectsToTrace = s.moreObjectsToTrace
      s.moreObjectsToTrace = swap
      this.visitAllObjects()
    }
    if (s.objectsToTrace.length === 0 && s.moreObjectsToTrace.length === 0) {
      this.collectNonstackRoots()
      this.visitAllObjects()
      s.keptAliveByFinalizer = 0
      if (s.oldObjectsWithFinalizers.length > 0) {
        this.finalizers.dealWithObjectsWithFinalizers(() => this.weak.invalidateOld())
      } else if (s.oldObjectsWithWeakrefs.length > 0 || this.weak.hasCallbackRefs()) {
        this.weak.invalidateOld()
      }
      s.ac.massFreePrepare()
      // start_free_rawmalloc_objects: the old raw list is the one to sweep now.
      const swap = s.rawMallocMightSweep
      s.rawMallocMightSweep = s.oldRawmallocedObjects
      s.oldRawmallocedObjects = swap
      s.statAcArenasCount = s.ac.arenasCount
      s.statRawmallocedTotalSize = s.rawmallocedTotalSize
      s.gcState = STATE_SWEEPING
    }
  }

  private sweepingStep(reservingSize: number): void {
    const s = this.s
    let done: boolean
    if (s.rawMallocMightSweep.length > 0) {
      const limit = Math.floor((3 * s.nurserySize) / SMALL_REQUEST_THRESHOLD)
      this.freeUnvisitedRawmallocObjectsStep(limit)
      done = false
    } else {
      const limit = Math.floor((3 * s.nurserySize) / PAGE_BYTES)
      done = s.ac.massFreeIncremental(this.freeIfUnvisited, limit)
    }
    if (!done) return
    s.numMajorCollects++
    let used = s.totalMemoryUsed() - s.keptAliveByFinalizer
    if (used < 0) used = 0
    const bounded = s.setMajorThresholdFrom(
      Math.min(used * s.options.majorCollect, used + s.options.maxDelta),
      reservingSize,
    )
    this.hooks.onMajorDone()
    if (bounded && s.thresholdReached(reservingSize)) {
      // PYPY_GC_MAX reached (incminimark.py:2526): MemoryError once, then a fatal error.
      s.gcState = STATE_SCANNING
      const fatal = s.maxHeapSizeAlreadyRaised
      s.maxHeapSizeAlreadyRaised = true
      // Raised from inside the allocation that ran this step (PyPy: a bare MemoryError, then
      // "using too much memory, aborting"); gc.collect() and collect_step() allocate nothing.
      const site =
        s.requestOp >= 0 ? `${where(s.requestOp, s.requestSlot)}: ` : 'gc.collect() or gc.collect_step(): '
      throw new OutOfMemoryError(
        'MemoryError',
        s.requestBytes,
        fatal
          ? `${site}using too much memory, aborting (PYPY_GC_MAX ${s.maxHeapSize} bytes)`
          : `${site}PYPY_GC_MAX (${s.maxHeapSize} bytes) reached at the end of a major collection, ${s.totalMemoryUsed()} bytes in use`,
      )
    }
    s.gcState = STATE_FINALIZING
  }

  /** _free_if_unvisited: a marked block survives (unmarked again), the others die. */
  private readonly freeIfUnvisited = (a: number): boolean => {
    const s = this.s
    const w = s.mem.w
    s.work.objectsSwept++
    if ((w[a >> 2] & VISITED) !== 0) {
      w[a >> 2] &= ~VISITED
      return false
    }
    this.hooks.onFree(a, s.heap.sizeOf(a))
    s.work.objectsFreed++
    return true
  }

  private freeUnvisitedRawmallocObjectsStep(limit: number): void {
    const s = this.s
    const list = s.rawMallocMightSweep
    let n = limit
    while (list.length > 0 && n > 0) {
      const a = list.pop()
      const w = s.mem.w
      s.work.objectsSwept++
      if ((w[a >> 2] & VISITED) !== 0) {
        w[a >> 2] &= ~VISITED
        s.oldRawmallocedObjects.push(a)
      } else {
        this.hooks.onFree(a, s.heap.sizeOf(a))
        s.work.objectsFreed++
        this.raw.free(a)
      }
      n--
    }
  }

  /**
   * collect_roots (incminimark.py:2646): the non-stack roots, then the stack, which holds R
   * (gc-state.ts ROOTS_OBJECT). The stack goes on top, so R is marked first: from then on a
   * write into a marked object of the program turns it grey again, as in PyPy.
   */
  private collectRoots(): void {
    this.s.rootsVisited = false
    this.collectNonstackRoots()
    this.s.objectsToTrace.push(ROOTS_OBJECT)
  }

  /** collect_nonstack_roots: the runtime's own objects and the queued finalizers. */
  private collectNonstackRoots(): void {
    this.hooks.forEachExtraRoot(this.collectObjCallback)
  }

  private readonly collectObjCallback = (a: number): void => this.collectObj(a)

  /** _collect_obj: old objects go on objects_to_trace (the nursery is empty here). */
  private collectObj(a: number): void {
    if (!this.s.mem.inNursery(a)) this.s.objectsToTrace.push(a)
  }

  /** Visit R: queue what every slot and pin holds now; R's size (a list of the slots). */
  private visitRoots(): number {
    const s = this.s
    if (s.rootsVisited) return 0
    s.rootsVisited = true
    const values = s.roots.values
    const pending = s.objectsToTrace
    for (let i = 0; i < s.roots.top; i++) {
      const v = values[i]
      if (v !== 0 && !s.mem.inNursery(v)) pending.push(v)
    }
    this.hooks.forEachPin((a) => {
      if (!s.mem.inNursery(a)) pending.push(a)
    })
    s.work.marked++
    return ROOTS_LIST_FIXED + 8 * s.roots.top
  }

  visitAllObjects(): void {
    while (this.s.objectsToTrace.length > 0) this.visitAllObjectsStep(Number.MAX_SAFE_INTEGER)
  }

  /** visit_all_objects_step: mark until `sizeToTrack` bytes were marked; what is left of it. */
  private visitAllObjectsStep(sizeToTrack: number): number {
    const pending = this.s.objectsToTrace
    let left = sizeToTrack
    while (pending.length > 0) {
      left -= this.visit(pending.pop())
      if (left < 0) return 0
    }
    return left
  }

  /** visit: mark an object (and set TRACK_YOUNG_PTRS), queue what it references; its size, or 0 if marked already. */
  private visit(a: number): number {
    if (a === ROOTS_OBJECT) return this.visitRoots()
    const s = this.s
    const w = s.mem.w
    const tid = w[a >> 2]
    if ((tid & VISITED) !== 0) return 0
    w[a >> 2] = tid | VISITED | TRACK_YOUNG_PTRS
    s.work.marked++
    const heap = s.heap
    const n = heap.tracedWords(a)
    const base = (a >> 2) + H_WORDS
    const pending = s.objectsToTrace
    for (let i = 0; i < n; i++) {
      const v = w[base + i]
      s.work.refsScanned++
      if (v !== 0 && !s.mem.inNursery(v)) pending.push(v)
    }
    if (heap.hasLifelineSlot(a)) {
      const l = w[(a >> 2) + H_EXTRA]
      if (l !== 0 && !s.mem.inNursery(l)) pending.push(l)
    }
    // Its RPython parts' blocks live and die with it (parts.ts); PyPy marks each part.
    if ((tid & PARTS_MASK) !== 0) markParts(w, a, heap.fieldWords(a))
    return heap.sizeOf(a)
  }
}
