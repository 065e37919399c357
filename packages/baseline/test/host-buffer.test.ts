import { globalSlot, zeroRanges } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { BaselineManager } from '../src/index.js'
import type { FreeListSpace } from '../src/space.js'

function spaceOf(m: BaselineManager): FreeListSpace {
  return (m as unknown as { space: FreeListSpace }).space
}

function firstNonZeroWord(buffer: ArrayBuffer): number {
  const words = new Uint32Array(buffer)
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return i * 4
  return -1
}

describe('a reused heap reservation (core host-buffers.ts)', () => {
  it('is all zeros once the range the space reports written is zeroed, after growth and sweeps', () => {
    const m = new BaselineManager({ heapLimit: 16 * 1024 * 1024 })
    const space = spaceOf(m)
    const pair = m.defineType({ name: 'Pair', refs: 2 })
    const blob = m.defineType({ name: 'Blob', refs: 0, variable: 'bytes' })
    m.defineGlobals(1)
    m.pushFrame(2)
    // A growing chain from a global, with garbage (small and large) in between: the heap grows
    // past its first capacity, sweeps free cells and gives a free tail back.
    for (let i = 0; i < 60_000; i++) {
      m.alloc(0, pair)
      m.store(0, 0, globalSlot(0))
      m.move(globalSlot(0), 0)
      m.alloc(1, blob, (i % 7) * 100)
      if (i % 5_000 === 0) m.alloc(1, blob, 40_000)
    }
    m.clear(globalSlot(0))
    m.collect()
    expect(space.growths).toBeGreaterThan(0)
    expect(firstNonZeroWord(space.buffer)).toBeGreaterThan(0)
    zeroRanges(space.buffer, space.writtenRanges())
    expect(firstNonZeroWord(space.buffer)).toBe(-1)
  })

  it('keeps the capacity and growth figures of a heap that grows by copying', () => {
    const m = new BaselineManager({ heapLimit: 16 * 1024 * 1024 })
    const space = spaceOf(m)
    expect(space.capacity).toBe(1 << 20)
    const blob = m.defineType({ name: 'Blob', refs: 0, variable: 'bytes' })
    m.defineGlobals(1)
    m.gcControl('disable')
    m.alloc(globalSlot(0), blob, 3 << 20)
    // As when the buffer was replaced: max(needed, doubled) bytes, one growth.
    expect([space.capacity, space.growths]).toEqual([space.frontier, 1])
  })
})
