/**
 * What a type's finalizer allocates (FinalizerSpec.allocate and storeNew, types.ts) as flat
 * numbers, for a manager's per-type tables: each runtime runs the allocations where it runs the
 * finalizer, in this order: `count` objects of `type` (garbage once it returns), then, when
 * `storeType` is not -1, one object of `storeType` stored into global `storeGlobal`.
 */
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
