import { globalSlot, PygcError } from '@pygc/core'
import { describe, expect, it, vi } from 'vitest'
import { DIRTY, oldGenCardTable } from '../src/card-table.js'
import { H_MARK, H_WORDS, JvmHeap, MARK_PROTOTYPE } from '../src/heap.js'
import { JythonManager, resolveOptions } from '../src/index.js'

const MiB = 1024 * 1024
const POISON = 0xdeadbeef
/** Owner of the heaps built directly here: alive throughout, so no test gets another test's buffer. */
const OWNER = {}

describe('the reserved heap (ReservedSpace / VirtualSpace)', () => {
  it('reserves -Xmx once: the old generation grows and shrinks by moving its committed end, never by copying', () => {
    const heap = new JvmHeap(resolveOptions({ xms: 4 * MiB, xmx: 64 * MiB, xmn: MiB }), OWNER)
    expect(heap.buffer.byteLength).toBe(heap.oldMaxEnd)
    const { buffer, words } = heap
    // Fill the committed old generation with objects carrying their own address as payload.
    const size = 64
    const addresses: number[] = []
    for (let a = heap.allocOld(size); a !== 0; a = heap.allocOld(size)) {
      heap.initObject(a, size, addresses.length, 0, 0)
      words[(a >> 2) + H_WORDS] = a
      addresses.push(a)
    }
    expect(heap.oldFree()).toBe(0)
    const committed = heap.oldEnd
    expect(heap.expandOld(8 * MiB, 0)).toBe(true)
    expect(heap.oldEnd).toBe(committed + 8 * MiB)
    expect(heap.allocOld(size)).toBe(committed)
    heap.oldTop = committed
    heap.shrinkOld(committed)
    expect(heap.oldEnd).toBe(committed)
    // The same buffer and views throughout, and every object where it was.
    expect(heap.buffer).toBe(buffer)
    expect(heap.words).toBe(words)
    const moved = addresses.filter(
      (a) => words[(a >> 2) + H_MARK] !== MARK_PROTOTYPE || words[(a >> 2) + H_WORDS] !== a,
    )
    expect(addresses.length).toBeGreaterThan(40_000)
    expect(moved).toEqual([])
  })

  it('never shrinks below the top and never grows past the reservation', () => {
    const heap = new JvmHeap(resolveOptions({ xms: 4 * MiB, xmx: 8 * MiB, xmn: MiB }), OWNER)
    heap.allocOld(2 * MiB + 8)
    heap.shrinkOld(heap.oldStart)
    expect(heap.oldEnd).toBe(heap.oldStart + 2 * MiB + 4096)
    expect(heap.expandOld(64 * MiB, 0)).toBe(true)
    expect(heap.oldEnd).toBe(heap.oldMaxEnd)
    expect(heap.expandOld(8, 0)).toBe(false)
  })

  it('refuses to start, with a typed error, when the host cannot reserve -Xmx', () => {
    class Refusing extends ArrayBuffer {
      constructor(bytes: number) {
        if (bytes > 32 * MiB) throw new RangeError('Array buffer allocation failed')
        super(bytes)
      }
    }
    vi.stubGlobal('ArrayBuffer', Refusing)
    try {
      expect(() => new JythonManager({ xmx: 64 * MiB })).toThrow(PygcError)
      expect(() => new JythonManager({ xmx: 64 * MiB })).toThrow(
        /could not reserve enough space for object heap/,
      )
      expect(new JythonManager({ xmx: 16 * MiB }).options.geometry.oldMaxBytes).toBeGreaterThan(0)
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('clears and resets only the cards below the bound it is given', () => {
    const cards = oldGenCardTable(4096, 64 * MiB)
    const top = 4096 + 10 * 512 + 100
    cards.dirty(4096)
    cards.dirty(top - 4)
    cards.recordObject(4096, 10 * 512 + 100)
    // A dirty card and a block start above the bound: the passes must not reach them.
    cards.bytes[20] = DIRTY
    cards.objectStart[20] = 1
    cards.clear(top)
    cards.resetObjectStarts(top)
    expect(cards.cardsBelow(top)).toBe(11)
    expect(Array.from(cards.bytes.subarray(0, 11))).toEqual(new Array(11).fill(0))
    expect(Array.from(cards.objectStart.subarray(0, 11))).toEqual(new Array(11).fill(0))
    expect(cards.bytes[20]).toBe(DIRTY)
    expect(cards.objectStart[20]).toBe(1)
    expect(cards.cardsBelow(4096)).toBe(0)
  })

  it('never reads the bytes above a space top (eden aside: kept zero): poisoning them after every collection changes no figure', () => {
    const run = (poison: boolean) => {
      const m = new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 24 * MiB, xmn: MiB })
      const heap = (m as unknown as { heap: JvmHeap }).heap
      const fill = (): void => {
        heap.words.fill(POISON, heap.oldTop >> 2, heap.oldMaxEnd >> 2)
        heap.words.fill(POISON, heap.fromTop >> 2, (heap.fromStart + heap.survivorBytes) >> 2)
        heap.words.fill(POISON, heap.toTop >> 2, (heap.toStart + heap.survivorBytes) >> 2)
      }
      // Eden above its top is not poisoned: the heap keeps it zero (an allocation there writes
      // only its header), which every collection's end must leave true.
      let edenDirty = 0
      const edenAboveTopIsZero = (): void => {
        const words = heap.words
        for (let i = heap.edenTop >> 2, end = heap.edenEnd >> 2; i < end; i++) if (words[i] !== 0) edenDirty++
      }
      // Both runs listen, so only the poison differs.
      m.on(() => {
        edenAboveTopIsZero()
        if (poison) fill()
      }, ['gc-end'])
      if (poison) fill()
      const node = m.defineType({ name: 'Node', refs: 2, ints: 1 })
      const blob = m.defineType({ name: 'Blob', refs: 1, variable: 'bytes' })
      m.defineGlobals(2)
      m.pushFrame(3)
      for (let round = 0; round < 2; round++) {
        // A growing chain (promotion, expansion), short-lived garbage, and blobs larger than eden.
        for (let i = 0; i < 60_000; i++) {
          m.alloc(0, node)
          m.writeInt(0, 0, i)
          m.store(0, 0, globalSlot(0))
          m.move(globalSlot(0), 0)
          m.alloc(1, node)
          if (i % 20_000 === 0) m.alloc(2, blob, 2 * MiB)
        }
        // Drop it: the full collections shrink the old generation in steps.
        m.clear(globalSlot(0))
        for (let k = 0; k < 4; k++) m.collect()
      }
      expect(m.native.verify()).toEqual([])
      expect(edenDirty).toBe(0)
      // wallGcMs is host time, the one figure that is not deterministic.
      const { wallGcMs: _, ...stats } = m.stats()
      return { stats, log: m.native.gcLogLines(), records: m.native.records() }
    }
    const clean = run(false)
    const poisoned = run(true)
    expect(clean.stats.collections[1]).toBeGreaterThan(10)
    // The old generation was committed and uncommitted several times.
    expect(new Set(clean.records.map((r) => r.capacityAfter)).size).toBeGreaterThan(3)
    expect(poisoned.stats).toEqual(clean.stats)
    expect(poisoned.records).toEqual(clean.records)
    expect(poisoned.log).toEqual(clean.log)
  })
})
