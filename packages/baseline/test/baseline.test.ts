import { type GcEvent, globalSlot, isPygcError, OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { BaselineManager, baselineRuntime } from '../src/index.js'

function events(m: BaselineManager): GcEvent[] {
  const seen: GcEvent[] = []
  m.on((e) => seen.push(e))
  return seen
}

describe('BaselineManager layout and allocation', () => {
  it('sizes objects as a 16-byte header + 8 per ref + 4 per int + bytes, 8-aligned', () => {
    const m = new BaselineManager()
    const seen = events(m)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 })
    const empty = m.defineType({ name: 'empty', refs: 0 })
    const buf = m.defineType({ name: 'buf', refs: 0, variable: 'bytes' })
    m.pushFrame(1)
    m.alloc(0, node)
    m.alloc(0, empty)
    m.alloc(0, buf, 100)
    m.weakref(0, 0)
    const sizes = seen.flatMap((e) => (e.type === 'alloc' ? [e.bytes] : []))
    expect(sizes).toEqual([40, 16, 120, 32])
    expect(m.stats().bytesAllocated).toBe(208)
  })

  it('gives ordinal ids and stable 8-aligned addresses as idOf', () => {
    const m = new BaselineManager()
    const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
    m.defineGlobals(1)
    m.pushFrame(2)
    m.alloc(0, node)
    m.alloc(1, node)
    expect([m.objectId(0), m.objectId(1)]).toEqual([0, 1])
    const address = m.idOf(1)
    expect(address % 8).toBe(0)
    expect(address).toBeGreaterThan(0)
    m.move(globalSlot(0), 1)
    for (let i = 0; i < 5; i++) m.collect()
    expect(m.idOf(globalSlot(0))).toBe(address)
    expect(m.idOf(0) === m.idOf(1)).toBe(false)
    m.clear(0)
    // The contract (types.ts): id() of a null slot is NULL_REFERENCE on every manager.
    expect(() => m.idOf(0)).toThrow(expect.objectContaining({ code: 'NULL_REFERENCE' }))
  })

  it('reuses a freed cell of the same size class', () => {
    const m = new BaselineManager()
    const node = m.defineType({ name: 'node', refs: 2 })
    m.pushFrame(1)
    m.alloc(0, node)
    const first = m.idOf(0)
    m.clear(0)
    m.collect()
    m.alloc(0, node)
    expect(m.idOf(0)).toBe(first)
  })

  it('coalesces freed large chunks and gives a free tail back by lowering the frontier', () => {
    const m = new BaselineManager()
    const buf = m.defineType({ name: 'buf', refs: 0, variable: 'bytes' })
    const small = m.defineType({ name: 'small', refs: 0 })
    m.pushFrame(4)
    m.alloc(0, buf, 4000)
    m.alloc(1, buf, 4000)
    m.alloc(2, buf, 4000)
    m.alloc(3, small) // pins the end of the heap
    const start = m.idOf(0)
    const footprint = m.stats().footprintBytes
    m.clear(0)
    m.clear(1)
    m.clear(2)
    m.collect()
    m.alloc(0, buf, 11_000) // fits only in the three coalesced chunks
    expect(m.stats().footprintBytes).toBe(footprint)
    expect(m.idOf(0)).toBeGreaterThanOrEqual(start)
    m.clear(0)
    m.clear(3)
    m.collect()
    expect(m.stats().footprintBytes).toBeLessThan(footprint)
  })

  it('marks a 200,000-long list without host recursion', () => {
    const m = new BaselineManager()
    const node = m.defineType({ name: 'node', refs: 1 })
    m.pushFrame(2)
    for (let i = 0; i < 200_000; i++) {
      m.alloc(1, node)
      m.store(1, 0, 0)
      m.move(0, 1)
    }
    m.collect()
    expect(m.stats().liveObjects).toBe(200_000)
    m.clear(0)
    m.clear(1)
    expect(m.collect()).toBe(200_000)
    expect(m.stats().liveObjects).toBe(0)
  })
})

