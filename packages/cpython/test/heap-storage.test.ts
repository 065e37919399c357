import { describe, expect, it } from 'vitest'
import { ObjectHeap } from '../src/heap.js'
import { leaveStorage, takeStorage } from '../src/heap-storage.js'
import { CPythonManager } from '../src/index.js'

/** A program that leaves garbage cycles, ints and dead rows behind: every column gets written. */
function program(m: CPythonManager): void {
  const node = m.defineType({ name: 'Node', refs: 2, ints: 1, shape: 'slots' })
  const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
  m.pushFrame(3)
  for (let i = 0; i < 5000; i++) {
    m.alloc(0, node)
    m.writeInt(0, 0, i)
    m.store(0, 0, 2) // a chain that stays alive
    m.move(2, 0)
    m.alloc(1, pair)
    m.store(1, 0, 0)
    m.store(0, 1, 1) // a cycle: only the collector frees it
  }
  m.popFrame()
  m.collect()
}

describe("a released manager's object table storage", () => {
  it('goes to the next manager, zeroed, and the figures are a fresh manager’s', () => {
    const fresh = new CPythonManager()
    program(fresh)
    const used = new CPythonManager()
    program(used)
    const heap = (used as unknown as { heap: ObjectHeap }).heap
    const columns = heap.refcnt
    expect(heap.handleLimit).toBeGreaterThan(4096) // the table grew past its first capacity
    used.release()
    expect(heap.capacity).toBe(0) // detached: a stray use cannot write into the next table

    const next = new CPythonManager()
    const nextHeap = (next as unknown as { heap: ObjectHeap }).heap
    expect(nextHeap.refcnt).toBe(columns)
    expect(nextHeap.refcnt.every((x) => x === 0)).toBe(true)
    expect(nextHeap.fields.every((x) => x === 0)).toBe(true)
    program(next)
    expect({ ...next.stats(), wallGcMs: 0 }).toEqual({ ...fresh.stats(), wallGcMs: 0 })
    expect(next.debugMallocStats()).toEqual(fresh.debugMallocStats())
  })

  it('is taken once, and a reservation-sized table is not kept', () => {
    const small = new ObjectHeap(64)
    small.newHandle()
    leaveStorage(small.detachStorage())
    expect(takeStorage()?.capacity).toBe(64)
    expect(takeStorage()).toBeNull()
    const large = new ObjectHeap(2 ** 21)
    leaveStorage(large.detachStorage())
    expect(takeStorage()).toBeNull()
  })
})
