/**
 * Jython's figures come from what its collections did (core's CollectionCycle): a young
 * collection reclaims eden and from-space wholesale and reports their dead in one count, a full
 * collection reports the bytes it slid as moved bytes, and finalizers run on the JVM's finalizer
 * thread between collections, so they are mutator time.
 */
import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const FINALIZER_NS = 100_003
const FINALIZABLE = 1_000

function finalizers(finalizerNs: number): { m: JythonManager; events: GcEvent[] } {
  const m = new JythonManager({ cost: { finalizer: finalizerNs } })
  const t = m.defineType({ name: 'T', refs: 1, finalizer: {} })
  const events: GcEvent[] = []
  m.on((e) => events.push(e), ['gc-end', 'free', 'finalize'])
  m.pushFrame(1)
  for (let i = 0; i < FINALIZABLE; i++) m.alloc(0, t)
  m.clear(0)
  m.collect()
  m.isNull(0) // the finalizer thread's turn
  m.collect()
  return { m, events }
}

describe('where finalizer work is charged (core/collection-cycle.ts)', () => {
  it("a finalizer runs on the JVM's finalizer thread: mutator time, once per finalizer, never in a pause", () => {
    const a = finalizers(0).m.stats()
    const b = finalizers(FINALIZER_NS).m.stats()
    expect(b.work.finalizersRun).toBe(FINALIZABLE)
    expect(b.virtualTime.mutator - a.virtualTime.mutator).toBe(FINALIZABLE * FINALIZER_NS)
    expect(b.virtualTime.gc).toBe(a.virtualTime.gc)
  })
})

// Freed bytes per collection and their sums: the accounting check (conformance.test.ts).
describe('moved bytes per collection', () => {
  it('a full collection reports the bytes it slid as copied bytes', () => {
    const m = new JythonManager()
    const t = m.defineType({ name: 'T', refs: 2 })
    const ends: Extract<GcEvent, { type: 'gc-end' }>[] = []
    m.on(
      (e) => {
        if (e.type === 'gc-end') ends.push(e)
      },
      ['gc-end'],
    )
    m.pushFrame(2)
    for (let i = 0; i < 100; i++) m.alloc(0, t)
    m.alloc(1, t)
    m.collect()
    expect(ends).toHaveLength(1)
    expect(ends[0].compacted).toBe(true)
    expect(ends[0].copiedBytes).toBeGreaterThan(0)
    expect(ends[0].copiedBytes).toBe(m.stats().work.bytesCompacted)
  })
})
