import { describe, expect, it } from 'vitest'
import { NB_SMALL_SIZE_CLASSES, POOL_OVERHEAD, POOL_SIZE } from '../src/constants.js'
import { blockSizeOf, PyMalloc, sizeClassOf } from '../src/index.js'
import { blockIndexOf } from '../src/pymalloc.js'

describe('pymalloc', () => {
  it('finds every block of every size class from its offset in the pool, by multiplication', () => {
    for (let c = 0; c < NB_SMALL_SIZE_CLASSES; c++) {
      const size = blockSizeOf(c)
      const blocks = Math.floor((POOL_SIZE - POOL_OVERHEAD) / size)
      const wrong: number[] = []
      for (let b = 0; b < blocks; b++) if (blockIndexOf(b * size, c) !== b) wrong.push(b)
      expect({ sizeClass: c, wrong }).toEqual({ sizeClass: c, wrong: [] })
    }
  })

  it('maps requests to 32 size classes of 16 bytes', () => {
    expect(sizeClassOf(1)).toBe(0)
    expect(sizeClassOf(16)).toBe(0)
    expect(sizeClassOf(17)).toBe(1)
    expect(sizeClassOf(56)).toBe(3)
    expect(blockSizeOf(sizeClassOf(56))).toBe(64)
    expect(sizeClassOf(512)).toBe(31)
  })

  it('carves pools from a 1 MiB arena and hands out blocks in address order, reusing freed ones LIFO', () => {
    const p = new PyMalloc()
    const a = p.malloc(64)
    const b = p.malloc(64)
    expect(b - a).toBe(64)
    expect(p.arenasAllocated).toBe(1)
    expect(p.footprint).toBe(1024 * 1024)
    const other = p.malloc(32)
    expect(Math.floor((other - a) / 16384)).toBe(1) // another size class: another pool
    p.free(a, 64)
    p.free(b, 64)
    expect(p.malloc(64)).toBe(b)
    expect(p.malloc(64)).toBe(a)
  })

  it('sends requests over 512 bytes to the system malloc and counts them in the footprint', () => {
    const p = new PyMalloc()
    p.malloc(8000)
    expect(p.arenasAllocated).toBe(0)
    expect(p.largeBytes).toBe(8016)
    expect(p.footprint).toBe(8016)
  })

  it('returns a wholly free arena to the OS unless it is the last usable one', () => {
    const p = new PyMalloc()
    const perArena = 64 * Math.floor((16384 - 48) / 512)
    const blocks: number[] = []
    for (let i = 0; i < perArena * 2 + 1; i++) blocks.push(p.malloc(512))
    expect(p.arenasAllocated).toBe(3)
    for (let i = 0; i < perArena; i++) p.free(blocks[i], 512)
    expect(p.arenasAllocated).toBe(2)
    expect(p.arenasReleased).toBe(1)
    // the fullest usable arena comes first (usable_arenas sorted by free pools)
    const order = p.usableArenaOrder()
    for (let i = 1; i < order.length; i++)
      expect(order[i].freePools).toBeGreaterThanOrEqual(order[i - 1].freePools)
  })
})
