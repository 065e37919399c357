/**
 * One CLR garbage collection (workstation, non-concurrent, blocking), phase by phase as
 * dotnet/runtime src/coreclr/gc runs it (gc.cpp `gc1`, mark_phase.cpp, plan_phase.cpp,
 * relocate/compact/sweep, finalization.cpp). `ClrCollector.collect` is the driver; each phase
 * is a method that states the invariant it leaves, as gcmodule.c's phases do:
 *
 *   chooseGeneration  generation_to_condemn: the requested generation, raised to the highest
 *                     consecutive exhausted budget, gen2 on an exhausted LOH budget, gen1 on low
 *                     card efficiency, gen2 on gen2 fragmentation.
 *   condemn           the condemned range; the cycle begins (core's CollectionCycle: gc-start).
 *   mark              roots, the f-reachable queue, and for gen0/gen1 the dirty cards of the
 *                     older generations (and of the LOH); short weak handles nulled; the
 *                     finalization scan; long weak handles nulled.
 *   plan              walk the condemned range: survivors per generation, fragmentation, each
 *                     survivor's compacted address (pinned plugs stay), the dead reclaimed.
 *   decide            decide_on_promotion_surv (a tiny survivor set is not promoted) and
 *                     decide_on_compacting; the generation boundaries after the collection.
 *   relocateOrSweep   compacting: fix every reference to a moved object (roots, queues, handles,
 *                     survivors' fields, older objects through their dirty cards) and slide the
 *                     survivors down in address order; else sweep: gaps become free objects.
 *   sweepLoh          gen2 only: dead large objects are swept onto the LOH free list.
 *   installGenerations  the new boundaries take effect (promotion is a boundary move).
 *   updateBudgets     desired_new_allocation for each collected generation, what promotion
 *                     spends of the older ones, the LOH's (budgets.ts computeNewDynamicData).
 *   record            GC.CollectionCount, the cycle ends (pause, gc-end), the GCMemoryInfo record.
 *
 * Invariant kept for the card table: after every collection, every reference from gen1, gen2 or
 * the LOH to an object in the ephemeral range [g1Start, sohTop) lies on a dirty card byte.
 */
import type { CollectionCycle, EventHub, ManagerStats, RootSet, WorkCounters } from '@pygc/core'
import { retireAllocationContexts } from './allocator.js'
import {
  type BudgetHistory,
  budgetHistory,
  computeNewDynamicData,
  GEN_LOH,
  gen0BeginDataSize,
  type HeapLayout,
  type StaticData,
} from './budgets.js'
import { releaseGen0Regions, startGen0Region } from './gen0-regions.js'
import { brokenHeap, type ClrHeap, SOH_BASE } from './heap.js'
import * as layout from './layout.js'
import { ClrMarker } from './mark.js'
import { PlugPlanner } from './plug-planner.js'
import { ClrRelocator, destination } from './relocate.js'
import {
  clearGen0Layout,
  layOutRuntimePinned,
  setGen0FreeItem,
  writeObstacle,
} from './runtime-pinned-layout.js'

// layout.ts's values as this module's own constants (see layout.ts: why).
const {
  F_MARKED,
  F_PINNED,
  FREE_TYPE,
  HEADER_GRANULES,
  hasReferenceFields,
  LOH_BASE,
  W_AUX,
  W_FIELDS,
  W_FLAGS,
  W_GRANULES,
  W_ID,
  W_REFS,
  W_TYPE,
} = layout

/** Per-generation sizes around a collection, like GCGenerationInfo. */
export interface GenerationInfo {
  sizeBeforeBytes: number
  fragmentationBeforeBytes: number
  sizeAfterBytes: number
  fragmentationAfterBytes: number
}

