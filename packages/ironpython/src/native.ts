/**
 * The runtime's own surfaces, under `manager.native`:
 * - `clr`: the System.GC view — CollectionCount, Collect(gen, mode, blocking, compacting),
 *   GetTotalMemory, GetGCMemoryInfo (one record per collection), SuppressFinalize,
 *   ReRegisterForFinalize, WaitForPendingFinalizers, MaxGeneration.
 * - `gc`: IronPython's `gc` module as IronLanguages/ironpython3 Src/IronPython.Modules/gc.cs
 *   has it: collect forwards to the CLR, enable does nothing, disable only warns, isenabled is
 *   True, get_threshold returns the stored inert (65536, 262144, 1048576), garbage is always [],
 *   get_objects / get_referrers / get_referents / set_debug raise NotImplementedError.
 */
import { PygcError, type Slot } from '@pygc/core'
import type { GcRecord } from './collector.js'
import type { IronPythonManager } from './manager.js'

export type GcCollectionMode = 'default' | 'forced' | 'optimized' | 'aggressive'

export interface ClrGcView {
  readonly MaxGeneration: 2
  CollectionCount(generation: number): number
  /** GC.Collect(generation = 2, mode = default, blocking = true, compacting = false). */
  Collect(generation?: number, mode?: GcCollectionMode, blocking?: boolean, compacting?: boolean): void
  GetTotalMemory(forceFullCollection?: boolean): number
  /** The last collection's record (GC.GetGCMemoryInfo()), or null before the first. */
  GetGCMemoryInfo(): GcRecord | null
  /** Every collection's record, in order. */
  records(): readonly GcRecord[]
  SuppressFinalize(slot: Slot): void
  ReRegisterForFinalize(slot: Slot): void
  WaitForPendingFinalizers(): void
}

export interface IronPythonGcModule {
  collect(generation?: number): number
  enable(): void
  disable(): void
  isenabled(): boolean
  get_threshold(): [number, number, number]
  set_threshold(...thresholds: number[]): void
  readonly garbage: never[]
  get_debug(): number
  get_objects(): never
  get_referrers(): never
  get_referents(): never
  set_debug(flags: number): never
}

export interface IronPythonNative {
  clr: ClrGcView
  gc: IronPythonGcModule
  /** id(): sequential on first use. */
  id(slot: Slot): number
  /** Deterministic runtime-specific figures for `pygc run --format json`. */
  summary(): Record<string, unknown>
}

function notImplemented(name: string): never {
  throw new PygcError('UNSUPPORTED', `NotImplementedError: gc.${name} isn't implemented`)
}

function checkGeneration(generation: number, what: string): void {
  if (!Number.isInteger(generation) || generation < 0 || generation > 2) {
    throw new PygcError('INVALID_GENERATION', `${what}: generation must be 0, 1 or 2, got ${generation}`, {
      generation,
    })
  }
}

export function buildNative(m: IronPythonManager): IronPythonNative {
  const clr: ClrGcView = {
    MaxGeneration: 2,
    CollectionCount(generation) {
      checkGeneration(generation, 'GC.CollectionCount')
      return m.collector.counts[generation]
    },
    Collect(generation = 2, mode = 'default', blocking = true, compacting = false) {
      checkGeneration(generation, 'GC.Collect')
      void blocking // the model is non-concurrent: every collection blocks
      // Optimized lets the GC skip a collection it does not find productive: the model asks
      // only when the generation's budget is spent. Aggressive compacts (and decommits).
      if (mode === 'optimized' && m.heap.newAllocation[generation] > 0) return
      m.collectNow(generation, 'GC.Collect', compacting || mode === 'aggressive')
    },
    GetTotalMemory(forceFullCollection = false) {
      if (forceFullCollection) {
        m.collectNow(2, 'GC.GetTotalMemory(true)', false)
        m.waitForPendingFinalizers()
      }
      return m.totalMemory()
    },
    GetGCMemoryInfo() {
      const r = m.gcRecords
      return r.length > 0 ? r[r.length - 1] : null
    },
    records() {
      return m.gcRecords
    },
    SuppressFinalize(slot) {
      m.suppressFinalize(slot)
    },
    ReRegisterForFinalize(slot) {
      m.reRegisterForFinalize(slot)
    },
    WaitForPendingFinalizers() {
      m.waitForPendingFinalizers()
    },
  }
  const gc: IronPythonGcModule = {
    collect: (generation) => m.collect(generation),
    enable: () => undefined,
    disable: () => {
      m.warnings.push('RuntimeWarning: IronPython has no support for disabling the GC')
    },
    isenabled: () => true,
    get_threshold: () => [...m.thresholds] as [number, number, number],
    set_threshold: (...t) => {
      if (t.length < 1 || t.length > 3 || !t.every(Number.isInteger)) {
        throw new PygcError('VALUE_OUT_OF_RANGE', 'TypeError: set_threshold() takes 1 to 3 integer arguments')
      }
      const next = [...m.thresholds] as [number, number, number]
      t.forEach((v, i) => {
        next[i] = v
      })
      m.thresholds = next // stored, and without effect: the CLR has no such knob
    },
    get garbage(): never[] {
      return []
    },
    get_debug: () => 0,
    get_objects: () => notImplemented('get_objects'),
    get_referrers: () => notImplemented('get_referrers'),
    get_referents: () => notImplemented('get_referents'),
    set_debug: () => notImplemented('set_debug'),
  }
  return {
    clr,
    gc,
    id: (slot) => m.idOf(slot),
    summary() {
      const h = m.heap
      const records = m.gcRecords
      const compacting = records.filter((r) => r.compacted).length
      return {
        collectionCount: [...m.collector.counts],
        gen0Budget: m.gen0size,
        sizeMode: m.sizeMode,
        finalizerDrain: m.finalizerDrain,
        generationSizes: { gen0: h.genSize(0), gen1: h.genSize(1), gen2: h.genSize(2), loh: h.genSize(3) },
        fragmentation: {
          gen0: h.freeBytes[0],
          gen1: h.freeBytes[1],
          gen2: h.freeBytes[2],
          loh: h.lohFreeBytes,
        },
        budgets: {
          desired: [...h.desiredAllocation],
          remaining: [...h.newAllocation],
        },
        compactingCollections: compacting,
        sweepingCollections: records.length - compacting,
        promotedBytes: m.work.bytesPromoted,
        compactedBytes: m.work.bytesCompacted,
        barrierOps: m.work.barrierOps,
        cardsScanned: m.work.cardsScanned,
        finalizersRun: m.finalizersRun,
        fReachablePending: h.freachable.length,
        pinnedHandles: h.pinnedHandles.length,
        finalizationQueue: h.finalizable.length,
        generationSkipRatio: m.collector.skipRatio,
        gcThreshold: [...m.thresholds],
        warnings: [...m.warnings],
        collections: records.map((r) => ({
          index: r.index,
          generation: r.generation,
          reason: r.reason,
          elevation: r.elevation,
          compacted: r.compacted,
          promoted: r.promoted,
          promotedBytes: r.promotedBytes,
          fragmentedBytes: r.fragmentedBytes,
          heapSizeBytes: r.heapSizeBytes,
          pinnedObjectsCount: r.pinnedObjectsCount,
          pauseVirtual: r.pauseVirtual,
          generationInfo: r.generationInfo,
        })),
      }
    },
  }
}
