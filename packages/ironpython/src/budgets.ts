/**
 * When the CLR collects: per-generation allocation budgets.
 *
 * Each generation has a budget (`dd_desired_allocation`) and what is left of it
 * (`dd_new_allocation`). gen0's is spent by handing out allocation contexts, gen1's and gen2's
 * by promotion into them, the LOH's by large allocations. After a collection of a generation
 * its budget is recomputed from how much of it survived (`desired_new_allocation`,
 * dotnet/runtime src/coreclr/gc/gc.cpp / dynamic_tuning.cpp).
 */

export interface StaticData {
  minSize: number
  maxSize: number
  /** Fragmentation (bytes) at or above which compaction is considered. */
  fragmentationLimit: number
  /** ...and the fragmentation/size ratio that must also be reached. */
  fragmentationBurdenLimit: number
  /** surv_to_growth's L and M. */
  limit: number
  maxLimit: number
}

export const GEN_LOH = 3

/** 'regions' (.NET 7+, the default) or 'segments' (.NET 6 and before): how the heap is laid out. */
export type HeapLayout = 'regions' | 'segments'

/** 256 KB: the smallest gen0 budget the CLR computes from the cache size (init.cpp, get_gen0_min_size). */
const MIN_GEN0_FROM_CACHE = 256 * 1024

/**
 * The default gen0 budget: workstation `get_gen0_min_size` without `GCgen0size`:
 * gen0size = max(4 * L3 / 5, 256 KB), then * 5 / 8 on workstation. With the default 32 MiB L3
 * that gives 16 MiB; the pygc default L3 is 6 MiB, a common laptop/VM figure, giving
 * max(4.8 MiB, 256 KiB) * 5/8 = 3 MiB (3,145,728 bytes).
 */
export function gen0BudgetFromCache(l3CacheBytes: number): number {
  const gen0size = Math.max(Math.floor((4 * l3CacheBytes) / 5), MIN_GEN0_FROM_CACHE)
  return Math.ceil(Math.floor((gen0size * 5) / 8) / 8) * 8 // gc.cpp Align() rounds up
}
export const DEFAULT_L3_CACHE_BYTES = 6 * 1024 * 1024

/**
 * The static data table, latency_level_balanced (the workstation default), single heap
 * (dynamic_tuning.cpp `static_data_table`). gen0's min comes from the cache or GCgen0size;
 * gen0's max is max(6 MB, min(soh_segment_size / 2, 200 MB)) without background GC
 * (init.cpp), gen1's max(6 MB, soh_segment_size / 2). With regions (.NET 7+) the workstation
 * soh_segment_size is 256 MB, so both are 128 MB — measured on .NET 10: a gen0 budget that
 * survival asks to grow stops at exactly 128 MiB (see FIDELITY.md).
 */
export function staticDataTable(gen0MinSize: number): StaticData[] {
  const MB = 1024 * 1024
  const gen0Max = Math.max(gen0MinSize, 128 * MB)
  return [
    {
      minSize: gen0MinSize,
      maxSize: gen0Max,
      fragmentationLimit: 40000,
      fragmentationBurdenLimit: 0.5,
      limit: 9,
      maxLimit: 20,
    },
    {
      minSize: 256 * 1024,
      maxSize: 128 * MB,
      fragmentationLimit: 80000,
      fragmentationBurdenLimit: 0.5,
      limit: 2,
      maxLimit: 7,
    },
    {
      minSize: 256 * 1024,
      maxSize: Number.MAX_SAFE_INTEGER,
      fragmentationLimit: 200000,
      fragmentationBurdenLimit: 0.25,
      limit: 1.2,
      maxLimit: 1.8,
    },
    {
      minSize: 3 * MB,
      maxSize: Number.MAX_SAFE_INTEGER,
      fragmentationLimit: 0,
      fragmentationBurdenLimit: 0,
      limit: 1.25,
      maxLimit: 4.5,
    },
  ]
}

/**
 * gc.cpp `surv_to_growth`: the growth factor for a survival rate `cst`. Low survival grows the
 * budget towards M times the survivors; above the knee (M - L) / (L (M - 1)) it is M.
 */
