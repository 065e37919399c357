/**
 * gen0's regions and their committed memory, as far as they bound an allocation context at the
 * SOH's top (gc.cpp a_fit_segment_end_p, grow_heap_segment, soh_try_fit; .NET 7+ regions).
 *
 * a_fit_segment_end_p first tries to fit the request below the region's committed end and caps
 * the context there; only a request that does not fit commits more of the region (at least
 * `commit_min_th`, 16 pages) and is capped by the region's end; one that does not fit before
 * the region's end takes a new region, leaving the old one's end unused. Measured on .NET 10
 * (BUDGETS.md#runtime-pinned-layout, every traced object's address logged): a context is cut
 * every 64 KiB of a region (at offsets 0x101000, 0x111000, ... of the region gen0 starts in
 * after a collection, at 0x1000, 0x11000, ... of a fresh one), and a region holds 104,544
 * objects of 40 bytes. A cut costs the window the 24-byte pad of one more context.
 *
 * The model's gen0 is contiguous; the current region is the stretch [gen0RegionStart,
 * gen0RegionEnd) and its committed end a granule inside it. After a collection gen0 allocates
 * in the region it starts in (the runtime pinned object's, runtime-pinned-layout.ts), whose
 * committed end persists from window to window.
 *
 * A region a collection empties goes back to the free region list with its memory still
 * committed (gc.cpp return_free_region keeps heap_segment_committed; decommit is a separate,
 * gradual step), and gen0's next region comes from that list before a fresh one is reserved
 * (get_free_region), most committed first; one left there AGE_IN_FREE_TO_DECOMMIT_BASIC
 * collections is decommitted (distribute_free_regions). Measured on .NET 10 (binary-trees maxDepth=14 at GCgen0size=1M, every
 * object's address logged; FIDELITY.md#free-regions): the 4 regions gen0 spanned in its second
 * window come back, highest address first, in its third, without a single 64 KiB commit cut
 * (104,550 objects of 40 bytes each, against 104,548 in a fresh region), before fresh regions.
 */
import type { ClrHeap } from './heap.js'

/** The basic region size (gc.cpp regions, `GCRegionSize` default on 64-bit). */
const REGION_BYTES = 4 * 1024 * 1024
/**
 * Where a region's first object starts, and where the GC's allocation pointers point into an
 * object (plug_skew): a context may end 0x20 + 8 + 24 = 0x40 bytes before the committed or
 * reserved end (a_fit_segment_end_p: `end = heap_segment_committed (seg) - pad`), counted from
 * the first object.
 */
const REGION_END_SLACK = 0x40
/** Committed memory grows by at least this much (gc.cpp grow_heap_segment, commit_min_th). */
const COMMIT_STEP_BYTES = 64 * 1024
/**
 * Collections a free basic region waits before distribute_free_regions decommits it
 * (gc.cpp aged_region_p; gcpriv.h AGE_IN_FREE_TO_DECOMMIT_BASIC, 20 on WKS).
 */
const AGE_IN_FREE_TO_DECOMMIT_BASIC = 20
/** A fresh region has its first page committed (measured: its first context ends before 0x1000). */
const FRESH_REGION_COMMITTED = 0x1000
/**
 * The committed part of the region gen0 allocates in after a collection, when the program
 * starts (measured on .NET 10 with the .NET oracle: the first cut at offset 0x101000 at every
 * GCgen0size; 1 MiB and a page).
 */
export const HOME_REGION_COMMITTED = 0x101000

/** After a collection: gen0 allocates from its start, in the region whose committed end persists. */
export function startGen0Region(h: ClrHeap): void {
  h.gen0RegionStart = h.g0Start
  h.gen0RegionEnd = h.g0Start + (REGION_BYTES - REGION_END_SLACK) / 8
  h.gen0CommitEnd = h.g0Start + (h.homeRegionCommitted - REGION_END_SLACK) / 8
  h.gen0InHomeRegion = true
}

/**
 * The bytes a context at the SOH's top may span (a_fit_segment_end_p's physical limit) for a
 * request of `need` bytes (object + min-object pad) that wants `wanted`: below the committed
 * end if the request fits there; else up to the region's end, committing what the context
 * needs; else in a new region (the rest of the old one a free object, not gen0 data).
 */
