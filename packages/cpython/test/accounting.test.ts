import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

/** A price no other unit has, so a difference of exactly it can only be a finalizer. */
const FINALIZER_NS = 100_003

/**
 * One object of a type with `__del__` made and dropped (a refcount death), on a manager whose
 * finalizer price is FINALIZER_NS or, for `free`, 0: the two runs differ in that price only.
 */
function run(priced: boolean): { m: CPythonManager; events: GcEvent[] } {
  const m = new CPythonManager({ cost: { finalizer: priced ? FINALIZER_NS : 0 } })
  const t = m.defineType({ name: 'T', refs: 1, finalizer: {} })
  const events: GcEvent[] = []
  m.on((e) => events.push(e), ['gc-end', 'free', 'finalize'])
  m.pushFrame(2)
  m.alloc(0, t)
  m.clear(0)
  return { m, events }
}

/** A 2-object cycle of type 0 made, dropped and collected (finalize_garbage runs both __del__). */
function cycleOf(m: CPythonManager): void {
  m.alloc(0, 0)
  m.alloc(1, 0)
  m.store(0, 0, 1)
  m.store(1, 0, 0)
  m.clear(0)
  m.clear(1)
  m.collect()
}

describe('where finalizer work is charged (core/collection-cycle.ts)', () => {
  it('a __del__ run by a refcount death is mutator time, priced once', () => {
    const free = run(false).m.stats()
    const priced = run(true).m.stats()
    expect(priced.work.finalizersRun).toBe(1)
    expect(priced.virtualTime.mutator - free.virtualTime.mutator).toBe(FINALIZER_NS)
    expect(priced.virtualTime.gc).toBe(0)
  })

  it('a __del__ run by finalize_garbage is part of the pause, not mutator time', () => {
    const a = run(false)
    const b = run(true)
    const before = [a.m.stats(), b.m.stats()]
    cycleOf(a.m)
    cycleOf(b.m)
    const [pa, pb] = [a.m.stats(), b.m.stats()]
    expect(pb.work.finalizersRun - before[1].work.finalizersRun).toBe(2)
    // The two finalizers add nothing to mutator time...
    expect(pb.virtualTime.mutator - before[1].virtualTime.mutator).toBeCloseTo(
      pa.virtualTime.mutator - before[0].virtualTime.mutator,
      6,
    )
    // ...and exactly their price to the collection's pause.
    const pause = (events: GcEvent[]) =>
      events.filter((e) => e.type === 'gc-end').map((e) => (e.type === 'gc-end' ? e.pauseVirtual : 0))
    expect(pause(b.events)).toHaveLength(1)
    expect(pause(b.events)[0] - pause(a.events)[0]).toBe(2 * FINALIZER_NS)
    expect(pb.virtualTime.gc - pa.virtualTime.gc).toBe(2 * FINALIZER_NS)
  })
})

describe('freed bytes by cause', () => {
  it('refcount and cycle frees carry their bytes, and the figures reconcile', () => {
    const { m, events } = run(false)
    cycleOf(m)
    m.popFrame()
    const s = m.stats()
    const frees = events.filter((e) => e.type === 'free')
    const bytesOf = (cause: string) =>
      frees.reduce((sum, e) => sum + (e.type === 'free' && e.cause === cause ? e.bytes : 0), 0)
    expect(s.freedByRefcount).toBe(1)
    expect(s.freedByCycle).toBe(2)
    expect(s.freedBytesByRefcount).toBe(bytesOf('refcount'))
    expect(s.freedBytesByCycle).toBe(bytesOf('cycle'))
    expect(s.freedBytesByRefcount).toBeGreaterThan(0)
    expect(s.freedBytesByCycle).toBe(2 * s.freedBytesByRefcount)
    expect(s.bytesAllocated).toBe(s.freedBytesByRefcount + s.freedBytesByCycle + s.liveBytes)
    const gcEnd = events.find((e) => e.type === 'gc-end')
    expect(gcEnd?.type === 'gc-end' && gcEnd.freedBytes).toBe(s.freedBytesByCycle)
  })
})
