/**
 * The IronPython model against the real .NET GC (the SDK is on every machine of ours): every
 * validation case must meet issue 5's bar — collections per generation within ±5%, the same
 * LOH placement, finalizable objects never reclaimed by the collection that found them dead.
 */
import { describe, expect, it } from 'vitest'
import { validateIronPython } from '../src/validate/ironpython.js'

/**
 * The open model error (packages/ironpython/BUDGETS.md#runtime-pinned-layout): a gen0
 * allocation context stops at its region's committed end, which grows 64 KiB at a time; the
 * model starts the region gen0 allocates in with 0x101000 bytes committed, what .NET 10's
 * oracle process has at 256 KiB and 1 MiB, but at 512 KiB it starts with 0xc1000 (start-up
 * state of the process, not derived). cycle-churn at 512 KiB passes 0xc1000 in its second
 * window: one pad more on .NET, and .NET's 15th collection, 13 ops before the trace ends, does
 * not happen on the model (14 | 15). These rows are held to fail, exactly: a fix makes this
 * test fail until the list is emptied, and any other failing row fails it too.
 */
const KNOWN_MODEL_ERRORS = [
  'cycle-churn n=40000 GCgen0size=512K: gen0 collections',
  'cycle-churn n=40000 GCgen0size=512K: pinned objects seen by GCs (sum)',
]

describe('validate ironpython', () => {
  it('agrees with the .NET GC on every case but the open model error', async () => {
    const report = await validateIronPython({})
    const failed = report.rows.filter((r) => !r.ok).map((r) => `${r.case}: ${r.metric}`)
    expect(failed.sort()).toEqual([...KNOWN_MODEL_ERRORS].sort())
    for (const metric of ['gen0 collections', 'gen1 collections', 'gen2 collections', 'LOH allocations']) {
      expect(report.rows.filter((r) => r.metric === metric).length).toBe(30) // 10 programs × 3 gen0 budgets
    }
    // LOH placement is exact on every case.
    for (const r of report.rows.filter((r) => r.metric === 'LOH allocations')) expect(r.model).toBe(r.real)
    expect(report.rows.find((r) => r.metric === 'finalizers run')?.ok).toBe(true)
  })

  it('replays pins with real pinned handles and compares pinned counts and fragmentation', async () => {
    const report = await validateIronPython({ cases: ['pinned n=60000'] })
    const row = (metric: string) => report.rows.find((r) => r.metric === metric)
    // Collections per generation: exact on this case.
    for (const g of [0, 1, 2])
      expect(row(`gen${g} collections`)?.model).toBe(row(`gen${g} collections`)?.real)
    // Both sides really pinned: the GCs saw pinned objects (the oracle's are real pinned handles).
    expect(row('pinned objects seen by GCs (sum)')?.model).toBeGreaterThan(0)
    expect(row('pinned objects seen by GCs (sum)')?.real).toBeGreaterThan(0)
    expect(row('fragmented bytes after a GC (mean)')?.model).toBeGreaterThan(0)
    expect(report.ok).toBe(true)
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
    // collection is 1.8% larger and 52 callbacks' referents are cleared one collection earlier.
    const cleared = rows('weakref callbacks cleared by the same GC')
    expect(cleared.map((r) => r.ok)).toEqual([false, true, true])
    expect(cleared[0].real).toBeGreaterThan(1900)
  })
})
