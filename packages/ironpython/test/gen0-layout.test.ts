/**
 * gen0's layout as .NET 10 has it (BUDGETS.md#runtime-pinned-layout): the runtime's pinned
 * object 456 bytes into gen0's region with a free-list item before it, allocation contexts of
 * 8,224 bytes carried on contiguously, cut at the region's committed end, and regions of 4 MB.
 * Each figure below was read off .NET's own object addresses (the .NET oracle logging them).
 */
import { describe, expect, it } from 'vitest'
import { desiredNewAllocation, IronPythonManager, staticDataTable } from '../src/index.js'

const G0 = 256 * 1024

function fresh(gen0size = G0) {
  const m = new IronPythonManager({ preset: 'clr', sizeMode: 'clr', gen0size })
  const node = m.defineType({ name: 'Node', refs: 2 }) // object[2]: 40 bytes
  m.pushFrame(4)
  return { m, node, h: m.heap }
}

/** Allocate `n` nodes into slot 0 (each replaces the last) and return their addresses. */
function addresses(m: IronPythonManager, node: number, n: number): number[] {
  const out: number[] = []
  const off = m.on((e) => {
    if (e.type === 'alloc') out.push(e.address)
  })
  for (let i = 0; i < n; i++) m.alloc(0, node)
  off()
  return out
}

/**
 * After a gen0 collection, 30,000 nodes: where each context cut short ends (from gen0's first
 * object). Context boundaries are a 64-byte step; full contexts hold 205 objects, a cut one fewer.
 */
function contextCuts(m: IronPythonManager, node: number): number[] {
  m.native.clr.Collect(0, 'forced', true, true)
  const a = addresses(m, node, 30_000).map((x) => x - m.heap.g0Start * 8)
  const boundaries = []
  for (let i = 11; i < a.length; i++) if (a[i] - a[i - 1] === 64) boundaries.push(i)
  const cuts = []
  for (let k = 1; k < boundaries.length; k++) {
    if (boundaries[k] - boundaries[k - 1] !== 205) cuts.push(a[boundaries[k] - 1] + 40)
  }
  return cuts
}

describe("the runtime's pinned object in gen0 (gc.cpp a_fit_free_list_p, plan_phase pinned plugs)", () => {
  it('after a collection that promotes, gen0 is 456 free bytes and the 104-byte object', () => {
    const { m, h } = fresh()
    m.native.clr.Collect(0, 'forced', true, true)
    // GCMemoryInfo on .NET 10: gen0 SizeAfterBytes 560 after every promoting gen0 collection.
    expect(h.genSize(0)).toBe(560)
    expect(h.gen0FreeItemGranules * 8).toBe(456)
    expect((h.gen0Obstacle - h.g0Start) * 8).toBe(456)
  })

  it('ten 40-byte objects fill the free-list item, the eleventh goes past the object', () => {
    const { m, node, h } = fresh()
    m.native.clr.Collect(0, 'forced', true, true)
    const start = h.g0Start * 8
    const a = addresses(m, node, 12).map((x) => x - start)
    // .NET: objects at region offsets 0x28, 0x50, ... 0x190, then 0x258 (a jump of 200).
    expect(a.slice(0, 10)).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360])
    expect(a[10]).toBe(560)
    expect(a[11]).toBe(600)
  })

  it('the free-list context is charged in full, its unused part never credited back', () => {
    const { m, node, h } = fresh()
    m.native.clr.Collect(0, 'forced', true, true)
    const budget = h.newAllocation[0]
    addresses(m, node, 10)
    expect(h.newAllocation[0]).toBe(budget - 456)
    addresses(m, node, 1) // the eleventh: a context at the top, the item's 56 unused bytes a hole
    expect(h.newAllocation[0]).toBe(budget - 456 - 8224)
    expect(h.freeBytes[0]).toBe(56)
  })

  /** Three survivors in the free-list item, garbage after the object, then what `tail` keeps (slot 3). */
  function keepSurvivors(tail: (m: IronPythonManager, node: number) => void) {
    const m = new IronPythonManager({ preset: 'clr', sizeMode: 'clr', gen0size: G0 })
    const node = m.defineType({ name: 'Node', refs: 2 }) // object[2]: 40 bytes
    const big = m.defineType({ name: 'Big', refs: 2000 }) // 16,024 bytes
    const h = m.heap
    m.pushFrame(5)
    m.alloc(4, big)
    m.native.clr.Collect(0, 'forced', true, true) // Big is promoted: gen1 is no longer tiny
    // Too few bytes survive to promote (decide_on_promotion_surv): they stay gen0.
    for (let i = 0; i < 3; i++) m.alloc(i, node)
    for (let i = 0; i < 100; i++) m.alloc(3, node)
    tail(m, node)
    m.native.clr.Collect(0, 'forced', true, true)
    expect(h.genSize(1)).toBeGreaterThan(16_000)
    return { m, node, h }
  }

  it('a gen0 collection that keeps its survivors compacts them below the object, the gap is the next item', () => {
    // The survivor above the object (344 bytes) does not fit the 336-byte gap with a min object
    // before and after it (size_fit_p): it goes after the object, behind a 24-byte front pad.
    const { m, node, h } = keepSurvivors((m) => m.alloc(3, m.defineType({ name: 'Wide', refs: 40 })))
    expect(h.genSize(0)).toBe(560 + 24 + 344)
    expect(h.gen0FreeItemGranules * 8).toBe(336)
    const a = addresses(m, node, 8).map((x) => x - h.g0Start * 8)
    // .NET (binary-trees at 1 MiB): seven objects at 0xa0 .. 0x190, then past the object.
    expect(a.slice(0, 7)).toEqual([120, 160, 200, 240, 280, 320, 360])
    expect(a[7]).toBe(928)
  })

  it('a survivor above the object that fits the gap goes below it (the limit is the oldest pin)', () => {
    // gcbench GC 10 at 256 KiB: .NET put survivors that lay above the object below it.
    const { h } = keepSurvivors(() => {})
    // The last garbage node (40 bytes, slot 3) follows the three at 120: 24 + 40 + 24 <= 336.
    expect(h.genSize(0)).toBe(560)
    expect(h.gen0FreeItemGranules * 8).toBe(296)
  })
})

