/**
 * The CLR heap's storage: the small object heap (one ephemeral segment holding gen2, gen1 and
 * gen0 in that address order, the way segment-era CoreCLR lays them out: generations are
 * address ranges and promotion moves a boundary), the large object heap (a free-list space),
 * the card table with its brick-like object-start table, the finalization queues and the
 * weak handle table. The collector (collector.ts) and the manager (manager.ts) work on it.
 *
 * SOH:  [SOH_BASE ..gen2.. g1Start ..gen1.. g0Start ..gen0.. sohTop)   then unused arena
 * LOH:  [LOH_BASE ..objects and free blocks.. lohTop)
 */
import { type BufferWriter, CardTable, IntList, lendHostBuffer, PygcError, reuseHostBuffer } from '@pygc/core'
import { HOME_REGION_COMMITTED } from './gen0-regions.js'
import * as layout from './layout.js'

// layout.ts's values as this module's own constants (see layout.ts: why).
const { F_REGISTERED, FREE_TYPE, LOH_BASE, W_AUX, W_FLAGS, W_GRANULES, W_ID, W_REFS, W_TYPE } = layout

export const SOH_BASE = 1
/** log2 of the granules per card byte: the x64 write barrier sets one byte per 2 KB (card_byte_shift 11). */
const CARD_BYTE_SHIFT = 8
/** Granules per card byte (2 KB). */
export const CARD_BYTE_GRANULES = 1 << CARD_BYTE_SHIFT
/** 256-byte cards per card byte (gc.cpp card_size = 256 on 64-bit): the unit "cards scanned" counts. */
export const CARDS_PER_BYTE = 8
const LOH_INITIAL_WORDS = 1 << 12
/** The SOH's first committed words (256 KiB). */
const INITIAL_SOH_WORDS = 1 << 16
/**
 * The SOH before adoptSoh gives it a buffer (a released manager's or a new one): allocating one
 * here first would zero 256 KiB per manager only to drop it when a released buffer is reused.
 */
const NO_SOH_YET = new Int32Array(0)
/**
 * The LOH before its first large object (ensureLoh): most programs make none, and a typed array
 * above 64 bytes is host memory V8 allocates, zeroes and later sweeps, per manager.
 */
const NO_LOH_YET = new Int32Array(0)
/**
 * Entries of the queues and handle tables a heap starts with: 16 four-byte entries, 64 bytes,
 * the most V8 keeps inside its own heap (--typed-array-max-size-in-heap) rather than as a host
 * allocation per manager. They double when full.
 */
const INITIAL_TABLE_ENTRIES = 16
/** SOH words (64 MiB) past which ensureSoh reserves the heap limit's words instead of doubling. */
const RESERVE_FROM_WORDS = 1 << 24
/** The largest SOH reservation, 4 GiB of words (the SOH's granules end at LOH_BASE, 8 GiB). */
const MAX_RESERVED_WORDS = 2 ** 30

export class ClrHeap implements BufferWriter {
  /**
   * SOH arena, 32-bit words; word index = granule * 2. It may be longer than the SOH the CLR has
   * committed (sohWords): adoptSoh may start it on a longer buffer a released manager left.
   */
  soh: Int32Array<ArrayBuffer> = NO_SOH_YET
  /** SOH words committed so far: doubling, then the heap limit's words (ensureSoh); the card table covers them. */
  private sohWords = INITIAL_SOH_WORDS
  loh: Int32Array<ArrayBuffer> = NO_LOH_YET
  g1Start = SOH_BASE
  g0Start = SOH_BASE
  sohTop = SOH_BASE
  lohTop = LOH_BASE
  /** LOH free list head (granule, 0 = empty), threaded through the free blocks' W_AUX word. */
  lohFreeHead = 0
  lohFreeBytes = 0
  /** Free-object bytes inside each SOH generation (unusable gaps: fragmentation). */
  freeBytes = [0, 0, 0]
  /**
   * The part of freeBytes that compaction left before pinned plugs: .NET 10 demotes a region
   * with little pinned survival to gen0, so those gaps are gen0 space there, not gen1's or
   * gen2's (FIDELITY.md#pinning); the collector leaves them out of gen1's fragmentation test.
   */
  pinnedGapBytes = [0, 0, 0]

