/**
 * replay.py's own ints placed in the model's pymalloc (src/validate/cpython-replay-ints.ts): the
 * op index and next_id churn, and a finalizable object's IDS key and value, dropped and kept as
 * replay.py's loop drops and keeps them.
 */
import { CPythonManager } from '@pygc/cpython'
import { describe, expect, it } from 'vitest'
import { ReplayInts } from '../src/validate/cpython-replay-ints.js'

function ints32(m: CPythonManager): number {
  return m.debugMallocStats().classes.find((c) => c.size === 32)?.inUse ?? 0
}

describe('ReplayInts', () => {
  it('keeps two op-index ints and one next_id past the small ints, each a 32-byte block', () => {
    const m = new CPythonManager()
    const ints = new ReplayInts(m)
    const t = ints.wrap(m)
    t.defineGlobals(1)
    const plain = t.defineType({ name: 'P', refs: 1 })
    for (let i = 0; i < 200; i++) t.alloc(-1, plain)
    expect(ints.live).toBe(0) // ints up to 256 are the interpreter's preallocated ones
    for (let i = 0; i < 200; i++) t.alloc(-1, plain)
    // OPI[0] (op 399) and opi (400); next_id (400).
    expect(ints.live).toBe(3)
    expect(ints32(m)).toBe(3)
  })

  it("keeps a finalizable object's id and IDS key until its __del__, then its id and the op's index", () => {
    const m = new CPythonManager()
    const ints = new ReplayInts(m)
    const t = ints.wrap(m)
    t.defineGlobals(2)
    const plain = t.defineType({ name: 'P', refs: 1 })
    const fin = t.defineType({ name: 'F', refs: 1, finalizer: {} })
    for (let i = 0; i < 300; i++) t.alloc(-1, plain)
    const before = ints.live
    t.alloc(-2, fin)
    // + the key id(obj) and the kept next_id (its successor replaces it as next_id).
    expect(ints.live).toBe(before + 2)
    t.clear(-2) // __del__: IDS.pop drops the key; EV_VAL keeps the id, EV_OP this op's index
    t.clear(-1)
    t.clear(-1)
    expect(ints.live).toBe(before + 2)
    expect(ints32(m)).toBe(ints.live)
  })

  it('holds a written int value outside the small ints until it is replaced or its object dies', () => {
    const m = new CPythonManager()
    const ints = new ReplayInts(m)
    const t = ints.wrap(m)
    t.defineGlobals(1)
    const withInts = t.defineType({ name: 'I', refs: 0, ints: 2 })
    t.alloc(-1, withInts)
    t.writeInt(-1, 0, 1000)
    expect(ints.live).toBe(1)
    t.writeInt(-1, 0, 2000) // the 1000 is dropped
    t.writeInt(-1, 1, 7) // a small int: no block
    expect(ints.live).toBe(1)
    t.clear(-1) // its dealloc drops the 2000
    expect(ints.live).toBe(0)
    expect(ints32(m)).toBe(0)
  })

  it("keeps a callback weakref's TAGS key and counts a weak reference in next_id", () => {
    const m = new CPythonManager()
    const ints = new ReplayInts(m)
    const t = ints.wrap(m)
    t.defineGlobals(3)
    const fin = t.defineType({ name: 'F', refs: 0, finalizer: {} })
    const plain = t.defineType({ name: 'P', refs: 1 })
    for (let i = 0; i < 300; i++) t.alloc(-1, plain)
    t.alloc(-2, fin)
    const before = ints.live
    t.weakref(-3, -2, { tag: 1000 })
    // TAGS: the id(wr) key and the tag 1000; next_id moves on (its old int dropped).
    expect(ints.live).toBe(before + 2)
    t.clear(-2) // __del__ of the object with id 301 (the weak reference took 302): its IDS key goes
    // - its key; the previous op's index goes, this one's comes (as every op)
    expect(ints.live).toBe(before + 1)
    t.clear(-1) // the __del__'s op index stays (EV_OP), where another op's would go
    expect(ints.live).toBe(before + 2)
  })
})
