/**
 * What the cpython-3.10 preset does differently, each rule pinned to its 3.10.13 source
 * (deadsnakes/python3.10 tag upstream/3.10.13) and checked on the real 3.10.13 where a figure
 * is shown (`gc.get_count()`, `gc.is_tracked(o.__dict__)`, `gc.collect()`).
 */
import { type GcEvent, globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

function py310(): CPythonManager {
  return new CPythonManager({ preset: 'cpython-3.10' })
}

describe('3.10 plain instances: a dict object each (Objects/dictobject.c, instance-dict.ts)', () => {
  it('an instance with an attribute is two GC allocations: the object and its dict (new_dict :647)', () => {
    const m = py310()
    const c = m.defineType({ name: 'C', refs: 1, shape: 'dict-instance' })
    const bare = m.defineType({ name: 'B', refs: 0, shape: 'dict-instance' })
    m.pushFrame(2)
    m.alloc(0, c)
    expect(m.native.get_count()[0]).toBe(2)
    m.alloc(1, bare) // no attribute, no setattr: no dict
    expect(m.native.get_count()[0]).toBe(3)
    // the 3.11 model: the values hang off the object, one allocation
    const m11 = new CPythonManager({ preset: 'cpython-3.11' })
    m11.pushFrame(1)
    m11.alloc(0, m11.defineType({ name: 'C', refs: 1, shape: 'dict-instance' }))
    expect(m11.native.get_count()[0]).toBe(1)
  })

  it('the dict is tracked when a container goes in (MAINTAIN_TRACKING :991) and untracked by a full collection (untrack_dicts, gcmodule.c :1252)', () => {
    const m = py310()
    const c = m.defineType({ name: 'C', refs: 1, shape: 'dict-instance' })
    const l = m.defineType({ name: 'L', refs: 0 })
    m.pushFrame(2)
    m.alloc(0, c)
    expect(m.native.generationSizes()[0]).toBe(1) // the instance; its dict holds None only
    m.alloc(1, l)
    m.store(0, 0, 1)
    expect(m.native.generationSizes()[0]).toBe(3) // + the list + the dict, now tracked
    m.clear(1)
    m.store(0, 0, 1) // None again: a dict stays tracked until a full collection looks at it
    expect(m.native.generationSizes()[0]).toBe(2)
    m.collect(1)
    expect(m.native.generationSizes()[2]).toBe(2) // not a full collection: the dict still tracked
    m.collect()
    expect(m.native.generationSizes()[2]).toBe(1) // the instance; its dict untracked
  })

  it('a cycle of two instances holding each other is four collected objects (real 3.10.13: 4)', () => {
    const m = py310()
    const c = m.defineType({ name: 'C', refs: 1, shape: 'dict-instance' })
    m.pushFrame(2)
    m.alloc(0, c)
    m.alloc(1, c)
    m.store(0, 0, 1)
    m.store(1, 0, 0)
    m.clear(0)
    m.clear(1)
    expect(m.collect()).toBe(4)
    expect(m.native.get_count()).toEqual([0, 0, 0])
  })

  it('a dead instance puts its dict on the dict free list: the next instance takes it without a count (dict_dealloc :2056)', () => {
    const m = py310()
    const c = m.defineType({ name: 'C', refs: 2, shape: 'dict-instance' })
    m.pushFrame(1)
    m.alloc(0, c)
    expect(m.native.get_count()[0]).toBe(2)
    m.clear(0) // the instance back to pymalloc (-1), its dict to the free list (no count)
    expect(m.native.get_count()[0]).toBe(1)
    m.alloc(0, c) // a fresh instance (+1), the dict from the free list
    expect(m.native.get_count()[0]).toBe(2)
  })
})

describe('3.10 frames are GC objects (Objects/frameobject.c frame_alloc :781, frames.ts)', () => {
  /**
   * A resurrecting __del__ whose store into its global kills the previous occupant, which has the
   * same __del__: the inner call runs while the outer one holds the code object's zombie frame.
   */
  function nestedDels(m: CPythonManager): { finalized: number[] } {
    m.defineGlobals(1)
    const p = m.defineType({ name: 'P', refs: 0, finalizer: { resurrectInto: 0 } })
    const seen: number[] = []
    m.on((e: GcEvent) => {
      if (e.type === 'finalize') seen.push(e.id)
    })
    m.pushFrame(1)
    m.alloc(globalSlot(0), p) // the occupant
    m.alloc(0, p)
    return { finalized: seen }
  }

  it('a __del__ inside a __del__ of the same code takes a new frame: +1 in generation 0, once; the frame free list serves the next', () => {
    const m = py310()
    const { finalized } = nestedDels(m)
    expect(m.native.get_count()[0]).toBe(2)
    m.clear(0) // outer __del__: G = self kills the occupant, whose __del__ runs nested
    expect(finalized).toHaveLength(2)
    // the outer object lives on in G (resurrected); the occupant died (-1); the inner frame (+1)
    expect(m.native.get_count()[0]).toBe(2)
    // the same again: the outer frame went to the free list, the nested call takes it
    m.alloc(0, m.defineType({ name: 'P2', refs: 0, finalizer: { resurrectInto: 0 } }))
    const before = m.native.get_count()[0]
    m.clear(0)
    expect(m.native.get_count()[0]).toBe(before - 1)
  })

  it('3.11 frames are not objects: the same program counts no frame', () => {
    const m = new CPythonManager({ preset: 'cpython-3.11' })
    nestedDels(m)
    m.clear(0)
    expect(m.native.get_count()[0]).toBe(1)
  })
})
