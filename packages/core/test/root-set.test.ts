/**
 * The root set's frame stack: frames deeper than its first bases array, locals that start null
 * even where a popped frame left values behind (dropFrame does not zero them), and globals
 * declared while frames are pushed.
 */
import { describe, expect, it } from 'vitest'
import { RootSet } from '../src/index.js'

const DEPTH = 300

describe('the root set frame stack', () => {
  it('keeps every frame of a deep stack and restores each one on pop', () => {
    const roots = new RootSet()
    roots.defineGlobals(2)
    for (let d = 1; d <= DEPTH; d++) {
      roots.pushFrame(2)
      roots.values[roots.index(0)] = d
      roots.values[roots.index(1)] = -d
    }
    expect(roots.depth).toBe(DEPTH)
    for (let d = DEPTH; d >= 1; d--) {
      expect([roots.get(0), roots.get(1)]).toEqual([d, -d])
      roots.checkPop()
      roots.dropFrame()
    }
    expect([roots.depth, roots.top, roots.frameBase]).toEqual([0, 2, 2])
  })

  it('gives a new frame null locals where a popped frame left values', () => {
    const roots = new RootSet()
    roots.pushFrame(1)
    roots.pushFrame(3)
    for (let i = 0; i < 3; i++) roots.values[roots.index(i)] = 7 + i
    roots.dropFrame()
    roots.pushFrame(4)
    expect([0, 1, 2, 3].map((i) => roots.get(i))).toEqual([0, 0, 0, 0])
  })

  it('gives null locals to a frame reaching past every earlier frame, after globals moved the stale ones up', () => {
    const roots = new RootSet()
    roots.pushFrame(2)
    roots.pushFrame(3)
    for (let i = 0; i < 3; i++) roots.values[roots.index(i)] = 7 + i
    roots.dropFrame()
    roots.defineGlobals(2) // frame 0 moves up by 2: the popped frame's values lie at 4 and above
    roots.pushFrame(6) // up to 10, past the highest top so far (5)
    expect([0, 1, 2, 3, 4, 5].map((i) => roots.get(i))).toEqual([0, 0, 0, 0, 0, 0])
    // Grown by copy: a frame popped before the growth leaves nothing in the new array either.
    roots.values[roots.index(5)] = 3
    roots.dropFrame()
    roots.pushFrame(300)
    expect(roots.values.length).toBeGreaterThanOrEqual(304)
    expect(roots.get(1)).toBe(0)
    expect(Array.from({ length: 300 }, (_, i) => roots.get(i)).every((v) => v === 0)).toBe(true)
  })

  it('shifts every frame when globals are added under them', () => {
    const roots = new RootSet()
    roots.defineGlobals(1)
    roots.values[roots.index(-1)] = 42
    for (let d = 1; d <= 3; d++) {
      roots.pushFrame(1)
      roots.values[roots.index(0)] = d
    }
    roots.defineGlobals(4)
    expect([roots.get(-1), roots.get(-2), roots.get(-4)]).toEqual([42, 0, 0])
    for (let d = 3; d >= 1; d--) {
      expect(roots.get(0)).toBe(d)
      roots.dropFrame()
    }
    expect(roots.frameBase).toBe(4)
  })

  it('keeps int32 values across growth when asked to (object-table handles)', () => {
    const roots = new RootSet({ outOfMemory: 'MemoryError', int32Values: true })
    expect(roots.values).toBeInstanceOf(Int32Array)
    roots.defineGlobals(1)
    roots.values[roots.index(-1)] = 2 ** 31 - 1
    for (let d = 1; d <= DEPTH; d++) {
      roots.pushFrame(2)
      roots.values[roots.index(1)] = d
    }
    expect(roots.values).toBeInstanceOf(Int32Array) // grown past its first 256 slots
    expect(roots.values.length).toBeGreaterThanOrEqual(2 * DEPTH + 1)
    for (let d = DEPTH; d >= 1; d--) {
      expect([roots.get(0), roots.get(1)]).toEqual([0, d])
      roots.dropFrame()
    }
    expect(roots.get(-1)).toBe(2 ** 31 - 1)
    expect(new RootSet().values).toBeInstanceOf(Float64Array)
  })
})