  /**
   * Card bytes for the SOH (from granule 0) with its brick table (objectStart[c]: the granule of
   * the object covering the first granule of card byte c), and for the LOH (from LOH_BASE; its
   * objects are walked from the LOH's start, so it keeps no brick table). One card byte per 2 KB.
   */
  readonly sohCards = new CardTable(0, CARD_BYTE_SHIFT, (1 << 15) / CARD_BYTE_GRANULES + 1)
  readonly lohCards = new CardTable(LOH_BASE, CARD_BYTE_SHIFT, (1 << 11) / CARD_BYTE_GRANULES + 1, false)

  /** Finalization queue (registered objects) and f-reachable queue, as granules. */
  finalizable = new IntList(INITIAL_TABLE_ENTRIES)
  freachable = new IntList(INITIAL_TABLE_ENTRIES)
  /** Strong GC handles: the runtime's own roots (statics, type objects), granules. */
  strongHandles = new IntList(INITIAL_TABLE_ENTRIES)
  /**
   * Pinned GC handles (`GCHandle.Alloc(o, GCHandleType.Pinned)`), one entry per pin (pins
   * nest), granules: strong roots whose objects a compacting GC must not move.
   */
  pinnedHandles = new IntList(INITIAL_TABLE_ENTRIES)

  /** Weak handle table: target granule (0 = cleared), long (trackResurrection) flag, callback tag + 1. */
  handleTarget = new Int32Array(INITIAL_TABLE_ENTRIES)
  handleLong = new Uint8Array(INITIAL_TABLE_ENTRIES)
  handleCallback = new Int32Array(INITIAL_TABLE_ENTRIES)
  /** The id of the weak reference object that owns each handle (for events). */
  handleOwner = new Int32Array(INITIAL_TABLE_ENTRIES)
  handleCount = 0
  handleFree: number[] = []

  /**
   * Dependent handles (HNDTYPE_DEPENDENT, what a ConditionalWeakTable entry holds): the secondary
   * object is kept alive exactly while the primary is; both are nulled when the primary dies.
   * IronPython's WeakRefTracker hangs off its target this way (weakref-tracker.ts).
   */
  depPrimary = new Int32Array(16)
  depSecondary = new Int32Array(16)
  depCount = 0
  depFree: number[] = []

  /** The allocation context in gen0: objects bump from ptr up to limit; end = limit + a 24-byte pad. */
  acPtr = 0
  acLimit = 0
  acEnd = 0
  /**
   * The context was carved from gen0's free-list item (gc.cpp a_fit_free_list_p), not from the
   * SOH's top: the next context is not contiguous with it, and what it leaves unused stays
   * charged to the budget (runtime-pinned-layout.ts).
   */
  acFromFreeList = false
  /**
   * The other thread's allocation context, saved while this one allocates (allocator.ts
   * swapAllocationContexts): the finalizer thread's while the program runs, the program's while
   * finalizers run. Same four fields; `otherAcEnd` 0 = none.
   */
  otherAcPtr = 0
  otherAcLimit = 0
  otherAcEnd = 0
  otherAcFromFreeList = false

  /**
   * Where the runtime's pinned object lies in gen0 (granule of a 104-byte filler; 0 = not laid
   * out in gen0) and gen0's free-list item before it (granule and granules; 0 = none). See
   * runtime-pinned-layout.ts.
   */
  gen0Obstacle = 0
  gen0FreeItem = 0
  gen0FreeItemGranules = 0
  /**
   * gen0's current allocation region (gen0-regions.ts): its first granule, the furthest a
   * context may end in it (0 = no bound yet: before the first collection) and below its
   * committed end; the committed bytes of the region gen0 starts in after a collection.
   */
  gen0RegionStart = 0
  gen0RegionEnd = 0
  gen0CommitEnd = 0
  gen0InHomeRegion = false
  homeRegionCommitted = HOME_REGION_COMMITTED
  /** Committed bytes of each region gen0 moved into since the last collection, in order. */
  readonly gen0EnteredRegions: number[] = []
  /**
   * The free region list: committed bytes of each region collections emptied and the
   * collections it has waited; the last entry (the most committed) is taken first.
   */
  readonly freeRegions: { committed: number; age: number }[] = []

