/**
 * Tuples in the PyPy model's layout, as replay_pypy.py builds them (one BUILD_TUPLE:
 * benchmarks/oracles/pypy/pypy_tuples.py): a pair is a W_SpecialisedTupleObject (24 B, one
 * part), any other count a W_TupleObject and its items array; an int the program writes into a
 * tuple with a reference item is a W_IntObject box. The figures are pypy3 7.3.11's
 * (benchmarks/oracles/pypy/measure_sizes.py, "tuple refs=R ints=I written=W").
 */
import type { TypeSpec } from '@pygc/core'
import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { Kind, layoutOf, PyPyManager } from '../src/index.js'

const tuple = (refs: number, ints = 0): TypeSpec => ({ name: 'T', refs, ints, shape: 'tuple' })

describe('tuples in the layout', () => {
  it('size each item count as pypy3 measures it', () => {
    // measured: 1 item 40 B, 2 items 24, 3 items 56, 4 items 64
    expect([1, 2, 3, 4].map((n) => layoutOf(tuple(n)).bytes(0))).toEqual([40, 24, 56, 64])
    expect(layoutOf(tuple(1, 1)).bytes(0)).toBe(24)
    expect(layoutOf(tuple(0, 2)).bytes(0)).toBe(24)
    expect(layoutOf(tuple(2, 1)).bytes(0)).toBe(56)
  })

  it('give a pair one part and another count two (the tuple, its items array)', () => {
    const out = new Int32Array(8)
    expect([...out.subarray(0, layoutOf(tuple(2)).parts(0, out))]).toEqual([24])
    expect([...out.subarray(0, layoutOf(tuple(3)).parts(0, out))]).toEqual([16, 40])
    expect([
      ...out.subarray(0, layoutOf({ name: 'V', refs: 0, variable: 'refs', shape: 'tuple' }).parts(2, out)),
    ]).toEqual([24])
  })

  it('box the ints of a tuple with a reference item, not those of a pair of ints', () => {
    expect(layoutOf(tuple(1, 1)).kind).toBe(Kind.ObjectList)
    expect(layoutOf(tuple(0, 2)).kind).toBe(Kind.Instance)
    expect(layoutOf(tuple(2)).kind).toBe(Kind.Instance)
  })

  it('allocate the box a writeInt makes: (object, new int) is 40 B as measured', () => {
    const m = new PyPyManager({ nursery: 1 << 20 })
    m.defineGlobals(2)
    const t = m.defineType(tuple(1, 1))
    m.alloc(globalSlot(0), t)
    m.writeInt(globalSlot(0), 0, 12345)
    m.alloc(globalSlot(1), t) // the nursery's next object: after the pair and its box
    expect(m.native.addressOf(globalSlot(1)) - m.native.addressOf(globalSlot(0))).toBe(24 + 16)
    expect(m.readInt(globalSlot(0), 0)).toBe(12345)
    m.release()
  })
})
