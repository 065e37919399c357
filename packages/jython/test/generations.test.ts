import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024

describe('old generation sizing and promotion failure', () => {
  it('grows the old generation toward MinHeapFreeRatio and shrinks it, damped, toward MaxHeapFreeRatio', () => {
    const m = new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 64 * MiB, xmn: MiB })
    const node = m.defineType({ name: 'Node', refs: 1, ints: 1 })
    m.defineGlobals(1)
    m.pushFrame(2)
    const initialOld = m.options.geometry.oldInitialBytes
    // Keep 8 MB alive in a chain: the old generation must grow past its initial 3 MB.
    for (let i = 0; i < 350_000; i++) {
      m.alloc(0, node)
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
    }
    m.collect()
    const grown = m.stats().footprintBytes
    expect(grown).toBeGreaterThan(initialOld + MiB)
    const oldUsed = m.stats().spaces.old
    // used / capacity <= 60% right after a full GC (MinHeapFreeRatio 40)
    expect(oldUsed / (grown - m.options.geometry.youngBytes)).toBeLessThanOrEqual(0.6 + 1e-9)
    m.clear(globalSlot(0))
    m.clear(0)
    const sizes: number[] = []
    for (let i = 0; i < 5; i++) {
      m.collect()
      sizes.push(m.stats().footprintBytes)
    }
    // 0% on the first call, then 10%, 40%, 100%: not all at once, but all the way in the end.
    expect(sizes[0]).toBe(grown)
    expect(sizes[1]).toBeLessThan(sizes[0])
    expect(sizes[2]).toBeLessThan(sizes[1])
    // (HotSpot's shrink_bytes / 100 * factor and page alignment can leave one page over.)
    expect(sizes[4] - (m.options.geometry.youngBytes + initialOld)).toBeLessThanOrEqual(4096)
    expect(m.native.verify()).toEqual([])
  })

  it('fails a promotion when the old generation is full, then runs a full GC and keeps every object', () => {
    const m = new JythonManager({ sizeMode: 'java', xms: 2 * MiB, xmx: 2 * MiB, xmn: MiB })
    const node = m.defineType({ name: 'Node', refs: 1, ints: 1 })
    m.defineGlobals(2)
    m.pushFrame(2)
    // ~700 KB of live data in the old generation...
    for (let i = 0; i < 28_000; i++) {
      m.alloc(0, node)
      m.writeInt(0, 0, i)
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
    }
    m.collect()
    // ...then a young generation full of live objects: they cannot all be promoted.
    let n = 0
    while (m.stats().collections[0] === 0) {
      m.alloc(0, node)
      m.writeInt(0, 0, n++)
      m.store(0, 0, globalSlot(1))
      m.move(globalSlot(1), 0)
    }
    const reasons = m.stats().collectionReasons
    expect(reasons['promotion failed']).toBe(1)
    expect(m.native.summary().promotionFailures).toBe(1)
    expect(m.native.verify()).toEqual([])
    // Both chains are intact, newest first.
    for (const [g, count] of [
      [1, n - 1],
      [0, 27_999],
    ] as const) {
      m.move(0, globalSlot(g))
      for (let k = count; k >= count - 1000; k--) {
        expect(m.readInt(0, 0)).toBe(k)
        m.load(0, 0, 0)
      }
    }
    expect(m.native.records().map((r) => r.kind)).toContain('full')
  })
})
