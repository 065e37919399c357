/**
 * `pin` on the JVM model is a JNI global reference: a root the collectors update, not a pin.
 * HotSpot's Serial GC cannot pin an object (FIDELITY.md#pinning), so the object still moves.
 */
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024

describe('pin on the JVM model', () => {
  it('keeps an object with no other reference alive, but copies and slides it like any other', () => {
    const m = new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 4 * MiB, xmn: 1 * MiB })
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(3)
    m.alloc(1, node)
    m.writeInt(1, 0, 42)
    m.alloc(2, node)
    m.writeInt(2, 0, 7)
    m.store(1, 0, 2)
    m.pin(1)
    m.weakref(2, 1) // the only way back to it
    const before = m.native.addressOf(1)
    m.clear(1)
    for (let i = 0; i < 40_000; i++) m.alloc(0, node) // several young collections
    m.collect() // and a full one
    expect(m.stats().collections[0]).toBeGreaterThan(0)
    m.deref(1, 2)
    expect(m.isNull(1)).toBe(false)
    expect(m.native.addressOf(1)).not.toBe(before)
    expect(m.readInt(1, 0)).toBe(42)
    m.load(0, 1, 0)
    expect(m.readInt(0, 0)).toBe(7)
    m.unpin(1)
    expect(() => m.unpin(1)).toThrow(/not pinned/)
    m.clear(0)
    m.clear(1)
    m.collect()
    m.deref(1, 2)
    expect(m.isNull(1)).toBe(true)
  })
})
