/**
 * PyPy's own surface, as a program and an operator see it:
 *  - `gc`: PyPy 7.3.11's gc module (pypy/module/gc): collect() (a full collection, then the
 *    queued finalizers; returns None, here null), collect_step() (one step; a
 *    GcCollectStepStats, with the finalizers run as a last "USERDEL" step), enable(),
 *    disable(), isenabled(), get_stats() (the figures of gc.get_stats(), in bytes),
 *    get_rpy_memory_usage(), garbage (always empty: PyPy finalizes cycles) and hooks
 *    (on_gc_minor, on_gc_collect_step, on_gc_collect: called after the op during which the GC
 *    ran, with the count of events since the last call, as PyPy's GcHookAction does;
 *    pypy/module/gc/hook.py);
 *  - `records()`: the GC's log, as PYPYLOG=gc-minor,gc-collect-step,gc-collect-done prints it;
 *  - id() addresses, heap walks and a heap check.
 */
import { PygcError, type Slot } from '@pygc/core'
import type { MajorRecord, MinorRecord, StepRecord } from './collector.js'
import { GC_STATES, SMALL_REQUEST_THRESHOLD } from './constants.js'
import type { PyPyManager } from './manager.js'
import { FORWARDED, H_EXTRA, H_ID, H_LEN, H_TID, HAS_SHADOW, RAW, SHADOW_TYPE, TYPE_MASK } from './objects.js'

/** W_GcCollectStepStats (pypy/module/gc/hook.py): STATE_USERDEL is the finalizers' pseudo-step. */
export const STATE_USERDEL = 4

export interface GcMinorStats {
  count: number
  duration: number
  duration_min: number
  duration_max: number
  total_memory_used: number
  pinned_objects: number
}

export interface GcCollectStepStats {
  count: number
  duration: number
  duration_min: number
  duration_max: number
  oldstate: number
  newstate: number
  major_is_done: boolean
}

export interface GcCollectStats {
  count: number
  num_major_collects: number
  arenas_count_before: number
  arenas_count_after: number
  arenas_bytes: number
  rawmalloc_bytes_before: number
  rawmalloc_bytes_after: number
  pinned_objects: number
}

export interface GcHooks {
  on_gc_minor: ((stats: GcMinorStats) => void) | null
  on_gc_collect_step: ((stats: GcCollectStepStats) => void) | null
  on_gc_collect: ((stats: GcCollectStats) => void) | null
}

/** gc.get_stats() in bytes (PyPy prints them as "2.3MB"); rpython/memory/gc/incminimark.py get_stats. */
export interface GcStats {
  total_gc_memory: number
  total_allocated_memory: number
  peak_memory: number
  peak_allocated_memory: number
  total_arena_memory: number
  total_rawmalloced_memory: number
  peak_arena_memory: number
  peak_rawmalloced_memory: number
  nursery_size: number
  total_gc_time: number
}

export interface PyPyGcModule {
  collect(generation?: number): null
  collect_step(): GcCollectStepStats
  enable(): void
  disable(): void
  isenabled(): boolean
  get_stats(): GcStats
  get_rpy_memory_usage(slot: Slot): number
  readonly garbage: readonly never[]
  readonly hooks: GcHooks
}

export class PyPyNative {
  readonly gc: PyPyGcModule
  private finalizing = false
  private peak = 0
  private firedMinors = 0
  private firedSteps = 0
  private firedMajors = 0

  constructor(private readonly m: PyPyManager) {
    const hooks: GcHooks = { on_gc_minor: null, on_gc_collect_step: null, on_gc_collect: null }
    this.gc = {
      collect: (generation) => {
        m.collect(generation)
        return null
      },
      collect_step: () => this.collectStep(),
      enable: () => {
        m.gcControl('enable')
      },
      disable: () => {
        m.gcControl('disable')
      },
      isenabled: () => m.gc.s.enabled,
      get_stats: () => this.getStats(),
      get_rpy_memory_usage: (slot) => {
        const a = m.gc.s.roots.get(slot)
        if (a === 0)
          throw new PygcError('NULL_REFERENCE', `get_rpy_memory_usage: slot ${slot} is null`, { slot })
        return m.gc.s.heap.sizeOf(a)
      },
      garbage: Object.freeze([]) as readonly never[],
      hooks,
    }
  }

  /** Whether GC events happened that the hooks have not been told about. */
  get hooksPending(): boolean {
    const g = this.m.gc
    return (
      g.minors.length > this.firedMinors ||
      g.steps.length > this.firedSteps ||
      g.majors.length > this.firedMajors
    )
  }