/** One collection, like System.GCMemoryInfo (plus the model's reasons). */
export interface GcRecord {
  index: number
  generation: number
  reason: string
  /** Why the generation was raised above what was asked, if it was. */
  elevation: string
  compacted: boolean
  promoted: boolean
  promotedBytes: number
  /**
   * Bytes of the condemned generations that survived, the runtime's pinned object included:
   * what GCMemoryInfo.PromotedBytes reports (gc.cpp get_promoted_bytes: dd_promoted_size of
   * each condemned generation), whether or not the survivors moved to an older generation.
   */
  survivedBytes: number
  fragmentedBytes: number
  heapSizeBytes: number
  pinnedObjectsCount: number
  finalizationPendingCount: number
  pauseVirtual: number
  /** gen0, gen1, gen2, loh. */
  generationInfo: GenerationInfo[]
}

export interface CollectRequest {
  /** The generation asked for (0 for an allocation-triggered GC). */
  generation: number
  reason: string
  /** Compaction forced (GC.Collect(.., compacting: true), the last GC before OOM). */
  forceCompact: boolean
}

/** What the collector needs from the manager that owns the heap. */
export interface CollectorContext {
  heap: ClrHeap
  roots: RootSet
  hub: EventHub
  stats: ManagerStats
  work: WorkCounters
  /** The bookkeeping every collection shares (core's CollectionCycle): events, counts, pause, frees. */
  cycle: CollectionCycle
  staticData: StaticData[]
  /** Which generations compute_in charges with what a collection promoted (budgets.ts). */
  heapLayout: HeapLayout
  /** Weak reference objects are System.WeakReference, which the GC finalizes itself (`clr` layout). */
  weakrefsFinalizeEagerly: boolean
  /** Modeled bytes the SOH and the LOH together may hold (the arena grows up to it). */
  heapLimit: number
  /** The op index events carry. */
  opIndex(): number
}

/** What plan_phase found in the condemned range. */
interface Plan {
  /** Bytes that survived, per original generation (gen0, gen1, gen2). */
  survived: number[]
  survivedTotal: number
  /** Bytes of dead objects and old free gaps in the condemned range. */
  fragmentation: number
  /** Where each original generation's survivors start if compacted. */
  plannedStart: number[]
  /** The SOH's top if compacted. */
  plannedTop: number
  /** Bytes of the gaps left before pinned plugs, per original generation. */
  pinnedGapBytes: number[]
  /** Bytes of SHORT_PLUGS front pads, per generation after the collection (plug-planner.ts). */
  padBytes: number[]
  /** The gap left before the runtime's pinned object kept in gen0: its granule and granules (0 = none). */
  obstacleGapAt: number
  obstacleGap: number
}

/** What the collection decided: promote, compact, and the generation boundaries after it. */
interface Shape {
  promotion: boolean
  compacting: boolean
  newG1Start: number
  newG0Start: number
  newTop: number
}

export class ClrCollector {
  /** GC.CollectionCount per generation. */
  readonly counts = [0, 0, 0]
  /** The mark phase, and the condemned range it decided. */
  private readonly marker: ClrMarker
  /** Relocation and compaction, or the sweep. */
  private readonly relocator: ClrRelocator
  /** Where plan puts each plug (allocate_in_condemned_generations), reused by every collection. */
  private readonly planner = new PlugPlanner()
  /** Program objects reclaimed and their bytes, not yet counted (reclaimed, settleReclaimed). */
  private unsettledFrees = 0
  private unsettledFreedBytes = 0

  constructor(private readonly ctx: CollectorContext) {
    this.marker = new ClrMarker(ctx)
    this.relocator = new ClrRelocator(ctx, this.marker)
  }

  /** generation_skip_ratio from the last card marking (100 = efficient). */
  get skipRatio(): number {
    return this.marker.skipRatio
  }

  /**
   * generation_to_condemn (plan_phase.cpp): returns the generation and why it was raised.
   * Invariant after: nothing changed; the generation is at least the one requested.
   */
  chooseGeneration(requested: number): { generation: number; elevation: string } {
    const h = this.ctx.heap
    let n = requested
    let why = ''
    for (let i = n + 1; i <= 2; i++) {
      if (h.newAllocation[i] <= 0) {
        n = i
        why = `gen${i} budget exhausted`
      } else break
    }
    if (n < 2 && h.newAllocation[GEN_LOH] < 0) {
      n = 2
      why = 'LOH budget exhausted'
    }
    if (n < 1 && this.marker.skipRatio < 30) {
      n = 1
      why = 'low card table efficiency'
    }
    if (n < 1 && this.gen1TooFragmented()) {
      n = 1
      why = 'gen1 too fragmented'
    }
    if (n === 1 && h.freeBytes[2] >= this.ctx.staticData[1].maxSize) {
      n = 2
      why = 'gen2 fragmentation'
    }
    return { generation: n, elevation: why }
  }

