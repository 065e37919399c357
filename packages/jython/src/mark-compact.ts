/**
 * The full collection: serial mark-compact over the whole heap (gc/serial/genMarkSweep.cpp),
 * in HotSpot's four phases:
 *
 *   1. mark      everything reachable from the roots (then reference processing);
 *   2. forward   walk the spaces in order -- old generation first, then eden, from, to -- and
 *                give each live object the next address of the compaction point, which moves
 *                through the same spaces in the same order: the live data slides down, and
 *                young objects slide into the old generation while it has room;
 *   3. adjust    rewrite every reference (object fields, weak referents, roots, the JVM's
 *                reference lists) to the forwardee;
 *   4. move      copy each live object to its forwardee, in address order (a slide never
 *                overwrites an object not yet moved), and reset its mark (age 0).
 *
 * Invariant between phases: a live object's mark word is `forwardee | 3` (phase 1 writes
 * `0 | 3`); a dead object's header is untouched, so every space stays parsable until phase 4.
 */
import { IntList } from '@pygc/core'
import { type GcContext, processReferences, type ReferenceHooks } from './gc-context.js'
import {
  FILLER_ID,
  FLAG_FILLER,
  FLAG_WEAK,
  H_KLASS,
  H_MARK,
  H_WORDS,
  MARK_FORWARDED,
  MARK_PROTOTYPE,
  NOT_PROGRAM,
} from './heap.js'

export interface CompactResult {
  liveObjects: number
  liveBytes: number
  freedObjects: number
  freedBytes: number
  compactedBytes: number
  /** Program objects (and bytes) left in the young generation (when the old one was full). */
  youngObjects: number
  youngBytes: number
}

interface Span {
  start: number
  end: number
}

export class MarkCompactor {
  private readonly stack = new IntList()
  private readonly pending = new IntList()

  constructor(private readonly ctx: GcContext) {}

  /** `maximal`: no dead wood (a full compaction). */
  collect(maximal: boolean): CompactResult {
    this.mark()
    const result = this.forward(maximal)
    this.adjust()
    this.move(result)
    return result
  }

  // ---- phase 1 -----------------------------------------------------------------------------

  private markObject(a: number): void {
    const words = this.ctx.heap.words
    const m = (a >> 2) + H_MARK
    if ((words[m] & MARK_FORWARDED) === MARK_FORWARDED) return
    words[m] = MARK_FORWARDED
    this.ctx.work.marked++
    this.stack.push(a)
  }

  private drainMarkStack(): void {
    const heap = this.ctx.heap
    const work = this.ctx.work
    const stack = this.stack
    while (stack.length > 0) {
      const a = stack.pop()
      const n = heap.refCount(a)
      const first = (a >> 2) + H_WORDS
      for (let f = first; f < first + n; f++) {
        work.refsScanned++
        const v = heap.words[f]
        if (v !== 0) this.markObject(v)
      }
    }
  }

  private mark(): void {
    const ctx = this.ctx
    const values = ctx.roots.values
    for (let i = 0; i < ctx.roots.top; i++) {
      const v = values[i]
      if (v !== 0) this.markObject(v)
    }
    for (const list of [ctx.hiddenRoots, ctx.jniGlobalRefs, ctx.finalizeQueue]) {
      for (let i = 0; i < list.length; i++) this.markObject(list.items[i])
    }
    this.drainMarkStack()
    const heap = ctx.heap
    const hooks: ReferenceHooks = {
      collected: () => true,
      alive: (a) => (heap.words[(a >> 2) + H_MARK] & MARK_FORWARDED) === MARK_FORWARDED,
      current: (a) => a,
      keepAlive: (a) => {
        this.markObject(a)
        this.drainMarkStack()
        return a
      },
      referentKept: () => {},
    }
    processReferences(ctx, hooks, this.pending)
    ctx.quietWeakrefs = 0
  }

  // ---- phase 2 -----------------------------------------------------------------------------

  /** The spaces in compaction order, as [start, top) of what they hold now. */
  private sources(): Span[] {
    const h = this.ctx.heap
    return [
      { start: h.oldStart, end: h.oldTop },
      { start: h.edenStart, end: h.edenTop },
      { start: h.fromStart, end: h.fromTop },
      { start: h.toStart, end: h.toTop },
    ]
  }

  /** The same spaces as destinations: [start, capacity end). */
  private destinations(): Span[] {
    const h = this.ctx.heap
    return [
      { start: h.oldStart, end: h.oldEnd },
      { start: h.edenStart, end: h.edenEnd },
      { start: h.fromStart, end: h.fromStart + h.survivorBytes },
      { start: h.toStart, end: h.toStart + h.survivorBytes },
    ]
  }