  /** GcHookAction.perform: one call per hook with what happened since its last call. */
  fireHooks(): void {
    const g = this.m.gc
    const hooks = this.gc.hooks
    this.notePeak()
    if (g.minors.length > this.firedMinors) {
      const count = g.minors.length - this.firedMinors
      this.firedMinors = g.minors.length
      const last = g.minors[g.minors.length - 1]
      hooks.on_gc_minor?.({
        count,
        duration: 0,
        duration_min: 0,
        duration_max: 0,
        total_memory_used: last.memoryUsed,
        pinned_objects: 0,
      })
    }
    if (g.steps.length > this.firedSteps) {
      const count = g.steps.length - this.firedSteps
      this.firedSteps = g.steps.length
      const last = g.steps[g.steps.length - 1]
      hooks.on_gc_collect_step?.({
        count,
        duration: 0,
        duration_min: 0,
        duration_max: 0,
        oldstate: GC_STATES.indexOf(last.from),
        newstate: GC_STATES.indexOf(last.to),
        major_is_done: false,
      })
    }
    if (g.majors.length > this.firedMajors) {
      const count = g.majors.length - this.firedMajors
      this.firedMajors = g.majors.length
      const last = g.majors[g.majors.length - 1]
      hooks.on_gc_collect?.({
        count,
        num_major_collects: last.num,
        arenas_count_before: last.arenasBefore,
        arenas_count_after: last.arenasAfter,
        arenas_bytes: last.arenaBytes,
        rawmalloc_bytes_before: last.rawBefore,
        rawmalloc_bytes_after: last.rawAfter,
        pinned_objects: 0,
      })
    }
  }

  /** interp_gc.py StepCollector.do: a step, or the finalizers once a major collection is done. */
  private collectStep(): GcCollectStepStats {
    if (this.finalizing) {
      this.finalizing = false
      this.m.runQueuedFinalizers()
      return {
        count: 1,
        duration: -1,
        duration_min: -1,
        duration_max: -1,
        oldstate: STATE_USERDEL,
        newstate: 0,
        major_is_done: true,
      }
    }
    const { from, to } = this.m.collectStepOp()
    // rgc.is_done: the step ended a major collection (FINALIZING -> SCANNING).
    const done = from === 3 && to === 0
    if (done) this.finalizing = true
    return {
      count: 1,
      duration: -1,
      duration_min: -1,
      duration_max: -1,
      oldstate: from,
      newstate: done ? STATE_USERDEL : to,
      major_is_done: false,
    }
  }

  private getStats(): GcStats {
    const s = this.m.gc.s
    const used = s.totalMemoryUsed()
    this.notePeak()
    return {
      total_gc_memory: used + s.nurserySize,
      total_allocated_memory: s.ac.totalMemoryAlloced + s.rawmallocedTotalSize + s.nurserySize,
      peak_memory:
        Math.max(s.ac.peakMemoryUsed, s.ac.totalMemoryUsed) + s.rawmallocedPeakSize + s.nurserySize,
      peak_allocated_memory: s.ac.peakMemoryAlloced + s.rawmallocedPeakSize + s.nurserySize,
      total_arena_memory: s.ac.totalMemoryUsed,
      total_rawmalloced_memory: s.rawmallocedTotalSize,
      peak_arena_memory: Math.max(s.ac.peakMemoryUsed, s.ac.totalMemoryUsed),
      peak_rawmalloced_memory: s.rawmallocedPeakSize,
      nursery_size: s.nurserySize,
      total_gc_time: Math.round(this.m.gc.gcVirtual / 1e6),
    }
  }

  private notePeak(): void {
    const f = this.m.gc.footprint()
    if (f > this.peak) this.peak = f
  }

  peakFootprint(): number {
    this.notePeak()
    return this.peak
  }

  /** The GC's log: every minor collection, every major step, every completed major collection. */
  records(): { minor: readonly MinorRecord[]; steps: readonly StepRecord[]; majors: readonly MajorRecord[] } {
    const g = this.m.gc
    return { minor: g.minors, steps: g.steps, majors: g.majors }
  }

  /** The major collector's state: SCANNING, MARKING, SWEEPING or FINALIZING. */
  state(): string {
    return this.m.gc.stateName()
  }

  /** The modeled address of the object in a slot (0 for null): it changes when a minor collection moves it. */
  addressOf(slot: Slot): number {
    return this.m.gc.s.roots.get(slot)
  }

