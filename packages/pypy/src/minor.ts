/**
 * The minor collection (incminimark.py:1708 _minor_collection): every nursery object reachable
 * from the roots or from an old object that was written into is copied out of the nursery
 * into its final old place (an arena block, or a raw-malloced block above 280 bytes) and never
 * moves again; young raw-malloced objects that are reached become old where they are, the
 * others are freed; then the nursery is empty.
 *
 * Order, as in PyPy: young arrays leave old_objects_pointing_to_young; during a major MARKING
 * phase the old objects written into since are turned grey again -- the mutator's slots
 * among them (gc-state.ts RootsObject); the roots are walked; young objects with finalizers
 * are all kept; then marked cards and old_objects_pointing_to_young are traced until both are
 * empty (each copied object is itself queued there); then young weakrefs, young raw objects,
 * and the reset.
 */
import { CARD_PAGE_INDICES, SMALL_REQUEST_THRESHOLD, STATE_MARKING } from './constants.js'
import { type GcState, ROOTS_OBJECT } from './gc-state.js'
import { addressSpaceExhausted } from './memory.js'
import type { Nursery } from './nursery.js'
import {
  CARDS_SET,
  FORWARDED,
  H_EXTRA,
  H_LEN,
  H_TID,
  H_WORDS,
  HAS_CARDS,
  HAS_SHADOW,
  RAW,
  SHADOW_TYPE,
  TRACK_YOUNG_PTRS,
  TYPE_MASK,
  VISITED,
  VISITED_RMY,
  YOUNG_RAW,
} from './objects.js'
import type { Parts } from './parts.js'
import { cardMarkingBytesForLength, type RawObjects } from './raw-objects.js'
import type { Weakrefs } from './weakrefs.js'

export interface MinorResult {
  /** Program objects and bytes (all objects) that died in the nursery or as young raw objects. */
  freedObjects: number
  freedBytes: number
  survivingBytes: number
}

export class MinorCollector {
  /** Extra strong roots the collector also walks (pins). */
  extraRoots: { items: Int32Array; length: number } | null = null
  /** Called for each program object found dead (events, id bookkeeping); null when nobody needs it. */
  onFree: ((a: number, bytes: number) => void) | null = null

  private survivorObjects = 0
  private survivorPrograms = 0
  private survivorProgramBytes = 0
  private marking = false

  constructor(
    private readonly s: GcState,
    private readonly nursery: Nursery,
    private readonly raw: RawObjects,
    private readonly weak: Weakrefs,
    private readonly parts: Parts,
  ) {}

  collect(): MinorResult {
    const s = this.s
    const mem = s.mem
    this.survivorPrograms = 0
    this.survivorProgramBytes = 0
    this.marking = s.gcState === STATE_MARKING
    this.survivorObjects = 0
    const youngRaw = s.youngRawmallocedObjects
    if (youngRaw.length > 0) this.removeYoungArraysFromOldObjectsPointingToYoung()
    if (this.marking) {
      // Old objects written into during marking are grey again (_add_to_more_objects_to_trace_if_black).
      const list = s.oldObjectsPointingToYoung
      for (let i = 0; i < list.length; i++) this.greyIfBlack(list.items[i])
      // The slots: written by nearly every op, so always "written since the last minor".
      if (s.rootsVisited) {
        s.rootsVisited = false
        s.moreObjectsToTrace.push(ROOTS_OBJECT)
      }
    }
    s.nurserySurvivingSize = 0
    this.collectRootsInNursery()
    // Objects a dead old head of theirs keeps (collector.ts allocate): copied out like any
    // object an old one written into refers to (collect_oldrefs_to_nursery).
    const kept = s.youngKeptByOldHeads
    for (let i = 0; i < kept.length; i++) this.dragOut(kept.items[i])
    kept.clear()
    // Young objects with finalizers all survive (deal_with_young_objects_with_finalizers).
    const young = s.probablyYoungObjectsWithFinalizers
    for (let i = 0; i < young.length; i++) s.oldObjectsWithFinalizers.push(this.dragOut(young.items[i]))
    young.clear()
    for (;;) {
      this.collectCardrefsToNursery()
      this.collectOldrefsToNursery()
      if (s.oldObjectsWithCardsSet.length > 0) continue
      break
    }
    this.weak.invalidateYoung()
    s.shadowsFrom.clear()
    s.shadowsTo.clear()
    // Young raw-malloced objects: the reached ones become old in place, the others are freed.
    let rawFreedPrograms = 0
    let rawFreedProgramBytes = 0
    for (let i = 0; i < youngRaw.length; i++) {
      const a = youngRaw.items[i]
      const w = mem.w
      const tid = w[a >> 2]
      if ((tid & VISITED_RMY) !== 0) {
        w[a >> 2] = tid & ~(VISITED_RMY | YOUNG_RAW)
        s.oldRawmallocedObjects.push(a)
      } else {
        const bytes = s.heap.sizeOf(a)
        if (s.heap.isProgram(a)) {
          rawFreedPrograms++
          rawFreedProgramBytes += bytes
          if (this.onFree !== null) this.onFree(a, bytes)
        }
        this.raw.free(a)
        s.work.objectsFreed++
      }
    }
    youngRaw.clear()
    const nursery = this.nursery
    if (this.onFree !== null) this.reportDeadInNursery()
    const freedObjects = nursery.programObjects - this.survivorPrograms + rawFreedPrograms
    const freedBytes = nursery.programBytes - this.survivorProgramBytes + rawFreedProgramBytes
    s.work.objectsFreed += nursery.objects - this.survivorObjects
    nursery.reset()
    s.sizeObjectsMadeOld += s.nurserySurvivingSize
    return { freedObjects, freedBytes, survivingBytes: s.nurserySurvivingSize }
  }