export function survToGrowth(cst: number, limit: number, maxLimit: number): number {
  // gc.cpp computes it in float (`inline float surv_to_growth (float cst, float limit, float max_limit)`).
  const f = Math.fround
  const c = f(cst)
  const l = f(limit)
  const m = f(maxLimit)
  if (c < f(f(m - l) / f(l * f(m - 1)))) {
    return f(f(l - f(l * c)) / f(1 - f(c * l)))
  }
  return m
}

/**
 * What a generation's budget looked like when a collection began: the budget it had
 * (`dd_desired_allocation`) and how much of it had been spent. gc.cpp `generation_to_condemn`
 * saves `dd_gc_new_allocation = dd_new_allocation` for every generation before anything is
 * collected; `desired_new_allocation` then reads the spent fraction
 * `(dd_desired_allocation - dd_gc_new_allocation) / dd_desired_allocation` (BUDGETS.md#linear).
 */
export interface BudgetHistory {
  previousDesired: number
  /** dd_gc_new_allocation: what was left of the budget. */
  remaining: number
  allocationFraction: number
}

/** The budget history of generation `gen` at the start of a collection (float arithmetic, as gc.cpp). */
export function budgetHistory(desired: number, remaining: number): BudgetHistory {
  const fraction = desired > 0 ? Math.fround(Math.fround(desired - remaining) / Math.fround(desired)) : 0
  return { previousDesired: desired, remaining, allocationFraction: fraction }
}

/**
 * The history a collected generation's new budget is computed from: compute_new_dynamic_data
 * calls compute_in first (`dd_gc_new_allocation -= in`), so what the collection itself promoted
 * into the generation counts as spent when desired_new_allocation reads the fraction. A gen2
 * collection that sweeps 24 KB of gen0 into gen1 thus blends gen1's new budget with a ~4 MB
 * previous one (fraction 0.006) instead of taking the minimum (FIDELITY.md#promotion-budget).
 */
function historyAfterIn(h: BudgetHistory, incoming: number): BudgetHistory {
  return incoming > 0 ? budgetHistory(h.previousDesired, h.remaining - incoming) : h
}

/**
 * gc.cpp `linear_allocation_model`: "if the allocation budget wasn't exhausted, the new budget
 * may be wrong because the survival may not be correct (collection happened too soon). Correct
 * with a linear estimation based on the previous value of the budget." When a fraction `f` of
 * the budget was spent, strictly between 0 and 0.95, the new budget is
 * `(1 - p) * computed + p * previous` with `p = (1 - f) * decay`. The decay runs the previous
 * budget out over 5 minutes since the generation's last collection (`decay_time = 5*60.0f`);
 * the model has no wall clock, and its programs run their collections seconds apart, so decay
 * is 1 (the factor real .NET uses is (300 - t) / 300: 0.9997 for a collection 0.1 s after the
 * previous one).
 *
 * The effect that matters (measured, BUDGETS.md): an induced collection (gc.collect()) part
 * way through gen0's budget keeps most of the budget gen0 had — a collection after 10% of a
 * 1.25 MB budget leaves about 1.1 MB, not the 256 KB its few survivors would ask for — while a
 * second GC.Collect() right after the first (nothing allocated between, f = 0) takes the
 * computed budget unblended.
 */
export function linearAllocationModel(newAllocation: number, history: BudgetHistory | undefined): number {
  if (history === undefined) return newAllocation
  const f = history.allocationFraction
  if (!(f < 0.95 && f > 0)) return newAllocation
  const decayFactor = 1
  const previousFactor = Math.fround((1 - f) * decayFactor)
  return Math.floor((1 - previousFactor) * newAllocation + previousFactor * history.previousDesired)
}

