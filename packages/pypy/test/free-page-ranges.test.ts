import { describe, expect, it } from 'vitest'
import { FreePageRanges } from '../src/free-page-ranges.js'
import { Memory } from '../src/memory.js'

describe('free page ranges (mmap gaps)', () => {
  it('merges a freed range with both free neighbours and serves a request as long as the merged gap', () => {
    const r = new FreePageRanges()
    r.give(10, 2)
    r.give(14, 3)
    expect(r.take(5)).toBe(-1) // 2 and 3 pages apart: no 5-page gap
    r.give(12, 2) // fills the hole: one 7-page gap, 10..17
    expect(r.freePages).toBe(7)
    expect(r.take(7)).toBe(10)
    expect(r.freePages).toBe(0)
    expect(r.take(1)).toBe(-1)
  })

  it('splits a longer gap and keeps the rest', () => {
    const r = new FreePageRanges()
    r.give(100, 10)
    expect(r.take(3)).toBe(100)
    expect(r.take(7)).toBe(103)
    expect(r.take(1)).toBe(-1)
  })
})

describe('malloc as mmap', () => {
  it('reuses freed address space for requests of other sizes: the break follows the live bytes, not all bytes ever allocated', () => {
    const mem = new Memory(1 << 20, {})
    const live: number[] = []
    let size = 200_000
    for (let i = 0; i < 2_000; i++) {
      size = 200_000 + ((size * 7919) % 200_000) // varied sizes, as large bytes objects have
      const a = mem.malloc(size)
      expect(a).toBeGreaterThan(0)
      live.push(a, size)
      if (live.length > 8) {
        const [b, s] = live.splice(0, 2)
        mem.free(b, s)
      }
    }
    const brk = mem.writtenRanges()[1]
    // Four blocks of at most 400 KB live at a time, plus fragmentation: far below 2,000 blocks' 600 MB.
    expect(brk).toBeLessThan(16 * 1024 * 1024)
  })

  it('hands out a reused block zeroed', () => {
    const mem = new Memory(1 << 20, {})
    const a = mem.malloc(10_000)
    mem.w.fill(-1, a >> 2, (a + 10_000) >> 2)
    mem.free(a, 10_000)
    const b = mem.malloc(9_000)
    expect(b).toBe(a)
    expect(mem.w.subarray(b >> 2, (b + 9_000) >> 2).every((x) => x === 0)).toBe(true)
  })
})
