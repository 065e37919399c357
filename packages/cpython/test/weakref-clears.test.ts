/**
 * weakrefsCleared and `weakref-clear` events count a weakref cleared because its referent died
 * (PyObject_ClearWeakRefs on a refcount death, handle_weakrefs in a collection), never a weak
 * reference object torn down itself (weakref_dealloc -> clear_weakref, or one that is garbage
 * in the collection), so the figure means the same as on the other runtimes.
 */
import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

function withClears(m: CPythonManager): Extract<GcEvent, { type: 'weakref-clear' }>[] {
  const clears: Extract<GcEvent, { type: 'weakref-clear' }>[] = []
  m.on((e) => {
    if (e.type === 'weakref-clear') clears.push(e)
  })
  return clears
}

describe('cleared weakrefs', () => {
  it('does not count 100 weakrefs dropped while their target lives', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'node', refs: 1 })
    m.pushFrame(2)
    m.alloc(0, node)
    const clears = withClears(m)
    for (let i = 0; i < 100; i++) {
      m.weakref(1, 0, i % 2 === 0 ? { tag: i } : undefined)
      m.clear(1) // the weak reference object dies; its target does not
    }
    m.collect()
    const s = m.stats()
    expect(s.freedByRefcount).toBe(100) // the weak reference objects are gone...
    expect(s.weakrefsCleared).toBe(0) // ...but none was cleared by its referent's death
    expect(clears).toEqual([])
  })

  it('counts a live weakref whose target dies by refcount, once', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'node', refs: 1 })
    m.pushFrame(3)
    m.alloc(0, node)
    const target = m.objectId(0)
    m.weakref(1, 0)
    m.weakref(2, 0, { tag: 7 })
    const weakIds = [m.objectId(1), m.objectId(2)]
    const clears = withClears(m)
    m.clear(0)
    expect(m.stats().weakrefsCleared).toBe(2)
    expect(clears.map((e) => [e.weakId, e.targetId]).sort()).toEqual(weakIds.map((w) => [w, target]).sort())
    m.clear(1)
    m.clear(2) // dropping the cleared weakrefs counts nothing more
    expect(m.stats().weakrefsCleared).toBe(2)
  })

  it('counts a live weakref to a collected cycle, not a weakref that is garbage in the cycle', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'node', refs: 2 })
    m.pushFrame(4)
    m.alloc(0, node)
    m.alloc(1, node)
    m.store(0, 0, 1)
    m.store(1, 0, 0) // a 2-cycle
    m.weakref(2, 1)
    m.store(0, 1, 2) // a weakref to the cycle, held only by the cycle
    m.weakref(3, 0) // a weakref to the cycle that lives on in a slot
    const live = m.objectId(3)
    m.clear(0)
    m.clear(1)
    m.clear(2)
    const clears = withClears(m)
    expect(m.collect()).toBe(3)
    expect(m.stats().weakrefsCleared).toBe(1)
    expect(clears.map((e) => e.weakId)).toEqual([live])
  })
})