/**
 * gen0's live data when a collection begins (`dd_begin_data_size`, mark_phase:
 * `generation_size (0) - dd_fragmentation`). The fragmentation is the free objects the GC
 * accounted: the unused tail of the context retired for the collection
 * (fix_allocation_context: `generation_free_obj_space (generation_of (0)) += size`), not the
 * 24-byte pad adjust_limit_clr puts between two contiguous contexts ("contiguous ac: making
 * min obj gap": `make_unused_array (acontext->alloc_ptr, pad_size)` with no accounting). So
 * every context after the first adds 24 bytes of "data" to gen0, 0.3% of what it holds, and
 * surv_to_growth sees a slightly lower survival rate. Measured on .NET 10
 * (GC.GetGenerationBudget after each gen0 collection, BUDGETS.md#begin-data-size).
 */
export function gen0BeginDataSize(size: number, freeBytes: number, contextPadBytes: number): number {
  return size - freeBytes + contextPadBytes
}

/**
 * gc.cpp `desired_new_allocation` for a generation just collected.
 * @param survived bytes of this generation that survived the collection (`out`)
 * @param sizeAtStart the generation's size when the collection began (`dd_begin_data_size`)
 * @param currentSize its size after (for gen2 / LOH: `dd_current_size`)
 * @param history its budget when the collection began (for `linear_allocation_model`)
 */
export function desiredNewAllocation(
  gen: number,
  sd: StaticData,
  survived: number,
  sizeAtStart: number,
  currentSize: number,
  history?: BudgetHistory,
): number {
  // "if (dd_begin_data_size (dd) == 0) new_allocation = dd_min_size (dd)": no blending either.
  if (sizeAtStart <= 0) return sd.minSize
  if (gen >= 2) {
    const cst = Math.min(1, survived / sizeAtStart)
    const f = survToGrowth(cst, sd.limit, sd.maxLimit)
    const newSize = Math.min(Math.max(f * currentSize, sd.minSize), sd.maxSize)
    return align8(linearAllocationModel(Math.max(newSize - currentSize, sd.minSize), history))
  }
  // "cst = float (out) / float (dd_begin_data_size (dd))" and "(size_t)(f * (survivors))": float.
  const cst = Math.fround(Math.fround(survived) / Math.fround(sizeAtStart))
  const f = survToGrowth(cst, sd.limit, sd.maxLimit)
  const grown = Math.trunc(Math.fround(f * Math.fround(survived)))
  return align8(linearAllocationModel(Math.min(Math.max(grown, sd.minSize), sd.maxSize), history))
}

/**
 * compute_new_dynamic_data's gen0 budget. After a gen0 collection: the budget without the
 * bytes kept only for their finalizers ("compensate for dead finalizable objects promotion").
 * After an older generation's: the previous budget is kept if it lies between the budgets
 * without and with those bytes ("discount the noise. Change the desired allocation only if the
 * previous value is outside of the range"), else the nearer bound. Both bounds go through
 * `linear_allocation_model`, so after an induced collection the nearer bound is itself mostly
 * the previous budget (BUDGETS.md#gen0-after-older).
 */
export function gen0Budget(
  condemned: number,
  sd: StaticData,
  survived: number,
  finalizationPromoted: number,
  sizeAtStart: number,
  history: BudgetHistory,
): number {
  const lower = desiredNewAllocation(
    0,
    sd,
    survived - Math.min(finalizationPromoted, survived),
    sizeAtStart,
    0,
    history,
  )
  if (condemned === 0) return lower
  const higher = desiredNewAllocation(0, sd, survived, sizeAtStart, 0, history)
  const previous = history.previousDesired
  if (previous < lower) return lower
  if (previous > higher) return higher
  return previous
}

/** gc.cpp `Align`: up to the next multiple of 8 (desired_new_allocation returns `Align (new_allocation, ...)`). */
function align8(n: number): number {
  return Math.ceil(Math.floor(n) / 8) * 8
}

/** The remaining and desired budgets of gen0, gen1, gen2 and the LOH, and the sizes they follow. */
export interface Budgets {
  /** dd_new_allocation: what is left of each budget. */
  newAllocation: number[]
  /** dd_desired_allocation: each budget as last computed. */
  desiredAllocation: number[]
  /** A generation's size in bytes (free objects included); 3 is the LOH. */
  genSize(gen: number): number
  /** Free-object bytes in each SOH generation, and in the LOH. */
  freeBytes: number[]
  lohFreeBytes: number
}

