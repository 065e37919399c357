/**
 * The model started from a real interpreter's pymalloc (StartingState.pymalloc,
 * src/pymalloc-start.ts): its pools, blocks, arenas and unused pools read back as given, and the
 * program's blocks go first into the free slots, then into the unused pools.
 */
import { describe, expect, it } from 'vitest'
import { CPythonManager, PyMalloc } from '../src/index.js'
import { seedPymalloc } from '../src/pymalloc-start.js'

// 3.11.7's pymalloc at replay.py's loop start (abridged): 5 arenas, 3 of them misaligned.
const START = {
  arenas: 5,
  unusedPools: 42,
  classes: [
    { size: 16, pools: 1, inUse: 133 },
    { size: 32, pools: 4, inUse: 1570 },
    { size: 64, pools: 65, inUse: 15990 },
    { size: 80, pools: 40, inUse: 8070 },
    { size: 512, pools: 165, inUse: 4000 },
  ],
}

describe('pymalloc started from a real interpreter', () => {
  it('reads back the pools and blocks per class, the arenas and the unused pools it was given', () => {
    const p = new PyMalloc()
    seedPymalloc(p, START, new Float64Array(32))
    const s = p.debugStats()
    expect(s.classes.map((c) => [c.size, c.pools, c.inUse])).toEqual(
      START.classes.map((c) => [c.size, c.pools, c.inUse]),
    )
    expect(s.arenas.allocatedCurrent).toBe(5)
    // 5 * 64 - 275 pools in use - 42 unused: 3 arenas of 63 pools (new_arena's alignment loss).
    expect(s.unusedPools).toBe(42)
  })

  it('fills the free slots before taking a pool, and the unused pools before mapping an arena', () => {
    const p = new PyMalloc()
    seedPymalloc(p, START, new Float64Array(32))
    // 65 pools of 255 blocks hold 15990: 585 free slots.
    for (let i = 0; i < 585; i++) p.malloc(64)
    expect(p.debugStats().classes.find((c) => c.size === 64)?.pools).toBe(65)
    p.malloc(64)
    expect(p.debugStats().classes.find((c) => c.size === 64)?.pools).toBe(66)
    expect(p.debugStats().unusedPools).toBe(41)
    for (let i = 0; i < 254 + 41 * 255; i++) p.malloc(64)
    expect(p.arenasAllocated).toBe(5)
    p.malloc(64)
    expect(p.arenasAllocated).toBe(6)
  })

  it("counts the model's own start-up objects in the blocks given", () => {
    const m = new CPythonManager({
      start: { generations: [0, 0, 11_000], pymalloc: START },
    })
    const s = m.debugMallocStats()
    // The 11,000 stand-ins of generation 2 are 64-byte blocks: part of the 15,990, not added.
    expect(s.classes.find((c) => c.size === 64)).toMatchObject({ pools: 65, inUse: 15990 })
    expect(s.arenas.allocatedCurrent).toBe(5)
  })

  it('holds an arena beyond those the pools fill wholly free, as the last usable one', () => {
    // 3.13.0 at replay.py's loop start: 5 arenas of 63 pools, 240 pools in use, 75 unused.
    const p = new PyMalloc()
    seedPymalloc(
      p,
      { arenas: 5, unusedPools: 75, classes: [{ size: 64, pools: 240, inUse: 240 * 255 }] },
      new Float64Array(32),
    )
    expect(p.arenasAllocated).toBe(5)
    expect(p.debugStats().unusedPools).toBe(75)
    expect(p.usableArenaOrder().map((a) => a.freePools)).toEqual([12, 63])
    for (let i = 0; i < 75 * 255; i++) p.malloc(64)
    expect(p.arenasAllocated).toBe(5)
    p.malloc(64)
    expect(p.arenasAllocated).toBe(6)
  })

  it('refuses a class that is not a size class or holds more blocks than its pools', () => {
    const p = new PyMalloc()
    expect(() =>
      seedPymalloc(p, { ...START, classes: [{ size: 24, pools: 1, inUse: 1 }] }, new Float64Array(32)),
    ).toThrow(/size 24/)
    expect(() =>
      seedPymalloc(p, { ...START, classes: [{ size: 64, pools: 1, inUse: 300 }] }, new Float64Array(32)),
    ).toThrow(/300 blocks/)
  })
})
