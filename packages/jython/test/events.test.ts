import type { GcEvent } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024

describe('event op indices', () => {
  it('gives a collection the index of the op that ran it (an alloc or a collect)', () => {
    const m = new JythonManager({ sizeMode: 'java', xms: 2 * MiB, xmx: 2 * MiB, xmn: MiB })
    const events: GcEvent[] = []
    m.on((e) => events.push(e))
    const t = m.defineType({ name: 'T', refs: 0 })
    m.pushFrame(1) // op 0
    let op = 1
    while (m.stats().collections[0] === 0) {
      m.alloc(0, t)
      op++
    }
    const start = events.find((e) => e.type === 'gc-start')
    const alloc = events.filter((e) => e.type === 'alloc').at(-1)
    expect(start?.op).toBe(op - 1)
    expect(alloc?.op).toBe(op - 1)
    m.collect()
    const call = events.find((e) => e.type === 'collect-call')
    const full = events.filter((e) => e.type === 'gc-start').at(-1)
    expect(call?.op).toBe(op)
    expect(full?.op).toBe(op)
    expect(m.stats().ops).toBe(op + 1)
  })

  it("with finalizerDrain 'manual' runs finalizers and callbacks only at runFinalization()", () => {
    const m = new JythonManager({
      sizeMode: 'java',
      xms: 2 * MiB,
      xmx: 2 * MiB,
      xmn: MiB,
      finalizerDrain: 'manual',
    })
    const kinds: string[] = []
    m.on((e) => {
      if (e.type === 'finalize' || e.type === 'weakref-callback') kinds.push(e.type)
    })
    const d = m.defineType({ name: 'D', refs: 0, finalizer: {} })
    m.pushFrame(2)
    m.alloc(0, d)
    m.weakref(1, 0, { tag: 9 })
    m.clear(0)
    m.collect()
    for (let i = 0; i < 10; i++) m.isNull(1)
    expect(kinds).toEqual([])
    m.native.runFinalization()
    expect(kinds).toEqual(['finalize', 'weakref-callback'])
  })
})