  /**
   * generation_to_condemn, "figure out which ephemeral generation is too fragmented":
   * dt_high_frag_p (dynamic_tuning.cpp) for gen1, WKS: its unusable fragmentation
   * (generation_unusable_fragmentation: free_obj_space + free_obj_space * free_list_space /
   * (free_list_allocated + free_obj_space)) above gen1's fragmentation_limit (80,000) and above
   * dd_v_fragmentation_burden_limit (min(2 * 0.5, 0.75)) of gen1's size. The model keeps no
   * free list in gen1 (its ephemeral collections promote to gen1's end, never into its gaps), so
   * free_list_allocated is 0 and every free byte of gen1 is unusable, but for the gaps before
   * pinned plugs, which are gen0's on .NET (heap.ts pinnedGapBytes). Measured on .NET 10
   * (GCPerHeapHistory's CondemnReasons1 = gen_eph_high_frag_p, an in-process EventListener):
   * what raises finalizer-allocations' collections to gen1 after gc.collect()'s sweeping gen2
   * collections, whose swept gen0 region becomes a gen1 of ~190 KB, nearly all free.
   */
  private gen1TooFragmented(): boolean {
    const h = this.ctx.heap
    const sd = this.ctx.staticData[1]
    const unusable = h.freeBytes[1] - h.pinnedGapBytes[1]
    if (unusable <= sd.fragmentationLimit) return false
    const size = h.genSize(1)
    const burden = size > 0 ? Math.fround(unusable / size) : 0
    return burden > Math.min(2 * sd.fragmentationBurdenLimit, 0.75)
  }

  /**
   * One collection (gc.cpp `gc1`), phase by phase. Each phase states what holds after it; the
   * next one relies on exactly that.
   */
  collect(req: CollectRequest): GcRecord {
    const h = this.ctx.heap
    retireAllocationContexts(h)
    // generation_to_condemn saves every budget's remainder before anything is collected.
    const history = [0, 1, 2, GEN_LOH].map((g) => budgetHistory(h.desiredAllocation[g], h.newAllocation[g]))
    const { generation: n, elevation } = this.chooseGeneration(req.generation)
    const before = this.generationSizes()
    const obstacle = h.gen0Obstacle
    clearGen0Layout(h)
    this.marker.condemn(n)
    this.ctx.cycle.begin(n, req.reason, this.ctx.opIndex())
    const runtimePinned = this.marker.mark(n)
    // plan_phase decides on promotion from the bytes mark found alive, before planning plugs.
    const promotion =
      n === 2 ||
      elevation === 'low card table efficiency' ||
      this.decideOnPromotion(n, this.marker.markedSohBytes + runtimePinned)
    // A gen0 GC that keeps gen0's survivors in gen0 compacts them around the runtime's pinned
    // object where it lies (runtime-pinned-layout.ts); any other collection lays it out anew.
    const kept = n === 0 && !promotion ? obstacle : 0
    const plan = this.plan(n, obstacle, kept, promotion)
    const shape = this.decide(req, n, plan, promotion)
    const newFree = this.relocateOrSweep(n, plan, shape)
    const lohSurvived = n === 2 ? this.sweepLoh(shape.newG1Start) : 0
    this.installGenerations(shape, newFree)
    releaseGen0Regions(h, shape.compacting, plan.survivedTotal)
    startGen0Region(h)
    if (runtimePinned > 0 && shape.compacting) this.layOutRuntimePinned(plan, kept)
    const survivedBytes = this.updateBudgets(
      n,
      plan,
      shape,
      before,
      runtimePinned,
      lohSurvived,
      history,
      obstacle,
    )
    return this.record(req, n, elevation, shape, before, plan, survivedBytes)
  }

