/**
 * After planning, a CLR collection either compacts (relocate_phase then compact_phase: every
 * reference to a moved object is fixed — roots, queues, handles, survivors' fields, older
 * objects through their dirty cards — then survivors slide down in address order, pinned plugs
 * staying put) or sweeps (gaps between survivors become free objects). Either way survivors end
 * unmarked, and survivors that end in gen1 or gen2 are carded where they hold references into
 * the new ephemeral range.
 */
import { IntList } from '@pygc/core'
import type { CollectorContext } from './collector.js'
import { brokenHeap, CARD_BYTE_GRANULES, generationOf, SOH_BASE } from './heap.js'
import * as layout from './layout.js'
import type { ClrMarker } from './mark.js'

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
  W_REFS,
  W_TYPE,
} = layout

/** The generation an object of original generation `gen` belongs to after this collection. */
export function destination(gen: number, promotion: boolean): number {
  return promotion ? Math.min(gen + 1, 2) : gen
}

/**
 * The most survivors the plan lists for relocation and compaction (gc.cpp's mark list, which
 * likewise lets the later phases skip the dead objects and, when it overflows, falls back to
 * walking the whole condemned range). 2^20 entries: 4 MiB of host memory at most.
 */
export const SURVIVOR_LIST_LIMIT = 1 << 20

export class ClrRelocator {
  /**
   * The condemned range's survivors (marked objects, free gaps excluded) in address order, as
   * the plan walk met them, for relocateSurvivors and slide; not used once it overflowed.
   */
  private readonly survivors = new IntList(16)
  private survivorsOverflowed = false

  constructor(
    private readonly ctx: CollectorContext,
    private readonly marker: ClrMarker,
  ) {}

  /** A new plan walk begins: no survivors listed. */
  resetSurvivors(): void {
    this.survivors.clear()
    this.survivorsOverflowed = false
  }

  /** The plan walk met a survivor at `g` (marked, not a free gap), after every listed one. */
  noteSurvivor(g: number): void {
    if (this.survivors.length < SURVIVOR_LIST_LIMIT) this.survivors.push(g)
    else this.survivorsOverflowed = true
  }

  /** Visit every survivor of the condemned range in address order: from the list, or by a walk if it overflowed. */
  private forEachSurvivor(visit: (g: number, w: number) => void): void {
    const m = this.ctx.heap.soh
    if (!this.survivorsOverflowed) {
      const list = this.survivors
      for (let i = 0; i < list.length; i++) visit(list.items[i], list.items[i] * 2)
      return
    }
    for (let g = this.marker.condStart; g < this.ctx.heap.sohTop; ) {
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      if (m[w + W_TYPE] !== FREE_TYPE && (m[w + W_FLAGS] & F_MARKED) !== 0) visit(g, w)
      g += size
    }
  }

  /** The post-collection address of a reference (only condemned SOH objects move). */
  private forward(t: number): number {
    if (t === 0 || t >= LOH_BASE || t < this.marker.condStart) return t
    return this.ctx.heap.soh[t * 2 + W_AUX]
  }

