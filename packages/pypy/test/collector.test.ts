import { type GcEvent, globalSlot, isPygcError, type OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import {
  ARENA_BYTES,
  LARGE_OBJECT_BYTES,
  MIN_NURSERY_BYTES,
  PAGE_BYTES,
  PyPyManager,
  SMALL_REQUEST_THRESHOLD,
} from '../src/index.js'

const NURSERY = MIN_NURSERY_BYTES // 270,336 bytes: collections come quickly

function manager(extra: ConstructorParameters<typeof PyPyManager>[0] = {}): PyPyManager {
  return new PyPyManager({ nursery: NURSERY, ...extra })
}

function inNursery(m: PyPyManager, slot: number): boolean {
  return m.gc.s.mem.inNursery(m.native.addressOf(slot))
}

describe('the nursery and minor collections (incminimark.py:637-760, 1708)', () => {
  it('bump-allocates until the nursery is full, then one minor collection empties it', () => {
    const m = manager()
    const pair = m.defineType({ name: 'Pair', refs: 2 }) // 80 bytes: W_ListObject 24 + storage 24 + items 32
    m.pushFrame(1)
    const fit = Math.floor(NURSERY / 80)
    for (let i = 0; i < fit; i++) m.alloc(0, pair)
    expect(m.native.records().minor.length).toBe(0)
    m.alloc(0, pair)
    expect(m.native.records().minor.length).toBe(1)
    // Only the object in the slot survived; the minor collection reports its bytes.
    expect(m.native.records().minor[0].surviving).toBe(80)
    expect(m.gc.nursery.used()).toBe(80)
  })

  it('starts with startup.nurseryUsed bytes taken (the oracle loop garbage), a word multiple', () => {
    const used = 8 * 80 + 5 // the oracle's loop took eight pairs' worth (and 5 bytes: rounded down)
    const m = manager({ startup: { arenaBytes: 0, rawBytes: 0, nextMajorThreshold: 0, nurseryUsed: used } })
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.pushFrame(1)
    const fit = Math.floor((NURSERY - 8 * 80) / 80)
    for (let i = 0; i < fit; i++) m.alloc(0, pair)
    expect(m.native.records().minor.length).toBe(0)
    m.alloc(0, pair)
    expect(m.native.records().minor.length).toBe(1)
    // the garbage was not the program's: nothing of it survives
    expect(m.native.records().minor[0].surviving).toBe(80)
  })

  it('copies survivors once into an arena block, where they never move again', () => {
    const m = manager()
    const node = m.defineType({ name: 'Node', refs: 1, ints: 1 })
    const junk = m.defineType({ name: 'Junk', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), node)
    const young = m.native.addressOf(globalSlot(0))
    expect(inNursery(m, globalSlot(0))).toBe(true)
    for (let i = 0; i < 10_000; i++) m.alloc(0, junk)
    const old = m.native.addressOf(globalSlot(0))
    expect(old).not.toBe(young)
    expect(inNursery(m, globalSlot(0))).toBe(false)
    for (let i = 0; i < 30_000; i++) m.alloc(0, junk)
    m.collect()
    expect(m.native.addressOf(globalSlot(0))).toBe(old)
  })

  it('places old objects above 280 bytes outside the arenas, raw-malloced (incminimark.py:2229)', () => {
    const m = manager()
    const vec = m.defineType({ name: 'Vec', refs: 0, variable: 'refs' })
    m.defineGlobals(2)
    m.pushFrame(0)
    m.alloc(globalSlot(0), vec, 27) // 64 + 8 x 27 = 280: a page block
    m.alloc(globalSlot(1), vec, 28) // 288: raw-malloced
    m.collect()
    const s = m.gc.s
    expect(SMALL_REQUEST_THRESHOLD).toBe(280)
    expect(m.gc.raw.isRaw(m.native.addressOf(globalSlot(0)))).toBe(false)
    expect(m.gc.raw.isRaw(m.native.addressOf(globalSlot(1)))).toBe(true)
    expect(s.rawmallocedTotalSize).toBe(288)
  })

  it('keeps every young object with a finalizer through its first minor collection (incminimark.py:2836)', () => {
    const m = manager()
    const del = m.defineType({ name: 'Del', refs: 0, finalizer: {}, shape: 'slots' }) // 80 bytes
    const junk = m.defineType({ name: 'Junk', refs: 2 })
    m.pushFrame(1)
    m.alloc(0, del)
    m.clear(0) // unreachable, but registered with the finalizer queue
    while (m.native.records().minor.length === 0) m.alloc(0, junk)
    expect(m.native.records().minor[0].surviving).toBe(80 + 80) // the Del, and the Junk in slot 0
  })
})

describe('large objects and card marking (incminimark.py:939, 1520, 1951)', () => {
  it('allocates an object whose largest part reaches (16384+512) x 8 bytes outside the nursery, and never moves it', () => {
    const m = manager()
    const big = m.defineType({ name: 'Big', refs: 0, variable: 'refs' })
    m.defineGlobals(1)
    m.pushFrame(1)
    const items = (LARGE_OBJECT_BYTES - 16) / 8 // the items array is then exactly the limit
    m.alloc(globalSlot(0), big, items - 1)
    expect(inNursery(m, globalSlot(0))).toBe(true)
    m.alloc(globalSlot(0), big, items)
    expect(inNursery(m, globalSlot(0))).toBe(false)
    const a = m.native.addressOf(globalSlot(0))
    m.collect()
    expect(m.native.addressOf(globalSlot(0))).toBe(a)
    // card words in front: one bit per 128 items, whole words (incminimark.py:1268)
    const cardBytes = Math.ceil(items / 128 / 64) * 8
    expect(m.gc.s.rawmallocedTotalSize).toBe(64 + 8 * items + cardBytes)
  })

  it('traces only the marked cards of an old large array at a minor collection', () => {
    const m = manager()
    const big = m.defineType({ name: 'Big', refs: 0, variable: 'refs' })
    const leaf = m.defineType({ name: 'Leaf', refs: 0, ints: 1 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), big, 50_000)
    m.collect()
    const before = m.gc.s.work.cardsScanned
    const scannedBefore = m.gc.s.work.refsScanned
    m.alloc(0, leaf)
    m.store(globalSlot(0), 300, 0) // card 2
    m.store(globalSlot(0), 40_000, 0) // card 312
    m.store(globalSlot(0), 40_001, 0) // the same card
    m.gc.minorCollection()
    expect(m.gc.s.work.cardsScanned - before).toBe(2)
    expect(m.gc.s.work.refsScanned - scannedBefore).toBe(2 * 128)
    m.load(0, globalSlot(0), 40_000)
    expect(m.readInt(0, 0)).toBe(0)
    expect(m.native.verify()).toEqual([])
  })

  it('fixes every reference in a card-marked table while new arenas grow the memory (regression)', () => {
    // A minor collection that maps a new arena replaces the model's word array; a reference it
    // moves must be written into the new one (it was written into the old: stale nursery
    // addresses in the table, found as a holder turning into another object).
    const m = new PyPyManager()
    m.defineGlobals(1)
    const holder = m.defineType({ name: 'Holder', refs: 2, shape: 'slots' })
    const table = m.defineType({ name: 'Holders', refs: 0, variable: 'refs' })
    m.pushFrame(1)
    m.alloc(globalSlot(0), table, 50_000)
    for (let i = 0; i < 50_000; i++) {
      m.alloc(0, holder)
      m.store(globalSlot(0), i, 0)
    }
    m.collect()
    expect(m.native.verify()).toEqual([])
    for (let i = 0; i < 50_000; i += 997) {
      m.load(0, globalSlot(0), i)
      expect(m.lengthOf(0)).toBe(2)
    }
  })
})

describe('the write barrier (incminimark.py:1478 remember_young_pointer)', () => {
  it('remembers an old object written into, so the young object it now holds survives', () => {
    const m = manager()
    const box = m.defineType({ name: 'Box', refs: 1 })
    const leaf = m.defineType({ name: 'Leaf', refs: 0, ints: 1 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), box)
    m.collect() // old now
    const remembered = m.gc.s.oldObjectsPointingToYoung.length
    m.alloc(0, leaf)
    m.writeInt(0, 0, 42)
    m.store(globalSlot(0), 0, 0)
    expect(m.gc.s.oldObjectsPointingToYoung.length).toBe(remembered + 1)
    m.store(globalSlot(0), 0, 0) // already remembered: the flag is clear
    expect(m.gc.s.oldObjectsPointingToYoung.length).toBe(remembered + 1)
    m.clear(0)
    m.gc.minorCollection()
    m.load(0, globalSlot(0), 0)
    expect(m.readInt(0, 0)).toBe(42)
    expect(inNursery(m, 0)).toBe(false)
  })

  it('stores a new 16-byte int box for each writeInt into a list of references', () => {
    const m = manager()
    const node = m.defineType({ name: 'Node', refs: 1, ints: 1 })
    const ints = m.defineType({ name: 'Ints', refs: 0, ints: 1 })
    m.pushFrame(2)
    m.alloc(0, node)
    m.alloc(1, ints)
    // The box is the runtime's own object: it takes nursery space, not the program's bytes.
    const nursery = () => m.stats().spaces?.nursery ?? Number.NaN
    const before = nursery()
    const allocated = m.stats().bytesAllocated
    m.writeInt(0, 0, 7)
    expect(nursery() - before).toBe(16)
    m.writeInt(1, 0, 7) // IntegerListStrategy: unboxed, no allocation
    expect(nursery() - before).toBe(16)
    expect(m.stats().bytesAllocated).toBe(allocated)
    expect(m.readInt(0, 0)).toBe(7)
  })
})

describe('the incremental major collection (incminimark.py:2318)', () => {
  it('runs SCANNING, MARKING, SWEEPING, FINALIZING, each step after a minor collection', () => {
    const m = manager()
    m.pushFrame(0)
    m.collect()
    const steps = m.native.records().steps.map((s) => `${s.from}>${s.to}`)
    expect(steps[0]).toBe('SCANNING>MARKING')
    expect(steps.at(-1)).toBe('FINALIZING>SCANNING')
    expect(steps).toContain('MARKING>SWEEPING')
    expect(m.native.records().minor.length).toBe(steps.length)
    expect(m.native.records().majors.length).toBe(1)
  })

  it("lays the startup heap's classes down on their measured pages; 8-byte objects (class 1) as 16-byte blocks", () => {
    // as gc.dump_rpy_heap reports them: [size class in words, objects, pages]
    const classes = [
      [1, 300, 4],
      [3, 1_000, 10],
    ] as const
    const arenaBytes = 300 * 8 + 1_000 * 24
    const m = manager({ startup: { arenaBytes, rawBytes: 0, nextMajorThreshold: 0, classes } })
    const ac = m.gc.s.ac
    // 4 + 10 pages: each class spread over its pages, the other blocks freed
    expect(ac.totalMemoryUsed).toBe(300 * 16 + 1_000 * 24)
    let pages = 0
    for (const sc of [2, 3]) {
      for (const head of [ac.pageForSize[sc], ac.fullPageForSize[sc]]) {
        for (let p = head; p !== 0; p = m.gc.s.mem.w[p >> 2]) pages++
      }
    }
    expect(pages).toBe(14)
  })

  it("lays the startup heap's raw objects down with the dump's sizes, the GC's own total on the largest", () => {
    const rawSizes = [300, 200_000, 5_000, 131_088]
    const rawBytes = 300 + 200_000 + 5_000 + 131_088 + 60 // the 300 rounded up to 304, 56 bytes of card words
    const m = manager({ startup: { arenaBytes: 0, rawBytes, nextMajorThreshold: 0, rawSizes } })
    const s = m.gc.s
    expect(s.rawmallocedTotalSize).toBe(rawBytes)
    const sizes = Array.from(s.oldRawmallocedObjects.items.subarray(0, s.oldRawmallocedObjects.length), (a) =>
      s.heap.sizeOf(a),
    )
    expect(sizes).toEqual([304, 200_056, 5_000, 131_088])
    expect(() =>
      manager({ startup: { arenaBytes: 0, rawBytes, nextMajorThreshold: 0, rawSizes: [280] } }),
    ).toThrow(/rawSizes has a bad size 280/)
  })

  it('sets the next threshold to min(used x 1.82, used + max_delta), at most 1.4 x the last (incminimark.py:2497)', () => {
    const m = manager({ startup: { arenaBytes: 4_000_000, rawBytes: 0, nextMajorThreshold: 5_000_000 } })
    m.pushFrame(0)
    m.collect()
    const used = m.gc.s.totalMemoryUsed()
    expect(m.gc.s.nextMajorCollectionThreshold).toBe(Math.min(used * 1.82, 5_000_000 * 1.4))
  })

  it('starts a major collection from allocation once arenas + raw bytes pass the threshold', () => {
    const m = manager({ minHeap: 1 })
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), pair)
    // a growing chain: everything survives and is made old
    for (let i = 0; i < 40_000 && m.native.records().steps.length === 0; i++) {
      m.alloc(0, pair)
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
    }
    const steps = m.native.records().steps
    expect(steps.length).toBeGreaterThan(0)
    expect(steps[0].from).toBe('SCANNING')
    expect(m.gc.s.totalMemoryUsed()).toBeGreaterThan(m.gc.s.nurserySize * 1.82)
  })

  it('with gc.disable() runs only minor collections; gc.collect() still runs a major one', () => {
    const m = manager({ minHeap: 1 })
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    expect(m.gcControl('disable')).toBe(true)
    expect(m.native.gc.isenabled()).toBe(false)
    for (let i = 0; i < 40_000; i++) {
      m.alloc(0, pair)
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
    }
    expect(m.native.records().minor.length).toBeGreaterThan(5)
    expect(m.native.records().steps.length).toBe(0)
    m.collect()
    expect(m.native.records().majors.length).toBe(1)
    expect(m.gcControl('freeze')).toBe(false) // no gc.freeze on PyPy
  })

  /** A chain of 80-byte pairs kept from a global, a gc.collect() every `collectEvery`; the error it ends with. */
  function keptChainUnderGcMax(collectEvery: number): { m: PyPyManager; error: unknown } {
    const m = manager({ maxHeap: 3_000_000 })
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    try {
      for (let i = 0; i < 200_000; i++) {
        m.alloc(0, pair)
        m.store(0, 0, globalSlot(0))
        m.move(globalSlot(0), 0)
        if (i % collectEvery === collectEvery - 1) m.collect()
      }
    } catch (error) {
      return { m, error }
    }
    return { m, error: null }
  }

  it('raises MemoryError when PYPY_GC_MAX bounds the threshold below what is in use (incminimark.py:2526)', () => {
    const { m, error } = keptChainUnderGcMax(Number.POSITIVE_INFINITY)
    expect(isPygcError(error, 'OUT_OF_MEMORY')).toBe(true)
    expect((error as OutOfMemoryError).runtimeError).toBe('MemoryError')
    // Raised from inside the allocation whose full nursery ran the last major step: its size.
    expect((error as OutOfMemoryError).requestedBytes).toBe(80)
    expect((error as Error).message).toMatch(
      /^MemoryError: cannot allocate 80 bytes: alloc into slot 0: PYPY_GC_MAX/,
    )
    expect(m.native.state()).toBe('SCANNING')
    expect(m.native.verify()).toEqual([])
  })

  it('raises a bare MemoryError from gc.collect() when PYPY_GC_MAX is reached there (nothing to allocate)', () => {
    // A gc.collect() every 1,000 pairs: its major collection ends above PYPY_GC_MAX before an
    // allocation's does (the threshold is not reached in between).
    const { error } = keptChainUnderGcMax(1000)
    expect(isPygcError(error, 'OUT_OF_MEMORY')).toBe(true)
    expect((error as OutOfMemoryError).requestedBytes).toBe(0)
    expect((error as Error).message).toMatch(
      /^MemoryError: gc\.collect\(\) or gc\.collect_step\(\): PYPY_GC_MAX/,
    )
  })

  it("raises a MemoryError naming the model's 2 GiB address space when malloc() runs past it", () => {
    // Eight 256 MiB byte strings (raw-malloced young: above the large-object limit) fill the
    // model's int32 address space; the ninth cannot be placed. Real 64-bit PyPy would map it.
    const m = manager()
    const blob = m.defineType({ name: 'bytes', refs: 0, variable: 'bytes' })
    m.defineGlobals(9)
    let error: unknown = null
    try {
      for (let i = 0; i < 9; i++) m.alloc(globalSlot(i), blob, 256 * 1024 * 1024)
    } catch (e) {
      error = e
    }
    expect(isPygcError(error, 'OUT_OF_MEMORY')).toBe(true)
    expect((error as OutOfMemoryError).runtimeError).toBe('MemoryError')
    expect((error as OutOfMemoryError).where.reason).toBe('model-address-space')
    expect((error as Error).message).toMatch(
      /^MemoryError: cannot allocate \d+ bytes: alloc into slot -?\d+: the model's address space of 2 GiB is exhausted/,
    )
  })

  it('sweeps at most 3 x nursery / 8 KiB pages per step (incminimark.py:2481)', () => {
    const m = manager()
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    const vec = m.defineType({ name: 'Vec', refs: 0, variable: 'refs' })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), vec, 100_000)
    for (let i = 0; i < 100_000; i++) {
      m.alloc(0, pair)
      m.store(globalSlot(0), i, 0)
    }
    m.collect()
    const pages = m.gc.s.ac.pagesInUse()
    const perStep = Math.floor((3 * NURSERY) / PAGE_BYTES)
    const before = m.native.records().steps.length
    m.collect() // nothing new to free: it walks the same pages
    const sweeping = m.native
      .records()
      .steps.slice(before)
      .filter((s) => s.from === 'SWEEPING').length
    // one step for the raw-malloced table, then `perStep` pages a step; the step that walks
    // the last page reports "done" only if it had pages left (mass_free_incremental)
    expect(pages).toBeGreaterThan(3 * perStep)
    expect(sweeping).toBe(1 + Math.floor(pages / perStep) + 1)
  })
})

