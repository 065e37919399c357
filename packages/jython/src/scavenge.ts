/**
 * The young collection: DefNewGeneration::collect, a Cheney copying scavenge.
 *
 * Roots are the JVM's hidden roots, the mutator's slots, the finalizer queue, and every
 * reference field on a dirty card of the old generation. Each young object reached is copied
 * to to-space if its age is below the tenuring threshold and to-space has room, otherwise
 * promoted into the old generation; the copy's age goes up by one and its bytes go into the
 * age table. Copies are scanned in address order (to-space from its bottom, the old
 * generation from where promotion started) until both scan pointers catch up: that is
 * Cheney's breadth-first queue without a queue.
 *
 * If the old generation cannot take a promoted object even after expanding, the object is
 * forwarded to itself and stays ("promotion failed"): the collection still finishes so every
 * reference is consistent, then the originals are restored and the caller runs a full GC.
 */
import { IntList } from '@pygc/core'
import type { AgeTable } from './age-table.js'
import { CLEAN, DIRTY } from './card-table.js'
import { extendQuietWeakrefs, type GcContext, processReferences, type ReferenceHooks } from './gc-context.js'
import {
  AGE_MASK,
  AGE_SHIFT,
  FLAG_DEAD_COPY,
  H_KLASS,
  H_MARK,
  H_WORDS,
  MARK_FORWARDED,
  MARK_PROTOTYPE,
  NOT_PROGRAM,
} from './heap.js'
import { MIN_HEAP_DELTA_BYTES } from './options.js'

export interface ScavengeResult {
  promotionFailed: boolean
  copiedBytes: number
  promotedBytes: number
  /** Program objects (and their bytes) that survived in the young generation. */
  youngObjects: number
  youngBytes: number
  promotedObjects: number
  freedObjects: number
  freedBytes: number
}

export class Scavenger {
  private readonly failed = new IntList()
  private readonly pending = new IntList()

  constructor(
    private readonly ctx: GcContext,
    private readonly ageTable: AgeTable,
  ) {}