  /** Sizes and fragmentation of gen0, gen1, gen2 and the LOH as the collection begins. */
  private generationSizes(): { size: number[]; frag: number[] } {
    const h = this.ctx.heap
    return {
      size: [h.genSize(0), h.genSize(1), h.genSize(2), h.genSize(3)],
      frag: [h.freeBytes[0], h.freeBytes[1], h.freeBytes[2], h.lohFreeBytes],
    }
  }

  /**
   * decide_on_promotion_surv and decide_on_compacting, and the generation boundaries they give.
   * Invariant after: nothing in the heap changed; `shape` says whether survivors are promoted
   * and slid, and where gen1 and gen0 start and the SOH ends after the collection.
   */
  private decide(req: CollectRequest, n: number, plan: Plan, promotion: boolean): Shape {
    const h = this.ctx.heap
    const condemnedSize = (h.sohTop - this.marker.condStart) * 8
    const sd = this.ctx.staticData[n]
    // Measured on .NET 10 (regions): every gen0/gen1 collection of the validation set reports
    // Compacted, even with 99% survival, so ephemeral collections always compact here; gen2
    // uses decide_on_compacting's fragmentation and burden limits.
    const compacting =
      req.forceCompact ||
      n < 2 ||
      (plan.fragmentation >= sd.fragmentationLimit &&
        condemnedSize > 0 &&
        plan.fragmentation / condemnedSize >= sd.fragmentationBurdenLimit)
    // Survivors keep address order, so each original generation's survivors start at its
    // planned (compacting) or original (sweeping) address.
    const firstOf = compacting ? plan.plannedStart : [h.g0Start, h.g1Start, SOH_BASE]
    const newTop = compacting ? plan.plannedTop : h.sohTop
    let newG1Start = h.g1Start
    let newG0Start = h.g0Start
    if (promotion) {
      newG0Start = newTop
      if (n >= 1) newG1Start = firstOf[0]
    } else if (n >= 1) {
      newG1Start = firstOf[1]
      newG0Start = firstOf[0]
    } else {
      newG0Start = firstOf[0]
    }
    return { promotion, compacting, newG1Start, newG0Start, newTop }
  }

  /**
   * relocate_phase + compact_phase, or sweep. Returns the free bytes of each SOH generation
   * after the collection.
   *
   * Invariant after: every survivor of the condemned range is unmarked and at its final address
   * (its planned one when compacting, its own when sweeping), every reference to it (roots,
   * queues, handles, fields) points there, the space between survivors is free objects, and
   * every reference from gen1, gen2 or the LOH into the new ephemeral range lies on a dirty
   * card byte. The generation boundaries are still the old ones.
   */
  private relocateOrSweep(n: number, plan: Plan, shape: Shape): number[] {
    const h = this.ctx.heap
    const { promotion, compacting, newG1Start, newG0Start } = shape
    const newFree = [0, 0, 0]
    for (let k = n + 1; k <= 2; k++) newFree[k] = h.freeBytes[k]
    // The condemned generations' gaps are found anew (a sweep does not tell them apart).
    for (let k = 0; k <= n; k++) h.pinnedGapBytes[k] = 0
    this.relocator.updateOlderCards(compacting, newG1Start, newG0Start)
    if (compacting) {
      // The gaps left before pinned plugs stay as free objects of their plug's new generation.
      for (let k = 0; k <= n; k++) {
        newFree[destination(k, promotion)] += plan.pinnedGapBytes[k]
        h.pinnedGapBytes[destination(k, promotion)] += plan.pinnedGapBytes[k]
      }
      // SHORT_PLUGS' front pads are free objects of the generation their plugs go to.
      for (let k = 0; k <= 2; k++) newFree[k] += plan.padBytes[k]
      this.relocator.relocateRoots()
      this.relocator.relocateSurvivors(promotion, newG1Start, newG0Start)
      this.relocator.slide(this.planner.holes)
    } else {
      this.relocator.sweep(promotion, newG1Start, newG0Start, newFree)
    }
    return newFree
  }

