import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

/** The object table keeps int-word counts of 255 and more outside its one-byte column. */
describe('object rows', () => {
  it('an object with many int words reads and writes all of them, and its row is reused cleanly', () => {
    const m = new CPythonManager()
    const many = m.defineType({ name: 'Many', refs: 1, ints: 300, shape: 'slots' })
    const few = m.defineType({ name: 'Few', refs: 1, ints: 2, shape: 'slots' })
    m.pushFrame(2)
    m.alloc(0, many)
    m.writeInt(0, 299, 7)
    m.writeInt(0, 254, -3)
    expect(m.readInt(0, 299)).toBe(7)
    expect(m.readInt(0, 254)).toBe(-3)
    expect(() => m.readInt(0, 300)).toThrow(/300/)
    m.clear(0) // dies: its row goes back to the table
    m.alloc(1, few) // takes that row
    expect(m.readInt(1, 1)).toBe(0)
    expect(() => m.readInt(1, 2)).toThrow(/2/)
    m.alloc(0, many)
    expect(m.readInt(0, 299)).toBe(0)
    m.popFrame()
    expect(m.stats().liveObjects).toBe(0)
  })
})
