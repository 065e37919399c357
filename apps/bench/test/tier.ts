/**
 * The two tiers of the tests (README, "Two tiers of tests"): `npm test` runs the quick one,
 * `PYGC_TESTS=full npm test` (what .ci/run runs) everything.
 */
export const FULL_TIER = process.env.PYGC_TESTS === 'full'

/** A full-tier test's title: where a quick run skips it, the title says how to run it. */
export function fullTierTitle(title: string, runsInQuickTier = false): string {
  return FULL_TIER || runsInQuickTier ? title : `${title} (full tier: PYGC_TESTS=full)`
}