  relocateRoots(): void {
    const { roots, heap: h } = this.ctx
    const v = roots.values
    for (let i = 0; i < roots.top; i++) if (v[i] !== 0) v[i] = this.forward(v[i])
    // Pinned handles' objects never move; forwarding them is the identity, kept for symmetry.
    for (const q of [h.finalizable, h.freachable, h.strongHandles, h.pinnedHandles]) {
      for (let i = 0; i < q.length; i++) q.items[i] = this.forward(q.items[i])
    }
    for (let i = 0; i < h.handleCount; i++)
      if (h.handleTarget[i] !== 0) h.handleTarget[i] = this.forward(h.handleTarget[i])
    for (let d = 0; d < h.depCount; d++) {
      if (h.depPrimary[d] === 0) continue
      h.depPrimary[d] = this.forward(h.depPrimary[d])
      h.depSecondary[d] = this.forward(h.depSecondary[d])
    }
    if (!this.marker.condemnsAll) return
    // A full compacting GC: every surviving large object may point at a moved small one.
    const lm = h.loh
    for (let g = LOH_BASE; g < h.lohTop; ) {
      const w = (g - LOH_BASE) * 2
      if (hasReferenceFields(lm[w + W_TYPE]) && (lm[w + W_FLAGS] & F_MARKED) !== 0) {
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
  updateOlderCards(compacting: boolean, newG1: number, newG0: number): void {
    const h0 = this.ctx.heap
    const oldG1 = h0.g1Start
    let keep = false
    this.marker.forEachOlderCardField(
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
    h.sohCards.clearCards(
      Math.ceil(this.marker.condStart / CARD_BYTE_GRANULES),
      Math.ceil(h.sohTop / CARD_BYTE_GRANULES) + 1,
    )
    if (this.marker.condemnsAll) h.lohCards.clearCards(0, h.lohCards.bytes.length)
  }

  /**
   * Fix the fields of every survivor of the condemned range (compacting) and set the cards of
   * survivors that end up in gen1/gen2 holding references into the new ephemeral range.
   */
  relocateSurvivors(promotion: boolean, newG1: number, newG0: number): void {
    const h = this.ctx.heap
    const m = h.soh
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    this.forEachSurvivor((g, w) => {
      if (!hasReferenceFields(m[w + W_TYPE])) return
      const gen = g >= starts[0] ? 0 : g >= starts[1] ? 1 : 2
      const dest = m[w + W_AUX]
      const destGen = destination(gen, promotion)
      const refs = m[w + W_REFS]
      for (let i = 0; i < refs; i++) {
        const fw = w + W_FIELDS + 2 * i
        const t = this.forward(m[fw])
        m[fw] = t
        if (t !== 0 && generationOf(t, newG1, newG0) < destGen) h.sohCards.dirty(dest + HEADER_GRANULES + i)
      }
    })
  }

  /**
   * Slide the survivors to their planned addresses (memmove in address order is safe: every
   * planned address is at or below the object's own, and a plug planned below a pinned plug lies
   * wholly below it), then write the plan's holes (front pads, gaps before pinned plugs) as free
   * objects, once everything has moved.
   */
  slide(holes: readonly number[]): void {
    const { heap: h, work } = this.ctx
    const m = h.soh
    // In address order: every object above the one moving is still where it was.
    this.forEachSurvivor((g, w) => {
      const size = m[w + W_GRANULES]
      m[w + W_FLAGS] &= ~(F_MARKED | F_PINNED)
      const dest = m[w + W_AUX]
      m[w + W_AUX] = 0
      if (dest !== g) {
        m.copyWithin(dest * 2, w, w + size * 2)
        work.bytesCompacted += size * 8
      }
      h.noteSohObject(dest, size)
    })
    for (let i = 0; i < holes.length; i += 2) h.writeSohFree(holes[i], holes[i + 1])
  }

  /**
   * Sweep the condemned range in place: runs of dead objects and old gaps become one free
   * object each (split at generation boundaries, so each gap is counted in the generation it
   * ends up in); survivors are unmarked and, if now old, carded.
   */
  sweep(promotion: boolean, newG1: number, newG0: number, newFree: number[]): void {
    const h = this.ctx.heap
    const m = h.soh
    const starts = [h.g0Start, h.g1Start, SOH_BASE]
    let runStart = 0
    let runGen = -1
    const closeRun = (end: number): void => {
      if (runGen < 0) return
      h.writeSohFree(runStart, end - runStart)
      newFree[destination(runGen, promotion)] += (end - runStart) * 8
      runGen = -1
    }
    for (let g = this.marker.condStart; g < h.sohTop; ) {
      const gen = g >= starts[0] ? 0 : g >= starts[1] ? 1 : 2
      if (runGen >= 0 && runGen !== gen) closeRun(g)
      const w = g * 2
      const size = m[w + W_GRANULES]
      if (!(size >= 3)) brokenHeap(g, 'object size')
      const type = m[w + W_TYPE]
      if (type !== FREE_TYPE && (m[w + W_FLAGS] & F_MARKED) !== 0) {
        closeRun(g)
        m[w + W_FLAGS] &= ~(F_MARKED | F_PINNED)
        const destGen = destination(gen, promotion)
        if (hasReferenceFields(type) && destGen >= 1) {
          const refs = m[w + W_REFS]
          for (let i = 0; i < refs; i++) {
            const t = m[w + W_FIELDS + 2 * i]
            if (t !== 0 && generationOf(t, newG1, newG0) < destGen) h.sohCards.dirty(g + HEADER_GRANULES + i)
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
}
