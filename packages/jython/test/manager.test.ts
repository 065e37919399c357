import { type GcEvent, globalSlot, isPygcError, type Mutator, OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager, jythonRuntime, parseGcLogLine } from '../src/index.js'

const MiB = 1024 * 1024
const scale = process.env.CI ? 0.5 : 1

/** A small heap in java size mode: Node = Object[2 refs + 1 int] = 32 bytes. */
function small(extra: ConstructorParameters<typeof JythonManager>[0] = {}): JythonManager {
  return new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 4 * MiB, xmn: 1 * MiB, ...extra })
}

/** Allocate `n` garbage objects through slot 0 of the current frame. */
function churn(m: Mutator, type: number, n: number): void {
  for (let i = 0; i < n; i++) m.alloc(0, type)
}

function youngEnd(m: JythonManager): number {
  const g = m.options.geometry
  return 4096 + g.youngBytes
}

describe('JythonManager heap', () => {
  it('sizes objects as Object[] in java mode and as Jython objects by default', () => {
    const java = small()
    const node = java.defineType({ name: 'Node', refs: 2, ints: 1 })
    java.pushFrame(2)
    java.alloc(0, node)
    expect(java.stats().bytesAllocated).toBe(32) // 16 header + 3 slots * 4 = 28 -> 32
    const jy = new JythonManager({ xms: 4 * MiB, xmx: 4 * MiB, xmn: MiB })
    const list = jy.defineType({ name: 'L', refs: 2 })
    jy.pushFrame(1)
    jy.alloc(0, list)
    expect(jy.stats().bytesAllocated).toBe(96) // PyList 32 + ArrayList 24 + index delegate 16 + Object[2] 24
  })

  it('computes HotSpot young geometry (Xmn16m: eden 13184K, survivors 1600K)', () => {
    const m = new JythonManager({ xms: 64 * MiB, xmx: 64 * MiB, xmn: 16 * MiB })
    expect(m.options.geometry.edenBytes).toBe(13184 * 1024)
    expect(m.options.geometry.survivorBytes).toBe(1600 * 1024)
    expect(m.options.geometry.oldInitialBytes).toBe(48 * MiB)
  })

  it('moves objects in a young collection and fixes every reference', () => {
    const m = small()
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(4)
    // a chain of 50 nodes held by slot 1
    m.alloc(1, node)
    m.writeInt(1, 0, 0)
    m.move(2, 1)
    for (let i = 1; i < 50; i++) {
      m.alloc(3, node)
      m.writeInt(3, 0, i)
      m.store(2, 0, 3)
      m.move(2, 3)
    }
    const before = m.native.addressOf(1)
    churn(m, node, 40_000) // 1.25 MB of garbage: several young collections
    expect(m.stats().collections[0]).toBeGreaterThan(0)
    expect(m.native.addressOf(1)).not.toBe(before)
    m.move(2, 1)
    for (let i = 0; i < 50; i++) {
      expect(m.readInt(2, 0)).toBe(i)
      m.load(2, 2, 0)
    }
    expect(m.isNull(2)).toBe(true)
    expect(m.stats().work.bytesCopied).toBeGreaterThan(0)
  })

  it('finds old-to-young references through the card table', () => {
    const m = small()
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(4)
    m.alloc(1, node)
    m.collect() // a full GC slides the holder into the old generation
    expect(m.native.addressOf(1)).toBeGreaterThanOrEqual(youngEnd(m))
    m.alloc(2, node)
    m.writeInt(2, 0, 4242)
    const barriersBefore = m.stats().work.barrierOps
    m.store(1, 0, 2) // old -> young: the barrier dirties a card
    m.clear(2)
    expect(m.stats().work.barrierOps).toBe(barriersBefore + 1)
    churn(m, node, 40_000)
    const s = m.stats()
    expect(s.collections[0]).toBeGreaterThan(0)
    expect(s.work.cardsScanned).toBeGreaterThan(0)
    m.load(3, 1, 0)
    expect(m.readInt(3, 0)).toBe(4242)
  })

  it('tenures survivors after MaxTenuringThreshold young collections', () => {
    const m = small({ maxTenuringThreshold: 2 })
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(2)
    m.alloc(1, node)
    const eden = m.options.geometry.edenBytes
    let young = 0
    while (m.stats().collections[0] < 3) {
      churn(m, node, 1000)
      if (m.stats().collections[0] !== young) {
        young = m.stats().collections[0]
        const a = m.native.addressOf(1)
        if (young <= 2) expect(a).toBeLessThan(youngEnd(m))
        else expect(a).toBeGreaterThanOrEqual(youngEnd(m))
      }
    }
    expect(eden).toBeGreaterThan(0)
    expect(m.stats().work.bytesPromoted).toBeGreaterThan(0)
    expect(m.native.tenuringThreshold()).toBeLessThanOrEqual(2)
  })

  it('runs a young collection when eden fills, in the -Xlog:gc format', () => {
    const m = small()
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(1)
    const perEden = Math.floor(m.options.geometry.edenBytes / 32)
    churn(m, node, perEden * 3 + 10)
    expect(m.stats().collections).toEqual([3, 0])
    const lines = m.native.gcLogLines()
    expect(lines[0]).toMatch(/^\[0\.000s\]\[info\]\[gc\] Using Serial$/)
    expect(lines[1]).toMatch(
      /^\[\d+\.\d{3}s\]\[info\]\[gc\] GC\(0\) Pause Young \(Allocation Failure\) \d+M->\d+M\(\d+M\) \d+\.\d{3}ms$/,
    )
    const parsed = parseGcLogLine(lines[1])
    expect(parsed?.kind).toBe('young')
    expect(parsed?.capacityMiB).toBe(3) // eden + one survivor + old = 3.9 MiB
  })

  it('puts objects larger than eden straight into the old generation', () => {
    const m = small()
    const blob = m.defineType({ name: 'Blob', refs: 0, variable: 'bytes' })
    m.pushFrame(1)
    m.alloc(0, blob, 1 * MiB)
    expect(m.native.addressOf(0)).toBeGreaterThanOrEqual(youngEnd(m))
    expect(m.stats().collections).toEqual([0, 0])
  })

  it('throws java.lang.OutOfMemoryError and stays consistent', () => {
    const m = small()
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    const arr = m.defineType({ name: 'Array', refs: 0, variable: 'refs' })
    m.defineGlobals(1)
    m.pushFrame(3)
    m.alloc(globalSlot(0), arr, 4000)
    let kept = 0
    let err: unknown
    try {
      for (let i = 0; i < 1_000_000; i++) {
        m.alloc(1, arr, 30) // 136 bytes each, all kept via a linked chain
        m.store(1, 0, 2)
        m.move(2, 1)
        kept++
      }
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(OutOfMemoryError)
    expect((err as OutOfMemoryError).runtimeError).toBe('java.lang.OutOfMemoryError')
    expect(kept).toBeGreaterThan(10_000)
    // The chain is intact: walk it, then drop it and allocate again.
    let n = 0
    m.move(1, 2)
    while (!m.isNull(1)) {
      m.load(1, 1, 0)
      n++
    }
    expect(n).toBe(kept)
    m.clear(2)
    m.collect()
    m.alloc(1, node)
    expect(m.stats().liveObjects).toBeLessThan(10)
  })

  it('rejects bad ops without changing the heap', () => {
    const m = small()
    const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
    m.pushFrame(2)
    m.alloc(0, node)
    const before = JSON.stringify({ ...m.stats(), wallGcMs: 0 })
    const codes: string[] = []
    const attempt = (f: () => void): void => {
      try {
        f()
      } catch (e) {
        if (isPygcError(e)) codes.push(e.code)
        else throw e
      }
    }
    attempt(() => m.store(0, 2, 1))
    attempt(() => m.load(1, 1, 0))
    attempt(() => m.alloc(5, node))
    attempt(() => m.alloc(1, 99))
    attempt(() => m.writeInt(0, 0, 2 ** 40))
    attempt(() => m.deref(1, 0))
    attempt(() => m.collect(7))
    expect(codes).toEqual([
      'FIELD_OUT_OF_RANGE',
      'NULL_REFERENCE',
      'INVALID_SLOT',
      'UNKNOWN_TYPE',
      'VALUE_OUT_OF_RANGE',
      'NOT_A_WEAKREF',
      'INVALID_GENERATION',
    ])
    expect(JSON.stringify({ ...m.stats(), wallGcMs: 0 })).toBe(before)
  })

  it('is deterministic', () => {
    const run = (): string => {
      const m = small()
      const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
      m.pushFrame(3)
      for (let i = 0; i < 60_000 * scale; i++) {
        m.alloc(0, node)
        if (i % 7 === 0) m.store(0, 0, 1)
        if (i % 5 === 0) m.move(1, 0)
      }
      m.collect()
      return JSON.stringify({ ...m.stats(), wallGcMs: 0, log: m.native.gcLogLines() })
    }
    expect(run()).toBe(run())
  })
})

describe('Jython gc module and finalization', () => {
  it('behaves as Jython 2.7 gc', () => {
    const m = small()
    const events: GcEvent[] = []
    m.on((e) => events.push(e))
    expect(m.native.gc.collect()).toBe(-2)
    expect(m.native.gc.isenabled()).toBe(true)
    expect(() => m.native.gc.disable()).toThrowError(/NotImplementedError/)
    expect(() => m.native.gc.get_count()).toThrowError(/NotImplementedError/)
    expect(m.gcControl('disable')).toBe(false)
    expect(m.gcControl('enable')).toBe(true)
    expect(
      events.filter((e) => e.type === 'gc-control').map((e) => (e as { supported: boolean }).supported),
    ).toEqual([false, true])
    expect(m.native.records()[0].cause).toBe('System.gc()')
    m.pushFrame(2)
    const t = m.defineType({ name: 'T', refs: 0 })
    m.alloc(0, t)
    m.alloc(1, t)
    expect([m.idOf(0), m.idOf(1), m.idOf(0)]).toEqual([1, 2, 1])
  })

  it('queues __del__ at the collection and runs it at the next op; memory goes at a later GC', () => {
    const m = small()
    const events: GcEvent[] = []
    m.on((e) => events.push(e))
    const del = m.defineType({ name: 'D', refs: 1, finalizer: {} })
    const leaf = m.defineType({ name: 'Leaf', refs: 0, ints: 1 })
    m.pushFrame(3)
    m.alloc(0, del)
    const id = m.objectId(0)
    m.alloc(1, leaf)
    m.store(0, 0, 1)
    m.weakref(2, 0, { tag: 7 })
    m.clear(0)
    m.clear(1)
    m.collect()
    const afterCollect = events.length
    expect(events.some((e) => e.type === 'finalize')).toBe(false)
    expect(events.some((e) => e.type === 'weakref-clear')).toBe(true)
    expect(events.some((e) => e.type === 'free' && e.id === id)).toBe(false)
    m.isNull(2) // the next op boundary: finalizer, then the callback
    const later = events.slice(afterCollect).map((e) => e.type)
    expect(later.slice(0, 2)).toEqual(['finalize', 'weakref-callback'])
    m.collect()
    expect(events.some((e) => e.type === 'free' && e.id === id)).toBe(true)
  })

  it('does not finalize a resurrected object twice', () => {
    const m = small()
    const events: GcEvent[] = []
    m.on((e) => events.push(e))
    m.defineGlobals(1)
    const phoenix = m.defineType({ name: 'P', refs: 0, finalizer: { resurrectInto: 0 } })
    m.pushFrame(1)
    m.alloc(0, phoenix)
    m.clear(0)
    m.collect()
    m.isNull(globalSlot(0))
    expect(m.isNull(globalSlot(0))).toBe(false)
    m.clear(globalSlot(0))
    m.collect()
    m.isNull(0)
    expect(events.filter((e) => e.type === 'finalize')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'free')).toHaveLength(1)
  })

  it('runs weakref callbacks in reverse registration order', () => {
    const m = small()
    const tags: number[] = []
    m.on((e) => {
      if (e.type === 'weakref-callback') tags.push(e.tag)
    })
    const t = m.defineType({ name: 'T', refs: 0 })
    m.pushFrame(4)
    m.alloc(0, t)
    m.weakref(1, 0, { tag: 1 })
    m.weakref(2, 0, { tag: 2 })
    m.weakref(3, 0, { tag: 3 })
    m.clear(0)
    m.collect()
    m.deref(0, 1)
    expect(m.isNull(0)).toBe(true)
    expect(tags).toEqual([3, 2, 1])
  })

  it('is created from the runtime descriptor with presets', () => {
    const m = jythonRuntime.create({ preset: 'small-heap' })
    expect(m.info.family).toBe('jython')
    expect(m.info.sizeMode).toBe('jython')
    expect(jythonRuntime.create({ preset: 'java' }).info.sizeMode).toBe('java')
  })
})