  /**
   * id(): an old object's address; a nursery object's future address, reserved now
   * (incminimark.py:2786 id_or_identityhash -> _find_shadow).
   */
  idOfAddress(a: number): number {
    const gc = this.m.gc
    const s = gc.s
    if (!s.mem.inNursery(a)) return a
    const w = s.mem.w
    if ((w[(a >> 2) + H_TID] & HAS_SHADOW) !== 0) return gc.minor.shadowOf(a)
    const size = s.heap.sizeOf(a)
    const shadow = gc.minor.mallocOutOfNursery(size)
    const sw = s.mem.w
    sw[(shadow >> 2) + H_TID] = SHADOW_TYPE | (size > SMALL_REQUEST_THRESHOLD ? RAW : 0)
    sw[(shadow >> 2) + H_ID] = sw[(a >> 2) + H_ID]
    sw[(shadow >> 2) + H_LEN] = sw[(a >> 2) + H_LEN]
    sw[(shadow >> 2) + H_EXTRA] = size
    if (size > SMALL_REQUEST_THRESHOLD) s.oldRawmallocedObjects.push(shadow)
    sw[(a >> 2) + H_TID] |= HAS_SHADOW
    s.shadowsFrom.push(a)
    s.shadowsTo.push(shadow)
    return shadow
  }

  /** Every object in the heap (nursery, arenas, raw-malloced), internal ones and shadows included. */
  forEachObject(visit: (a: number) => void): void {
    const gc = this.m.gc
    const s = gc.s
    const n = gc.nursery
    for (let a = n.base; a < n.free; ) {
      if (a === n.gapStart) {
        a = n.gapEnd
        continue
      }
      const tid = s.mem.w[(a >> 2) + H_TID]
      const size = (tid & FORWARDED) !== 0 ? s.heap.sizeOf(s.mem.w[(a >> 2) + H_LEN]) : s.heap.sizeOf(a)
      if ((tid & FORWARDED) === 0) visit(a)
      a += Math.max(size, 16)
    }
    s.ac.forEachBlock((a) => {
      if ((s.mem.w[a >> 2] & TYPE_MASK) !== SHADOW_TYPE) visit(a)
    })
    const lists = [s.oldRawmallocedObjects, s.rawMallocMightSweep, s.youngRawmallocedObjects]
    for (const list of lists) {
      for (let i = 0; i < list.length; i++) {
        const a = list.items[i]
        if ((s.mem.w[a >> 2] & TYPE_MASK) !== SHADOW_TYPE) visit(a)
      }
    }
  }

  /**
   * Heap verification (like PYPY_GC_DEBUG's debug_check_consistency): every reference held by
   * a slot, a pin or a live object leads to a live object (not a freed block, not a forwarding
   * stub, not outside the heap). Returns the problems found, [] when consistent.
   */
  verify(): string[] {
    const s = this.m.gc.s
    const heap = s.heap
    const live = new Set<number>()
    this.forEachObject((a) => live.add(a))
    this.m.forEachHiddenRoot((a) => live.add(a))
    const problems: string[] = []
    const check = (where: string, v: number): void => {
      if (v === 0 || problems.length >= 20) return
      if (!live.has(v)) {
        const tid = v > 0 && v < s.mem.buffer.byteLength ? s.mem.w[v >> 2] : -1
        problems.push(`${where} -> ${v}: not a live object (tid ${tid})`)
      }
    }
    for (let i = 0; i < s.roots.top; i++) check(`root ${i}`, s.roots.values[i])
    for (const a of live) {
      if (!heap.isProgram(a)) continue
      const n = heap.tracedWords(a)
      const w = s.mem.w
      for (let k = 0; k < n; k++) check(`object ${w[(a >> 2) + H_ID]} field ${k}`, w[(a >> 2) + 4 + k])
      if (heap.hasLifelineSlot(a)) check(`object ${w[(a >> 2) + H_ID]} lifeline`, w[(a >> 2) + H_EXTRA])
    }
    return problems
  }

  /** JSON-able, deterministic figures for `pygc run --format json`. */
  summary(): Record<string, unknown> {
    const g = this.m.gc
    const s = g.s
    const w = s.work
    return {
      pypy: 'PyPy 7.3.11 incminimark',
      nurseryBytes: s.nurserySize,
      minorCollections: g.minors.length,
      majorSteps: g.steps.length,
      majorCollections: s.numMajorCollects,
      state: g.stateName(),
      nextMajorThreshold: s.nextMajorCollectionThreshold,
      arenas: s.ac.arenasCount,
      arenaBytesUsed: s.ac.totalMemoryUsed,
      arenaPages: s.ac.pagesInUse(),
      rawmallocedBytes: s.rawmallocedTotalSize,
      bytesCopied: w.bytesCopied,
      cardsScanned: w.cardsScanned,
      barrierOps: w.barrierOps,
      finalizersRun: w.finalizersRun,
      finalizersQueued: g.finalizers.queue.length,
      weakrefsCleared: g.weak.weakrefsCleared,
      reasons: { ...g.reasons },
    }
  }
}