  private greyIfBlack(a: number): void {
    const w = this.s.mem.w
    if ((w[a >> 2] & VISITED) !== 0) {
      w[a >> 2] &= ~VISITED
      this.s.moreObjectsToTrace.push(a)
    }
  }

  private removeYoungArraysFromOldObjectsPointingToYoung(): void {
    const list = this.s.oldObjectsPointingToYoung
    const w = this.s.mem.w
    let kept = 0
    for (let i = 0; i < list.length; i++) {
      const a = list.items[i]
      if ((w[a >> 2] & YOUNG_RAW) === 0) list.items[kept++] = a
    }
    list.length = kept
  }

  /**
   * The roots: the mutator's slots and the pins. They are old objects that were written into
   * (RootsObject), traced like any other such object (collect_oldrefs_to_nursery).
   */
  private collectRootsInNursery(): void {
    const s = this.s
    const values = s.roots.values
    for (let i = 0; i < s.roots.top; i++) {
      const v = values[i]
      if (v !== 0) values[i] = this.dragOut(v)
    }
    const extra = this.extraRoots
    if (extra !== null) {
      for (let i = 0; i < extra.length; i++) extra.items[i] = this.dragOut(extra.items[i])
    }
  }

  /** collect_cardrefs_to_nursery (incminimark.py:1951). */
  private collectCardrefsToNursery(): void {
    const s = this.s
    const list = s.oldObjectsWithCardsSet
    while (list.length > 0) {
      const a = list.pop()
      const w = s.mem.w
      w[a >> 2] &= ~CARDS_SET
      const length = s.heap.tracedWords(a)
      const nbytes = cardMarkingBytesForLength(length)
      if ((w[a >> 2] & TRACK_YOUNG_PTRS) === 0) {
        // Also on old_objects_pointing_to_young: traced whole just after; only reset the cards.
        for (let i = 0; i < nbytes; i++) this.raw.clearCardByte(a, i)
        continue
      }
      let start = 0
      for (let i = 0; i < nbytes; i++) {
        let cardbyte = this.raw.cardByte(a, i)
        this.raw.clearCardByte(a, i)
        const nextByteStart = start + 8 * CARD_PAGE_INDICES
        while (cardbyte !== 0) {
          let stop = start + CARD_PAGE_INDICES
          if ((cardbyte & 1) !== 0) {
            if (stop > length) stop = length
            if (stop <= start) break
            s.work.cardsScanned++
            this.traceRange(a, start, stop)
          }
          start = stop
          cardbyte >>= 1
        }
        start = nextByteStart
      }
      if (this.marking) {
        // Traced again whole by the marking (it may now point to unmarked objects).
        s.mem.w[a >> 2] &= ~VISITED
        s.moreObjectsToTrace.push(a)
      }
    }
  }

  /** collect_oldrefs_to_nursery (incminimark.py:2023). */
  private collectOldrefsToNursery(): void {
    const s = this.s
    const list = s.oldObjectsPointingToYoung
    while (list.length > 0) {
      const a = list.pop()
      s.mem.w[a >> 2] |= TRACK_YOUNG_PTRS
      this.traceRange(a, 0, s.heap.tracedWords(a))
      if (s.heap.hasLifelineSlot(a)) {
        const slot = (a >> 2) + H_EXTRA
        const l = s.mem.w[slot]
        if (l !== 0) {
          const nl = this.dragOut(l)
          s.mem.w[slot] = nl
        }
      }
    }
  }

  /** Drag out the young objects that items [start, stop) of the object at `a` reference. */
  private traceRange(a: number, start: number, stop: number): void {
    const s = this.s
    const base = (a >> 2) + H_WORDS
    for (let i = start; i < stop; i++) {
      const v = s.mem.w[base + i]
      s.work.refsScanned++
      if (v === 0) continue
      // dragOut may grow the memory (a new arena): take the word array after it.
      const nv = this.dragOut(v)
      s.mem.w[base + i] = nv
    }
  }