describe('minimarkpage (rpython/memory/gc/minimarkpage.py)', () => {
  it('cuts an arena into 63 usable 8 KiB pages and a page into (8192 - 32) / size blocks', () => {
    const m = manager()
    const ac = m.gc.s.ac
    expect(ARENA_BYTES / PAGE_BYTES).toBe(64)
    const blocks = ac.nblocksForSize[10] // 80-byte blocks
    expect(blocks).toBe(Math.floor((8192 - 32) / 80))
    const pages = 63 + 1
    for (let i = 0; i < blocks * pages; i++) ac.malloc(80)
    expect(ac.arenasCount).toBe(2) // 63 pages in the first arena, one more needs a second
    expect(ac.totalMemoryUsed).toBe(blocks * pages * 80)
  })

  it('frees a page whose blocks all died, and an arena whose pages all are free (but the current one)', () => {
    const m = manager()
    const ac = m.gc.s.ac
    for (let i = 0; i < 102 * 70; i++) ac.malloc(80) // 63 pages fill the first arena
    expect(ac.pagesInUse()).toBe(70)
    expect(ac.arenasCount).toBe(2)
    ac.massFreePrepare()
    let calls = 1
    while (!ac.massFreeIncremental(() => true, 32)) calls++ // 32 pages a call
    expect(calls).toBe(3)
    expect(ac.pagesInUse()).toBe(0)
    expect(ac.arenasCount).toBe(1) // the full arena went back to the OS; the current one stays
    expect(ac.totalMemoryUsed).toBe(0)
  })
})