  private forward(maximal: boolean): CompactResult {
    const ctx = this.ctx
    const heap = ctx.heap
    const words = heap.words
    const dests = this.destinations()
    let d = 0
    let top = dests[0].start
    // DeadSpacer: while nothing has moved yet, dead runs at the bottom of the old generation
    // may stay where they are (as one filler object each), up to MarkSweepDeadRatio percent
    // of its capacity, so a full GC does not slide a whole mostly-live space for little gain.
    // (MarkSweepDeadRatio applies to the tenured space only; young spaces allow none.)
    let deadWoodActive = !maximal && heap.options.markSweepDeadRatio > 0
    let deadWoodLeft = Math.floor((heap.oldCapacity() * heap.options.markSweepDeadRatio) / 100 / 8) * 8
    const r: CompactResult = {
      liveObjects: 0,
      liveBytes: 0,
      freedObjects: 0,
      freedBytes: 0,
      compactedBytes: 0,
      youngObjects: 0,
      youngBytes: 0,
    }
    let spaceIndex = 0
    for (const src of this.sources()) {
      const isOld = spaceIndex++ === 0
      let a = src.start
      while (a < src.end) {
        const w = a >> 2
        const size = heap.sizeOf(a)
        const program = (words[w + H_KLASS] & NOT_PROGRAM) === 0
        if (isOld && deadWoodActive && top === a && (words[w + H_MARK] & MARK_FORWARDED) !== MARK_FORWARDED) {
          const end = this.deadRunEnd(a, src.end, r)
          if (end - a <= deadWoodLeft) {
            deadWoodLeft -= end - a
            heap.initObject(a, 16, FILLER_ID, FLAG_FILLER, end - a)
            words[w + H_MARK] = a | MARK_FORWARDED
            top = end
          } else {
            deadWoodActive = false
          }
          a = end
          continue
        }
        if ((words[w + H_MARK] & MARK_FORWARDED) === MARK_FORWARDED) {
          // CompactibleSpace::forward: move on to the next space when this one is full.
          while (top + size > dests[d].end) {
            d++
            top = dests[d].start
          }
          words[w + H_MARK] = top | MARK_FORWARDED
          if (top !== a) r.compactedBytes += size
          if (program) {
            r.liveObjects++
            r.liveBytes += size
            if (d > 0) {
              r.youngObjects++
              r.youngBytes += size
            }
          }
          top += size
        } else if (program) {
          r.freedObjects++
          r.freedBytes += size
          if (ctx.onFree !== null) ctx.onFree(a)
        }
        a += size
      }
    }
    ctx.work.bytesCompacted += r.compactedBytes
    return r
  }

  /** The end of the run of dead objects starting at `a` (counting the program objects in it as freed). */
  private deadRunEnd(a: number, limit: number, r: CompactResult): number {
    const ctx = this.ctx
    const heap = ctx.heap
    const words = heap.words
    let e = a
    while (e < limit && (words[(e >> 2) + H_MARK] & MARK_FORWARDED) !== MARK_FORWARDED) {
      const size = heap.sizeOf(e)
      if ((words[(e >> 2) + H_KLASS] & NOT_PROGRAM) === 0) {
        r.freedObjects++
        r.freedBytes += size
        if (ctx.onFree !== null) ctx.onFree(e)
      }
      e += size
    }
    return e
  }

  // ---- phase 3 -----------------------------------------------------------------------------

  private forwardee(a: number): number {
    return this.ctx.heap.words[(a >> 2) + H_MARK] & ~7
  }

  private adjust(): void {
    const ctx = this.ctx
    const heap = ctx.heap
    const words = heap.words
    for (const src of this.sources()) {
      let a = src.start
      while (a < src.end) {
        const w = a >> 2
        const size = heap.sizeOf(a)
        if ((words[w + H_MARK] & MARK_FORWARDED) === MARK_FORWARDED) {
          const first = w + H_WORDS
          const n = (words[w + H_KLASS] & FLAG_WEAK) !== 0 ? 1 : heap.refCount(a)
          for (let f = first; f < first + n; f++) {
            const v = words[f]
            if (v !== 0) words[f] = words[(v >> 2) + H_MARK] & ~7
          }
        }
        a += size
      }
    }
    const values = ctx.roots.values
    for (let i = 0; i < ctx.roots.top; i++) {
      const v = values[i]
      if (v !== 0) values[i] = this.forwardee(v)
    }
    for (const list of [
      ctx.hiddenRoots,
      ctx.jniGlobalRefs,
      ctx.finalizeQueue,
      ctx.finalizable,
      ctx.weakrefs,
    ]) {
      for (let i = 0; i < list.length; i++) list.items[i] = this.forwardee(list.items[i])
    }
  }

  // ---- phase 4 -----------------------------------------------------------------------------

  private move(r: CompactResult): void {
    const heap = this.ctx.heap
    const words = heap.words
    const dests = this.destinations()
    const tops = dests.map((s) => s.start)
    // No card at or above the old generation's top is dirty or has a block start.
    const oldTopBefore = heap.oldTop
    heap.cards.resetObjectStarts(oldTopBefore)
    for (const src of this.sources()) {
      let a = src.start
      while (a < src.end) {
        const w = a >> 2
        const size = heap.sizeOf(a)
        if ((words[w + H_MARK] & MARK_FORWARDED) === MARK_FORWARDED) {
          const to = words[w + H_MARK] & ~7
          if (to !== a) words.copyWithin(to >> 2, w, w + (size >> 2))
          words[(to >> 2) + H_MARK] = MARK_PROTOTYPE
          let d = 0
          while (to >= dests[d].end || to < dests[d].start) d++
          tops[d] = to + size
          if (d === 0) {
            // A young object compacted into the old generation may land above its old top.
            heap.coverOldUpTo(to + size)
            heap.cards.recordObject(to, size)
          }
        }
        a += size
      }
    }
    heap.oldTop = tops[0]
    heap.setEdenTop(tops[1])
    heap.fromTop = tops[2]
    heap.toTop = tops[3]
    // GenMarkSweep: if the young generation is now empty no old-to-young reference can
    // exist and the cards are cleared; otherwise every old card in use is dirtied (invalidate).
    heap.cards.clear(oldTopBefore)
    const youngEmpty =
      r.youngObjects === 0 &&
      heap.edenTop === heap.edenStart &&
      heap.fromTop === heap.fromStart &&
      heap.toTop === heap.toStart
    if (!youngEmpty) heap.cards.dirtyRange(heap.oldStart, heap.oldTop)
  }
}