  /**
   * The new generation boundaries take effect (promotion is a boundary move: gen0's survivors
   * become gen1, etc.). Invariant after: g1Start, g0Start, sohTop and freeBytes describe the
   * heap as it is; the arena above sohTop is zero.
   */
  private installGenerations(shape: Shape, newFree: number[]): void {
    const h = this.ctx.heap
    const oldTop = h.sohTop
    h.sohTop = shape.newTop
    h.g1Start = shape.newG1Start
    h.g0Start = shape.newG0Start
    h.freeBytes = newFree
    if (shape.newTop < oldTop) h.soh.fill(0, shape.newTop * 2, oldTop * 2)
  }

  /**
   * The runtime's pinned object, demoted to gen0 by this compacting collection, and gen0's
   * free-list item before it (runtime-pinned-layout.ts): where the plan kept it (`kept`), with
   * the gap the plan left; else at gen0's top (after an empty gen0's free-list item).
   * Invariant after: gen0 is walkable up to sohTop, the filler is at gen0Obstacle, and the
   * free-list item, if any, is counted in gen0's free bytes.
   */
  private layOutRuntimePinned(plan: Plan, kept: number): void {
    const h = this.ctx.heap
    const granules = h.runtimePinnedBytes / 8
    if (kept !== 0) {
      if (plan.obstacleGap > 0) setGen0FreeItem(h, plan.obstacleGapAt, plan.obstacleGap)
      writeObstacle(h, kept, granules)
      return
    }
    const offset = h.runtimePinnedOffsetBytes / 8
    const top = h.sohTop + (h.sohTop === h.g0Start ? offset : 0) + granules
    h.ensureSoh(top, this.ctx.heapLimit)
    h.sohTop = layOutRuntimePinned(h, h.sohTop, offset, granules)
  }

  /**
   * desired_new_allocation for each collected generation, and what promotion spends of the
   * older ones (budgets.ts computeNewDynamicData). The runtime's pinned object is live data of its
   * generation: in dd_begin_data_size and in the survivors (dd_survived_size) the budget grows
   * from, like any survivor. Returns the condemned generations' surviving bytes (what
   * GCMemoryInfo.PromotedBytes reports). Invariant after: every budget the next allocation or collection
   * reads is set; the runtime's pinned object is in its post-collection generation.
   */
  private updateBudgets(
    n: number,
    plan: Plan,
    shape: Shape,
    before: { size: number[]; frag: number[] },
    runtimePinned: number,
    lohSurvived: number,
    history: readonly BudgetHistory[],
    obstacle: number,
  ): number {
    const h = this.ctx.heap
    const survived = plan.survived.slice()
    const beginData = [0, 1, 2].map((g) => before.size[g] - before.frag[g])
    beginData[0] = gen0BeginDataSize(before.size[0], before.frag[0], h.contextPadBytes)
    h.contextPadBytes = 0
    if (runtimePinned > 0) {
      survived[h.runtimePinnedGen] += runtimePinned
      // Laid out in gen0, its bytes were in gen0's size already (a filler not counted as free).
      if (obstacle === 0) beginData[h.runtimePinnedGen] += runtimePinned
    }
    // What the runtime allocated between gc.collect()'s two collections (runtime-allocation.ts)
    // was gen0 data when this one began.
    beginData[0] += h.runtimeGarbageBytes
    h.runtimeGarbageBytes = 0
    computeNewDynamicData(h, this.ctx.staticData, {
      generation: n,
      survived,
      beginData,
      finalizationPromotedBytes: this.marker.finalizationPromotedBytes,
      // compute_in's `in`: what plan_phase placed into the older generations (it plans every
      // plug with allocate_in_condemned_generations whether the collection then compacts or
      // sweeps; FIDELITY.md#promotion-budget).
      promotedInto: this.promotedInto(plan, shape, n),
      heapLayout: this.ctx.heapLayout,
      lohSurvived,
      lohLiveBefore: before.size[3] - before.frag[3],
      history,
    })
    if (runtimePinned > 0) {
      // A compacting ephemeral GC demotes the pinned object's lightly pinned region to gen0
      // (decide_on_demotion_pin_surv); a compacting gen2 GC leaves it in its generation (measured
      // on .NET 10, finalizer-allocations at 512 KiB: after gc.collect()'s compacting GC.Collect(2)
      // with the object in gen1, gen0 holds 0 bytes and the next gen0 GCs see no pinned object;
      // the start ritual's compacting gen2 GCs leave it in gen0, where it was); a sweeping GC
      // promotes it with its region like everything else it keeps.
      h.runtimePinnedGen = shape.compacting
        ? n < 2
          ? 0
          : h.runtimePinnedGen
        : shape.promotion
          ? Math.min(h.runtimePinnedGen + 1, 2)
          : h.runtimePinnedGen
    }
    let survivedBytes = 0
    for (let g = 0; g <= n; g++) survivedBytes += survived[g]
    return survivedBytes
  }

