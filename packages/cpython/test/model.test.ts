import { type GcEvent, globalSlot, isPygcError, OutOfMemoryError, type TypeId } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

const scale = process.env.CI ? 10 : 1

/**
 * Allocate a chain (each new object holding the previous one, held from local 0) until the
 * manager refuses, up to 10^6 objects: the error it threw and the objects allocated before it.
 */
function chainUntilOutOfMemory(m: CPythonManager, t: TypeId): { err: unknown; allocated: number } {
  m.pushFrame(2)
  let allocated = 0
  try {
    for (let i = 0; i < 1e6; i++) {
      m.alloc(1, t)
      allocated++
      m.store(1, 0, 0)
      m.move(0, 1)
    }
  } catch (err) {
    return { err, allocated }
  }
  return { err: undefined, allocated }
}

describe('refcounting', () => {
  it('frees at once when the last reference goes, with the trashcan bounding a long chain', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'Node', refs: 1 })
    m.pushFrame(2)
    const n = 1_000_000 / scale
    for (let i = 0; i < n; i++) {
      m.alloc(1, node)
      m.store(1, 0, 0)
      m.move(0, 1)
      m.clear(1)
    }
    expect(m.stats().liveObjects).toBe(n)
    m.clear(0)
    const s = m.stats()
    expect(s.liveObjects).toBe(0)
    expect(s.freedByRefcount).toBe(n)
    expect(m.native.summary().trashcanDeposits).toBeGreaterThan(0)
  })

  it('counts references like sys.getrefcount', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'T', refs: 2 })
    m.pushFrame(3)
    m.alloc(0, t)
    expect(m.native.getrefcount(0)).toBe(2)
    m.move(1, 0)
    m.store(0, 0, 0)
    expect(m.native.getrefcount(0)).toBe(4)
    m.popFrame()
    expect(m.stats().liveObjects).toBe(1) // self-cycle survives refcounting
    expect(m.collect()).toBe(1)
    expect(m.stats().liveObjects).toBe(0)
  })
})

describe('cycle collector', () => {
  it('collects 2-list garbage cycles every 781 allocations (701 + 80 from the list free list)', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'L', refs: 1 })
    m.pushFrame(2)
    const starts: number[] = []
    let allocs = 0
    m.on((e: GcEvent) => {
      if (e.type === 'gc-start') starts.push(allocs)
    })
    for (let i = 0; i < 8000; i++) {
      m.alloc(0, t)
      allocs++
      m.alloc(1, t)
      allocs++
      m.store(0, 0, 1)
      m.store(1, 0, 0)
      m.clear(0)
      m.clear(1)
    }
    const gaps = starts.slice(2).map((x, i) => x - starts[i + 1])
    expect(new Set(gaps)).toEqual(new Set([781]))
  })

  it('runs __del__ once, detects resurrection, and leaves legacy finalizers in gc.garbage', () => {
    const m = new CPythonManager()
    m.defineGlobals(1)
    const fin = m.defineType({ name: 'F', refs: 1, finalizer: { resurrectInto: 0 } })
    const legacy = m.defineType({ name: 'Legacy', refs: 1, finalizer: { legacy: true } })
    const events: GcEvent[] = []
    m.on((e) => {
      if (e.type === 'finalize') events.push(e)
    })
    m.pushFrame(2)
    m.alloc(0, fin)
    m.store(0, 0, 0)
    m.clear(0)
    expect(m.collect()).toBe(0) // resurrected: nothing collected
    expect(events).toHaveLength(1)
    expect(m.isNull(globalSlot(0))).toBe(false)
    m.clear(globalSlot(0))
    expect(m.collect()).toBe(1) // FINALIZED: not called again
    expect(events).toHaveLength(1)
    m.alloc(0, legacy)
    m.store(0, 0, 0)
    m.clear(0)
    expect(m.collect()).toBe(1)
    expect(m.native.get_stats()[2].uncollectable).toBe(1)
    expect(m.native.garbage).toHaveLength(1)
  })

  it('clears weakrefs to garbage and calls only the callbacks of reachable weakrefs', () => {
    const m = new CPythonManager()
    const t = m.defineType({ name: 'T', refs: 1, shape: 'slots' })
    const tags: number[] = []
    m.on((e) => {
      if (e.type === 'weakref-callback') tags.push(e.tag)
    })
    m.pushFrame(4)
    m.alloc(0, t)
    m.store(0, 0, 0)
    m.weakref(1, 0, { tag: 1 })
    m.weakref(2, 0, { tag: 2 })
    m.clear(0)
    m.collect()
    expect(tags).toEqual([2, 1])
    m.deref(3, 1)
    expect(m.isNull(3)).toBe(true)
    // refcount death: newest callback first
    m.alloc(0, t)
    m.weakref(1, 0, { tag: 3 })
    m.weakref(2, 0, { tag: 4 })
    m.clear(0)
    expect(tags).toEqual([2, 1, 4, 3])
  })

  it('raises MemoryError at the heap limit and stays consistent', () => {
    const m = new CPythonManager({ heapLimit: 2 * 1024 * 1024 })
    const t = m.defineType({ name: 'B', refs: 1, ints: 100 })
    const { err, allocated } = chainUntilOutOfMemory(m, t)
    const live = m.stats().liveObjects
    expect(err).toBeInstanceOf(OutOfMemoryError)
    expect(isPygcError(err, 'OUT_OF_MEMORY')).toBe(true)
    expect((err as OutOfMemoryError).runtimeError).toBe('MemoryError')
    expect(m.stats().footprintBytes).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(live).toBe(allocated)
    // The heap stays usable: dropping the chain frees everything.
    m.clear(0)
    m.clear(1)
    expect(m.stats().liveObjects).toBe(0)
  })

  it('raises MemoryError at the heap limit on the quick path (tuples, __slots__ instances) too', () => {
    for (const shape of ['tuple', 'slots'] as const) {
      const m = new CPythonManager({ heapLimit: 2 * 1024 * 1024 })
      const t = m.defineType({ name: 'N', refs: 1, shape })
      const { err, allocated } = chainUntilOutOfMemory(m, t)
      expect(isPygcError(err, 'OUT_OF_MEMORY')).toBe(true)
      expect(m.stats().footprintBytes).toBeLessThanOrEqual(2 * 1024 * 1024)
      expect(m.stats().liveObjects).toBe(allocated)
      expect(m.stats().objectsAllocated).toBe(allocated)
    }
  })
})
