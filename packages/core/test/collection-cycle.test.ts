import { describe, expect, it } from 'vitest'
import { CollectionCycle, DEFAULT_COSTS, EventHub, emptyStats } from '../src/index.js'

describe('CollectionCycle.freedMany', () => {
  it('counts a wholesale free like that many single frees, priced the same, inside a collection only', () => {
    const run = (wholesale: boolean) => {
      const s = emptyStats(['young'])
      s.liveObjects = 10
      s.liveBytes = 1000
      const cycle = new CollectionCycle(s, new EventHub(), DEFAULT_COSTS)
      cycle.begin(0, 'test', 0)
      if (wholesale) cycle.freedMany(4, 400, 'tracing')
      else for (let i = 0; i < 4; i++) cycle.freed(100, 'tracing')
      const pause = cycle.end(1, { compacted: false, footprintAfter: 0, spaces: () => ({}) })
      return { s, pause }
    }
    const one = run(false)
    const many = run(true)
    expect({ ...many.s, wallGcMs: 0 }).toEqual({ ...one.s, wallGcMs: 0 })
    expect(many.pause).toBe(one.pause)
    expect(many.s.freedBytesByTracing).toBe(400)
    expect(many.s.work.objectsFreed).toBe(4)
    expect(many.s.liveObjects).toBe(6)
    const s = emptyStats(['young'])
    const cycle = new CollectionCycle(s, new EventHub(), DEFAULT_COSTS)
    expect(() => cycle.freedMany(1, 8, 'tracing')).toThrow(/outside a collection/)
  })
})

describe('CollectionCycle.refcountFreedMany', () => {
  it('counts a tally of refcount deaths like that many single frees, as mutator time outside a collection', () => {
    const run = (tally: boolean) => {
      const s = emptyStats(['young'])
      s.liveObjects = 10
      s.liveBytes = 1000
      const cycle = new CollectionCycle(s, new EventHub(), DEFAULT_COSTS)
      if (tally) cycle.refcountFreedMany(3, 240)
      else for (let i = 0; i < 3; i++) cycle.freed(80, 'refcount')
      return { s, cycle, mutator: cycle.mutatorTime() }
    }
    const one = run(false)
    const many = run(true)
    expect(many.s).toEqual(one.s)
    expect(many.mutator).toBe(one.mutator)
    expect(many.cycle.freesOutsideGc).toBe(3)
    expect(many.s.freedBytesByRefcount).toBe(240)
    expect(many.s.liveObjects).toBe(7)
    expect(many.s.liveBytes).toBe(760)
  })
})
