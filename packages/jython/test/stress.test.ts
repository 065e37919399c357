import { globalSlot, OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024
const OPS = process.env.CI ? 40_000 : 150_000

/** A deterministic LCG (the test's own: no Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function stress(options: ConstructorParameters<typeof JythonManager>[0], seed: number): JythonManager {
  const m = new JythonManager(options)
  const rnd = lcg(seed)
  m.defineGlobals(8)
  const node = m.defineType({ name: 'node', refs: 3, ints: 1 })
  const vec = m.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' })
  const blob = m.defineType({ name: 'blob', refs: 1, variable: 'bytes' })
  const del = m.defineType({ name: 'del', refs: 1, finalizer: {} })
  const phoenix = m.defineType({ name: 'phoenix', refs: 1, finalizer: { resurrectInto: 7 } })
  m.pushFrame(16)
  const slot = (): number => (rnd() < 0.3 ? globalSlot(Math.floor(rnd() * 7)) : Math.floor(rnd() * 16))
  for (let i = 0; i < OPS; i++) {
    const r = rnd()
    const s = slot()
    try {
      if (r < 0.35) m.alloc(s, node)
      else if (r < 0.4) m.alloc(s, vec, Math.floor(rnd() * 40))
      else if (r < 0.41) m.alloc(s, blob, Math.floor(rnd() * 600_000))
      else if (r < 0.42) m.alloc(s, rnd() < 0.5 ? del : phoenix)
      else if (r < 0.44) {
        if (!m.isNull(s)) m.weakref(slot(), s, rnd() < 0.5 ? { tag: i } : undefined)
      } else if (r < 0.7) {
        const o = slot()
        if (!m.isNull(o) && m.lengthOf(o) > 0) m.store(o, Math.floor(rnd() * m.lengthOf(o)), s)
      } else if (r < 0.85) {
        const o = slot()
        if (!m.isNull(o) && m.lengthOf(o) > 0) m.load(s, o, Math.floor(rnd() * m.lengthOf(o)))
      } else if (r < 0.95) m.clear(s)
      else if (r < 0.9995) m.move(s, slot())
      else m.collect()
    } catch (e) {
      if (!(e instanceof OutOfMemoryError)) throw e
      for (let g = 0; g < 8; g++) m.clear(globalSlot(g))
    }
    if (i % 5000 === 0) expect(m.native.verify()).toEqual([])
  }
  expect(m.native.verify()).toEqual([])
  return m
}

describe('stress with heap verification', () => {
  it('keeps the heap consistent in java mode on a tiny heap', () => {
    const m = stress({ sizeMode: 'java', xms: 2 * MiB, xmx: 6 * MiB, xmn: MiB }, 1)
    const s = m.stats()
    expect(s.collections[0]).toBeGreaterThan(5)
    expect(s.collections[1]).toBeGreaterThan(0)
    expect(s.work.cardsScanned).toBeGreaterThan(0)
  })
  it('keeps the heap consistent in jython mode with tenuring threshold 1', () => {
    const m = stress({ xms: 3 * MiB, xmx: 3 * MiB, xmn: MiB, maxTenuringThreshold: 1 }, 2)
    expect(m.stats().collections[0]).toBeGreaterThan(5)
  })
})
