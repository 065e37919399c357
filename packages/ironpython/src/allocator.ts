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
import type { ClrHeap } from './heap.js'
import { HEADER_GRANULES, LOH_BASE, LOH_END, MIN_OBJECT_BYTES } from './layout.js'

/** gen0 allocation quantum (gc.cpp allocation_quantum, CLR_SIZE = 8 KB). */
const ALLOCATION_QUANTUM = 8192

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

  /** The fast path: bump in gen0's allocation context, else get a new one. */
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
   * Get a new allocation context (gc.cpp soh_try_fit / limit_from_size / new_allocation_limit):
   * collect first if gen0's budget is spent; the context is the quantum, or what is left of the
   * budget, or at least the object plus a min-object pad; its whole size is charged.
   */
  private refillContext(granules: number): number {
    const h = this.ctx.heap
    // A context that follows the previous one leaves a pad the CLR does not count as free space.
    if (h.acEnd !== 0) h.contextPadBytes += MIN_OBJECT_BYTES
    retireAllocationContext(h)
    if (h.newAllocation[0] < 0) this.ctx.collect(0, 'allocation', false)
    const need = granules * 8 + MIN_OBJECT_BYTES
    let limit = Math.min(ALLOCATION_QUANTUM, Math.max(h.newAllocation[0], need))
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
    h.acPtr = start + granules
    h.acEnd = start + limit / 8
    h.acLimit = h.acEnd - HEADER_GRANULES
    h.sohTop = h.acEnd
    h.newAllocation[0] -= limit
    h.noteSohObject(start, granules)
    this.notePeakFootprint()
    return start
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
