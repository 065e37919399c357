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
  MAX_FINALIZER_ALLOCATIONS,
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

describe('a finalizer that allocates', () => {
  /** Types 0 plain, 1 variable, 2 with a finalizer; 3 globals. */
  function registry(): TypeRegistry {
    const r = new TypeRegistry()
    r.define({ name: 'plain', refs: 1, ints: 1 }, 3)
    r.define({ name: 'var', refs: 0, variable: 'refs' }, 3)
    r.define({ name: 'fin', refs: 0, finalizer: {} }, 3)
    return r
  }
  const reject = (finalizer: unknown, key: string): void => {
    expect(() => registry().define({ name: 'f', refs: 0, finalizer } as never, 3)).toThrow(
      expect.objectContaining({ code: 'INVALID_TYPE_SPEC', message: expect.stringContaining(key) }),
    )
  }

  it('accepts allocate {type, count} and storeNew {type, global}, kept frozen in canonical form', () => {
    const r = registry()
    const spec = {
      name: 'f',
      refs: 0,
      finalizer: { allocate: { type: 0, count: 3 }, storeNew: { type: 0, global: 2 } },
    }
    const id = r.define(spec, 3)
    spec.finalizer.allocate.count = 9
    expect(r.get(id).finalizer).toEqual({ allocate: { type: 0, count: 3 }, storeNew: { type: 0, global: 2 } })
    expect(Object.isFrozen(r.get(id).finalizer?.allocate)).toBe(true)
    r.define(
      { name: 'max', refs: 0, finalizer: { allocate: { type: 0, count: MAX_FINALIZER_ALLOCATIONS } } },
      3,
    )
  })

  it('rejects each bad part with INVALID_TYPE_SPEC naming the key', () => {
    reject({ allocate: { type: 0, count: 0 } }, 'finalizer.allocate.count')
    reject({ allocate: { type: 0, count: MAX_FINALIZER_ALLOCATIONS + 1 } }, 'finalizer.allocate.count')
    reject({ allocate: { type: 0, count: 1.5 } }, 'finalizer.allocate.count')
    reject({ allocate: { type: 0 } }, 'finalizer.allocate.count')
    reject({ allocate: { type: 3, count: 1 } }, 'finalizer.allocate.type') // not defined yet (itself)
    reject({ allocate: { type: 1, count: 1 } }, 'variable-size')
    reject({ allocate: { type: 2, count: 1 } }, 'has a finalizer')
    reject({ allocate: { type: 0, count: 1, extra: 1 } }, '"extra"')
    reject({ allocate: [0, 1] }, 'finalizer.allocate must be an object')
    reject({ storeNew: { type: 0, global: 3 } }, 'finalizer.storeNew.global')
    reject({ storeNew: { type: 0 } }, 'finalizer.storeNew.global')
    reject({ storeNew: { type: 2, global: 0 } }, 'has a finalizer')
    reject({ storeNew: { type: 0, global: 1 }, resurrectInto: 1 }, 'must differ from finalizer.resurrectInto')
    reject({ storeNew: null }, 'finalizer.storeNew must be an object')
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