describe("an old object's RPython parts, each in an arena block of its class (parts.ts)", () => {
  /** Size classes (bytes) with a page in use. */
  function classesInUse(m: PyPyManager): number[] {
    const ac = m.gc.s.ac
    const out: number[] = []
    for (let sc = 1; sc <= SMALL_REQUEST_THRESHOLD / 8; sc++) {
      if (ac.pageForSize[sc] !== 0 || ac.fullPageForSize[sc] !== 0) out.push(sc * 8)
    }
    return out
  }

  it('moves a two-item list out as W_ListObject 24, RPython list 24 and items 32, and frees all three with it', () => {
    const m = manager()
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(0)
    for (let i = 0; i < 1000; i++) m.alloc(globalSlot(0), pair)
    m.collect()
    // the last pair is old: two 24-byte blocks and its 32-byte items array, not one 80-byte block
    expect(classesInUse(m)).toEqual([24, 32])
    expect(m.gc.s.ac.totalMemoryUsed).toBe(80)
  })

  it('keeps the parts of what lives and frees the parts of what died', () => {
    const m = manager()
    const node = m.defineType({ name: 'Node', refs: 1, shape: 'slots' }) // 56 + 24 = 80 bytes
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), node)
    for (let i = 0; i < 3000; i++) {
      m.alloc(0, node)
      if (i % 3 === 0) {
        m.store(0, 0, globalSlot(0)) // a chain: every third node is kept
        m.move(globalSlot(0), 0)
      }
    }
    m.collect()
    m.collect()
    // 1,001 nodes in the chain and the last one in slot 0 alive, each an instance of 56 bytes
    // and its unboxed-int list of 24
    expect(classesInUse(m)).toEqual([24, 56])
    expect(m.gc.s.ac.totalMemoryUsed).toBe(1002 * 80)
  })
})