describe('BaselineManager collection policy', () => {
  it('collects when allocation since the last GC exceeds max(1 MiB, live), unless disabled', () => {
    const m = new BaselineManager()
    const buf = m.defineType({ name: 'buf', refs: 0, variable: 'bytes' })
    m.pushFrame(1)
    for (let i = 0; i < 100; i++) m.alloc(0, buf, 20_000) // 2 MB of garbage
    expect(m.stats().collectionReasons).toEqual({ allocation: 1 })
    expect(m.gcControl('disable')).toBe(true)
    for (let i = 0; i < 200; i++) m.alloc(0, buf, 20_000)
    expect(m.stats().collections).toEqual([1])
    expect(m.collect()).toBeGreaterThan(0) // gc.collect works while disabled
    expect(m.gcControl('enable')).toBe(true)
    for (let i = 0; i < 100; i++) m.alloc(0, buf, 20_000)
    expect(m.stats().collectionReasons.allocation).toBe(2)
  })

  it('reports freeze/unfreeze as unsupported with an event', () => {
    const m = new BaselineManager()
    const seen = events(m)
    expect(m.gcControl('freeze')).toBe(false)
    expect(seen).toEqual([{ type: 'gc-control', op: 0, action: 'freeze', supported: false }])
  })

  it('raises MemoryError at the heap limit after a last-ditch collection, and stays usable', () => {
    const m = new BaselineManager({ heapLimit: 1 << 20 })
    const buf = m.defineType({ name: 'buf', refs: 1, variable: 'bytes' })
    m.pushFrame(2)
    m.alloc(0, buf, 1000)
    let err: unknown
    try {
      for (let i = 0; i < 2000; i++) {
        m.alloc(1, buf, 1000)
        m.store(1, 0, 0)
        m.move(0, 1)
      }
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(OutOfMemoryError)
    expect((err as OutOfMemoryError).runtimeError).toBe('MemoryError')
    expect(isPygcError(err, 'OUT_OF_MEMORY')).toBe(true)
    expect(m.stats().collectionReasons['allocation failure']).toBeGreaterThanOrEqual(1)
    m.clear(0)
    m.clear(1)
    m.collect()
    m.alloc(0, buf, 1000)
    expect(m.stats().liveObjects).toBe(1)
  })

  it('takes every Python generation as its one full collection, rejects others and an unknown preset', () => {
    const m = new BaselineManager()
    for (const g of [0, 1, 2]) m.collect(g)
    expect(m.stats().collections).toEqual([3])
    for (const g of [-1, 3, 0.5]) {
      expect(() => m.collect(g)).toThrow(expect.objectContaining({ code: 'INVALID_GENERATION' }))
    }
    expect(m.stats().collections).toEqual([3])
    expect(() => new BaselineManager({ preset: 'copying' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    )
    expect(baselineRuntime.create().info.family).toBe('baseline')
  })
})

describe('BaselineManager finalizers and weak references', () => {
  it('clears weakrefs before a finalizer resurrects the target, and runs both at the next op boundary', () => {
    const m = new BaselineManager()
    m.defineGlobals(2)
    const phoenix = m.defineType({ name: 'phoenix', refs: 0, ints: 1, finalizer: { resurrectInto: 0 } })
    m.pushFrame(2)
    m.alloc(0, phoenix)
    m.writeInt(0, 0, 5)
    m.weakref(globalSlot(1), 0, { tag: 9 })
    m.clear(0)
    const seen = events(m)
    expect(m.collect()).toBe(1) // found unreachable, kept for its finalizer
    expect(seen.some((e) => e.type === 'finalize')).toBe(false)
    const op = m.stats().ops
    m.isNull(0) // the op boundary: callbacks, then finalizers
    const late = seen.filter((e) => e.type === 'weakref-callback' || e.type === 'finalize')
    expect(late).toEqual([
      { type: 'weakref-callback', op, weakId: 1, tag: 9 },
      { type: 'finalize', op, id: 0, typeId: 0, resurrected: true, betweenOps: true },
    ])
    m.deref(1, globalSlot(1))
    expect(m.isNull(1)).toBe(true)
    expect(m.readInt(globalSlot(0), 0)).toBe(5)
    m.clear(globalSlot(0))
    m.collect()
    expect(seen.filter((e) => e.type === 'finalize')).toHaveLength(1)
    expect(seen.filter((e) => e.type === 'free').map((e) => (e as { id: number }).id)).toEqual([0])
  })

  it('summarizes its heap deterministically', () => {
    const run = () => {
      const m = new BaselineManager()
      const node = m.defineType({ name: 'node', refs: 2 })
      m.pushFrame(1)
      for (let i = 0; i < 1000; i++) m.alloc(0, node)
      m.collect()
      return m.native.summary()
    }
    expect(run()).toEqual(run())
    expect(run()).toMatchObject({ heapBytes: expect.any(Number), pendingFinalizers: 0, automaticGc: true })
  })
})