  /**
   * One young collection. `youngObjects`/`youngBytes` are the program objects in eden and
   * from-space before it (so the dead can be counted without visiting them).
   */
  collect(threshold: number, youngObjectsBefore: number, youngBytesBefore: number): ScavengeResult {
    const ctx = this.ctx
    const heap = ctx.heap
    const work = ctx.work
    const oldStart = heap.oldStart
    const oldTopAtStart = heap.oldTop
    const toEnd = heap.toStart + heap.survivorBytes
    const ageTable = this.ageTable
    const failed = this.failed
    failed.clear()
    ageTable.clear()

    let copiedBytes = 0
    let promotedBytes = 0
    let survivorObjects = 0
    let survivorBytes = 0
    let promotedObjects = 0
    let promotedProgramBytes = 0
    let stayedObjects = 0
    let stayedBytes = 0
    let promotionFailed = false

    /** Copy or promote one young object (or find its forwardee); returns its new address. */
    const evacuate = (a: number): number => {
      const words = heap.words
      const w = a >> 2
      const mark = words[w + H_MARK]
      if ((mark & MARK_FORWARDED) === MARK_FORWARDED) return mark & ~7
      const size = heap.sizeOf(a)
      const program = (words[w + H_KLASS] & NOT_PROGRAM) === 0
      const age = (mark >> AGE_SHIFT) & AGE_MASK
      let dst = 0
      if (age < threshold && size <= toEnd - heap.toTop) {
        dst = heap.toTop
        heap.toTop += size
        words.copyWithin(dst >> 2, w, w + (size >> 2))
        const newAge = age < AGE_MASK ? age + 1 : AGE_MASK
        words[(dst >> 2) + H_MARK] = MARK_PROTOTYPE | (newAge << AGE_SHIFT)
        ageTable.add(newAge, size)
        copiedBytes += size
        if (program) {
          survivorObjects++
          survivorBytes += size
        }
      } else {
        // TenuredGeneration::promote: allocate, else expand_and_allocate.
        dst = heap.allocOld(size)
        if (dst === 0 && heap.expandOld(size, MIN_HEAP_DELTA_BYTES)) dst = heap.allocOld(size)
        if (dst === 0) {
          // DefNewGeneration::handle_promotion_failure: forward to itself, scan it later.
          promotionFailed = true
          words[w + H_MARK] = a | MARK_FORWARDED
          failed.push(a)
          if (program) {
            stayedObjects++
            stayedBytes += size
          }
          return a
        }
        words.copyWithin(dst >> 2, w, w + (size >> 2))
        promotedBytes += size
        if (program) {
          promotedObjects++
          promotedProgramBytes += size
        }
      }
      words[w + H_MARK] = dst | MARK_FORWARDED
      work.marked++
      return dst
    }

    /** Evacuate the young referents of the object at `a`; `fromOld`: keep old-to-young cards dirty. */
    const scanObject = (a: number, fromOld: boolean, fromField: number, toAddr: number): void => {
      const n = heap.refCount(a)
      let f = (a >> 2) + H_WORDS + fromField
      const end = Math.min((a >> 2) + H_WORDS + n, toAddr >> 2)
      for (; f < end; f++) {
        work.refsScanned++
        const v = heap.words[f]
        if (v === 0 || v >= oldStart) continue
        const nv = evacuate(v)
        heap.words[f] = nv
        if (fromOld && nv < oldStart) heap.cards.dirty(f << 2)
      }
    }

    // Roots in GenCollectedHeap::process_roots's order: the JVM's own objects first (the class
    // loader data: ClassLoaderDataGraph::roots_cld_do), then the thread's stack (the mutator's
    // slots), then JNI global references and the finalizer queue. Cheney's scan keeps that
    // order level by level, which decides what fits to-space (startup-data.ts).
    const evacuateList = (list: IntList): void => {
      for (let i = 0; i < list.length; i++) {
        const v = list.items[i]
        if (v < oldStart) list.items[i] = evacuate(v)
      }
    }
    evacuateList(ctx.hiddenRoots)
    const rootValues = ctx.roots.values
    for (let i = 0; i < ctx.roots.top; i++) {
      const v = rootValues[i]
      if (v !== 0 && v < oldStart) rootValues[i] = evacuate(v)
    }
    evacuateList(ctx.jniGlobalRefs)
    evacuateList(ctx.finalizeQueue)

    // Old-to-young roots: the reference fields on dirty cards (of the old gen as it was).
    if (oldTopAtStart > oldStart) {
      const cards = heap.cards
      const lastCard = cards.cardOf(oldTopAtStart - 1)
      for (let c = 0; c <= lastCard; c++) {
        if (cards.bytes[c] !== DIRTY) continue
        cards.bytes[c] = CLEAN
        work.cardsScanned++
        const cs = cards.cardStart(c)
        const ce = Math.min(cs + 512, oldTopAtStart)
        let a = cards.objectStart[c]
        while (a !== 0 && a < ce) {
          const size = heap.sizeOf(a)
          const firstField = Math.max(0, (cs - a - H_WORDS * 4) >> 2)
          scanObject(a, true, firstField, ce)
          a += size
        }
      }
    }

    let scanTo = heap.toStart
    let scanOld = oldTopAtStart
    let scanFailed = 0
    const drain = (): void => {
      for (;;) {
        if (scanTo < heap.toTop) {
          while (scanTo < heap.toTop) {
            const size = heap.sizeOf(scanTo)
            scanObject(scanTo, false, 0, scanTo + size)
            scanTo += size
          }
        } else if (scanOld < heap.oldTop) {
          while (scanOld < heap.oldTop) {
            const size = heap.sizeOf(scanOld)
            scanObject(scanOld, true, 0, scanOld + size)
            scanOld += size
          }
        } else if (scanFailed < failed.length) {
          const a = failed.items[scanFailed++]
          scanObject(a, false, 0, a + heap.sizeOf(a))
        } else {
          return
        }
      }
    }
    drain()

    const hooks: ReferenceHooks = {
      collected: (a) => a < oldStart,
      alive: (a) => (heap.words[(a >> 2) + H_MARK] & MARK_FORWARDED) === MARK_FORWARDED,
      current: (a) => (a < oldStart ? heap.words[(a >> 2) + H_MARK] & ~7 : a),
      keepAlive: (a) => {
        const na = evacuate(a)
        drain()
        return na
      },
      referentKept: (w, r) => {
        if (w >= oldStart && r < oldStart) heap.cards.dirty(w + H_WORDS * 4)
      },
    }
    processReferences(ctx, hooks, this.pending, ctx.quietWeakrefs)
    ctx.quietWeakrefs = extendQuietWeakrefs(ctx, ctx.quietWeakrefs, oldStart)

    // The dead: every program object of eden and from-space that was not reached.
    const freedObjects = youngObjectsBefore - survivorObjects - promotedObjects - stayedObjects
    const freedBytes = youngBytesBefore - survivorBytes - promotedProgramBytes - stayedBytes
    if (ctx.onFree !== null || promotionFailed) {
      this.visitDead(heap.edenStart, heap.edenTop, promotionFailed)
      this.visitDead(heap.fromStart, heap.fromTop, promotionFailed)
    }
    work.bytesCopied += copiedBytes
    work.bytesPromoted += promotedBytes

    if (!promotionFailed) {
      heap.setEdenTop(heap.edenStart)
      this.swapSurvivors(heap.fromStart)
    } else {
      // The originals stay where they are; from and to swap all the same (to keeps the
      // copies), and the next young collection is unsafe until a full GC has compacted.
      this.swapSurvivors(heap.fromTop)
    }
    return {
      promotionFailed,
      copiedBytes,
      promotedBytes,
      youngObjects: survivorObjects + stayedObjects,
      youngBytes: survivorBytes + stayedBytes,
      promotedObjects,
      freedObjects,
      freedBytes,
    }
  }

  private swapSurvivors(oldFromTop: number): void {
    const heap = this.ctx.heap
    const fromStart = heap.fromStart
    heap.fromStart = heap.toStart
    heap.fromTop = heap.toTop
    heap.toStart = fromStart
    heap.toTop = oldFromTop
  }

  /**
   * Walk [from, to) of a collected young space: report each dead program object; after a
   * promotion failure also restore the marks (DefNewGeneration::remove_forwarding_pointers)
   * and flag every object that did not stay as garbage, so no later pass counts it again.
   */
  private visitDead(from: number, to: number, restore: boolean): void {
    const heap = this.ctx.heap
    const onFree = this.ctx.onFree
    let a = from
    while (a < to) {
      const w = a >> 2
      const size = heap.sizeOf(a)
      const mark = heap.words[w + H_MARK]
      const forwarded = (mark & MARK_FORWARDED) === MARK_FORWARDED
      const program = (heap.words[w + H_KLASS] & NOT_PROGRAM) === 0
      if (!forwarded && program && onFree !== null) onFree(a)
      if (restore) {
        const stayed = forwarded && (mark & ~7) === a
        heap.words[w + H_MARK] = MARK_PROTOTYPE
        if (!stayed) heap.words[w + H_KLASS] |= FLAG_DEAD_COPY
      }
      a += size
    }
  }
}
