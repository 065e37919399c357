/**
 * Where plan_phase puts plugs (gc.cpp allocate_in_condemned_generations, size_fit_p, SHORT_PLUGS),
 * on the cases .NET 10 showed in gcbench (BUDGETS.md#short-plugs). Addresses in granules of 8 bytes.
 */
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'
import { W_ID } from '../src/layout.js'
import { PlugPlanner } from '../src/plug-planner.js'

/** The runtime's pinned object: 456 bytes into gen0, 104 bytes long (granules). */
const PIN = 57
const PIN_END = PIN + 13

describe('plan_phase plug placement (allocate_in_condemned_generations)', () => {
  it('a plug above a pinned plug goes below it when it fits with a min object before and after', () => {
    // gcbench GC 10 at 256 KiB: 8 survivors (384 bytes) and 1 (48), all above the object.
    const p = new PlugPlanner()
    p.reset(0)
    p.enqueuePin(PIN, PIN_END, PlugPlanner.OBSTACLE)
    // The first plug starts a context: a 24-byte pad, then 384 bytes: 24 + 384 + 24 <= 456.
    expect(p.place(100, 48, true, false, 0)).toBe(3)
    // 48 more bytes need 24 + 48 + 24 = 96 of the 48 left: the pin is passed, the plug goes
    // after it, padded again (a new context starts at the pin's end).
    expect(p.place(200, 6, true, false, 0)).toBe(PIN_END + 3)
    expect(p.ptr).toBe(PIN_END + 9)
    // gen0 after: 632 bytes, as GCMemoryInfo reported (0x20 + 632 = where the next window starts).
    expect(p.ptr * 8).toBe(632)
    expect([p.obstacleGapAt, p.obstacleGap]).toEqual([51, 6])
    expect(p.padBytes[0]).toBe(48)
    expect(p.holes).toEqual([0, 3, 51, 6, PIN_END, 3])
  })

  it('a plug that does not move is not padded; later plugs are padded every 1,000 bytes', () => {
    // gcbench GC 13 at 256 KiB: gen0 after 2,936 bytes.
    const p = new PlugPlanner()
    p.reset(0)
    expect(p.place(0, 54, true, false, 0)).toBe(0) // nine survivors at gen0's start stay
    p.enqueuePin(PIN, PIN_END, PlugPlanner.OBSTACLE)
    // A survivor right after the pin: it cannot go below (no room), stays where it is.
    expect(p.place(PIN_END, 6, true, false, 0)).toBe(PIN_END)
    // 1,824 bytes 48 bytes after the context start: no pad.
    expect(p.place(40_000, 228, true, false, 0)).toBe(PIN_END + 6)
    // 432 bytes 1,872 bytes after it: a pad.
    const at = PIN_END + 6 + 228
    expect(p.place(41_000, 54, true, false, 0)).toBe(at + 3)
    expect(p.place(42_000, 6, true, false, 0)).toBe(at + 3 + 54)
    expect(p.ptr * 8).toBe(2936)
  })

  it('no pad for plugs that go to gen2, and an exact fit is allowed there', () => {
    const p = new PlugPlanner()
    p.reset(0)
    p.enqueuePin(10, 20, 2)
    expect(p.place(30, 10, false, false, 2)).toBe(0)
    expect(p.ptr).toBe(10)
    expect(p.padBytes).toEqual([0, 0, 0])
  })

  it('a plug right before a pin that would move less than a min object is pinned instead', () => {
    const p = new PlugPlanner()
    p.reset(0)
    // At 3, right before a pin, at a context's start: padded it would land at 3, a move of 0.
    expect(p.place(3, 5, true, true, 0)).toBe(-1)
    expect(p.ptr).toBe(0)
    // Moving 3 granules or more, it moves.
    expect(p.place(6, 5, true, true, 0)).toBe(3)
  })
})

describe("the collector's plan with pinned handles", () => {
  it('a pinned plug takes in the survivor right after it (plan_phase: extend to the next marked object)', () => {
    const m = new IronPythonManager({
      preset: 'clr',
      sizeMode: 'clr',
      gen0size: 256 * 1024,
      runtimePinnedBytes: 0,
    })
    const node = m.defineType({ name: 'Node', refs: 2 }) // 40 bytes
    m.pushFrame(4)
    const ids: number[] = []
    m.on((e) => {
      if (e.type === 'alloc') ids.push(e.id)
    })
    m.alloc(0, node) // a survivor at gen0's start
    for (let i = 0; i < 200; i++) m.alloc(1, node) // garbage (slot 1 keeps the last)
    m.alloc(2, node)
    m.pin(2)
    m.alloc(3, node) // right after the pinned node
    const at = () => {
      const out = new Map<number, number>()
      m.forEachObject((g, words, w) => out.set(words[w + W_ID], g))
      return out
    }
    const before = at()
    m.native.clr.Collect(0, 'forced', true, true)
    const after = at()
    const [first, , pinned, next] = [ids[0], ids[200], ids[201], ids[202]]
    expect(after.get(pinned)).toBe(before.get(pinned))
    // Taken into the pinned plug: it stays, though there is room below for it.
    expect(after.get(next)).toBe(before.get(next))
    expect(after.get(first)).toBe(before.get(first))
  })
})
