/**
 * Pinned objects (GCHandle.Alloc(o, GCHandleType.Pinned)): a compacting GC slides every other
 * survivor down but leaves a pinned plug where it is, and the gap before it becomes a free
 * object counted as fragmentation of the generation the plug ends up in.
 */
import { globalSlot, type RootSet } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { SOH_BASE } from '../src/heap.js'
import { IronPythonManager } from '../src/index.js'
import { FREE_TYPE, W_FIELDS, W_GRANULES, W_ID, W_REFS, W_TYPE, WEAKREF_TYPE } from '../src/layout.js'

const G0 = 256 * 1024
const scale = process.env.CI ? 0.5 : 1

/** Without the runtime's own pinned object, so pinned counts are the test's pins only. */
function clrManager() {
  return new IronPythonManager({ preset: 'clr', gen0size: G0, runtimePinnedBytes: 0 })
}

/** Byte address of every live object, by id. */
function addresses(m: IronPythonManager): Map<number, number> {
  const at = new Map<number, number>()
  m.forEachObject((g, words, w) => at.set(words[w + W_ID], g * 8))
  return at
}

/**
 * Walk the whole heap: every SOH object (free gaps included) has a valid size and the walk ends
 * exactly at the top; every reference field of every object and every root points at the start
 * of a live object. Returns the free gaps of the SOH as [byte address, bytes].
 */
function verifyHeap(m: IronPythonManager): [number, number][] {
  const h = m.heap
  const starts = new Set<number>()
  const gaps: [number, number][] = []
  let g = SOH_BASE
  while (g < h.sohTop) {
    if (g === h.acPtr && h.acEnd !== 0) {
      g = h.acEnd // the allocation context's unused tail is not parsable yet
      continue
    }
    const w = g * 2
    const size = h.soh[w + W_GRANULES]
    expect(size).toBeGreaterThanOrEqual(3)
    if (h.soh[w + W_TYPE] === FREE_TYPE) gaps.push([g * 8, size * 8])
    else starts.add(g)
    g += size
  }
  expect(g).toBe(h.sohTop)
  m.forEachObject((at) => starts.add(at))
  m.forEachObject((at, words, w) => {
    if (words[w + W_TYPE] === WEAKREF_TYPE) return
    for (let i = 0; i < words[w + W_REFS]; i++) {
      const t = words[w + W_FIELDS + 2 * i]
      if (t !== 0) expect(starts.has(t), `field ${i} of the object at granule ${at}`).toBe(true)
    }
  })
  // The slots are private to the manager; the test reads them to check every root.
  const roots = (m as unknown as { roots: RootSet }).roots
  for (let i = 0; i < roots.top; i++) {
    const t = roots.values[i]
    if (t !== 0) expect(starts.has(t), `root ${i}`).toBe(true)
  }
  for (let i = 0; i < h.pinnedHandles.length; i++) expect(starts.has(h.pinnedHandles.items[i])).toBe(true)
  return gaps
}

