/**
 * One CLR garbage collection (workstation, non-concurrent, blocking), phase by phase as
 * dotnet/runtime src/coreclr/gc runs it (gc.cpp `gc1`, mark_phase.cpp, plan_phase.cpp,
 * relocate/compact/sweep, finalization.cpp):
 *
 *   choose       generation_to_condemn: the requested generation, raised to the highest
 *                consecutive exhausted budget, gen2 on an exhausted LOH budget, gen1 on low
 *                card efficiency, gen2 on gen2 fragmentation.
 *   mark         roots, the f-reachable queue, and for gen0/gen1 the dirty cards of the older
 *                generations (and of the LOH); then short weak handles are nulled; then the
 *                finalization scan moves dead finalizable objects to the f-reachable queue and
 *                marks them with all they reference; then long weak handles are nulled.
 *   promote?     decide_on_promotion_surv: a tiny survivor set is not promoted.
 *   plan         walk the condemned range: survivors per generation, fragmentation, and each
 *                survivor's compacted address; compact iff fragmentation passes both the
 *                generation's fragmentation limit and its burden limit (or when forced).
 *                A pinned survivor (reached through a pinned handle) is a pinned plug: its
 *                planned address is its own, and the gap between the survivors slid below it
 *                and it becomes a free object (plan_phase.cpp: the allocator in the condemned
 *                generations skips over a pinned plug and the space before it stays as free
 *                space of the generation the plug ends up in, its `pinned_len`).
 *   relocate     compacting: fix every reference to a moved object — roots, queues, handles,
 *                survivors' fields, and older objects through their dirty cards.
 *   compact      slide survivors down (address order is kept, so generation boundaries are the
 *                planned addresses of each generation's first survivor), or sweep: gaps become
 *                free objects. Promotion is a boundary move: gen0's survivors become gen1 etc.
 *   LOH          on gen2 only: dead large objects are swept onto the LOH free list.
 *   budgets      desired_new_allocation for each collected generation; the next older one is
 *                charged with what was promoted into it.
 *
 * Invariant kept for the card table: after every collection, every reference from gen1, gen2 or
 * the LOH to an object in the ephemeral range [g1Start, sohTop) lies on a dirty card byte.
 */
import {
  callbackTagOf,
  type EventHub,
  type ManagerStats,
  PygcError,
  type RootSet,
  type WorkCounters,
} from '@pygc/core'
import { budgetHistory, desiredNewAllocation, GEN_LOH, gen0Budget, type StaticData } from './budgets.js'
import { finalizesEagerly } from './eager-finalization.js'
import { CARD_BYTE_GRANULES, CARDS_PER_BYTE, type ClrHeap, SOH_BASE } from './heap.js'
import {
  F_FREACHABLE,
  F_MARKED,
  F_PINNED,
  F_REGISTERED,
  F_SUPPRESSED,
  FREE_TYPE,
  HEADER_GRANULES,
  LOH_BASE,
  W_AUX,
  W_FIELDS,
  W_FLAGS,
  W_GRANULES,
  W_ID,
  W_REFS,
  W_TYPE,
  WEAKREF_TYPE,
} from './layout.js'

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
  staticData: StaticData[]
  /** Segments-era accounting: promotion spends the receiving generation's budget (false with regions). */
  promotionSpendsBudget: boolean
  /** Weak reference objects are System.WeakReference, which the GC finalizes itself (`clr` layout). */
  weakrefsFinalizeEagerly: boolean
  /** The op index events carry. */
  opIndex(): number
}

export class ClrCollector {
  /** GC.CollectionCount per generation. */
  readonly counts = [0, 0, 0]
  /** generation_skip_ratio from the last card marking (100 = efficient). */
  skipRatio = 100
  private markStack = new Int32Array(1024)
  private sp = 0
  private condStart = 0
  private condemnsAll = false
  /** Bytes marked only because the finalization scan made them f-reachable (gc.cpp finalization_promoted_bytes). */
  private finalizationPromotedBytes = 0
  private countingFinalization = false
  /** Pinned handles whose object this collection condemned (gc.cpp num_pinned_objects). */
  private pinnedObjects = 0

  constructor(private readonly ctx: CollectorContext) {}

