/**
 * Where a new CLR object's memory comes from (gc.cpp `allocate_more_space`): gen0 objects bump
 * in an allocation context carved from the top of the small object heap and charged against
 * gen0's budget; objects of 85,000 bytes or more go to the large object heap (first fit on its
 * free list, else its top) and are charged against the LOH budget. An exhausted budget runs a
 * collection first; a request that does not fit even then runs the last GC before OOM, then
 * throws System.OutOfMemoryException.
 */
import { type ManagerStats, OutOfMemoryError } from '@pygc/core'
import { GEN_LOH } from './budgets.js'
import { topContextRoom } from './gen0-regions.js'
import type { ClrHeap } from './heap.js'
import * as heapModule from './heap.js'
import * as layout from './layout.js'
import { MIN_FREE_LIST_BYTES } from './runtime-pinned-layout.js'

// layout.ts's and heap.ts's values as this module's own constants (see layout.ts: why).
const { CARD_BYTE_GRANULES } = heapModule
const { HEADER_GRANULES, LOH_BASE, LOH_END, MIN_OBJECT_BYTES } = layout

/**
 * gen0 allocation quantum: what a context at the SOH's top holds at most (gc.cpp
 * limit_from_size: `max (padded_size, allocation_quantum)`). Measured on .NET 10: contiguous
 * contexts of 40-byte objects lie exactly 8,224 bytes apart, 205 objects and a 24-byte pad
 * each, and a 256 KiB budget is spent by exactly 31 of them, one of 7,200 bytes (179 objects)
 * and one of 64 (1 object): 31 x 8,224 + 7,200 = 262,144 (BUDGETS.md#runtime-pinned-layout).
 */
const ALLOCATION_QUANTUM = 8224

/** What the allocator needs from the manager that owns the heap. */
export interface AllocatorContext {
  heap: ClrHeap
  /** The manager's figures: the allocator keeps peakFootprintBytes. */
  stats: ManagerStats
  /** Modeled bytes the SOH and the LOH together may hold. */
  heapLimit: number
  /** Run one collection now (GC.Collect or a budget trigger). */
  collect(generation: number, reason: string, forceCompact: boolean): void
  /** The op index errors carry. */
  opIndex(): number
}

export class ClrAllocator {
  constructor(private readonly ctx: AllocatorContext) {}

  /** Allocate `bytes` in the SOH or the LOH (collecting first if a budget is exhausted); returns the granule. */
  allocate(bytes: number, large: boolean): number {
    return large ? this.allocateLarge(bytes) : this.allocateSmall(bytes / 8)
  }

  /**
   * The program's per-object path, small enough to inline into the op loop: bump in gen0's
   * allocation context when the object fits and covers no card byte's first granule (so the
   * brick table needs no entry: CardTable.recordObject would record nothing), else
   * allocateSmall. No context: acPtr = acLimit = 0, and no object fits below 0.
   */
  bumpSmall(granules: number): number {
    const h = this.ctx.heap
    const g = h.acPtr
    const end = g + granules
    if (end <= h.acLimit && ((g - 1) ^ (end - 1)) < CARD_BYTE_GRANULES) {
      h.acPtr = end
      return g
    }
    return this.allocateSmall(granules)
  }

  /** Bump in gen0's allocation context (recording the object in the brick table), else get a new one. */
  allocateSmall(granules: number): number {
    const h = this.ctx.heap
    const g = h.acPtr
    if (g + granules <= h.acLimit && h.acEnd !== 0) {
      h.acPtr = g + granules
      h.noteSohObject(g, granules)
      return g
    }
    return this.refillContext(granules)
  }

