/**
 * IronPython's figures come from what its collections did (core's CollectionCycle): freed and
 * moved bytes per collection, and finalizers priced where the CLR runs them — on the finalizer
 * thread, between collections, so as mutator time.
 */
import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'

/** A price no other unit has, so a difference of exactly a multiple of it can only be finalizers. */
const FINALIZER_NS = 100_003
const FINALIZABLE = 1_000

/** 1,000 objects with `__del__` made, dropped and collected by gc.collect() (which runs their finalizers). */
function finalizers(finalizerNs: number): { m: IronPythonManager; events: GcEvent[] } {
  const m = new IronPythonManager({ preset: 'clr', cost: { finalizer: finalizerNs } })
  const t = m.defineType({ name: 'T', refs: 1, finalizer: {} })
  const events: GcEvent[] = []
  m.on((e) => events.push(e), ['gc-end', 'free', 'finalize'])
  m.pushFrame(1)
  for (let i = 0; i < FINALIZABLE; i++) m.alloc(0, t)
  m.clear(0)
  m.collect()
  m.collect()
  return { m, events }
}

describe('where finalizer work is charged (core/collection-cycle.ts)', () => {
  it("a finalizer runs on the CLR's finalizer thread: mutator time, once per finalizer, never in a pause", () => {
    const free = finalizers(0)
    const priced = finalizers(FINALIZER_NS)
    const a = free.m.stats()
    const b = priced.m.stats()
    expect(b.work.finalizersRun).toBe(FINALIZABLE)
    expect(b.virtualTime.mutator - a.virtualTime.mutator).toBe(FINALIZABLE * FINALIZER_NS)
    expect(b.virtualTime.gc).toBe(a.virtualTime.gc)
  })
})

// Freed bytes per collection and their sums: the accounting check (conformance.test.ts).
describe('moved bytes per collection', () => {
  it('a compacting collection reports the bytes it slid as copied bytes', () => {
    const m = new IronPythonManager({ preset: 'clr' })
    const t = m.defineType({ name: 'T', refs: 2 })
    const ends: Extract<GcEvent, { type: 'gc-end' }>[] = []
    m.on(
      (e) => {
        if (e.type === 'gc-end') ends.push(e)
      },
      ['gc-end'],
    )
    m.pushFrame(2)
    // Garbage below a survivor: a compaction slides the survivor down over it.
    for (let i = 0; i < 100; i++) m.alloc(0, t)
    m.alloc(1, t)
    m.collect(0)
    const moved = ends.find((e) => e.compacted && e.copiedBytes > 0)
    expect(moved).toBeDefined()
    expect(m.stats().work.bytesCompacted).toBe(ends.reduce((sum, e) => sum + e.copiedBytes, 0))
  })
})