describe('allocation contexts at the top (gc.cpp limit_from_size, adjust_limit_clr, a_fit_segment_end_p)', () => {
  it('contexts of 8,224 bytes follow on contiguously: 205 objects of 40 bytes each, a 24-byte pad between', () => {
    const { m, node, h } = fresh(4 * 1024 * 1024)
    m.native.clr.Collect(0, 'forced', true, true)
    const a = addresses(m, node, 10 + 3 * 205 + 1)
    const jumps = []
    for (let i = 11; i < a.length; i++) if (a[i] - a[i - 1] !== 40) jumps.push([i, a[i] - a[i - 1]])
    expect(jumps).toEqual([
      [10 + 205, 64],
      [10 + 410, 64],
      [10 + 615, 64],
    ])
    expect(h.contextPadBytes).toBe(3 * 24)
  })

  it('a 256 KiB budget is spent by 6,535 objects of 40 bytes when no free-list item is used', () => {
    // .NET 10: 31 contexts of 205, one of 179 (7,200 bytes of budget left), one of 1.
    const { m, node, h } = fresh()
    m.native.clr.Collect(0, 'forced', true, true)
    h.gen0FreeItem = 0
    h.gen0FreeItemGranules = 0
    const before = m.native.clr.CollectionCount(0)
    let n = 0
    while (m.native.clr.CollectionCount(0) === before) {
      m.alloc(0, node)
      n++
    }
    expect(n - 1).toBe(6535)
  })

  it("contexts stop at the region's committed end, which grows 64 KiB at a time", () => {
    const { m, node, h } = fresh(64 * 1024 * 1024)
    const cuts = contextCuts(m, node)
    // Measured: the first cut just below region offset 0x101000, then one every 0x10000; in
    // the model's addresses (from the first object, 0x20 into the region) a context ends at
    // most 0x40 before.
    // .NET 10 (binary-trees at 256 KiB): the last object before each cut ends 0x100f98,
    // 0x110fa8, 0x120f90 bytes after the region's first object (its MT at 0x100f98 + 0x28 - 0x28).
    expect(cuts.slice(0, 3)).toEqual([0x100f98, 0x110fa8, 0x120f90])
    expect(h.homeRegionCommitted).toBe(0x101000 + 3 * 0x10000)
  })

  it('homeRegionCommitted moves the first cut (the .NET oracle measures it per budget: 0xd1000 at 512 KiB)', () => {
    const m = new IronPythonManager({
      preset: 'clr',
      sizeMode: 'clr',
      gen0size: 64 * 1024 * 1024,
      homeRegionCommitted: 0xd1000,
    })
    const node = m.defineType({ name: 'Node', refs: 2 })
    m.pushFrame(4)
    const cuts = contextCuts(m, node)
    // .NET 10 (binary-trees at 512 KiB): the last object before the first cut ends at region
    // offset 0xd0fc8, 0xd0fa8 after the region's first object.
    expect(cuts.slice(0, 3)).toEqual([0xd0fa8, 0xe0f90, 0xf0fa0])
    expect(() => new IronPythonManager({ preset: 'clr', homeRegionCommitted: 0x1234 })).toThrow(
      /homeRegionCommitted must be a multiple of 4,096/,
    )
  })

  it('a 4 MB region holds 104,544 objects of 40 bytes from its start', () => {
    const { m, node, h } = fresh(64 * 1024 * 1024)
    m.native.clr.Collect(0, 'forced', true, true)
    const start = h.g0Start * 8
    const a = addresses(m, node, 104_600).map((x) => x - start)
    const next = a.findIndex((x) => x >= 4 * 1024 * 1024)
    expect(next).toBe(104_544)
    expect(a[next]).toBe(4 * 1024 * 1024)
  })
})