  /**
   * Get a new allocation context (gc.cpp allocate_soh, soh_try_fit, a_fit_segment_end_p,
   * limit_from_size, new_allocation_limit, adjust_limit_clr): collect first if gen0's budget is
   * spent (checked before anything is handed out: new_allocation_allowed); take gen0's
   * free-list item if there is one (takeFreeListContext), else the SOH's top: the quantum, or
   * what is left of the budget, or at least the object plus a min-object pad, charged in full.
   * A context that starts where the previous one ends carries its unused tail on: a 24-byte
   * pad (a free object) at the old pointer, and allocation goes on from there. The tail is
   * never credited back to the budget.
   */
  private refillContext(granules: number): number {
    const h = this.ctx.heap
    if (h.newAllocation[0] < 0) this.ctx.collect(0, 'allocation', false)
    if (h.gen0FreeItemGranules > 0) {
      if (h.acEnd !== 0) retireAllocationContext(h)
      const g = takeFreeListContext(h, granules)
      if (g !== 0) return g
    }
    const need = granules * 8 + MIN_OBJECT_BYTES
    let limit = Math.min(ALLOCATION_QUANTUM, Math.max(h.newAllocation[0], need))
    limit = Math.min(limit, topContextRoom(h, need, limit))
    limit = Math.max(need, Math.floor(limit / 8) * 8)
    if (!this.sohRoom(limit)) {
      limit = need
      if (!this.sohRoom(limit)) {
        this.ctx.collect(2, 'last GC before OOM', true)
        if (!this.sohRoom(limit)) throw this.outOfMemory(granules * 8, limit, 'SOH')
      }
    }
    const start = h.sohTop
    h.ensureSoh(start + limit / 8, this.ctx.heapLimit)
    let ptr = start
    if (h.acEnd === start && !h.acFromFreeList) {
      // "contiguous ac: making min obj gap": a pad the CLR does not count as free space.
      h.writeSohFree(h.acPtr, HEADER_GRANULES)
      h.freeBytes[0] += MIN_OBJECT_BYTES
      h.contextPadBytes += MIN_OBJECT_BYTES
      ptr = h.acPtr + HEADER_GRANULES
    } else {
      retireAllocationContext(h)
    }
    h.acPtr = ptr + granules
    h.acEnd = start + limit / 8
    h.acLimit = h.acEnd - HEADER_GRANULES
    h.acFromFreeList = false
    h.sohTop = h.acEnd
    h.newAllocation[0] -= limit
    h.noteSohObject(ptr, granules)
    this.notePeakFootprint()
    return ptr
  }

  /** LOH allocation (gc.cpp allocate_uoh): collect gen2 first if the LOH budget is spent; first fit, else bump. */
  private allocateLarge(bytes: number): number {
    const h = this.ctx.heap
    if (h.newAllocation[GEN_LOH] < 0) this.ctx.collect(2, 'allocation (LOH)', false)
    const granules = bytes / 8
    let g = h.lohTakeFree(granules)
    if (g === 0) {
      if (!this.lohRoom(bytes)) {
        this.ctx.collect(2, 'last GC before OOM', true)
        g = h.lohTakeFree(granules)
        if (g === 0 && !this.lohRoom(bytes)) throw this.outOfMemory(bytes, bytes, 'LOH')
      }
      if (g === 0) {
        g = h.lohTop
        h.ensureLoh(g + granules)
        h.lohTop = g + granules
      }
    }
    h.newAllocation[GEN_LOH] -= bytes
    this.notePeakFootprint()
    return g
  }

  /** Whether `bytes` more at the SOH's top stay within the heap limit and below the LOH's addresses. */
  private sohRoom(bytes: number): boolean {
    const h = this.ctx.heap
    return h.footprint() + bytes <= this.ctx.heapLimit && h.sohTop + bytes / 8 <= LOH_BASE
  }

  /** Whether `bytes` more at the LOH's top stay within the heap limit and the LOH's address range. */
  private lohRoom(bytes: number): boolean {
    const h = this.ctx.heap
    return h.footprint() + bytes <= this.ctx.heapLimit && h.lohTop + bytes / 8 <= LOH_END
  }

  /** The OutOfMemoryException after the last GC: the heap limit, or the space's address range, is reached. */
  private outOfMemory(bytes: number, room: number, space: 'SOH' | 'LOH'): OutOfMemoryError {
    const footprint = this.ctx.heap.footprint()
    const detail =
      footprint + room > this.ctx.heapLimit
        ? `the heap limit of ${this.ctx.heapLimit} bytes is reached`
        : `the ${space}'s 8 GiB address range is full`
    return new OutOfMemoryError(
      'System.OutOfMemoryException',
      bytes,
      `${detail} after a full compacting collection (${footprint} bytes in use)`,
      { op: this.ctx.opIndex() },
    )
  }