  /**
   * _trace_drag_out (incminimark.py:2083): the address of `a` after this collection. A nursery
   * object is copied to its old place the first time (a forwarding address is left behind);
   * a young raw object is flagged and queued; an old object stays.
   */
  dragOut(a: number): number {
    const s = this.s
    const mem = s.mem
    if (!mem.inNursery(a)) {
      const tid = mem.w[a >> 2]
      if ((tid & YOUNG_RAW) !== 0 && (tid & VISITED_RMY) === 0) this.visitYoungRawObject(a)
      return a
    }
    const tid = mem.w[(a >> 2) + H_TID]
    if ((tid & FORWARDED) !== 0) return mem.w[(a >> 2) + H_LEN]
    const heap = s.heap
    const size = heap.sizeOf(a)
    s.nurserySurvivingSize += size
    const shadowed = (tid & HAS_SHADOW) !== 0
    const raw = size > SMALL_REQUEST_THRESHOLD
    const parted = !shadowed && !raw
    // A small object's RPython parts each take an arena block of their own (parts.ts).
    const to = shadowed
      ? this.shadowOf(a)
      : parted
        ? this.allocateParts(a, size)
        : this.mallocOutOfNursery(size)
    mem.copy(a, to, parted ? this.parts.copyBytes : size)
    if (parted) this.parts.attach(to)
    const w = mem.w
    w[to >> 2] = (w[to >> 2] & ~HAS_SHADOW) | (raw ? RAW : 0)
    // A shadow was put on its list when id() made it.
    if (raw && !shadowed) s.oldRawmallocedObjects.push(to)
    w[(a >> 2) + H_TID] = tid | FORWARDED
    w[(a >> 2) + H_LEN] = to
    s.work.bytesCopied += size
    s.work.bytesPromoted += size
    s.work.marked++
    this.survivorObjects++
    if (heap.isProgram(to)) {
      this.survivorPrograms++
      this.survivorProgramBytes += size
    }
    // Anything that may hold a reference is traced later for young references.
    if ((w[to >> 2] & TYPE_MASK) !== SHADOW_TYPE && (heap.tracedWords(to) > 0 || heap.hasLifelineSlot(to))) {
      s.oldObjectsPointingToYoung.push(to)
    }
    return to
  }

  /** _visit_young_rawmalloced_object (incminimark.py:2195). */
  private visitYoungRawObject(a: number): void {
    const s = this.s
    const w = s.mem.w
    const tid = w[a >> 2] | VISITED_RMY
    w[a >> 2] = tid
    s.sizeObjectsMadeOld += s.heap.sizeOf(a)
    if ((tid & TRACK_YOUNG_PTRS) === 0) s.oldObjectsPointingToYoung.push(a)
    if ((tid & HAS_CARDS) !== 0) s.oldObjectsWithCardsSet.push(a)
  }

  /** An object of at most 280 bytes: its parts' arena blocks (parts.ts), the main one's address. */
  private allocateParts(a: number, size: number): number {
    const to = this.parts.allocate(a, size)
    if (to === 0) {
      throw addressSpaceExhausted(size, 'out of memory: could not move an object out of the nursery')
    }
    return to
  }

  /** _malloc_out_of_nursery (incminimark.py:2229): an arena block up to 280 bytes, else raw. */
  mallocOutOfNursery(size: number): number {
    const s = this.s
    const a = size <= SMALL_REQUEST_THRESHOLD ? s.ac.malloc(size) : this.raw.allocate(size, 0)
    if (a === 0) {
      throw addressSpaceExhausted(size, 'out of memory: could not move an object out of the nursery')
    }
    return a
  }

  /** The old block id() reserved for a nursery object (nursery_objects_shadows). */
  shadowOf(a: number): number {
    const s = this.s
    const from = s.shadowsFrom
    for (let i = 0; i < from.length; i++) if (from.items[i] === a) return s.shadowsTo.items[i]
    return 0
  }

  /** Report the program objects of the nursery that were not moved: dead. */
  private reportDeadInNursery(): void {
    const s = this.s
    const heap = s.heap
    const onFree = this.onFree
    if (onFree === null) return
    const nursery = this.nursery
    let a = nursery.base
    const end = nursery.free
    while (a < end) {
      if (a === nursery.gapStart) {
        a = nursery.gapEnd
        continue
      }
      const w = s.mem.w
      const tid = w[(a >> 2) + H_TID]
      let size: number
      if ((tid & FORWARDED) !== 0) {
        size = heap.sizeOf(w[(a >> 2) + H_LEN])
      } else {
        size = heap.sizeOf(a)
        if (heap.isProgram(a)) onFree(a, size)
      }
      a += Math.max(size, 16)
    }
  }
}