  /** Bytes this collection moved into gen1 and gen2 by promotion ([0, into gen1, into gen2]). */
  private promotedInto(plan: Plan, shape: Shape, n: number): number[] {
    return [0, shape.promotion ? plan.survived[0] : 0, shape.promotion && n >= 1 ? plan.survived[1] : 0]
  }

  /**
   * The collection is counted and priced (core's CollectionCycle: gc-end, pause, counts) and
   * described like System.GCMemoryInfo. Two views of the same collections: GC.CollectionCount(g)
   * counts every collection of generation g or older (a gen2 GC increments 0, 1 and 2);
   * stats().collections counts each collection once, under the generation it condemned, like
   * every other manager does. Invariant after: no collection is open.
   */
  private record(
    req: CollectRequest,
    n: number,
    elevation: string,
    shape: Shape,
    before: { size: number[]; frag: number[] },
    plan: Plan,
    survivedBytes: number,
  ): GcRecord {
    const h = this.ctx.heap
    for (let g = 0; g <= n; g++) this.counts[g]++
    const into = this.promotedInto(plan, shape, n)
    const promotedBytes = into[1] + into[2]
    this.ctx.work.bytesPromoted += promotedBytes
    const generationInfo: GenerationInfo[] = []
    for (let g = 0; g < 4; g++) {
      generationInfo.push({
        sizeBeforeBytes: before.size[g],
        fragmentationBeforeBytes: before.frag[g],
        sizeAfterBytes: h.genSize(g),
        fragmentationAfterBytes: g < 3 ? h.freeBytes[g] : h.lohFreeBytes,
      })
    }
    const fragmentedBytes = h.freeBytes[0] + h.freeBytes[1] + h.freeBytes[2] + h.lohFreeBytes
    const pauseVirtual = this.ctx.cycle.end(this.ctx.opIndex(), {
      compacted: shape.compacting,
      footprintAfter: h.footprint(),
      spaces: () => h.spaces(),
    })
    return {
      index: this.counts[0],
      generation: n,
      reason: req.reason,
      elevation,
      compacted: shape.compacting,
      promoted: shape.promotion,
      promotedBytes,
      survivedBytes,
      fragmentedBytes,
      heapSizeBytes: h.genSize(0) + h.genSize(1) + h.genSize(2) + h.genSize(3),
      pinnedObjectsCount: this.marker.pinnedObjects,
      finalizationPendingCount: h.freachable.length,
      pauseVirtual,
      generationInfo,
    }
  }

  /** decide_on_promotion_surv (WKS): promote unless the survivors are tiny and the older generation is not. */
  private decideOnPromotion(n: number, survivedTotal: number): boolean {
    const h = this.ctx.heap
    let m = 0
    for (let k = 0; k <= n; k++) m += Math.floor(this.ctx.staticData[k].minSize * (k + 1) * 0.06)
    const older = n + 1
    const olderGenSize = h.genSize(older) - h.freeBytes[older]
    return m > olderGenSize || survivedTotal > m
  }

  // ---------------------------------------------------------------- plan