  private notePeakFootprint(): void {
    const f = this.ctx.heap.footprint()
    const s = this.ctx.stats
    if (f > s.peakFootprintBytes) s.peakFootprintBytes = f
  }
}

/**
 * Retire gen0's allocation context for a collection, or for a context that does not follow it
 * (gc.cpp fix_allocation_context, adjust_limit_clr "filling up hole"). One at the top of the
 * SOH gives its unused part back to the space above the top (alloc_allocated moves back to
 * alloc_ptr); any other leaves its unused part, the 24-byte pad included, as a free object.
 * Neither is credited back to the budget: it was charged when handed out.
 */
export function retireAllocationContext(h: ClrHeap): void {
  if (h.acEnd === 0) return
  if (h.acEnd === h.sohTop && !h.acFromFreeList) {
    h.sohTop = h.acPtr
  } else {
    const tail = h.acEnd - h.acPtr
    h.writeSohFree(h.acPtr, tail)
    h.freeBytes[0] += tail * 8
  }
  h.acPtr = h.acLimit = h.acEnd = 0
  h.acFromFreeList = false
}

/**
 * Switch allocation to the other thread's context (the finalizer thread's, or back to the
 * program's). Every thread allocates from its own alloc_context (gc.cpp gc_alloc_context, one
 * per Thread), each drawn from gen0 and charged to the one gen0 budget when handed out
 * (allocate_more_space); a context another thread carved since is why a thread's next context
 * does not follow its last one (adjust_limit_clr makes the old tail a hole).
 */
export function swapAllocationContexts(h: ClrHeap): void {
  const ptr = h.acPtr
  const limit = h.acLimit
  const end = h.acEnd
  const fromFreeList = h.acFromFreeList
  h.acPtr = h.otherAcPtr
  h.acLimit = h.otherAcLimit
  h.acEnd = h.otherAcEnd
  h.acFromFreeList = h.otherAcFromFreeList
  h.otherAcPtr = ptr
  h.otherAcLimit = limit
  h.otherAcEnd = end
  h.otherAcFromFreeList = fromFreeList
}

/** Retire every thread's context for a collection (gc.cpp fix_allocation_contexts). */
export function retireAllocationContexts(h: ClrHeap): void {
  retireAllocationContext(h)
  if (h.otherAcEnd === 0) return
  swapAllocationContexts(h)
  retireAllocationContext(h)
  swapAllocationContexts(h)
}

/**
 * An allocation context from gen0's free-list item (gc.cpp a_fit_free_list_p, limit_from_size,
 * new_allocation_limit), or 0 if the object does not fit it: the item must hold the object plus
 * a min-object pad; the context is the item, capped at the quantum and at the budget (at least
 * the object and its pad), and charged in full; a remainder of at least min_free_list stays
 * on the list, a smaller one is absorbed into the context (charged, as the CLR charges the
 * limit before absorbing). gen0's allocator has one bucket, so an item the object does not fit
 * is discarded (allocator::discard_if_no_fit_p): it stays a free object, never used.
 */
export function takeFreeListContext(h: ClrHeap, granules: number): number {
  const start = h.gen0FreeItem
  const itemBytes = h.gen0FreeItemGranules * 8
  h.gen0FreeItem = 0
  h.gen0FreeItemGranules = 0
  const need = granules * 8 + MIN_OBJECT_BYTES
  if (need > itemBytes) return 0
  const physical = Math.min(itemBytes, Math.max(need, ALLOCATION_QUANTUM))
  let limit = Math.max(need, Math.floor(Math.min(Math.max(h.newAllocation[0], need), physical) / 8) * 8)
  h.newAllocation[0] -= limit
  const remain = itemBytes - limit
  if (remain >= MIN_FREE_LIST_BYTES) {
    h.writeSohFree(start + limit / 8, remain / 8)
    h.gen0FreeItem = start + limit / 8
    h.gen0FreeItemGranules = remain / 8
  } else {
    limit += remain
  }
  h.freeBytes[0] -= limit
  // The CLR clears a context's memory before handing it out; the item holds old objects.
  h.soh.fill(0, start * 2, (start + limit / 8) * 2)
  h.acPtr = start + granules
  h.acEnd = start + limit / 8
  h.acLimit = h.acEnd - HEADER_GRANULES
  h.acFromFreeList = true
  h.noteSohObject(start, granules)
  return start
}
