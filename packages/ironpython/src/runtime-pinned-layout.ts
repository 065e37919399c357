/**
 * Where the .NET runtime's own pinned object lies in gen0, and the free-list item it leaves
 * before it (BUDGETS.md#runtime-pinned-layout).
 *
 * The runtime keeps one 104-byte object pinned (FIDELITY.md#runtime-pinned); a compacting GC
 * demotes its lightly pinned region to gen0 (plan_phase.cpp decide_on_demotion_pin_surv), and
 * that region is where gen0 allocates from next. Measured on .NET 10 with the oracle logging
 * every traced object's address (benchmarks/oracles/clr/probes/AddressProbe): the object sits
 * 456 bytes after the region's first object, at the same offset in every run and at every
 * `GCgen0size`. After a GC that promoted gen0's survivors, gen0 is exactly that region's first
 * 560 bytes (GCMemoryInfo gen0 SizeAfterBytes 560: the 456 free bytes and the object) and
 * allocation starts at the region's start: ten 40-byte objects, then a jump over the object.
 * After a GC that kept gen0's survivors in gen0, they are compacted from the region's start
 * around the object (below it those that fit, the rest after it) and the space left before it
 * is the first allocation context of the next window.
 *
 * The model lays that out in its contiguous gen0: a 104-byte filler (a free object that is not
 * counted as free space: its bytes are the runtime's pinned object, accounted by
 * ClrMarker.runtimePinnedSurvivor) `RUNTIME_PINNED_OFFSET_BYTES` after gen0's start, gen0's
 * free-list item before it; the plan keeps the filler in place when gen0's survivors stay
 * (ClrCollector.plan), the allocator takes its first context from the item (allocator.ts
 * takeFreeListContext), and the context's unused part stays charged to the budget.
 */
import type { ClrHeap } from './heap.js'

/**
 * Bytes from the start of gen0's region to the runtime's pinned object (measured on .NET 10,
 * the .NET oracle's process: region offset 0x1e8 of the object, 0x20 of the first object).
 */
export const RUNTIME_PINNED_OFFSET_BYTES = 456

/**
 * The smallest free space gen0's allocator threads on its free list (gc.cpp `min_free_list`:
 * `sizeof(BYTE*) + min_obj_size`, 32 bytes on 64-bit); a smaller gap is an unusable free object.
 */
export const MIN_FREE_LIST_BYTES = 32

/** Write the filler standing for the runtime's pinned object at `g` (`granules` long). */
export function writeObstacle(h: ClrHeap, g: number, granules: number): void {
  h.writeSohFree(g, granules)
  h.gen0Obstacle = g
}

/** Make [g, g + granules) gen0's free-list item (a free object, counted as gen0 free space). */
export function setGen0FreeItem(h: ClrHeap, g: number, granules: number): void {
  h.writeSohFree(g, granules)
  h.freeBytes[0] += granules * 8
  if (granules * 8 >= MIN_FREE_LIST_BYTES) {
    h.gen0FreeItem = g
    h.gen0FreeItemGranules = granules
  }
}

/**
 * Lay the runtime's pinned object out at the top of gen0, which ends at `top` (zeroed above):
 * when gen0 is empty, `offsetGranules` of free-list item first, then the object; when
 * survivors stay in gen0 but the plan could not keep the object in place (a non-promoting gen1
 * collection), right after them. Returns the new top of the SOH.
 */
export function layOutRuntimePinned(
  h: ClrHeap,
  top: number,
  offsetGranules: number,
  pinnedGranules: number,
): number {
  let g = top
  if (top === h.g0Start && offsetGranules > 0) {
    setGen0FreeItem(h, g, offsetGranules)
    g += offsetGranules
  }
  writeObstacle(h, g, pinnedGranules)
  return g + pinnedGranules
}

/** Forget gen0's layout before a collection rebuilds it (the old filler becomes free space of whatever it ends up in). */
export function clearGen0Layout(h: ClrHeap): void {
  h.gen0Obstacle = 0
  h.gen0FreeItem = 0
  h.gen0FreeItemGranules = 0
}
