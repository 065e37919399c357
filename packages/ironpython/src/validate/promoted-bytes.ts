/**
 * Promoted bytes per gen0 collection, model against .NET: the medians of
 * GCMemoryInfo.PromotedBytes over the gen0 collections of a run (the model's
 * `GcRecord.survivedBytes`), held to within 5%.
 *
 * Why the median of gen0 collections: gen0 collections are the many; their survivors are what
 * the budget rule grows from and what finalization and weak references change (a dead
 * finalizable object and all it references survive the collection that finds it dead). The
 * median is not moved by the few collections whose survivors land one allocation context apart.
 */

export interface PromotedComparison {
  /** Median promoted bytes of the model's gen0 collections (0 when there were none). */
  model: number
  real: number
  /** Held to the tolerance: both sides had at least MIN_GEN0_COLLECTIONS gen0 collections. */
  held: boolean
  ok: boolean
}

/**
 * Fewer gen0 collections than this on either side and the medians are shown, not held: the
 * median of one or two collections is where those collections happened to land (the
 * large-objects case has one gen0-only collection, a 85 KB SOH array before or after it),
 * which the collection-count rows already compare.
 */
export const MIN_GEN0_COLLECTIONS = 5

/** The tolerance: medians within 5% of the real one (exact below 20 bytes). */
export const PROMOTED_TOLERANCE = 0.05

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2)
}

/** Compare the per-gen0-collection promoted bytes of the model and of .NET. */
export function compareGen0Promoted(model: readonly number[], real: readonly number[]): PromotedComparison {
  const m = median(model)
  const r = median(real)
  const held = model.length >= MIN_GEN0_COLLECTIONS && real.length >= MIN_GEN0_COLLECTIONS
  return { model: m, real: r, held, ok: !held || Math.abs(m - r) <= Math.floor(r * PROMOTED_TOLERANCE) }
}