  /**
   * The runtime's own pinned object (bytes; 0 = none) and the generation it is in. Not placed in
   * the arena: it only counts where .NET counts it (survival, pinned count); see
   * ClrMarker.runtimePinnedSurvivor (mark.ts) for why it is not a real object here.
   */
  runtimePinnedBytes = 0
  runtimePinnedGen = 0
  /** Bytes from gen0's start to where compacting collections lay that object out (runtime-pinned-layout.ts). */
  runtimePinnedOffsetBytes = 0
  /**
   * Bytes the runtime itself allocated in gen0 since the last collection and dropped (see
   * runtime-allocation.ts). Accounted, not placed: charged to gen0's budget and counted in its
   * size at the next collection's start (dd_begin_data_size), never a survivor.
   */
  runtimeGarbageBytes = 0
  /**
   * The 24-byte pads between gen0's contiguous allocation contexts since the last collection:
   * free space the CLR does not count as fragmentation, so live data at the next collection's
   * start (budgets.ts gen0BeginDataSize).
   */
  contextPadBytes = 0

  /** Remaining budget (dd_new_allocation) for gen0, gen1, gen2, LOH, and the last desired. */
  newAllocation = [0, 0, 0, 0]
  desiredAllocation = [0, 0, 0, 0]

  /** The words array and base word holding an object. */
  words(g: number): Int32Array {
    return g < LOH_BASE ? this.soh : this.loh
  }
  wordOf(g: number): number {
    return g < LOH_BASE ? g * 2 : (g - LOH_BASE) * 2
  }

  /** Sizes of the generations in bytes (address ranges, free objects included). */
  genSize(gen: number): number {
    if (gen === 0) return (this.sohTop - this.g0Start) * 8
    if (gen === 1) return (this.g0Start - this.g1Start) * 8
    if (gen === 2) return (this.g1Start - SOH_BASE) * 8
    return (this.lohTop - LOH_BASE) * 8
  }

  /** Memory the runtime holds: the SOH and the LOH up to their tops (stats().footprintBytes). */
  footprint(): number {
    return (this.sohTop - SOH_BASE) * 8 + (this.lohTop - LOH_BASE) * 8
  }

  /** The generations' sizes (stats().spaces). */
  spaces(): Record<string, number> {
    return { gen0: this.genSize(0), gen1: this.genSize(1), gen2: this.genSize(2), loh: this.genSize(3) }
  }

  /**
   * Start the SOH on the buffer a released manager's SOH left, when there is one, else on a new
   * one (core
   * host-buffers.ts): its pages are resident already, where a fresh buffer's first write to
   * each page is a fault, and the SOH grows within it without copying. `owner` is the manager.
   * The committed size (sohWords) and the card table grow exactly as before.
   */
  adoptSoh(owner: object, heapLimit: number): void {
    const most = Math.max(Math.min(Math.ceil(heapLimit / 4), MAX_RESERVED_WORDS), this.sohWords) * 4
    const reused = this.sohTop === SOH_BASE ? reuseHostBuffer(this.sohWords * 4, most) : null
    if (reused !== null) this.soh = new Int32Array(reused)
    else if (this.soh.length === 0) this.soh = new Int32Array(this.sohWords)
    lendHostBuffer(owner, this)
  }

  hostBuffer(): ArrayBuffer {
    return this.soh.buffer
  }

  /** The arena above sohTop is kept zero (installGenerations), so only [0, sohTop) was written. */
  writtenRanges(): readonly number[] {
    return [0, this.sohTop * 8]
  }

