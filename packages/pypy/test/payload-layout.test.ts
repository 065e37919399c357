/**
 * A byte payload in the PyPy model's layout: the owner holds the payload's bytes object by one
 * more list item or attribute (replay_pypy.py's), so a list owning one is an object list even
 * with no reference field; b'' is PyPy's prebuilt constant and adds no string.
 */
import { describe, expect, it } from 'vitest'
import { Kind, layoutOf } from '../src/index.js'

describe('byte payloads in the layout', () => {
  it('count one more reference for the payload, and its W_BytesObject and rpy_string', () => {
    const plain = layoutOf({ name: 'L', refs: 2 })
    const owner = layoutOf({ name: 'L', refs: 2, bytes: 7 })
    // 8 for the reference, W_BytesObject 16, rpy_string 24 + 1 + 7 rounded to 8 = 32.
    expect(owner.bytes(0) - plain.bytes(0)).toBe(8 + 16 + 32)
    expect(owner.refs).toBe(2) // the program's fields are unchanged
  })

  it('make a list of no reference field an object list once it holds a payload', () => {
    expect(layoutOf({ name: 'I', refs: 0, ints: 2 }).kind).toBe(Kind.IntList)
    expect(layoutOf({ name: 'B', refs: 0, variable: 'bytes' }).kind).toBe(Kind.ObjectList)
  })

  it("add no string for b'' (a prebuilt constant)", () => {
    const blob = layoutOf({ name: 'B', refs: 0, variable: 'bytes' })
    const empty = layoutOf({ name: 'E', refs: 1 })
    expect(blob.bytes(0)).toBe(empty.bytes(0))
  })
})
