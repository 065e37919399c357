/**
 * The parts of the op contract that live in core and that the conformance table cannot reach
 * cheaply on every manager: the type cap, the root-slot cap with a chosen limit, the int32
 * round trip of the largest callback tag.
 */
import { describe, expect, it } from 'vitest'
import { BaselineManager } from '../../baseline/src/index.js'
import {
  callbackCode,
  callbackTagOf,
  MAX_CALLBACK_TAG,
  MAX_TYPES,
  OutOfMemoryError,
  RootSet,
  TypeRegistry,
} from '../src/index.js'

describe('the type cap', () => {
  it('defines MAX_TYPES types and rejects one more without defining it', () => {
    const r = new TypeRegistry()
    for (let i = 0; i < MAX_TYPES; i++) r.define({ name: `t${i}`, refs: 1 }, 0)
    expect(() => r.define({ name: 'one too many', refs: 0 }, 0)).toThrow(
      expect.objectContaining({ code: 'INVALID_TYPE_SPEC' }),
    )
    expect(r.count).toBe(MAX_TYPES)
    expect(() => r.allocLength(MAX_TYPES, undefined)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TYPE' }),
    )
  })

  it('keeps only the spec keys, frozen, so a caller cannot change a defined type', () => {
    const r = new TypeRegistry()
    const spec = { name: 'node', refs: 2, ints: undefined, finalizer: { resurrectInto: 0 } }
    const id = r.define(spec, 1)
    spec.finalizer.resurrectInto = 5
    expect(r.get(id)).toEqual({ name: 'node', refs: 2, finalizer: { resurrectInto: 0 } })
    expect(Object.isFrozen(r.get(id)) && Object.isFrozen(r.get(id).finalizer)).toBe(true)
  })
})

describe('the root-slot cap', () => {
  it("raises the runtime's out-of-memory error past the limit and changes nothing", () => {
    const roots = new RootSet({ outOfMemory: 'java.lang.OutOfMemoryError', slotLimit: 100 })
    roots.defineGlobals(10)
    roots.pushFrame(80)
    let error: unknown
    try {
      roots.pushFrame(11)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(OutOfMemoryError)
    expect((error as OutOfMemoryError).runtimeError).toBe('java.lang.OutOfMemoryError')
    expect(() => roots.defineGlobals(21)).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY' }))
    expect([roots.top, roots.depth, roots.globalCount]).toEqual([90, 1, 10])
    roots.pushFrame(10) // exactly at the limit
    expect(roots.top).toBe(100)
    expect(roots.values.length).toBeLessThanOrEqual(256)
  })

  it('is a manager option, checked', () => {
    const m = new BaselineManager({ rootSlotLimit: 8 })
    m.pushFrame(8)
    expect(() => m.pushFrame(1)).toThrow(expect.objectContaining({ code: 'OUT_OF_MEMORY' }))
    expect(m.stats().ops).toBe(1)
    for (const bad of [0, 1.5, 2 ** 27 + 1]) {
      expect(() => new BaselineManager({ rootSlotLimit: bad })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      )
    }
  })
})

describe('callback tags', () => {
  it('reads the largest tag back from an int32 cell', () => {
    const cell = new Int32Array(1)
    for (const tag of [0, 1, 12345, MAX_CALLBACK_TAG]) {
      cell[0] = callbackCode(0, { tag })
      expect(cell[0]).not.toBe(0)
      expect(callbackTagOf(cell[0])).toBe(tag)
    }
    expect(callbackCode(0, undefined)).toBe(0)
  })
})