  /** generation_to_condemn (plan_phase.cpp): returns the generation and why it was raised. */
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
    if (n < 1 && this.skipRatio < 30) {
      n = 1
      why = 'low card table efficiency'
    }
    if (n === 1 && h.freeBytes[2] >= this.ctx.staticData[1].maxSize) {
      n = 2
      why = 'gen2 fragmentation'
    }
    return { generation: n, elevation: why }
  }

  collect(req: CollectRequest, pauseOf: (before: WorkCounters) => number, before: WorkCounters): GcRecord {
    const { heap: h, stats } = this.ctx
    retireAllocationContext(h)
    // generation_to_condemn saves every budget's remainder before anything is collected.
    const history = [0, 1, 2, GEN_LOH].map((g) => budgetHistory(h.desiredAllocation[g], h.newAllocation[g]))
    const { generation: n, elevation } = this.chooseGeneration(req.generation)
    const sizeBefore = [h.genSize(0), h.genSize(1), h.genSize(2), h.genSize(3)]
    const fragBefore = [h.freeBytes[0], h.freeBytes[1], h.freeBytes[2], h.lohFreeBytes]
    const lohLiveBefore = sizeBefore[3] - fragBefore[3]
    this.condStart = n === 0 ? h.g0Start : n === 1 ? h.g1Start : SOH_BASE
    this.condemnsAll = n === 2
    if (this.ctx.hub.listening) {
      this.ctx.hub.emit({ type: 'gc-start', op: this.ctx.opIndex(), generation: n, reason: req.reason })
    }

    // ---- mark ----
    this.pinnedObjects = 0
    const runtimePinned = this.runtimePinnedSurvivor(n)
    if (runtimePinned > 0) this.pinnedObjects++
    this.markRoots()
    if (n < 2) this.markThroughCards()
    this.drainMarkStack()
    this.clearWeakHandles(false)
    this.finalizationPromotedBytes = 0
    this.countingFinalization = true
    this.scanForFinalization()
    this.drainMarkStack()
    this.countingFinalization = false
    this.clearWeakHandles(true)

    // ---- plan ----
    const plan = this.plan(n)
    const promotion =
      n === 2 ||
      elevation === 'low card table efficiency' ||
      this.decideOnPromotion(n, plan.survivedTotal + runtimePinned)
    const condemnedSize = (h.sohTop - this.condStart) * 8
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

    // New generation boundaries (granules). Survivors keep address order, so each original
    // generation's survivors start at its planned (compacting) or original (sweeping) address.
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

    // ---- relocate + compact, or sweep ----
    const oldFree = h.freeBytes
    const newFree = [0, 0, 0]
    for (let k = n + 1; k <= 2; k++) newFree[k] = oldFree[k]
    this.updateOlderCards(compacting, newG1Start, newG0Start)
    if (compacting) {
      // The gaps left before pinned plugs stay as free objects of their plug's new generation.
      for (let k = 0; k <= n; k++) newFree[ClrCollector.destination(k, promotion)] += plan.pinnedGapBytes[k]
      this.relocateRoots()
      this.relocateSurvivors(promotion, newG1Start, newG0Start)
      this.slide()
    } else {
      this.sweep(promotion, newG1Start, newG0Start, newFree)
    }
    const lohSurvived = n === 2 ? this.sweepLoh(newG1Start) : 0
    const oldTop = h.sohTop
    h.sohTop = newTop
    h.g1Start = newG1Start
    h.g0Start = newG0Start
    h.freeBytes = newFree
    if (newTop < oldTop) h.soh.fill(0, newTop * 2, oldTop * 2)

    // ---- budgets ----
    const promotedInto = [0, promotion ? plan.survived[0] : 0, promotion && n >= 1 ? plan.survived[1] : 0]
    // The runtime's pinned object is live data of its generation: in dd_begin_data_size and in
    // the survivors (dd_survived_size) the budget grows from, like any survivor.
    const survived = plan.survived.slice()
    const beginData = [0, 1, 2].map((g) => sizeBefore[g] - fragBefore[g])
    if (runtimePinned > 0) {
      survived[h.runtimePinnedGen] += runtimePinned
      beginData[h.runtimePinnedGen] += runtimePinned
    }
    beginData[0] += h.runtimeGarbageBytes
    h.runtimeGarbageBytes = 0
    for (let g = 0; g <= n; g++) {
      const current = g === 2 ? h.genSize(2) - h.freeBytes[2] : survived[g]
      const sd0 = this.ctx.staticData[g]
      const begin = beginData[g]
      const desired =
        g === 0
          ? gen0Budget(n, sd0, survived[0], this.finalizationPromotedBytes, begin, history[0])
          : desiredNewAllocation(g, sd0, survived[g], begin, current, history[g])
      h.desiredAllocation[g] = desired
      h.newAllocation[g] = desired
    }
    if (runtimePinned > 0) {
      // A compacting GC demotes the pinned object's lightly pinned region to gen0; a sweeping
      // one promotes it with its region like everything else it keeps.
      h.runtimePinnedGen = compacting
        ? 0
        : promotion
          ? Math.min(h.runtimePinnedGen + 1, 2)
          : h.runtimePinnedGen
    }
    // compute_in: what this collection allocated into an older generation is charged to its
    // budget (`dd_new_allocation = desired - in`, even when that generation was collected
    // too). With regions (.NET 7+) survivors are promoted with their regions, so nothing is
    // allocated into the older generation and `in` is 0 — measured on .NET 10: megabytes
    // promoted into gen1 never trigger a gen1 GC (FIDELITY.md#promotion-budget).
    if (this.ctx.promotionSpendsBudget) {
      h.newAllocation[1] -= promotedInto[1]
      h.newAllocation[2] -= promotedInto[2]
    }
    if (n === 2) {
      const lohCurrent = h.genSize(3) - h.lohFreeBytes
      const desired = desiredNewAllocation(
        GEN_LOH,
        this.ctx.staticData[GEN_LOH],
        lohSurvived,
        lohLiveBefore,
        lohCurrent,
        history[3],
      )
      h.desiredAllocation[GEN_LOH] = desired
      h.newAllocation[GEN_LOH] = desired
    }

    // Two views of the same collections: GC.CollectionCount(g) counts every collection of
    // generation g or older (a gen2 GC increments 0, 1 and 2); stats().collections counts each
    // collection once, under the generation it condemned, like every other manager does.
    for (let g = 0; g <= n; g++) this.counts[g]++
    stats.collections[n]++
    stats.collectionReasons[req.reason] = (stats.collectionReasons[req.reason] ?? 0) + 1
    const promotedBytes = promotedInto[1] + promotedInto[2]
    this.ctx.work.bytesPromoted += promotedBytes
    const generationInfo: GenerationInfo[] = []
    for (let g = 0; g < 4; g++) {
      generationInfo.push({
        sizeBeforeBytes: sizeBefore[g],
        fragmentationBeforeBytes: fragBefore[g],
        sizeAfterBytes: h.genSize(g),
        fragmentationAfterBytes: g < 3 ? h.freeBytes[g] : h.lohFreeBytes,
      })
    }
    const fragmentedBytes = h.freeBytes[0] + h.freeBytes[1] + h.freeBytes[2] + h.lohFreeBytes
    return {
      index: this.counts[0],
      generation: n,
      reason: req.reason,
      elevation,
      compacted: compacting,
      promoted: promotion,
      promotedBytes,
      survivedBytes: survived.slice(0, n + 1).reduce((a, b) => a + b, 0),
      fragmentedBytes,
      heapSizeBytes: h.genSize(0) + h.genSize(1) + h.genSize(2) + h.genSize(3),
      pinnedObjectsCount: this.pinnedObjects,
      finalizationPendingCount: h.freachable.length,
      pauseVirtual: pauseOf(before),
      generationInfo,
    }
  }

  // ---------------------------------------------------------------- mark

  /** An object the current collection may reclaim: in the condemned SOH range, or anywhere on gen2. */
  private condemned(g: number): boolean {
    return g !== 0 && (this.condemnsAll || (g >= this.condStart && g < LOH_BASE))
  }

  private isMarked(g: number): boolean {
    const h = this.ctx.heap
    return (h.words(g)[h.wordOf(g) + W_FLAGS] & F_MARKED) !== 0
  }

  /** Mark a condemned object and push it for scanning (no-op if not condemned or marked). */
  private markAndPush(g: number): void {
    if (!this.condemned(g)) return
    const h = this.ctx.heap
    const m = h.words(g)
    const w = h.wordOf(g)
    const f = m[w + W_FLAGS]
    if ((f & F_MARKED) !== 0) return
    m[w + W_FLAGS] = f | F_MARKED
    this.ctx.work.marked++
    if (this.countingFinalization) this.finalizationPromotedBytes += m[w + W_GRANULES] * 8
    if (this.sp === this.markStack.length) {
      const s = new Int32Array(this.markStack.length * 2)
      s.set(this.markStack)
      this.markStack = s
    }
    this.markStack[this.sp++] = g
  }

  private markRoots(): void {
    const { roots, heap: h } = this.ctx
    const v = roots.values
    for (let i = 0; i < roots.top; i++) if (v[i] !== 0) this.markAndPush(v[i])
    for (const q of [h.freachable, h.strongHandles])
      for (let i = 0; i < q.length; i++) this.markAndPush(q.items[i])
    const pins = h.pinnedHandles
    for (let i = 0; i < pins.length; i++) {
      const g = pins.items[i]
      if (!this.condemned(g)) continue
      // pin_object: counted per pinned handle, like GCHeap::Promote with GC_CALL_PINNED.
      this.pinnedObjects++
      if (g < LOH_BASE) h.soh[g * 2 + W_FLAGS] |= F_PINNED
      this.markAndPush(g)
    }
  }

  private drainMarkStack(): void {
    const h = this.ctx.heap
    const work = this.ctx.work
    while (this.sp > 0) {
      const g = this.markStack[--this.sp]
      const m = h.words(g)
      const w = h.wordOf(g)
      if (m[w + W_TYPE] === WEAKREF_TYPE) continue
      const refs = m[w + W_REFS]
      work.refsScanned += refs
      for (let i = 0; i < refs; i++) {
        const t = m[w + W_FIELDS + 2 * i]
        if (t !== 0) this.markAndPush(t)
      }
    }
  }

  /**
   * mark_through_cards_for_segments: scan the fields lying on dirty card bytes of the older
   * generations and of the LOH; count cross-generation pointers for generation_skip_ratio
   * (gc.cpp: n_eph pointers into the ephemeral range, n_gen of them into the condemned range;
   * the ratio is 100 when fewer than 400 were seen).
   */
  private markThroughCards(): void {
    const h = this.ctx.heap
    let nEph = 0
    let nGen = 0
    const g1 = h.g1Start
    const g0 = h.g0Start
    this.forEachOlderCardField((m, fw) => {
      const t = m[fw]
      if (t === 0) return
      // A cross-generation pointer: into a generation younger than the one holding it.
      const holder = m === h.soh && fw / 2 >= g1 ? 1 : 2
      if (generationOf(t, g1, g0) < holder) {
        nEph++
        if (t >= this.condStart && t < LOH_BASE) {
          nGen++
          this.markAndPush(t)
        }
      }
    })
    this.skipRatio = nEph > 400 ? Math.floor((nGen / nEph) * 100) : 100
  }

  /**
   * Visit every reference field (its words array and word index) that lies on a dirty card byte
   * of the SOH below the condemned range or of the LOH, counting cards scanned.
   * `afterChunk` is told, for each dirty card byte, so callers can clear it.
   */
  private forEachOlderCardField(
    visit: (m: Int32Array, fieldWord: number) => void,
    afterChunk?: (cards: Uint8Array, c: number) => void,
  ): void {
    const h = this.ctx.heap
    const work = this.ctx.work
    const end = this.condStart
    const m = h.soh
    const lastChunk = Math.ceil(end / CARD_BYTE_GRANULES)
    for (let c = 0; c < lastChunk; c++) {
      if (h.sohCards[c] === 0) continue
      work.cardsScanned += CARDS_PER_BYTE
      const lo = Math.max(c * CARD_BYTE_GRANULES, SOH_BASE)
      const hi = Math.min((c + 1) * CARD_BYTE_GRANULES, end)
      let g = c === 0 ? SOH_BASE : h.brick[c]
      while (g < hi) {
        const w = g * 2
        const size = m[w + W_GRANULES]
        if (!(size >= 3)) brokenHeap(g, 'object size')
        const type = m[w + W_TYPE]
        if (type !== FREE_TYPE && type !== WEAKREF_TYPE) {
          const refs = m[w + W_REFS]
          const f0 = g + HEADER_GRANULES
          const from = Math.max(0, lo - f0)
          const to = Math.min(refs, hi - f0)
          for (let i = from; i < to; i++) visit(m, w + W_FIELDS + 2 * i)
          if (to > from) work.refsScanned += to - from
        }
        g += size
      }
      if (afterChunk) afterChunk(h.sohCards, c)
    }
    // LOH objects (older than the condemned range unless this is a gen2 GC, which marks,
    // fixes and re-cards them as condemned objects): each is walked, and the fields on its
    // dirty card bytes visited. A card byte covers 2 KB, so the last fields of one large object
    // and the first fields of the next can share one: a card byte is finished (scanned once,
    // handed to afterChunk once) only when the walk has passed every field on it, or the
    // fields of the next object on it would be skipped once the first object's share of the
    // card byte found nothing and cleared it.
    if (this.condemnsAll) return
    const lm = h.loh
    let open = -1
    for (let g = LOH_BASE; g < h.lohTop; ) {
      const w = (g - LOH_BASE) * 2
      const size = lm[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const refs = lm[w + W_TYPE] >= 0 ? lm[w + W_REFS] : 0
      if (refs > 0) {
        const f0 = g + HEADER_GRANULES - LOH_BASE
        const cFirst = Math.floor(f0 / CARD_BYTE_GRANULES)
        const cLast = Math.floor((f0 + refs - 1) / CARD_BYTE_GRANULES)
        for (let c = cFirst; c <= cLast; c++) {
          if (h.lohCards[c] === 0) continue
          if (c !== open) {
            if (open >= 0 && afterChunk) afterChunk(h.lohCards, open)
            open = c
            work.cardsScanned += CARDS_PER_BYTE
          }
          const from = Math.max(0, c * CARD_BYTE_GRANULES - f0)
          const to = Math.min(refs, (c + 1) * CARD_BYTE_GRANULES - f0)
          for (let i = from; i < to; i++) visit(lm, w + W_FIELDS + 2 * i)
          work.refsScanned += to - from
        }
      }
      g += size
    }
    if (open >= 0 && afterChunk) afterChunk(h.lohCards, open)
  }

  /** Null weak handles whose condemned target was not marked: short ones before finalization, long after. */
  private clearWeakHandles(long: boolean): void {
    const { heap: h, hub, stats } = this.ctx
    const want = long ? 1 : 0
    for (let i = 0; i < h.handleCount; i++) {
      const t = h.handleTarget[i]
      if (t === 0 || h.handleLong[i] !== want || !this.condemned(t) || this.isMarked(t)) continue
      h.handleTarget[i] = 0
      stats.weakrefsCleared++
      if (hub.listening) {
        const op = this.ctx.opIndex()
        const weakId = h.handleOwner[i]
        hub.emit({ type: 'weakref-clear', op, weakId, targetId: h.words(t)[h.wordOf(t) + W_ID] })
        const cb = h.handleCallback[i]
        if (cb !== 0) hub.emit({ type: 'weakref-callback', op, weakId, tag: callbackTagOf(cb) })
      }
    }
  }

  /**
   * ScanForFinalization: a registered object found dead moves to the f-reachable queue and is
   * marked (its references are marked by the following drain) — it survives this collection.
   * A suppressed one is just dropped from the queue.
   */
  private scanForFinalization(): void {
    const h = this.ctx.heap
    const q = h.finalizable
    let kept = 0
    for (let i = 0; i < q.length; i++) {
      const g = q.items[i]
      if (!this.condemned(g) || this.isMarked(g)) {
        q.items[kept++] = g
        continue
      }
      const m = h.words(g)
      const w = h.wordOf(g)
      const f = m[w + W_FLAGS] & ~F_REGISTERED
      if (this.ctx.weakrefsFinalizeEagerly && finalizesEagerly(h, g)) {
        m[w + W_FLAGS] = f
        continue
      }
      if ((f & F_SUPPRESSED) !== 0) {
        m[w + W_FLAGS] = f
        continue
      }
      m[w + W_FLAGS] = f | F_FREACHABLE
      h.freachable.push(g)
      this.markAndPush(g)
    }
    q.length = kept
  }

  /**
   * The bytes of the runtime's own pinned object if this collection condemns it, else 0.
   *
   * Measured on .NET 10 (x64, workstation, regions): in an idle process, after the oracle's
   * start ritual, every gen0 GC reports PromotedBytes 104 and PinnedObjectsCount 1 with gen0
   * 560 bytes after it — a 104-byte object the runtime holds through a pinned handle, which
   * stays in gen0 because compacting GCs demote a region with little pinned survival to gen0
   * (plan_phase.cpp `decide_on_demotion_pin_surv`: pinned_ratio < demotion_pinned_ratio_th ->
   * plan gen 0). Two sweeping GC.Collect(2) calls promote it out (gen0 GCs then report 0 and 0).
   * In every oracle case gen0 GC 1 reports exactly the model's survivors + 104; counted for the
   * budget (`desired_new_allocation` grows gen0's from its survivors: 20 x 104 = 2,080 bytes of
   * budget after a ~100% survival GC), that is binary-trees' 42nd gen0 GC.
   * It is accounted, not placed: the model has no demotion (FIDELITY.md#pinning), so a real
   * object would be promoted out of gen0 by the first GC.
   */
  private runtimePinnedSurvivor(n: number): number {
    const h = this.ctx.heap
    return h.runtimePinnedBytes > 0 && h.runtimePinnedGen <= n ? h.runtimePinnedBytes : 0
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
   * the dead objects.
   */
  private plan(n: number): {
    survived: number[]
    survivedTotal: number
    fragmentation: number
    plannedStart: number[]
    plannedTop: number
    /** Bytes of the gaps left before pinned plugs, per original generation. */
    pinnedGapBytes: number[]
  } {
    const { heap: h, work } = this.ctx
    const m = h.soh
    const survived = [0, 0, 0]
    const plannedStart = [0, 0, 0]
    const pinnedGapBytes = [0, 0, 0]
    let fragmentation = 0
    let cursor = this.condStart
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    let gen = n
    plannedStart[gen] = cursor
    for (let g = this.condStart; g < h.sohTop; ) {
      while (gen > 0 && g >= starts[gen - 1]) {
        gen--
        plannedStart[gen] = cursor
      }
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const type = m[w + W_TYPE]
      work.objectsSwept++
      if (type === FREE_TYPE) {
        fragmentation += size * 8
      } else if ((m[w + W_FLAGS] & F_MARKED) !== 0) {
        survived[gen] += size * 8
        if ((m[w + W_FLAGS] & F_PINNED) !== 0 && cursor < g) {
          // A pinned plug stays; the survivors below it slid down to `cursor`. The gap is a
          // whole number of dead objects and old gaps, each at least 24 bytes, so it can
          // always hold a free object.
          if (g - cursor < 3) brokenHeap(cursor, 'gap before a pinned plug')
          pinnedGapBytes[gen] += (g - cursor) * 8
          cursor = g
        }
        m[w + W_AUX] = cursor
        cursor += size
      } else {
        fragmentation += size * 8
        this.reclaimed(m, w, size * 8)
      }
      g += size
    }
    while (gen > 0) {
      gen--
      plannedStart[gen] = cursor
    }
    return {
      survived,
      survivedTotal: survived[0] + survived[1] + survived[2],
      fragmentation,
      plannedStart,
      plannedTop: cursor,
      pinnedGapBytes,
    }
  }

  /** Account for a dead object (its memory is reused by the compaction, sweep or LOH sweep). */
  private reclaimed(m: Int32Array, w: number, bytes: number): void {
    const { hub, stats, work } = this.ctx
    stats.liveObjects--
    stats.liveBytes -= bytes
    stats.freedByTracing++
    work.objectsFreed++
    if (hub.perObject)
      hub.emit({ type: 'free', op: this.ctx.opIndex(), id: m[w + W_ID], bytes, cause: 'tracing' })
  }

  // ---------------------------------------------------------------- relocate / compact / sweep

  /** The post-collection address of a reference (only condemned SOH objects move). */
  private forward(t: number): number {
    if (t === 0 || t >= LOH_BASE || t < this.condStart) return t
    return this.ctx.heap.soh[t * 2 + W_AUX]
  }

  private relocateRoots(): void {
    const { roots, heap: h } = this.ctx
    const v = roots.values
    for (let i = 0; i < roots.top; i++) if (v[i] !== 0) v[i] = this.forward(v[i])
    // Pinned handles' objects never move; forwarding them is the identity, kept for symmetry.
    for (const q of [h.finalizable, h.freachable, h.strongHandles, h.pinnedHandles]) {
      for (let i = 0; i < q.length; i++) q.items[i] = this.forward(q.items[i])
    }
    for (let i = 0; i < h.handleCount; i++)
      if (h.handleTarget[i] !== 0) h.handleTarget[i] = this.forward(h.handleTarget[i])
    if (!this.condemnsAll) return
    // A full compacting GC: every surviving large object may point at a moved small one.
    const lm = h.loh
    for (let g = LOH_BASE; g < h.lohTop; ) {
      const w = (g - LOH_BASE) * 2
      if (lm[w + W_TYPE] >= 0 && (lm[w + W_FLAGS] & F_MARKED) !== 0) {
        const refs = lm[w + W_REFS]
        for (let i = 0; i < refs; i++) lm[w + W_FIELDS + 2 * i] = this.forward(lm[w + W_FIELDS + 2 * i])
      }
      g += lm[w + W_GRANULES]
    }
  }

  /**
   * Older generations' dirty cards after marking: fix references to moved objects (when
   * compacting) and keep a card byte dirty only if it still holds a reference into the
   * ephemeral range as it will be after this collection (gc.cpp clears cards that yield nothing).
   */
  private updateOlderCards(compacting: boolean, newG1: number, newG0: number): void {
    const h0 = this.ctx.heap
    const oldG1 = h0.g1Start
    let keep = false
    this.forEachOlderCardField(
      (m, fw) => {
        let t = m[fw]
        if (t === 0) return
        if (compacting) {
          t = this.forward(t)
          m[fw] = t
        }
        // Holders below the condemned range keep their generation.
        const holder = m === h0.soh && fw / 2 >= oldG1 ? 1 : 2
        if (generationOf(t, newG1, newG0) < holder) keep = true
      },
      (cards, c) => {
        if (!keep) cards[c] = 0
        keep = false
      },
    )
    // Card bytes wholly inside the condemned range are rebuilt from the survivors.
    const h = this.ctx.heap
    h.sohCards.fill(
      0,
      Math.ceil(this.condStart / CARD_BYTE_GRANULES),
      Math.ceil(h.sohTop / CARD_BYTE_GRANULES) + 1,
    )
    if (this.condemnsAll) h.lohCards.fill(0)
  }

  /** The generation an object of original generation `gen` belongs to after this collection. */
  private static destination(gen: number, promotion: boolean): number {
    return promotion ? Math.min(gen + 1, 2) : gen
  }

  /**
   * Fix the fields of every survivor of the condemned range (compacting) and set the cards of
   * survivors that end up in gen1/gen2 holding references into the new ephemeral range.
   */
  private relocateSurvivors(promotion: boolean, newG1: number, newG0: number): void {
    const h = this.ctx.heap
    const m = h.soh
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    for (let g = this.condStart; g < h.sohTop; ) {
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      if (m[w + W_TYPE] >= 0 && (m[w + W_FLAGS] & F_MARKED) !== 0) {
        const gen = g >= starts[0] ? 0 : g >= starts[1] ? 1 : 2
        const dest = m[w + W_AUX]
        const destGen = ClrCollector.destination(gen, promotion)
        const refs = m[w + W_REFS]
        for (let i = 0; i < refs; i++) {
          const fw = w + W_FIELDS + 2 * i
          const t = this.forward(m[fw])
          m[fw] = t
          if (t !== 0 && generationOf(t, newG1, newG0) < destGen)
            h.sohCards[(dest + HEADER_GRANULES + i) >> 8] = 1
        }
      }
      g += size
    }
  }

  /**
   * Slide the survivors down to their planned addresses (memmove in address order is safe:
   * every planned address is at or below the object's own). Where a survivor's planned address
   * lies above the end of the one slid before it, it is a pinned plug: the gap becomes a free
   * object (written once everything below it has moved).
   */
  private slide(): void {
    const { heap: h, work } = this.ctx
    const m = h.soh
    let placedEnd = this.condStart
    for (let g = this.condStart; g < h.sohTop; ) {
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      if (m[w + W_TYPE] !== FREE_TYPE && (m[w + W_FLAGS] & F_MARKED) !== 0) {
        m[w + W_FLAGS] &= ~(F_MARKED | F_PINNED)
        const dest = m[w + W_AUX]
        m[w + W_AUX] = 0
        if (dest > placedEnd) h.writeSohFree(placedEnd, dest - placedEnd)
        placedEnd = dest + size
        if (dest !== g) {
          m.copyWithin(dest * 2, w, w + size * 2)
          work.bytesCompacted += size * 8
        }
        h.noteSohObject(dest, size)
      }
      g += size
    }
  }

  /**
   * Sweep the condemned range in place: runs of dead objects and old gaps become one free
   * object each (split at generation boundaries, so each gap is counted in the generation it
   * ends up in); survivors are unmarked and, if now old, carded.
   */
  private sweep(promotion: boolean, newG1: number, newG0: number, newFree: number[]): void {
    const h = this.ctx.heap
    const m = h.soh
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    let runStart = 0
    let runGen = -1
    const closeRun = (end: number): void => {
      if (runGen < 0) return
      h.writeSohFree(runStart, end - runStart)
      newFree[ClrCollector.destination(runGen, promotion)] += (end - runStart) * 8
      runGen = -1
    }
    for (let g = this.condStart; g < h.sohTop; ) {
      const gen = g >= starts[0] ? 0 : g >= starts[1] ? 1 : 2
      if (runGen >= 0 && runGen !== gen) closeRun(g)
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const type = m[w + W_TYPE]
      if (type !== FREE_TYPE && (m[w + W_FLAGS] & F_MARKED) !== 0) {
        closeRun(g)
        m[w + W_FLAGS] &= ~(F_MARKED | F_PINNED)
        const destGen = ClrCollector.destination(gen, promotion)
        if (type >= 0 && destGen >= 1) {
          const refs = m[w + W_REFS]
          for (let i = 0; i < refs; i++) {
            const t = m[w + W_FIELDS + 2 * i]
            if (t !== 0 && generationOf(t, newG1, newG0) < destGen)
              h.sohCards[(g + HEADER_GRANULES + i) >> 8] = 1
          }
        }
      } else if (runGen < 0) {
        runStart = g
        runGen = gen
      }
      g += size
    }
    closeRun(h.sohTop)
  }

  /**
   * gen2 only: dead large objects and adjacent free blocks coalesce onto a rebuilt LOH free
   * list (the LOH is swept, never compacted by default); a free tail shrinks the LOH.
   * Survivors are unmarked and re-carded (their fields were fixed by relocateRoots).
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
        if (type >= 0) {
          const refs = m[w + W_REFS]
          for (let i = 0; i < refs; i++) {
            const t = m[w + W_FIELDS + 2 * i]
            if (t >= newEphLow && t < LOH_BASE) h.lohCards[(g - LOH_BASE + HEADER_GRANULES + i) >> 8] = 1
          }
        }
      } else {
        if (type !== FREE_TYPE) this.reclaimed(m, w, size * 8)
        if (runStart === 0) runStart = g
      }
      g += size
    }
    if (runStart !== 0) h.shrinkLoh(runStart)
    for (let i = frees.length - 2; i >= 0; i -= 2) h.lohPushFree(frees[i], frees[i + 1])
    return survived
  }
}

/**
 * Retire gen0's allocation context: its unused tail becomes a free object, and the part of the
 * budget it was charged but did not use is credited back (so a context costs what it held
 * plus the 24-byte pad that keeps room for the free object).
 */
export function retireAllocationContext(h: ClrHeap): void {
  if (h.acEnd === 0) return
  const tail = h.acEnd - h.acPtr
  h.newAllocation[0] += (h.acLimit - h.acPtr) * 8
  h.writeSohFree(h.acPtr, tail)
  h.freeBytes[0] += tail * 8
  h.acPtr = h.acLimit = h.acEnd = 0
}

/** A walk met something that is not an object: a model bug, reported instead of looping forever. */
function brokenHeap(g: number, what: string): never {
  throw new PygcError('INTERNAL', `CLR heap walk: bad ${what} at granule ${g} (byte address ${g * 8})`)
}

/** The generation an SOH granule is in, given the gen1 and gen0 starts (LOH objects are gen2). */
function generationOf(g: number, g1Start: number, g0Start: number): number {
  if (g >= LOH_BASE) return 2
  return g >= g0Start ? 0 : g >= g1Start ? 1 : 2
}
