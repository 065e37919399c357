/**
 * The runtime's own surface, under `manager.native`: Python's `gc` module (3.11) and
 * `sys.getrefcount`, plus summary() for `pygc run --format json`.
 */
import { PygcError, type Slot } from '@pygc/core'
import { NUM_GENERATIONS } from './constants.js'
import type { CycleCollector, GcCallback, GenerationStats } from './collector.js'
import { GEN0, GEN1, GEN2, PERMANENT } from './heap.js'
import type { CPythonManager } from './manager.js'

export class GcModule {
  constructor(
    private readonly m: CPythonManager,
    private readonly collector: CycleCollector,
  ) {}

  enable(): void {
    this.m.enabled = true
  }
  disable(): void {
    this.m.enabled = false
  }
  isenabled(): boolean {
    return this.m.enabled
  }

  /** gc.collect(generation=2): collected + uncollectable; ValueError for a bad generation; 0 while collecting. */
  collect(generation = 2): number {
    if (!Number.isInteger(generation) || generation < 0 || generation >= NUM_GENERATIONS) {
      throw new PygcError('INVALID_GENERATION', `ValueError: invalid generation ${generation}`, {
        generation,
      })
    }
    return this.m.collect(generation)
  }

  get_count(): [number, number, number] {
    const c = this.m.count
    return [c[0], c[1], c[2]]
  }

  get_threshold(): [number, number, number] {
    const t = this.m.threshold
    return [t[0], t[1], t[2]]
  }

  set_threshold(threshold0: number, threshold1?: number, threshold2?: number): void {
    const t = [threshold0]
    if (threshold1 !== undefined) t.push(threshold1)
    if (threshold2 !== undefined) t.push(threshold2)
    this.m.setThresholds(t)
  }

  get_stats(): GenerationStats[] {
    return this.collector.generationStats.map((s) => ({ ...s }))
  }

  /** gc.freeze(): every generation moves to the permanent generation; generation 0's count resets. */
  freeze(): void {
    const heap = this.m.heap
    for (const head of [GEN0, GEN1, GEN2]) heap.listMerge(head, PERMANENT)
    this.m.count[0] = 0
  }

  /** gc.unfreeze(): the permanent generation goes back into the oldest one. */
  unfreeze(): void {
    this.m.heap.listMerge(PERMANENT, GEN2)
  }

  get_freeze_count(): number {
    return this.m.heap.listCount[PERMANENT]
  }

  /** gc.callbacks: called with ("start" | "stop", {generation, collected, uncollectable}). */
  get callbacks(): GcCallback[] {
    return this.collector.callbacks
  }

  /** gc.garbage: ids of the objects the collector could not free (legacy finalizers). */
  get garbage(): number[] {
    return this.m.garbage.map((h) => this.m.heap.oid[h])
  }

  /** Objects tracked in each generation (len(gc.get_objects(g))). */
  generationSizes(): [number, number, number] {
    const c = this.m.heap.listCount
    return [c[GEN0], c[GEN1], c[GEN2]]
  }

  /** sys.getrefcount(obj): the count plus the call's own reference to its argument. */
  getrefcount(slot: Slot): number {
    const v = this.m.roots.values[this.m.roots.index(slot)]
    if (v === 0) throw new PygcError('NULL_REFERENCE', `getrefcount: slot ${slot} is null`, { slot })
    return this.m.heap.refcnt[v] + 1
  }

  /** gc.is_tracked(obj). */
  is_tracked(slot: Slot): boolean {
    const v = this.m.roots.values[this.m.roots.index(slot)]
    return v !== 0 && this.m.heap.isTracked(v)
  }

  /** Deterministic runtime figures for `pygc run --format json`. */
  summary(): Record<string, unknown> {
    const m = this.m
    const p = m.pymalloc
    return {
      counts: this.get_count(),
      thresholds: this.get_threshold(),
      enabled: m.enabled,
      stats: this.get_stats(),
      generationSizes: this.generationSizes(),
      frozen: this.get_freeze_count(),
      longLivedTotal: m.longLivedTotal,
      longLivedPending: m.longLivedPending,
      garbage: m.garbage.length,
      freeLists: m.freeLists.summary(),
      trashcanDeposits: m.trashDeposits,
      pymalloc: {
        arenas: p.arenasAllocated,
        peakArenas: p.peakArenas,
        arenasAllocatedTotal: p.arenasEverAllocated,
        arenasReleased: p.arenasReleased,
        largeBlocks: p.largeBlocks,
        largeBytes: p.largeBytes,
        footprintBytes: p.footprint,
      },
    }
  }
}