  /**
   * Walk the condemned SOH range: count survivors per original generation and the space a
   * compaction would reclaim, give each survivor its compacted address (W_AUX), and report
   * the dead objects. Survivors are planned plug by plug (a plug: adjacent survivors of one
   * generation, pinned or not) by plug-planner.ts, as plan_phase does: a pinned plug (reached
   * through a pinned handle, or the runtime's pinned object where the collection keeps it) stays
   * and takes in the marked object right after it; other plugs slide down, into the space before
   * a pinned plug above them or below them if they fit, with SHORT_PLUGS' front pads. The space
   * left before each pinned plug stays as free space of the generation the plug ends up in (its
   * `pinned_len`); before the runtime's pinned object kept in gen0 it is gen0's free-list item.
   *
   * `obstacle` is where the runtime's pinned object lies in gen0 (0 = not laid out): its old
   * place is reclaimed like free space unless `kept` (the same granule) says the collection
   * keeps it there. `promotion` decides which plugs are padded (those going to gen0 or gen1).
   *
   * Invariant after: every marked object of the condemned range holds its planned address in
   * W_AUX, planned addresses never lie above the object's own, and the planner's holes are the
   * free space between planned survivors; every dead object was reclaimed once
   * (CollectionCycle.freed), and nothing has moved yet.
   */
  private plan(n: number, obstacle: number, kept: number, promotion: boolean): Plan {
    const { heap: h, work } = this.ctx
    const m = h.soh
    const p = this.planner
    const survived = [0, 0, 0]
    const plannedStart = [0, 0, 0]
    let fragmentation = 0
    // Objects the walk visits (work.objectsSwept), added once at the end: the walk is per object.
    let swept = 0
    p.reset(this.marker.condStart)
    this.relocator.resetSurvivors()
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    let gen = n
    plannedStart[gen] = p.ptr
    // Survivor (or the kept runtime object) at g; pinned: it stays where it is.
    const live = (g: number, flags: number, type: number): boolean =>
      g === kept || (g !== obstacle && type !== FREE_TYPE && (flags & F_MARKED) !== 0)
    const pinnedAt = (g: number, flags: number): boolean => g === kept || (flags & F_PINNED) !== 0
    for (let g = this.marker.condStart; g < h.sohTop; ) {
      while (gen > 0 && g >= starts[gen - 1]) {
        // The next generation's regions: the pins left in this one are passed, a new context starts.
        p.flushPins()
        gen--
        plannedStart[gen] = p.ptr
        p.newContext()
      }
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const type = m[w + W_TYPE]
      const flags = m[w + W_FLAGS]
      if (!live(g, flags, type)) {
        swept++
        // The runtime's pinned object where it is not kept: its bytes are accounted elsewhere.
        if (g !== obstacle) {
          fragmentation += size * 8
          if (type !== FREE_TYPE) this.reclaimed(m, w, size * 8)
        }
        g += size
        continue
      }
      // One plug: the run of survivors from g with the same pinning, within this generation.
      const pinned = pinnedAt(g, flags)
      const genEnd = gen > 0 ? starts[gen - 1] : h.sohTop
      const start = g
      let end = g
      let nextPinned = false
      let extended = false
      while (end < genEnd && end < h.sohTop) {
        const we = end * 2
        const fe = m[we + W_FLAGS]
        if (!live(end, fe, m[we + W_TYPE])) break
        if (pinnedAt(end, fe) !== pinned) {
          // A pinned plug takes in the survivor right after it (not the runtime's 104 bytes:
          // measured, they are a whole pinned plug already); a plug right before a pin notes it.
          if (pinned && !extended && start !== kept) extended = true
          else {
            nextPinned = !pinned
            break
          }
        }
        swept++
        if (end !== kept) survived[gen] += m[we + W_GRANULES] * 8
        if (m[we + W_TYPE] !== FREE_TYPE && (fe & F_MARKED) !== 0) this.relocator.noteSurvivor(end)
        end += m[we + W_GRANULES]
        if (extended) break
      }
      const destGen = destination(gen, promotion)
      let dest = pinned ? -1 : p.place(start, end - start, destGen < 2, nextPinned, destGen)
      if (dest < 0) {
        p.enqueuePin(start, end, start === kept ? PlugPlanner.OBSTACLE : gen)
        dest = start
      }
      for (let o = start; o < end; o += m[o * 2 + W_GRANULES]) {
        if (o !== kept) m[o * 2 + W_AUX] = dest + (o - start)
      }
      g = end
    }
    p.flushPins()
    work.objectsSwept += swept
    this.settleReclaimed()
    while (gen > 0) {
      gen--
      plannedStart[gen] = p.ptr
    }
    return {
      survived,
      survivedTotal: survived[0] + survived[1] + survived[2],
      fragmentation,
      plannedStart,
      plannedTop: p.ptr,
      pinnedGapBytes: p.gapBytes.slice(),
      padBytes: p.padBytes.slice(),
      obstacleGapAt: p.obstacleGapAt,
      obstacleGap: p.obstacleGap,
    }
  }

