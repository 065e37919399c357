import { describe, expect, it } from 'vitest'
import { ObjectHeap } from '../src/heap.js'
import {
  copyGrowth,
  growCapacity,
  MAX_ROWS,
  RESERVE_FROM,
  RESERVED_ROWS,
  withGrowth,
} from '../src/heap-growth.js'

describe('object table growth', () => {
  it('grows small tables by half, then reserves once, then grows by half again', () => {
    expect(growCapacity(4096)).toBe(6144)
    expect(growCapacity(8)).toBe(24) // at least 16 rows
    expect(growCapacity(RESERVE_FROM - 1)).toBe(copyGrowth(RESERVE_FROM - 1))
    expect(growCapacity(RESERVE_FROM)).toBe(RESERVED_ROWS)
    expect(growCapacity(RESERVED_ROWS - 1)).toBe(RESERVED_ROWS)
    expect(growCapacity(RESERVED_ROWS)).toBe(RESERVED_ROWS + RESERVED_ROWS / 2)
    expect(growCapacity(MAX_ROWS - 1)).toBe(MAX_ROWS)
  })

  it('falls back to growth by copy when the host refuses the reservation', () => {
    const asked: number[] = []
    const reached = withGrowth(RESERVE_FROM, RESERVED_ROWS, (n) => {
      asked.push(n)
      if (n === RESERVED_ROWS) throw new RangeError('Array buffer allocation failed')
    })
    expect(asked).toEqual([RESERVED_ROWS, copyGrowth(RESERVE_FROM)])
    expect(reached).toBe(copyGrowth(RESERVE_FROM))
  })

  it('lets other errors of a resize through', () => {
    expect(() =>
      withGrowth(RESERVE_FROM, RESERVED_ROWS, () => {
        throw new TypeError('not an allocation failure')
      }),
    ).toThrow(TypeError)
  })

  it('keeps every row when a grown table is copied', () => {
    const heap = new ObjectHeap(16)
    const handles: number[] = []
    for (let i = 0; i < 100; i++) {
      const h = heap.newHandle()
      heap.refcnt[h] = i + 1
      heap.address[h] = 2 ** 40 + i * 16
      handles.push(h)
    }
    expect(heap.capacity).toBeGreaterThanOrEqual(heap.handleLimit)
    handles.forEach((h, i) => {
      expect(heap.refcnt[h]).toBe(i + 1)
      expect(heap.address[h]).toBe(2 ** 40 + i * 16)
    })
  })
})