export function topContextRoom(h: ClrHeap, need: number, wanted: number): number {
  if (h.gen0RegionEnd === 0) return wanted
  const toCommit = (h.gen0CommitEnd - h.sohTop) * 8
  if (toCommit >= need) return toCommit
  let toEnd = (h.gen0RegionEnd - h.sohTop) * 8
  if (toEnd < need) {
    nextGen0Region(h)
    const fresh = (h.gen0CommitEnd - h.sohTop) * 8
    if (fresh >= need) return fresh
    toEnd = (h.gen0RegionEnd - h.sohTop) * 8
  }
  const end = h.sohTop + Math.min(wanted, toEnd) / 8
  let commit = h.gen0CommitEnd
  while (commit < end) commit += COMMIT_STEP_BYTES / 8
  h.gen0CommitEnd = Math.min(commit, h.gen0RegionEnd)
  if (h.gen0InHomeRegion) h.homeRegionCommitted = (h.gen0CommitEnd - h.gen0RegionStart) * 8 + REGION_END_SLACK
  return toEnd
}

/** Committed bytes of gen0's current region, as a free region keeps them. */
function currentRegionCommitted(h: ClrHeap): number {
  return (h.gen0CommitEnd - h.gen0RegionStart) * 8 + REGION_END_SLACK
}

/**
 * A collection is about to start gen0 anew (before startGen0Region): the regions gen0 moved
 * into since the last collection (not the one it starts in) are emptied by it, but for those
 * its compacted survivors fill, and go to the free region list, committed as they are
 * (return_free_region). The survivors are laid out from the start of the condemned range, so
 * the first regions are the ones they keep. A sweeping collection leaves every region in place.
 */
export function releaseGen0Regions(h: ClrHeap, compacting: boolean, survivedBytes: number): void {
  if (h.gen0RegionEnd === 0) return
  // age_free_regions: every region already free is one collection older; distribute_free_regions
  // decommits those that waited AGE_IN_FREE_TO_DECOMMIT_BASIC collections (a fresh region again).
  const free = h.freeRegions
  for (let i = free.length - 1; i >= 0; i--) {
    free[i].age++
    if (free[i].age >= AGE_IN_FREE_TO_DECOMMIT_BASIC) free.splice(i, 1)
  }
  if (!h.gen0InHomeRegion) h.gen0EnteredRegions.push(currentRegionCommitted(h))
  if (compacting) {
    const kept = Math.floor(survivedBytes / REGION_BYTES)
    for (const committed of h.gen0EnteredRegions.slice(kept)) free.push({ committed, age: 0 })
    // The free list is kept most committed first (return_free_region's add_region_descending,
    // sort_by_committed_and_age); get_free_region takes its head. Stable: among equals, the
    // last freed first.
    free.sort((a, b) => a.committed - b.committed)
  }
  h.gen0EnteredRegions.length = 0
}

/**
 * Allocation moves to the next region: a free one (still committed) if the free region list
 * has any, else a fresh one. The context is retired first, the old region's rest left free.
 */
function nextGen0Region(h: ClrHeap): void {
  if (h.acEnd !== 0 && h.acEnd === h.sohTop && !h.acFromFreeList) {
    // Its tail is no longer at the top: a hole, as adjust_limit_clr leaves it.
    const tail = h.acEnd - h.acPtr
    h.writeSohFree(h.acPtr, tail)
    h.freeBytes[0] += tail * 8
    h.acPtr = h.acLimit = h.acEnd = 0
  }
  if (!h.gen0InHomeRegion) h.gen0EnteredRegions.push(currentRegionCommitted(h))
  const start = h.gen0RegionStart + REGION_BYTES / 8
  if (start > h.sohTop) {
    h.writeSohFree(h.sohTop, start - h.sohTop)
    h.freeBytes[0] += (start - h.sohTop) * 8
    h.sohTop = start
  }
  h.gen0RegionStart = start
  h.gen0RegionEnd = start + (REGION_BYTES - REGION_END_SLACK) / 8
  const committed = h.freeRegions.pop()?.committed ?? FRESH_REGION_COMMITTED
  h.gen0CommitEnd = start + (committed - REGION_END_SLACK) / 8
  h.gen0InHomeRegion = false
}
