/**
 * The mark phase of a CLR collection (mark_phase.cpp, finalization.cpp): which objects of the
 * condemned range are reachable, from the roots, the f-reachable queue, the strong and pinned
 * handles and, for gen0/gen1, the dirty cards of the older generations; then weak handles and
 * the finalization scan. It also walks the older generations' dirty cards for the relocation
 * phase (`forEachOlderCardField`), which must visit exactly the fields marking visited.
 */
import { IntList } from '@pygc/core'
import type { CollectorContext } from './collector.js'
import { finalizesEagerly } from './eager-finalization.js'
import { brokenHeap, CARD_BYTE_GRANULES, CARDS_PER_BYTE, generationOf, SOH_BASE } from './heap.js'
import * as layout from './layout.js'
import { INTERNAL_HANDLE_OWNER } from './weakref-tracker.js'

// layout.ts's values as this module's own constants (see layout.ts: why).
const {
  F_FREACHABLE,
  F_MARKED,
  F_PINNED,
  F_REGISTERED,
  F_SUPPRESSED,
  FREE_TYPE,
  HEADER_GRANULES,
  hasReferenceFields,
  LOH_BASE,
  TRACKER_CALLBACKS_TYPE,
  trackerCallbacksFinalizationBytes,
  W_FIELDS,
  W_FLAGS,
  W_GRANULES,
  W_ID,
  W_REFS,
  W_TYPE,
  WEAKREF_TYPE,
} = layout

export class ClrMarker {
  /** generation_skip_ratio from the last card marking (100 = efficient). */
  skipRatio = 100
  /** The first granule of the condemned SOH range. */
  condStart = 0
  /** A gen2 collection: the whole SOH and the LOH are condemned. */
  condemnsAll = false
  /** Bytes marked only because the finalization scan made them f-reachable (gc.cpp finalization_promoted_bytes). */
  finalizationPromotedBytes = 0
  /** Pinned handles whose object this collection condemned (gc.cpp num_pinned_objects). */
  pinnedObjects = 0
  /**
   * Bytes of the SOH objects this collection marked: what plan will find surviving, known
   * before it as gc.cpp knows its promoted bytes when plan_phase decides on promotion.
   */
  markedSohBytes = 0
  /**
   * The mark stack: granules of marked objects whose fields are not yet scanned. It starts at 16
   * entries (64 bytes, inside V8's heap: no host allocation per manager) and doubles when full.
   */
  private readonly markStack = new IntList(16)
  private countingFinalization = false

  constructor(private readonly ctx: CollectorContext) {}

  /**
   * The condemned range: [g0Start, sohTop) for gen0, [g1Start, sohTop) for gen1, the whole SOH
   * and the LOH for gen2. Invariant after: `condemned(g)` answers for this collection.
   */
  condemn(n: number): void {
    const h = this.ctx.heap
    this.condStart = n === 0 ? h.g0Start : n === 1 ? h.g1Start : SOH_BASE
    this.condemnsAll = n === 2
  }

  /**
   * mark_phase: roots (slots, the f-reachable queue, strong and pinned handles), then for
   * gen0/gen1 the dirty cards of the older generations and of the LOH; short weak handles are
   * nulled; the finalization scan moves dead finalizable objects to the f-reachable queue and
   * marks them with all they reference; long weak handles are nulled. Returns the bytes of the
   * runtime's own pinned object if this collection condemns it.
   *
   * Invariant after: a condemned object is marked iff it is reachable from a root, an older
   * generation's dirty card or the f-reachable queue; every weak handle to an unmarked
   * condemned object is null; every pinned survivor in the SOH carries F_PINNED.
   */
  mark(n: number): number {
    this.pinnedObjects = 0
    this.markedSohBytes = 0
    const runtimePinned = this.runtimePinnedSurvivor(n)
    if (runtimePinned > 0) this.pinnedObjects++
    this.markRoots()
    if (n < 2) this.markThroughCards()
    this.drainMarkStack()
    this.scanDependentHandles()
    this.clearWeakHandles(false)
    this.finalizationPromotedBytes = 0
    this.countingFinalization = true
    this.scanForFinalization()
    this.drainMarkStack()
    this.scanDependentHandles()
    this.countingFinalization = false
    this.clearWeakHandles(true)
    this.clearDeadDependentHandles()
    return runtimePinned
  }

  /** An object the current collection may reclaim: in the condemned SOH range, or anywhere on gen2. */
  condemned(g: number): boolean {
    return g !== 0 && (this.condemnsAll || (g >= this.condStart && g < LOH_BASE))
  }

  isMarked(g: number): boolean {
    const h = this.ctx.heap
    return (h.words(g)[h.wordOf(g) + W_FLAGS] & F_MARKED) !== 0
  }

