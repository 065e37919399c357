/**
 * The reachability oracle behind CPython's two in-op finalizer moments: a reference count an
 * op's own write drops to zero (after the write), and a collection an op's allocation starts
 * (CPython 3.11's gc_alloc: after the op read its operands, before it stored its new object).
 * The oracle's slots must stay the manager's slots through both.
 */

import { oracleScene } from '@pygc/conformance'
import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

const G1 = globalSlot(1)
const setUp = () => oracleScene(new CPythonManager()) // cpython-3.11

describe('withOracle on CPython', () => {
  it("applies a __del__ run by a store's decref after the store read global 1 and wrote", () => {
    const { m, mutator, oracle, finalized, leaf, holder, phoenix } = setUp()
    mutator.alloc(G1, leaf) // id 0, held only by global 1
    mutator.alloc(0, holder) // id 1
    mutator.alloc(1, phoenix) // id 2
    mutator.store(0, 0, 1) // holder -> phoenix
    mutator.clear(1) // the holder's field is the phoenix's only reference
    // holder.field = global 1's object (id 0); the old value, the phoenix, dies and its
    // __del__ stores it into global 1 — after the store read global 1.
    mutator.store(0, 0, G1)
    expect(finalized.map((e) => [e.id, e.betweenOps])).toEqual([[2, false]])
    expect([m.objectId(G1), oracle.idIn(G1)]).toEqual([2, 2])
    mutator.load(1, 0, 0)
    expect([m.objectId(1), oracle.idIn(1)]).toEqual([0, 0])
    expect(oracle.deathOpOf(0)).toBe(-1)
    expect(oracle.isReachable(0)).toBe(true)
  })

  it("applies a __del__ run by a weakref's allocation after the weakref read its target", () => {
    const { m, mutator, oracle, finalized, leaf, phoenix } = setUp()
    mutator.alloc(G1, leaf) // id 0
    mutator.move(0, G1) // also held by local 0
    mutator.alloc(1, phoenix) // id 1
    mutator.store(1, 0, 1) // a self-cycle: garbage only the cycle collector finds
    mutator.clear(1)
    m.native.set_threshold(m.native.get_count()[0]) // the next tracked allocation collects
    // weakref.ref(global 1): CPython reads the target (id 0), then allocates the call's
    // argument tuple; that collects, and the phoenix's __del__ stores it into global 1.
    mutator.weakref(2, G1) // id 2
    expect(finalized.map((e) => [e.id, e.betweenOps])).toEqual([[1, false]])
    expect([m.objectId(G1), oracle.idIn(G1)]).toEqual([1, 1])
    mutator.deref(1, 2)
    expect([m.objectId(1), oracle.idIn(1)]).toEqual([0, 0])
    expect(oracle.wrongDerefs).toBe(0)
    expect(oracle.prematureWeakClears).toBe(0)
  })
})