  /** Make room for the SOH to reach granule `top` (doubling, then reserving `heapLimit`; see below). */
  ensureSoh(top: number, heapLimit: number): void {
    if (top * 2 <= this.sohWords) return
    let n = this.sohWords
    while (n < top * 2) n *= 2
    let next: Int32Array<ArrayBuffer> | null = null
    if (n >= RESERVE_FROM_WORDS) {
      // Past 64 MiB, reserve the words of the whole heap limit at once instead of doubling again,
      // like the CLR's initial reservation (gc.cpp reserve_initial_memory): the host maps pages
      // only when first written, so the reservation costs address space, not resident memory,
      // and no later growth copies the SOH (a doubling copy holds old + new: 1.5 times the heap).
      const reserve = Math.min(Math.ceil(heapLimit / 4), MAX_RESERVED_WORDS)
      if (reserve > n && this.soh.length >= reserve) n = reserve
      else if (reserve > n) {
        try {
          next = new Int32Array(reserve)
        } catch (e) {
          if (!(e instanceof RangeError)) throw e // the host refused: keep doubling
        }
      }
    }
    if (next === null && n > this.soh.length) next = new Int32Array(n)
    if (next !== null) {
      n = next.length
      next.set(this.soh.subarray(0, this.sohTop * 2))
      this.soh = next
    }
    this.sohWords = n
    this.sohCards.grow(Math.ceil(n / 2 / CARD_BYTE_GRANULES) + 1)
  }

  /**
   * The LOH now ends at `top`: zero the words above it, or, when the arena is at least four
   * times what the LOH still needs (a dead large object at the top), replace it with a smaller
   * one, so host memory keeps tracking modeled bytes and a dead multi-gigabyte object is not
   * overwritten with zeros.
   */
  shrinkLoh(top: number): void {
    const used = (top - LOH_BASE) * 2
    let n = LOH_INITIAL_WORDS
    while (n < 2 * used) n *= 2
    if (n * 4 <= this.loh.length) {
      const next = new Int32Array(n)
      next.set(this.loh.subarray(0, used))
      this.loh = next
    } else {
      this.loh.fill(0, used, (this.lohTop - LOH_BASE) * 2)
    }
    this.lohTop = top
  }

  ensureLoh(top: number): void {
    const need = (top - LOH_BASE) * 2
    if (need <= this.loh.length) return
    let n = Math.max(this.loh.length, LOH_INITIAL_WORDS)
    while (n < need) n *= 2
    const next = new Int32Array(n)
    next.set(this.loh.subarray(0, (this.lohTop - LOH_BASE) * 2))
    this.loh = next
    this.lohCards.grow(Math.ceil(n / 2 / CARD_BYTE_GRANULES) + 1)
  }

  /** Record that an SOH object (or free gap) occupies [g, g + n): keeps the brick table exact. */
  noteSohObject(g: number, n: number): void {
    this.sohCards.recordObject(g, n)
  }

  /** Write a free object (a gap) of `granules` at `g` in the SOH. */
  writeSohFree(g: number, granules: number): void {
    const w = g * 2
    const m = this.soh
    m[w + W_ID] = -1
    m[w + W_FLAGS] = 0
    m[w + W_TYPE] = FREE_TYPE
    m[w + W_GRANULES] = granules
    m[w + W_REFS] = 0
    m[w + W_AUX] = 0
    this.noteSohObject(g, granules)
  }

  /** Write an object header (fields are zero: the arena is zeroed before it is handed out). */
  writeHeader(
    m: Int32Array,
    w: number,
    id: number,
    type: number,
    bytes: number,
    refs: number,
    flags: number,
  ): void {
    m[w + W_ID] = id
    m[w + W_FLAGS] = flags
    m[w + W_TYPE] = type
    m[w + W_GRANULES] = bytes / 8
    m[w + W_REFS] = refs
    m[w + W_AUX] = 0
  }

  // ---- LOH free list: first fit, split when the rest can hold a free object ----