  /**
   * Account for a dead object (its memory is reused by the compaction, sweep or LOH sweep). With
   * no per-object listener the program's frees are summed and counted by settleReclaimed (one
   * CollectionCycle.freedMany, not a call per object); with one, each is counted before its event.
   */
  private reclaimed(m: Int32Array, w: number, bytes: number): void {
    const { hub, cycle } = this.ctx
    // A WeakRefTracker (id < 0) is the runtime's, not the program's: collector work only.
    if (m[w + W_ID] < 0) {
      cycle.runtimeFreed()
      return
    }
    if (!hub.perObject) {
      this.unsettledFrees++
      this.unsettledFreedBytes += bytes
      return
    }
    cycle.freed(bytes, 'tracing')
    hub.emit({ type: 'free', op: this.ctx.opIndex(), id: m[w + W_ID], bytes, cause: 'tracing' })
  }

  /** Count the frees reclaimed summed since the last call (before anything reads the figures). */
  private settleReclaimed(): void {
    if (this.unsettledFrees === 0) return
    this.ctx.cycle.freedMany(this.unsettledFrees, this.unsettledFreedBytes, 'tracing')
    this.unsettledFrees = 0
    this.unsettledFreedBytes = 0
  }

  /**
   * gen2 only: dead large objects and adjacent free blocks coalesce onto a rebuilt LOH free
   * list (the LOH is swept, never compacted by default); a free tail shrinks the LOH.
   * Survivors are unmarked and re-carded (their fields were fixed by relocateRoots).
   *
   * Invariant after: the LOH holds only survivors (unmarked) and free blocks, every free block
   * is on the free list, every dead large object was reclaimed once, and every reference from
   * a large object into the new ephemeral range lies on a dirty card byte. Returns the bytes
   * that survived.
   */
  private sweepLoh(newEphLow: number): number {
    const h = this.ctx.heap
    const m = h.loh
    h.lohFreeHead = 0
    h.lohFreeBytes = 0
    let survived = 0
    let runStart = 0
    const frees: number[] = []
    for (let g = LOH_BASE; g < h.lohTop; ) {
      const w = (g - LOH_BASE) * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const type = m[w + W_TYPE]
      this.ctx.work.objectsSwept++
      if (type !== FREE_TYPE && (m[w + W_FLAGS] & F_MARKED) !== 0) {
        if (runStart !== 0) {
          frees.push(runStart, g - runStart)
          runStart = 0
        }
        m[w + W_FLAGS] &= ~F_MARKED
        survived += size * 8
        if (hasReferenceFields(type)) {
          const refs = m[w + W_REFS]
          for (let i = 0; i < refs; i++) {
            const t = m[w + W_FIELDS + 2 * i]
            if (t >= newEphLow && t < LOH_BASE) h.lohCards.dirty(g + HEADER_GRANULES + i)
          }
        }
      } else {
        if (type !== FREE_TYPE) this.reclaimed(m, w, size * 8)
        if (runStart === 0) runStart = g
      }
      g += size
    }
    this.settleReclaimed()
    if (runStart !== 0) h.shrinkLoh(runStart)
    for (let i = frees.length - 2; i >= 0; i -= 2) h.lohPushFree(frees[i], frees[i + 1])
    return survived
  }
}
