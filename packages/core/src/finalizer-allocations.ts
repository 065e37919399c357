/**
 * What a type's finalizer allocates (FinalizerSpec.allocate and storeNew, types.ts) as flat
 * numbers, for a manager's per-type tables: each runtime runs the allocations where it runs the
 * finalizer, in this order: `count` objects of `type` (garbage once it returns), then, when
 * `storeType` is not -1, one object of `storeType` stored into global `storeGlobal`.
 */
import type { RootSet } from './root-set.js'
import type { TypeSpec } from './types.js'

export interface FinalizerAllocations {
  type: number
  count: number
  /** -1: the finalizer stores no new object. */
  storeType: number
  storeGlobal: number
}

/** The allocations of `spec`'s finalizer, or null when it allocates nothing (no finalizer, or a plain one). */
export function finalizerAllocations(spec: TypeSpec): FinalizerAllocations | null {
  const f = spec.finalizer
  if (f === undefined || (f.allocate === undefined && f.storeNew === undefined)) return null
  return {
    type: f.allocate?.type ?? 0,
    count: f.allocate?.count ?? 0,
    storeType: f.storeNew?.type ?? -1,
    storeGlobal: f.storeNew?.global ?? -1,
  }
}

/**
 * Run a finalizer's allocations in the spec's order with the manager's own allocation: `make`
 * allocates a fixed-size object of a type and returns it (the manager's handle or address, as
 * its root slots hold them); storeNew's goes into its global in `roots`. What `make` returns for
 * allocate's objects is dropped: they are garbage at once. (A reference-counting runtime, whose
 * store drops the old value, does its own: packages/cpython dealloc.ts.)
 */
export function runFinalizerAllocations(
  f: FinalizerAllocations,
  make: (type: number) => number,
  roots: RootSet,
): void {
  for (let k = 0; k < f.count; k++) make(f.type)
  if (f.storeType >= 0) {
    const object = make(f.storeType)
    roots.values[f.storeGlobal] = object
  }
}