describe('free regions (gc.cpp return_free_region, get_free_region)', () => {
  /** Collect, then allocate `n` nodes; objects per 4 MB region from gen0's first region. */
  function perRegion(m: IronPythonManager, node: number, n: number): number[] {
    m.native.clr.Collect(0, 'forced', true, true)
    const start = m.heap.g0Start * 8
    const counts: number[] = []
    for (const x of addresses(m, node, n)) {
      const r = Math.floor((x - start) / (4 * 1024 * 1024))
      counts[r] = (counts[r] ?? 0) + 1
    }
    return counts
  }

  it('regions a collection empties come back still committed: no 64 KiB cuts, two objects more each', () => {
    const { m, node } = fresh(64 * 1024 * 1024)
    // Fresh regions: committed 64 KiB at a time, each cut costs a pad (.NET 10: 104,548 objects
    // of 40 bytes in each fresh region of binary-trees maxDepth=14's third window at 1 MiB).
    const first = perRegion(m, node, 450_000)
    expect(first.slice(1, 4)).toEqual([104_548, 104_548, 104_548])
    // The same regions again after the collection emptied them: .NET 10 fills a reused region
    // with 104,550 (the 4 regions its second window spanned, in its third).
    const second = perRegion(m, node, 450_000)
    expect(second.slice(2, 4)).toEqual([104_550, 104_550])
  })

  it('a free region left unused for AGE_IN_FREE_TO_DECOMMIT_BASIC (20) collections is decommitted', () => {
    const { m, node } = fresh(64 * 1024 * 1024)
    perRegion(m, node, 450_000)
    // A few collections later the regions are still committed...
    for (let i = 0; i < 5; i++) m.native.clr.Collect(0, 'forced', true, true)
    expect(perRegion(m, node, 450_000).slice(2, 4)).toEqual([104_550, 104_550])
    // ...25 later they are fresh again (.NET 10, binary-trees maxDepth=14 at 512 KiB: the second
    // region of gen0's 81st window is cut every 64 KiB from its first page, where a model that
    // never decommits reused a committed one and ended the window one object late).
    for (let i = 0; i < 25; i++) m.native.clr.Collect(0, 'forced', true, true)
    expect(perRegion(m, node, 450_000).slice(1, 4)).toEqual([104_548, 104_548, 104_548])
  })
})

describe('desired_new_allocation rounding (gc.cpp: float arithmetic, Align up)', () => {
  it("gives .NET's budgets to the byte (GC.GetGenerationBudget, cycle-churn at 256 KiB)", () => {
    const sd = staticDataTable(G0)[0]
    // [gen0 survivors, dd_begin_data_size, .NET 10's budget after the collection]; the model
    // computed in doubles and rounded down gave 411,704 and 347,032 for the last two.
    const measured = [
      [29_104, 262_264, 582_080],
      [27_560, 582_176, 411_712],
      [21_536, 411_776, 347_040],
    ]
    for (const [survived, begin, budget] of measured) {
      expect(desiredNewAllocation(0, sd, survived, begin, 0)).toBe(budget)
    }
  })
})

describe("the finalizer thread's own allocation context (gc.cpp: one alloc_context per thread)", () => {
  it('finalizers allocate in a context of their own; the program goes on in its context', () => {
    const m = new IronPythonManager({
      preset: 'clr',
      sizeMode: 'clr',
      gen0size: G0,
      finalizerDrain: 'next-op',
    })
    const node = m.defineType({ name: 'Node', refs: 2 }) // 40 bytes
    const fin = m.defineType({ name: 'Fin', refs: 2, finalizer: { allocate: { type: node, count: 5 } } })
    m.pushFrame(2)
    m.alloc(1, fin)
    m.native.clr.Collect(0, 'forced', true, true) // fin survives (slot 1)
    m.clear(1) // fin is garbage now (in gen1)
    m.native.clr.Collect(1, 'forced', true, true) // fin f-reachable, finalized at the next op
    // The next op: the finalizer thread runs first (five nodes), then the program allocates.
    const a = addresses(m, node, 2)
    expect(a.length).toBe(7)
    const finalizerObjects = a.slice(0, 5)
    const [p1, p2] = a.slice(5)
    // The program's objects follow each other in its own context...
    expect(p2).toBe(p1 + 40)
    // ... while the finalizer's five are contiguous in the finalizer thread's, apart from them.
    for (let i = 1; i < 5; i++) expect(finalizerObjects[i] - finalizerObjects[i - 1]).toBe(40)
    for (const f of finalizerObjects) expect(f < p1 || f >= p2 + 40).toBe(true)
    // Two contexts were charged: the finalizer thread's first from the free-list item, the
    // program's from the top.
    expect(p1 - finalizerObjects[0]).toBeGreaterThanOrEqual(456)
  })
})
