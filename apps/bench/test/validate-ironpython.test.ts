/**
 * The IronPython model against the real .NET GC (the SDK is on every machine of ours): every
 * validation case must meet issue 5's bar — collections per generation within ±5%, the same
 * LOH placement, finalizable objects never reclaimed by the collection that found them dead.
 *
 * `npm test` runs the quick set below; `PYGC_TESTS=full npm test` (what CI runs) and
 * `pygc validate --runtime ironpython` run every case.
 */
import { describe, expect, it } from 'vitest'
import { IRONPYTHON_VALIDATION_CASES, validateIronPython } from '../src/validate/ironpython.js'
import { FULL_TIER } from './tier.js'

const full = FULL_TIER

/**
 * The quick set: six of the twelve programs, each on .NET at its three gen0 budgets: pinned
 * handles and fragmentation (asserted on below), the large object heap, finalization, the
 * weakref tracker's two allocations, card-marked old-to-young references, a seeded random graph.
 * Left to the full set: binary-trees, cycle-churn, lru-mix and promotion-ring (the longest
 * traces: the same gen0/gen1/gen2 budget paths, more collections) and random-graph seeds 1 and 2.
 */
const QUICK_CASES = [
  'pinned n=60000',
  'large-objects n=1200',
  'finalizers n=8000',
  'weakref-cache size=test seed=2',
  'old-to-young n=200000',
  'random-graph seed=3',
]
const PROGRAMS_RUN = full ? IRONPYTHON_VALIDATION_CASES.length : QUICK_CASES.length

/**
 * No open model error. The last ones (BUDGETS.md#runtime-pinned-layout) were the gap before the
 * runtime's pinned object and the context rules around it, now modelled. One start-up state is
 * taken as a constant: the region gen0 allocates in has 0x101000 bytes committed when the
 * program starts. The oracle's process had 0xc1000 at 512 KiB before its start-up changed
 * (collection timestamps, main ac07ebe), which made cycle-churn at 512 KiB 14 | 15; with the
 * oracle as it is, 14 | 14. The list stays, held exactly: any failing row fails this test.
 */
const KNOWN_MODEL_ERRORS: string[] = []

describe('validate ironpython', () => {
  // The set (the whole one: 12 programs, each on .NET at 3 gen0 budgets) runs once; the pinned
  // test reads its 'pinned n=60000' rows, the same case on the same budgets as naming it alone
  // would run.
  let whole: ReturnType<typeof validateIronPython> | undefined
  const wholeSet = () => {
    whole ??= validateIronPython(full ? {} : { cases: QUICK_CASES })
    return whole
  }

  // The whole set is minutes of .NET runs under load (in npm test at a load of ~11 it took 170 s
  // of the app's 180 s default, at ~20 more): a safety net, as the other whole-set validations have.
  it(`agrees with the .NET GC on every case of the ${full ? 'whole' : 'quick'} set`, {
    timeout: 600_000,
  }, async () => {
    const report = await wholeSet()
    const failed = report.rows.filter((r) => !r.ok).map((r) => `${r.case}: ${r.metric}`)
    expect(failed.sort()).toEqual([...KNOWN_MODEL_ERRORS].sort())
    for (const metric of ['gen0 collections', 'gen1 collections', 'gen2 collections', 'LOH allocations']) {
      expect(report.rows.filter((r) => r.metric === metric).length).toBe(PROGRAMS_RUN * 3) // × 3 gen0 budgets
    }
    // LOH placement is exact on every case.
    for (const r of report.rows.filter((r) => r.metric === 'LOH allocations')) expect(r.model).toBe(r.real)
    expect(report.rows.find((r) => r.metric === 'finalizers run')?.ok).toBe(true)
  })

  it('replays pins with real pinned handles and compares pinned counts and fragmentation', {
    timeout: 600_000,
  }, async () => {
    const rows = (await wholeSet()).rows.filter((r) => r.case.startsWith('pinned n=60000 '))
    expect(rows.length).toBeGreaterThan(0)
    // The first gen0 budget's row, as in a report of this case alone.
    const row = (metric: string) => rows.find((r) => r.metric === metric)
    // Collections per generation: exact on this case.
    for (const g of [0, 1, 2])
      expect(row(`gen${g} collections`)?.model).toBe(row(`gen${g} collections`)?.real)
    // Both sides really pinned: the GCs saw pinned objects (the oracle's are real pinned handles).
    expect(row('pinned objects seen by GCs (sum)')?.model).toBeGreaterThan(0)
    expect(row('pinned objects seen by GCs (sum)')?.real).toBeGreaterThan(0)
    expect(row('fragmented bytes after a GC (mean)')?.model).toBeGreaterThan(0)
    expect(rows.filter((r) => !r.ok)).toEqual([])
  })

  it('runs weakref callbacks and resurrecting finalizers on .NET as IronPython does (named case)', async () => {
    const report = await validateIronPython({ cases: ['callbacks-resurrection n=6000'] })
    const rows = (metric: string) => report.rows.filter((r) => r.metric === metric)
    expect(rows('weakref callbacks run').length).toBe(3) // one per gen0 budget
    for (const r of rows('weakref callbacks run')) {
      // Every one of the 2,000 callbacks ran on both sides: their weakrefs outlive the referents.
      expect(r.model).toBe(2000)
      expect(r.real).toBe(2000)
    }
    // The finalizer thread never runs a callback before the GC that cleared its weakref.
    for (const r of rows('weakref callbacks run before their clearing GC (.NET)')) expect(r.real).toBe(0)
    for (const r of rows('finalizers that resurrected')) {
      expect(r.real).toBe(r.model)
      expect(r.real).toBeGreaterThan(500)
    }
    // Both sides run callbacks from a WeakRefTracker's finalizer, and the oracle gives the
    // finalizer thread its turn after each GC as the model does: the counts agree exactly and
    // the promoted bytes within 5% (FIDELITY.md#weakref-callbacks).
    for (const r of rows('gen0 collections')) expect(r.model).toBe(r.real)
    for (const r of rows('promoted bytes per gen0 GC (median)')) expect(r.ok).toBe(true)
    // The clearing GC per callback is compared; at 256 KiB .NET's budget after the first
    // collection is the model's to the byte (472,000: a tracker's int[1] counts 28 bytes in
    // finalization_promoted_bytes), and since plan places plugs as .NET does
    // (packages/ironpython BUDGETS.md#short-plugs) every referent is cleared by the same GC.
    const cleared = rows('weakref callbacks cleared by the same GC')
    expect(cleared.map((r) => r.ok)).toEqual([true, true, true])
    expect(cleared[0].real).toBe(2000)
  })
})