describe('pinned objects', () => {
  it('never move in compacting collections while their neighbours do; the gap before them is free', () => {
    const m = clrManager()
    m.defineGlobals(3)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 }) // object[3]: 48 bytes
    m.pushFrame(2)
    // gen0, in address order: garbage, s1, garbage, P (pinned), garbage, s2.
    const make = (slot: number, tag: number) => {
      m.alloc(slot, node)
      m.writeInt(slot, 0, tag)
    }
    make(1, -1)
    make(globalSlot(0), 1) // s1
    make(1, -2)
    make(0, 100) // P
    m.pin(0)
    make(1, -3)
    make(globalSlot(2), 2) // s2
    m.store(0, 0, globalSlot(0)) // P -> s1
    m.store(globalSlot(2), 0, 0) // s2 -> P
    m.store(0, 1, globalSlot(2)) // P -> s2
    const pId = m.objectId(0)
    const s1Id = m.objectId(globalSlot(0))
    const s2Id = m.objectId(globalSlot(2))
    m.clear(0)
    m.clear(1)

    const before = addresses(m)
    m.native.clr.Collect(0)
    const gen0 = m.native.clr.GetGCMemoryInfo()!
    expect(gen0.compacted).toBe(true)
    expect(gen0.pinnedObjectsCount).toBe(1)
    let after = addresses(m)
    expect(after.get(pId)).toBe(before.get(pId))
    expect(after.get(s1Id)!).toBeLessThan(before.get(s1Id)!)
    expect(after.get(s2Id)!).toBeLessThan(before.get(s2Id)!)
    // s1 slid down onto the garbage below it; the 2 dead objects around it left a gap before P.
    const gaps = verifyHeap(m)
    const gapBeforeP = gaps.find(([a, n]) => a + n === after.get(pId))
    expect(gapBeforeP).toBeDefined()
    expect(gapBeforeP![1]).toBe(after.get(pId)! - (after.get(s1Id)! + 48))
    expect(gapBeforeP![1]).toBeGreaterThanOrEqual(48)
    // Promoted with gen0's survivors, the gap counts as gen1 fragmentation.
    expect(gen0.generationInfo[1].fragmentationAfterBytes).toBeGreaterThanOrEqual(gapBeforeP![1])

    // Many compacting collections of every generation, with churn in between.
    const junk = m.defineType({ name: 'junk', refs: 1 })
    const pAt = after.get(pId)
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < Math.round(3000 * scale); i++) m.alloc(1, junk)
      m.clear(1)
      m.native.clr.Collect(round % 3, 'forced', true, true)
      expect(m.native.clr.GetGCMemoryInfo()!.compacted).toBe(true)
      after = addresses(m)
      expect(after.get(pId)).toBe(pAt)
      verifyHeap(m)
    }
    // Every reference still leads where it led.
    m.load(0, globalSlot(2), 0)
    expect(m.readInt(0, 0)).toBe(100)
    m.load(1, 0, 0)
    expect(m.same(1, globalSlot(0))).toBe(true)
    expect(m.readInt(1, 0)).toBe(1)
    m.load(1, 0, 1)
    expect(m.same(1, globalSlot(2))).toBe(true)
    expect(m.readInt(1, 0)).toBe(2)
    m.clear(0)
    m.clear(1)

    // Unpinned and unreachable: the next full collection reclaims it.
    m.load(0, globalSlot(2), 0)
    m.unpin(0)
    m.clear(0)
    m.store(globalSlot(2), 0, 0)
    m.native.clr.Collect(2, 'forced', true, true)
    expect(m.native.clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(0)
    expect(addresses(m).has(pId)).toBe(false)
    verifyHeap(m)
  })

  it('keeps pins nested and counts pinned handles of condemned objects per collection', () => {
    const m = clrManager()
    const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
    m.pushFrame(2)
    m.alloc(0, node)
    m.pin(0)
    m.pin(0)
    m.alloc(1, node)
    expect(() => m.unpin(1)).toThrow(/unpin at op \d+: the object in slot 1 is not pinned/)
    m.clear(1)
    expect(() => m.pin(1)).toThrow(/pin at op \d+: slot 1 is null/)
    m.native.clr.Collect(0)
    // Two handles to one object in gen0: counted per handle, like gc.cpp's pin_object.
    expect(m.native.clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(2)
    m.native.clr.Collect(0)
    // Now in gen1: a gen0 GC does not condemn it.
    expect(m.native.clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(0)
    m.unpin(0)
    m.unpin(0)
    expect(() => m.unpin(0)).toThrow(/not pinned/)
    expect(m.native.summary()).toMatchObject({ pinnedHandles: 0 })
  })

  it("counts the runtime's own pinned object in gen0 until sweeping collections promote it", () => {
    const m = new IronPythonManager({ preset: 'clr', gen0size: G0 })
    const clr = m.native.clr
    // .NET 10, idle process: every gen0 GC reports PinnedObjectsCount 1 (a 104-byte object the
    // runtime pins); compacting GCs of any generation leave it in gen0 (demotion).
    clr.Collect(0)
    expect(clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(1)
    clr.Collect(2, 'forced', true, true)
    clr.Collect(1)
    clr.Collect(0)
    expect(clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(1)
    // Two sweeping GC.Collect(2) promote it to gen2; gen0 GCs no longer condemn it.
    clr.Collect(2)
    expect(clr.GetGCMemoryInfo()!.compacted).toBe(false)
    clr.Collect(2)
    clr.Collect(0)
    expect(clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(0)
    clr.Collect(2)
    expect(clr.GetGCMemoryInfo()!.pinnedObjectsCount).toBe(1)
  })

  it("grows gen0's budget from the runtime's pinned object like from any survivor", () => {
    // ~100% survival: desired_new_allocation is 20 x the survivors (surv_to_growth's max), so
    // the 104 bytes add 2,080 bytes of budget — binary-trees' 42nd gen0 GC on .NET 10. The
    // collection is the one the spent budget triggers: an induced one part way through the
    // budget would blend the result with the previous budget (linear_allocation_model).
    const budgetAfterFullSurvival = (runtimePinnedBytes?: number) => {
      const m = new IronPythonManager({ preset: 'clr', gen0size: G0, runtimePinnedBytes })
      const node = m.defineType({ name: 'node', refs: 1 })
      m.defineGlobals(1)
      m.pushFrame(2)
      m.alloc(globalSlot(0), node)
      while (m.native.clr.CollectionCount(0) === 0) {
        m.alloc(0, node)
        m.store(0, 0, globalSlot(0))
        m.move(globalSlot(0), 0)
      }
      return m.heap.desiredAllocation[0]
    }
    expect(budgetAfterFullSurvival(undefined) - budgetAfterFullSurvival(0)).toBe(20 * 104)
    expect(() => new IronPythonManager({ preset: 'clr', runtimePinnedBytes: 12 })).toThrow(
      /runtimePinnedBytes/,
    )
  })

  it('keeps a pinned object amid gen0 churn exactly where it was allocated', () => {
    const m = clrManager()
    m.defineGlobals(64)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 })
    const junk = m.defineType({ name: 'junk', refs: 2 })
    m.pushFrame(3)
    const pinned: [number, number][] = []
    const n = Math.round(20_000 * scale)
    for (let i = 0; i < n; i++) {
      m.alloc(0, junk)
      if (i % 500 === 0 && pinned.length < 32) {
        m.alloc(1, node)
        m.writeInt(1, 0, i)
        m.pin(1)
        m.move(globalSlot(pinned.length), 1)
        pinned.push([m.objectId(1), i])
      } else if (i % 7 === 0) {
        m.alloc(1, node)
        m.store(1, 0, 0)
        m.move(globalSlot(32 + (i % 32)), 1)
      }
    }
    const first = addresses(m)
    for (let k = 0; k < 5; k++) m.native.clr.Collect(k % 3, 'forced', true, true)
    const later = addresses(m)
    for (const [id, i] of pinned) expect(later.get(id), `pinned object ${i}`).toBe(first.get(id))
    expect(m.native.clr.CollectionCount(0)).toBeGreaterThan(5)
    verifyHeap(m)
    for (let k = 0; k < pinned.length; k++) expect(m.readInt(globalSlot(k), 0)).toBe(pinned[k][1])
  })
})