describe('finalizers: __del__ in order, never twice, nothing in gc.garbage (incminimark.py:2848)', () => {
  function events(m: PyPyManager): string[] {
    const out: string[] = []
    m.on((e: GcEvent) => {
      if (e.type === 'finalize') out.push(`del:${e.id}`)
      else if (e.type === 'weakref-callback') out.push(`cb:${e.tag}`)
      else if (e.type === 'collect-call') out.push('|')
    })
    return out
  }

  it('finalizes A before B when A references B: B waits for the next major collection', () => {
    const m = manager()
    const log = events(m)
    const del = m.defineType({ name: 'Del', refs: 1, finalizer: {}, shape: 'slots' })
    m.pushFrame(2)
    m.alloc(1, del) // B, id 0
    m.alloc(0, del) // A, id 1
    m.store(0, 0, 1)
    m.clear(0)
    m.clear(1)
    m.collect()
    m.collect()
    m.collect()
    expect(log).toEqual(['del:1', '|', 'del:0', '|', '|'])
    expect(m.native.gc.garbage).toEqual([])
  })

  it('finalizes a cycle one object per major collection, the first registered first', () => {
    const m = manager()
    const log = events(m)
    const del = m.defineType({ name: 'Del', refs: 1, finalizer: {}, shape: 'slots' })
    m.pushFrame(2)
    m.alloc(0, del)
    m.alloc(1, del)
    m.store(0, 0, 1)
    m.store(1, 0, 0)
    m.clear(0)
    m.clear(1)
    m.collect()
    m.collect()
    m.collect()
    expect(log).toEqual(['del:0', '|', 'del:1', '|', '|'])
  })

  it('runs what one collection queued in registration order (FinalizerQueue.next_dead pops from the left)', () => {
    const m = manager()
    const log = events(m)
    const del = m.defineType({ name: 'Del', refs: 0, finalizer: {}, shape: 'slots' })
    m.pushFrame(3)
    for (let s = 0; s < 3; s++) m.alloc(s, del)
    for (let s = 0; s < 3; s++) m.clear(s)
    m.collect()
    expect(log).toEqual(['del:0', 'del:1', 'del:2', '|'])
  })

  it('never runs __del__ twice, even after resurrection', () => {
    const m = manager()
    const log = events(m)
    m.defineGlobals(1)
    const phoenix = m.defineType({
      name: 'Phoenix',
      refs: 0,
      finalizer: { resurrectInto: 0 },
      shape: 'slots',
    })
    m.pushFrame(1)
    m.alloc(0, phoenix)
    m.clear(0)
    m.collect()
    expect(m.isNull(globalSlot(0))).toBe(false)
    m.clear(globalSlot(0))
    m.collect()
    m.collect()
    expect(log.filter((t) => t.startsWith('del:'))).toEqual(['del:0'])
  })

  it('runs a __del__ queued by an allocation-driven major collection at the end of that op', () => {
    const m = manager({ minHeap: 1 })
    const finalized: number[] = []
    m.on((e) => {
      if (e.type === 'finalize') finalized.push(e.op)
    })
    const del = m.defineType({ name: 'Del', refs: 0, finalizer: {}, shape: 'slots' })
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(0, del)
    m.clear(0)
    for (let i = 0; i < 60_000 && finalized.length === 0; i++) {
      m.alloc(0, pair) // ops 3, 6, 9...
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
    }
    expect(finalized.length).toBe(1)
    expect(m.native.records().majors.length).toBe(1)
    // the op during which the collection ran: an alloc
    expect(finalized[0] % 3).toBe(0)
    expect(m.native.records().steps.at(-1)?.op).toBe(finalized[0])
  })
})

