import { type GcEvent, isPygcError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

function cycles(m: CPythonManager, type: number, n: number): void {
  for (let i = 0; i < n; i++) {
    m.alloc(0, type)
    m.alloc(1, type)
    m.store(0, 0, 1)
    m.store(1, 0, 0)
    m.clear(0)
    m.clear(1)
  }
}

describe('the gc module surface', () => {
  it('collect(g) validates g, returns collected + uncollectable, and works while disabled', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    m.native.disable()
    cycles(m, t, 1000)
    expect(m.native.get_stats()[0].collections).toBe(0)
    expect(m.native.get_count()[0]).toBeGreaterThan(700)
    expect(m.native.collect(0)).toBe(2000)
    expect(() => m.native.collect(3)).toThrow(/ValueError/)
    try {
      m.collect(-2)
    } catch (e) {
      expect(isPygcError(e, 'INVALID_GENERATION')).toBe(true)
    }
  })

  it('updates the counts at the start of a collection and decrements generation 0 on a free', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    m.alloc(0, t)
    m.alloc(1, t)
    expect(m.native.get_count()).toEqual([2, 0, 0])
    m.clear(1) // to the list free list: no decrement
    expect(m.native.get_count()).toEqual([2, 0, 0])
    m.collect(0)
    expect(m.native.get_count()).toEqual([0, 1, 0])
    m.collect(1)
    expect(m.native.get_count()).toEqual([0, 0, 1])
    m.collect(2) // clears the free lists: their PyObject_GC_Del decrements nothing at 0
    expect(m.native.get_count()).toEqual([0, 0, 0])
    m.alloc(1, t) // fresh: the free list was cleared
    expect(m.native.get_count()).toEqual([1, 0, 0])
    m.clear(0)
    m.clear(1)
  })

  it('skips generation 2 while long_lived_pending < long_lived_total / 4', () => {
    const m = new CPythonManager({ start: { generations: [0, 0, 100_000] } })
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    cycles(m, t, 60_000)
    const s = m.native.get_stats()
    expect(s[1].collections).toBeGreaterThan(10)
    expect(s[2].collections).toBe(0) // count2 > 10 but pending stays far below 25,000
    expect(m.native.get_count()[2]).toBeGreaterThan(10)
  })

  it('freeze() moves everything to the permanent generation, unfreeze() back to generation 2', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(4)
    m.alloc(2, t)
    m.alloc(3, t)
    m.gcControl('freeze')
    expect(m.native.get_freeze_count()).toBe(2)
    expect(m.native.get_count()[0]).toBe(0)
    m.gcControl('unfreeze')
    expect(m.native.get_freeze_count()).toBe(0)
    expect(m.native.generationSizes()).toEqual([0, 0, 2])
  })

  it('calls gc.callbacks with start and stop, and untracks tuples of atoms', () => {
    const m = new CPythonManager()
    const tup = m.defineType({ name: 'T', refs: 2, shape: 'tuple' })
    const phases: string[] = []
    m.native.callbacks.push((phase, info) => phases.push(`${phase}:${info.generation}:${info.collected}`))
    m.pushFrame(2)
    m.alloc(0, tup)
    expect(m.native.is_tracked(0)).toBe(true)
    m.collect(0)
    expect(m.native.is_tracked(0)).toBe(false)
    expect(phases).toEqual(['start:0:0', 'stop:0:0'])
  })

  it('emits events only to listeners and gives the same figures with and without them', () => {
    const run = (listen: boolean) => {
      const m = new CPythonManager()
      const t = m.defineType({ name: 'L', refs: 1 })
      const seen: GcEvent[] = []
      if (listen) m.on((e) => seen.push(e))
      m.pushFrame(2)
      cycles(m, t, 3000)
      const { wallGcMs: _w, ...s } = m.stats()
      return { s: JSON.stringify(s), seen: seen.length }
    }
    const a = run(false)
    const b = run(true)
    expect(a.s).toBe(b.s)
    expect(b.seen).toBeGreaterThan(6000)
  })

  it('starts from a given state: counts, generation 2 population, free-list fill', () => {
    const m = new CPythonManager({
      start: { counts: [650, 3, 4], generations: [0, 0, 5000], freeLists: { list: 80 } },
    })
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(1)
    expect(m.native.get_count()).toEqual([650, 3, 4])
    for (let i = 0; i < 80; i++) {
      m.alloc(0, t) // from the free list: no count
    }
    expect(m.native.get_count()[0]).toBe(650)
    expect(m.native.generationSizes()[2]).toBe(5000)
    expect(m.native.summary().longLivedTotal).toBe(5000)
  })
})