  /** Mark a condemned object and push it for scanning (no-op if not condemned or marked). */
  markAndPush(g: number): void {
    if (!this.condemned(g)) return
    const h = this.ctx.heap
    const m = h.words(g)
    const w = h.wordOf(g)
    const f = m[w + W_FLAGS]
    if ((f & F_MARKED) !== 0) return
    m[w + W_FLAGS] = f | F_MARKED
    this.ctx.work.marked++
    if (g < LOH_BASE) this.markedSohBytes += m[w + W_GRANULES] * 8
    if (this.countingFinalization) {
      this.finalizationPromotedBytes +=
        m[w + W_TYPE] === TRACKER_CALLBACKS_TYPE
          ? trackerCallbacksFinalizationBytes(m[w + W_FIELDS])
          : m[w + W_GRANULES] * 8
    }
    this.markStack.push(g)
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
    const stack = this.markStack
    while (stack.length > 0) {
      const g = stack.pop()
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
  forEachOlderCardField(
    visit: (m: Int32Array, fieldWord: number) => void,
    afterChunk?: (cards: Uint8Array, c: number) => void,
  ): void {
    const h = this.ctx.heap
    const work = this.ctx.work
    const end = this.condStart
    const m = h.soh
    const lastChunk = Math.ceil(end / CARD_BYTE_GRANULES)
    for (let c = 0; c < lastChunk; c++) {
      if (h.sohCards.bytes[c] === 0) continue
      work.cardsScanned += CARDS_PER_BYTE
      const lo = Math.max(c * CARD_BYTE_GRANULES, SOH_BASE)
      const hi = Math.min((c + 1) * CARD_BYTE_GRANULES, end)
      let g = c === 0 ? SOH_BASE : h.sohCards.objectStart[c]
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
      if (afterChunk) afterChunk(h.sohCards.bytes, c)
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
      const refs = hasReferenceFields(lm[w + W_TYPE]) ? lm[w + W_REFS] : 0
      if (refs > 0) {
        const f0 = g + HEADER_GRANULES - LOH_BASE
        const cFirst = Math.floor(f0 / CARD_BYTE_GRANULES)
        const cLast = Math.floor((f0 + refs - 1) / CARD_BYTE_GRANULES)
        for (let c = cFirst; c <= cLast; c++) {
          if (h.lohCards.bytes[c] === 0) continue
          if (c !== open) {
            if (open >= 0 && afterChunk) afterChunk(h.lohCards.bytes, open)
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
    if (open >= 0 && afterChunk) afterChunk(h.lohCards.bytes, open)
  }

  /**
   * Dependent handles (gc.cpp scan_dependent_handles): the secondary of a live primary is marked,
   * with all it reaches, until nothing changes; done after the roots and again after the
   * finalization scan, whose f-reachable objects may keep primaries alive.
   */
  private scanDependentHandles(): void {
    const h = this.ctx.heap
    for (let changed = true; changed; ) {
      changed = false
      for (let d = 0; d < h.depCount; d++) {
        const p = h.depPrimary[d]
        if (p === 0) continue
        const sec = h.depSecondary[d]
        if (this.condemned(p) && !this.isMarked(p)) continue
        if (!this.condemned(sec) || this.isMarked(sec)) continue
        this.markAndPush(sec)
        changed = true
      }
      this.drainMarkStack()
    }
  }

  /** Null dependent handles whose condemned primary was not marked (with the long weak handles). */
  private clearDeadDependentHandles(): void {
    const h = this.ctx.heap
    for (let d = 0; d < h.depCount; d++) {
      const p = h.depPrimary[d]
      if (p === 0 || !this.condemned(p) || this.isMarked(p)) continue
      h.depPrimary[d] = 0
      h.depSecondary[d] = 0
    }
  }

  /** Null weak handles whose condemned target was not marked: short ones before finalization, long after. */
  private clearWeakHandles(long: boolean): void {
    const { heap: h, hub, stats } = this.ctx
    const want = long ? 1 : 0
    for (let i = 0; i < h.handleCount; i++) {
      const t = h.handleTarget[i]
      if (t === 0 || h.handleLong[i] !== want || !this.condemned(t) || this.isMarked(t)) continue
      h.handleTarget[i] = 0
      // A WeakRefTracker's own handle to a weakref object: no program weak reference cleared.
      if (h.handleOwner[i] === INTERNAL_HANDLE_OWNER) continue
      stats.weakrefsCleared++
      // Callbacks do not run here: the target's WeakRefTracker, found dead in this collection
      // too, runs them from its finalizer after it (weakref-tracker.ts).
      if (hub.listening) {
        const weakId = h.handleOwner[i]
        hub.emit({
          type: 'weakref-clear',
          op: this.ctx.opIndex(),
          weakId,
          targetId: h.words(t)[h.wordOf(t) + W_ID],
        })
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
      // EagerFinalized (vm/gcenv.ee.cpp): System.WeakReference is finalized inside the GC, so
      // it never reaches the f-reachable queue (eager-finalization.ts).
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
}