describe('weak references (incminimark.py:2980, 3027; interp__weakref.py)', () => {
  it('takes 96 + 88 + 72 nursery bytes for a weakref that makes the lifeline, 96 + 101 for the next (measured)', () => {
    const m = manager()
    const plain = m.defineType({ name: 'Plain', refs: 0, shape: 'dict-instance' }) // 80 bytes
    m.pushFrame(3)
    const used0 = m.gc.nursery.used()
    m.alloc(0, plain)
    m.weakref(1, 0)
    expect(m.gc.nursery.used() - used0).toBe(80 + 96 + 88 + 72)
    m.weakref(2, 0)
    expect(m.gc.nursery.used() - used0).toBe(80 + 96 + 88 + 72 + 96 + 101)
  })

  it('clears a weakref to a young object at the minor collection that finds it dead', () => {
    const m = manager()
    const obj = m.defineType({ name: 'Obj', refs: 0, shape: 'dict-instance' })
    m.defineGlobals(1)
    m.pushFrame(2)
    m.alloc(0, obj)
    m.weakref(globalSlot(0), 0)
    m.clear(0)
    m.gc.minorCollection()
    m.deref(1, globalSlot(0))
    expect(m.isNull(1)).toBe(true)
    expect(m.native.records().majors.length).toBe(0)
  })

  it('clears a weakref to an old object only at a major collection', () => {
    const m = manager()
    const obj = m.defineType({ name: 'Obj', refs: 0, shape: 'dict-instance' })
    m.defineGlobals(1)
    m.pushFrame(2)
    m.alloc(0, obj)
    m.weakref(globalSlot(0), 0)
    m.gc.minorCollection() // obj old now
    m.clear(0)
    m.gc.minorCollection()
    m.deref(1, globalSlot(0))
    expect(m.isNull(1)).toBe(false)
    m.clear(1)
    m.collect()
    m.deref(1, globalSlot(0))
    expect(m.isNull(1)).toBe(true)
  })

  it('runs callbacks newest first when the lifeline is finalized; a weakref that died runs none', () => {
    const m = manager()
    const tags: number[] = []
    m.on((e) => {
      if (e.type === 'weakref-callback') tags.push(e.tag)
    })
    const obj = m.defineType({ name: 'Obj', refs: 1, shape: 'dict-instance' })
    m.pushFrame(5)
    m.alloc(0, obj)
    m.weakref(1, 0, { tag: 1 })
    m.weakref(2, 0, { tag: 2 })
    m.weakref(3, 0, { tag: 3 })
    m.weakref(4, 0, { tag: 4 })
    m.store(0, 0, 4) // only the target holds weakref 4
    m.clear(4)
    m.clear(0)
    m.collect()
    expect(tags).toEqual([3, 2, 1])
  })

  it('runs the callback of a weakref to an object with __del__ one major collection after the __del__', () => {
    const m = manager()
    const log: string[] = []
    m.on((e) => {
      if (e.type === 'weakref-callback') log.push('cb')
      else if (e.type === 'finalize') log.push('del')
      else if (e.type === 'collect-call') log.push('|')
    })
    const del = m.defineType({ name: 'Del', refs: 0, finalizer: {}, shape: 'slots' })
    m.pushFrame(2)
    m.alloc(0, del)
    m.weakref(1, 0, { tag: 9 })
    m.clear(0)
    m.collect()
    m.deref(0, 1)
    expect(m.isNull(0)).toBe(true) // cleared by the collection that queued the __del__
    m.collect()
    expect(log).toEqual(['del', '|', 'cb', '|'])
  })
})