  /** Take `granules` from the LOH free list, or 0 when no block fits. */
  lohTakeFree(granules: number): number {
    let prev = 0
    let g = this.lohFreeHead
    const m = this.loh
    while (g !== 0) {
      const w = (g - LOH_BASE) * 2
      const size = m[w + W_GRANULES]
      const next = m[w + W_AUX]
      if (size === granules || size >= granules + 3) {
        if (prev === 0) this.lohFreeHead = next
        else m[(prev - LOH_BASE) * 2 + W_AUX] = next
        this.lohFreeBytes -= size * 8
        if (size > granules) this.lohPushFree(g + granules, size - granules)
        m.fill(0, w, w + granules * 2)
        return g
      }
      prev = g
      g = next
    }
    return 0
  }

  lohPushFree(g: number, granules: number): void {
    const w = (g - LOH_BASE) * 2
    const m = this.loh
    m[w + W_ID] = -1
    m[w + W_FLAGS] = 0
    m[w + W_TYPE] = FREE_TYPE
    m[w + W_GRANULES] = granules
    m[w + W_REFS] = 0
    m[w + W_AUX] = this.lohFreeHead
    this.lohFreeHead = g
    this.lohFreeBytes += granules * 8
  }

  // ---- finalization ----

  register(g: number): void {
    this.words(g)[this.wordOf(g) + W_FLAGS] |= F_REGISTERED
    this.finalizable.push(g)
  }

  // ---- weak handles ----

  allocHandle(target: number, long: boolean, callbackTag: number, owner: number): number {
    let h: number
    if (this.handleFree.length > 0) h = this.handleFree.pop() as number
    else {
      h = this.handleCount++
      if (h >= this.handleTarget.length) {
        const n = this.handleTarget.length * 2
        const t = new Int32Array(n)
        t.set(this.handleTarget)
        this.handleTarget = t
        const l = new Uint8Array(n)
        l.set(this.handleLong)
        this.handleLong = l
        const c = new Int32Array(n)
        c.set(this.handleCallback)
        this.handleCallback = c
        const o = new Int32Array(n)
        o.set(this.handleOwner)
        this.handleOwner = o
      }
    }
    this.handleTarget[h] = target
    this.handleLong[h] = long ? 1 : 0
    this.handleCallback[h] = callbackTag
    this.handleOwner[h] = owner
    return h
  }

  // ---- dependent handles ----

  allocDependent(primary: number, secondary: number): number {
    let d: number
    if (this.depFree.length > 0) d = this.depFree.pop() as number
    else {
      d = this.depCount++
      if (d >= this.depPrimary.length) {
        const p = new Int32Array(this.depPrimary.length * 2)
        p.set(this.depPrimary)
        this.depPrimary = p
        const q = new Int32Array(this.depSecondary.length * 2)
        q.set(this.depSecondary)
        this.depSecondary = q
      }
    }
    this.depPrimary[d] = primary
    this.depSecondary[d] = secondary
    return d
  }

  freeDependent(d: number): void {
    this.depPrimary[d] = 0
    this.depSecondary[d] = 0
    this.depFree.push(d)
  }

  freeHandle(h: number): void {
    this.handleTarget[h] = 0
    this.handleCallback[h] = 0
    this.handleFree.push(h)
  }

  /** Check an internal invariant; a failure is a bug in the model, never the user's fault. */
  static check(ok: boolean, what: string): void {
    if (!ok) throw new PygcError('INTERNAL', `CLR heap invariant broken: ${what}`)
  }
}

/** A walk met something that is not an object: a model bug, reported instead of looping forever. */
export function brokenHeap(g: number, what: string): never {
  throw new PygcError('INTERNAL', `CLR heap walk: bad ${what} at granule ${g} (byte address ${g * 8})`)
}

/** The generation an SOH granule is in, given the gen1 and gen0 starts (LOH objects are gen2). */
export function generationOf(g: number, g1Start: number, g0Start: number): number {
  if (g >= LOH_BASE) return 2
  return g >= g0Start ? 0 : g >= g1Start ? 1 : 2
}
