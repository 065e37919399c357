/**
 * The speed table's floors measure what they claim: each runs binary-trees through the Mutator
 * interface with the op count of every model, and the cpython bookkeeping floor reproduces the
 * CPython model's own figures (ops, refcount operations, allocations, live objects and bytes,
 * the live peak) exactly, so it keeps the same records, however much faster.
 */
import { Rng } from '@pygc/core'
import { CPythonManager } from '@pygc/cpython'
import { binaryTrees } from '@pygc/workloads'
import { describe, expect, it } from 'vitest'
import { BookkeepingFloor } from '../src/bookkeeping-floor.js'
import { RefcountFloor } from '../src/refcount-floor.js'

function cpythonFigures(params: Record<string, number>) {
  const m = new CPythonManager() // the default preset, 3.11
  const { check } = binaryTrees.run(m, params, new Rng(1))
  const s = m.stats()
  m.release?.()
  return { check, s }
}

describe('the speed table floors', () => {
  for (const maxDepth of [6, 8]) {
    const params = { maxDepth, minDepth: 4 }

    it(`cpython bookkeeping floor: the CPython model's figures on binary-trees N=${maxDepth}`, () => {
      const { check, s } = cpythonFigures(params)
      const floor = new BookkeepingFloor()
      expect(binaryTrees.run(floor, params, new Rng(1)).check).toBe(check)
      expect({
        ops: floor.ops,
        refcountOps: floor.refcountOps,
        objectsAllocated: floor.objectsAllocated,
        bytesAllocated: floor.bytesAllocated,
        liveObjects: floor.liveObjects,
        liveBytes: floor.liveBytes,
        peakLiveBytes: floor.peakLiveBytes,
      }).toEqual({
        ops: s.ops,
        refcountOps: s.work.refcountOps,
        objectsAllocated: s.objectsAllocated,
        bytesAllocated: s.bytesAllocated,
        liveObjects: s.liveObjects,
        liveBytes: s.liveBytes,
        peakLiveBytes: s.peakLiveBytes,
      })
      expect(floor.recordsAgree()).toBe(true)
    })

    it(`refcount floor: every model's op and allocation count on binary-trees N=${maxDepth}`, () => {
      const { check, s } = cpythonFigures(params)
      const floor = new RefcountFloor()
      expect(binaryTrees.run(floor, params, new Rng(1)).check).toBe(check)
      expect([floor.ops, floor.objectsAllocated]).toEqual([s.ops, s.objectsAllocated])
    })
  }

  it('the floors refuse what binary-trees does not do, with typed errors', () => {
    for (const floor of [new RefcountFloor(), new BookkeepingFloor()]) {
      expect(() => floor.defineType({ name: 'Big', refs: 3 })).toThrow(
        expect.objectContaining({ code: 'UNSUPPORTED' }),
      )
      const node = floor.defineType({ name: 'Node', refs: 2, shape: 'tuple' })
      floor.pushFrame(2)
      floor.alloc(0, node)
      expect(() => floor.load(1, 0, 2)).toThrow(expect.objectContaining({ code: 'FIELD_OUT_OF_RANGE' }))
      expect(() => floor.store(1, 0, 0)).toThrow(expect.objectContaining({ code: 'NULL_REFERENCE' }))
      expect(() => floor.readInt(0, 0)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
      expect(() => floor.collect()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }))
      expect(() => floor.alloc(5, node)).toThrow(expect.objectContaining({ code: 'INVALID_SLOT' }))
      floor.popFrame()
    }
  })
})