describe('id() and the surface of the gc module', () => {
  it('gives a nursery object its future address at once: id() does not change when it moves (incminimark.py:2786)', () => {
    const m = manager()
    const obj = m.defineType({ name: 'Obj', refs: 0, ints: 1 })
    const junk = m.defineType({ name: 'Junk', refs: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), obj)
    const id = m.idOf(globalSlot(0))
    expect(inNursery(m, globalSlot(0))).toBe(true)
    for (let i = 0; i < 5_000; i++) m.alloc(0, junk)
    expect(m.native.addressOf(globalSlot(0))).toBe(id)
    expect(m.idOf(globalSlot(0))).toBe(id)
  })

  it('returns None from gc.collect() and steps through USERDEL in gc.collect_step()', () => {
    const m = manager()
    m.pushFrame(0)
    expect(m.native.gc.collect()).toBeNull()
    const states: number[] = []
    for (let i = 0; i < 50; i++) {
      const s = m.native.gc.collect_step()
      states.push(s.newstate)
      if (s.major_is_done) break
    }
    expect(states[0]).toBe(1) // SCANNING -> MARKING
    expect(states.at(-2)).toBe(4) // FINALIZING -> USERDEL
    expect(states.at(-1)).toBe(0) // USERDEL -> SCANNING, major_is_done
  })

  it('calls gc.hooks after the op with the counts since the last call', () => {
    const m = manager()
    const junk = m.defineType({ name: 'Junk', refs: 2 })
    const counts: number[] = []
    m.native.gc.hooks.on_gc_minor = (s) => counts.push(s.count)
    m.pushFrame(1)
    for (let i = 0; i < 20_000; i++) m.alloc(0, junk)
    m.collect()
    expect(counts.reduce((a, b) => a + b, 0)).toBe(m.native.records().minor.length)
    expect(counts.at(-1)).toBeGreaterThan(1) // gc.collect(): several minor collections, one call
  })
})