/** What a collection tells the budget update; sizes in bytes. */
export interface CollectionOutcome {
  /** The generation it condemned (0, 1 or 2). */
  generation: number
  /** Bytes of each SOH generation that survived (dd_survived_size). */
  survived: number[]
  /** Each SOH generation's live data when the collection began (dd_begin_data_size). */
  beginData: number[]
  /** Bytes that survived only because the finalization scan kept them (finalization_promoted_bytes). */
  finalizationPromotedBytes: number
  /** Bytes promoted into each generation ([0, into gen1, into gen2]): compute_in's `in`. */
  promotedInto: number[]
  /**
   * 'regions' (.NET 7+): `in` is charged to every generation it went into, collected or not;
   * 'segments' (.NET 6): only to the generation above the condemned one.
   */
  heapLayout: HeapLayout
  /** gen2 collections: the LOH's surviving bytes and its live bytes before. */
  lohSurvived: number
  lohLiveBefore: number
  /**
   * Each budget's history (gen0, gen1, gen2, the LOH) saved when the collection began, before
   * anything was collected (generation_to_condemn), for linear_allocation_model.
   */
  history: readonly BudgetHistory[]
}

/**
 * After a collection (gc.cpp compute_new_dynamic_data, the heap's generations already as they
 * are after it): each collected generation's budget from its survival (desired_new_allocation),
 * gen0's with the finalization noise discounted, what promotion spent of the older
 * generations' budgets, and on gen2 collections the LOH's. The one place the budget rule lives.
 */
export function computeNewDynamicData(
  b: Budgets,
  staticData: readonly StaticData[],
  o: CollectionOutcome,
): void {
  const n = o.generation
  for (let g = 0; g <= n; g++) {
    const current = g === 2 ? b.genSize(2) - b.freeBytes[2] : o.survived[g]
    const sd = staticData[g]
    const begin = o.beginData[g]
    const desired =
      g === 0
        ? gen0Budget(n, sd, o.survived[0], o.finalizationPromotedBytes, begin, o.history[0])
        : desiredNewAllocation(
            g,
            sd,
            o.survived[g],
            begin,
            current,
            historyAfterIn(o.history[g], o.promotedInto[g]),
          )
    b.desiredAllocation[g] = desired
    b.newAllocation[g] = desired
  }
  // compute_in (gc.cpp): what this collection promoted into an older generation
  // (generation_allocation_size: plan_phase places each promoted plug with
  // allocate_in_condemned_generations, pinned plugs added in gc1) is spent from that
  // generation's budget: `dd_gc_new_allocation -= in; dd_new_allocation = dd_gc_new_allocation`.
  // With regions gc1 calls it for every older generation (`highest_gen_number = max_generation`)
  // and compute_new_dynamic_data sets a collected generation's budget to `desired - in` ("we may
  // have had some incoming objects during this GC - adjust the consumed budget for these"); with
  // segments only the generation above the condemned one is charged ("keep the .NET 6.0
  // behavior"). So gen0 collections spend gen1's budget by what they promote, and when it is
  // spent generation_to_condemn condemns gen1 ("figure out which generation ran out of
  // allocation"). Measured on .NET 10 (GCPerHeapHistory In, CondemnReasons gen_alloc_budget = 1:
  // FIDELITY.md#promotion-budget).
  for (let g = 1; g <= 2; g++) {
    if (o.heapLayout === 'segments' && g !== n + 1) continue
    b.newAllocation[g] -= o.promotedInto[g]
  }
  if (n === 2) {
    const lohCurrent = b.genSize(GEN_LOH) - b.lohFreeBytes
    const desired = desiredNewAllocation(
      GEN_LOH,
      staticData[GEN_LOH],
      o.lohSurvived,
      o.lohLiveBefore,
      lohCurrent,
      o.history[GEN_LOH],
    )
    b.desiredAllocation[GEN_LOH] = desired
    b.newAllocation[GEN_LOH] = desired
  }
}
