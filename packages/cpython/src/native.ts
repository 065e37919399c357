/**
 * The runtime's own surface, under `manager.native`: Python's `gc` module (3.11) and
 * `sys.getrefcount`, plus summary() for `pygc run --format json`.
 */
import { checkGeneration, nullReference, type Slot } from '@pygc/core'
import type { GcCallback, GcState, GenerationStats } from './gc-state.js'
import { GEN0, GEN1, GEN2, PERMANENT } from './heap.js'
import type { CPythonManager } from './manager.js'

export class GcModule {
  constructor(
    private readonly m: CPythonManager,
    private readonly st: GcState,
  ) {}

  enable(): void {
    this.st.enabled = true
  }
  disable(): void {
    this.st.enabled = false
  }
  isenabled(): boolean {
    return this.st.enabled
  }

  /** gc.collect(generation=2): collected + uncollectable; ValueError for a bad generation; 0 while collecting. */
  collect(generation = 2): number {
    checkGeneration(this.st.stats.ops, generation)
    return this.m.collect(generation)
  }

  get_count(): [number, number, number] {
    const c = this.st.count
    return [c[0], c[1], c[2]]
  }

  get_threshold(): [number, number, number] {
    const t = this.st.threshold
    return [t[0], t[1], t[2]]
  }

  set_threshold(threshold0: number, threshold1?: number, threshold2?: number): void {
    const t = [threshold0]
    if (threshold1 !== undefined) t.push(threshold1)
    if (threshold2 !== undefined) t.push(threshold2)
    this.m.setThresholds(t)
  }

  get_stats(): GenerationStats[] {
    return this.st.generationStats.map((s) => ({ ...s }))
  }

  /** gc.freeze(): every generation moves to the permanent generation; generation 0's count resets. */
  freeze(): void {
    const heap = this.st.heap
    for (const head of [GEN0, GEN1, GEN2]) heap.listMerge(head, PERMANENT)
    this.st.count[0] = 0
  }

  /** gc.unfreeze(): the permanent generation goes back into the oldest one. */
  unfreeze(): void {
    this.st.heap.listMerge(PERMANENT, GEN2)
  }

  get_freeze_count(): number {
    return this.st.heap.listCount[PERMANENT]
  }

  /** gc.callbacks: called with ("start" | "stop", {generation, collected, uncollectable}). */
  get callbacks(): GcCallback[] {
    return this.st.callbacks
  }

  /** gc.garbage: ids of the objects the collector could not free (legacy finalizers). */
  get garbage(): number[] {
    return this.st.garbage.map((h) => this.st.heap.oid[h])
  }

  /** Objects tracked in each generation (len(gc.get_objects(g))). */
  generationSizes(): [number, number, number] {
    const c = this.st.heap.listCount
    return [c[GEN0], c[GEN1], c[GEN2]]
  }

  /** sys.getrefcount(obj): the count plus the call's own reference to its argument. */
  getrefcount(slot: Slot): number {
    const v = this.st.roots.values[this.st.roots.index(slot)]
    if (v === 0) throw nullReference('getrefcount', this.st.stats.ops, slot)
    return this.st.heap.refcnt[v] + 1
  }

  /** gc.is_tracked(obj). */
  is_tracked(slot: Slot): boolean {
    const v = this.st.roots.values[this.st.roots.index(slot)]
    return v !== 0 && this.st.heap.isTracked(v)
  }

  /** Deterministic runtime figures for `pygc run --format json`. */
  summary(): Record<string, unknown> {
    const st = this.st
    const p = st.pymalloc
    return {
      counts: this.get_count(),
      thresholds: this.get_threshold(),
      enabled: st.enabled,
      stats: this.get_stats(),
      generationSizes: this.generationSizes(),
      frozen: this.get_freeze_count(),
      longLivedTotal: st.longLivedTotal,
      longLivedPending: st.longLivedPending,
      garbage: st.garbage.length,
      freeLists: st.freeLists.summary(),
      trashcanDeposits: st.objects.trashDeposits,
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
