import { type FinalizerSpec, globalSlot, type Mutator } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { TRACE_VALIDATORS, validate } from '../src/validate/api.js'
import {
  CLR_ORACLE,
  firstMissing,
  OracleCapabilityError,
  REPLAY_PY_CPYTHON,
  REPLAY_PY_JYTHON,
  REPLAY_PYPY_CAPS,
  requireCapabilities,
  TRACE_REPLAY_JAVA,
  traceNeeds,
} from '../src/validate/capabilities.js'
import { tempDir } from './cli-helpers.js'
import { recordTrace } from './record-trace.js'

const dir = tempDir('validate-capabilities')

const record = (name: string, program: (m: Mutator) => void): string => recordTrace(dir, name, program)

describe('traceNeeds', () => {
  it('finds each need at the first op that needs it', () => {
    const trace = record('needs', (m) => {
      m.defineGlobals(2)
      const list = m.defineType({ name: 'L', refs: 1 }) // a plain list: no weakref slot in Python
      const inst = m.defineType({ name: 'I', refs: 1, shape: 'slots' })
      const fin = m.defineType({ name: 'F', refs: 0, shape: 'slots', finalizer: { resurrectInto: 1 } })
      m.pushFrame(3) // op 0
      m.alloc(0, inst) // 1
      m.weakref(1, 0, { tag: 7 }) // 2: a callback, to an instance
      m.alloc(1, list) // 3
      m.store(0, 0, 1) // 4: the list is now only reachable through a field
      m.clear(1) // 5
      m.load(2, 0, 0) // 6
      m.weakref(1, 2) // 7: a weakref to a plain list, loaded from a field
      m.alloc(2, fin) // 8: a resurrecting finalizer
      m.pin(0) // 9
      m.gcControl('disable') // 10
      m.popFrame()
    })
    expect(traceNeeds(trace)).toEqual({
      'weakref-callback': 2,
      'weakref-to-list': 7,
      finalizer: 8,
      resurrection: 8,
      pin: 9,
      'gc-control': 10,
    })
  })

  it('finds a finalizer that allocates at the first allocation of its type', () => {
    const trace = record('allocating', (m) => {
      m.defineGlobals(1)
      const junk = m.defineType({ name: 'J', refs: 1 })
      const plain = m.defineType({ name: 'P', refs: 0, shape: 'slots', finalizer: {} })
      const maker = m.defineType({
        name: 'M',
        refs: 0,
        shape: 'slots',
        finalizer: { allocate: { type: junk, count: 3 }, storeNew: { type: junk, global: 0 } },
      })
      m.pushFrame(1) // op 0
      m.alloc(0, plain) // 1
      m.alloc(0, maker) // 2
      m.popFrame()
    })
    expect(traceNeeds(trace)).toEqual({ finalizer: 1, 'finalizer-allocation': 2 })
    for (const oracle of [REPLAY_PY_CPYTHON, REPLAY_PYPY_CAPS, TRACE_REPLAY_JAVA, CLR_ORACLE])
      expect(firstMissing(traceNeeds(trace), oracle)).toBeNull()
  })

  it('counts a shape at its definition (the next op index)', () => {
    const trace = record('tuple', (m) => {
      m.pushFrame(1) // op 0
      m.defineType({ name: 'T', refs: 2, shape: 'tuple' })
      m.defineType({ name: 'V', refs: 0, shape: 'dict-instance', variable: 'refs' })
      m.popFrame() // op 1
    })
    expect(traceNeeds(trace)).toEqual({ 'shape-tuple': 1, 'variable-instance': 1 })
  })

  it('finds what only tuples need: a weak reference to one, a finalizer on or making one', () => {
    const trace = record('tuple-needs', (m) => {
      m.defineGlobals(1)
      const tuple = m.defineType({ name: 'T', refs: 1, shape: 'tuple' })
      m.pushFrame(2) // op 0
      m.alloc(0, tuple) // 1
      m.weakref(1, 0) // 2
      m.defineType({
        name: 'M',
        refs: 0,
        shape: 'slots',
        finalizer: { storeNew: { type: tuple, global: 0 } },
      })
      m.popFrame() // op 3
    })
    expect(traceNeeds(trace)).toEqual({ 'shape-tuple': 0, 'weakref-to-tuple': 2, 'tuple-finalizer': 3 })
    // CPython's replay fills tuples in place, but cannot weakly reference one.
    expect(firstMissing(traceNeeds(trace), REPLAY_PY_CPYTHON)).toEqual({
      capability: 'weakref-to-tuple',
      op: 2,
    })
    expect(firstMissing(traceNeeds(trace), REPLAY_PYPY_CAPS)).toEqual({
      capability: 'weakref-to-tuple',
      op: 2,
    })
    expect(firstMissing(traceNeeds(trace), TRACE_REPLAY_JAVA)).toBeNull()
  })
})

describe('requireCapabilities', () => {
  it('refuses with the op index and the missing capability, the earliest first', () => {
    const needs = { finalizer: 40, 'legacy-finalizer': 12, pin: 3 }
    expect(() => requireCapabilities(needs, REPLAY_PY_CPYTHON, 't')).not.toThrow()
    let error: unknown
    try {
      requireCapabilities(needs, TRACE_REPLAY_JAVA, 't')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(OracleCapabilityError)
    const e = error as OracleCapabilityError
    expect(e.code).toBe('UNSUPPORTED')
    expect(e.op).toBe(12)
    expect(e.capability).toBe('legacy-finalizer')
    expect(e.message).toMatch(/TraceReplay\.java on java cannot replay t: op 12 needs 'legacy-finalizer'/)
    expect(() => requireCapabilities({ 'legacy-finalizer': 5, finalizer: 5 }, CLR_ORACLE, 't')).toThrow(
      /op 5 needs 'legacy-finalizer'/,
    )
  })

  it('lets the .NET and JVM oracles replay finalizers, weakref callbacks and resurrection', () => {
    const needs = { finalizer: 4, resurrection: 4, 'weakref-callback': 9, pin: 2 }
    expect(firstMissing(needs, CLR_ORACLE)).toBeNull()
    expect(firstMissing(needs, TRACE_REPLAY_JAVA)).toBeNull()
    expect(() => requireCapabilities(needs, CLR_ORACLE, 't')).not.toThrow()
  })
})

describe('byte payloads', () => {
  const finalizable = (m: Mutator, finalizer: FinalizerSpec): number =>
    m.defineType({ name: 'D', refs: 0, shape: 'slots', finalizer })

  /** A trace whose objects carry payload bytes: fixed (op 2), variable (op 4), in a finalizer's allocation (op 5). */
  function payloadTrace(name: string, withFinalizer: boolean): string {
    return record(name, (m) => {
      m.defineGlobals(1)
      const plain = m.defineType({ name: 'P', refs: 1, shape: 'slots' })
      const fixed = m.defineType({ name: 'F', refs: 1, bytes: 48 })
      const blob = m.defineType({ name: 'B', refs: 0, variable: 'bytes' })
      const fin = finalizable(m, { allocate: { type: fixed, count: 2 } })
      m.pushFrame(2) // op 0
      m.alloc(0, plain) // 1
      m.alloc(1, blob, 0) // 2: a variable-bytes object of no bytes has no payload
      m.alloc(1, fixed) // 3: 48 payload bytes
      m.alloc(1, blob, 100) // 4
      if (withFinalizer) m.alloc(1, fin) // 5
      m.clear(1)
      m.collect()
      m.popFrame()
    })
  }

  it('needs byte-payload at the first allocation of an object with payload bytes', () => {
    expect(traceNeeds(payloadTrace('payload', false))).toEqual({ 'byte-payload': 3 })
    const variable = record('variable-bytes', (m) => {
      const blob = m.defineType({ name: 'B', refs: 0, variable: 'bytes' })
      m.pushFrame(1) // op 0
      m.alloc(0, blob, 0) // 1
      m.alloc(0, blob, 8) // 2
      m.popFrame()
    })
    expect(traceNeeds(variable)).toEqual({ 'byte-payload': 2 })
    const finalizerOnly = record('finalizer-payload', (m) => {
      m.defineGlobals(1)
      const fixed = m.defineType({ name: 'F', refs: 0, bytes: 16 })
      const fin = finalizable(m, { storeNew: { type: fixed, global: 0 } })
      m.pushFrame(1) // op 0
      m.alloc(0, fin) // 1: its finalizer makes a payload object
      m.popFrame()
    })
    expect(traceNeeds(finalizerOnly)).toMatchObject({ 'byte-payload': 1 })
  })

  it('is replayed by replay.py on CPython, replay_pypy.py, TraceReplay.java and the .NET oracle', () => {
    const trace = payloadTrace('payload-runtimes', false)
    const needs = traceNeeds(trace)
    // replay.py and replay_pypy.py build each payload as a bytes object its owner holds (make_payload).
    expect(() => TRACE_VALIDATORS.cpython.checkTrace(needs, trace)).not.toThrow()
    expect(() => TRACE_VALIDATORS.pypy.checkTrace(needs, trace)).not.toThrow()
    expect(firstMissing(needs, REPLAY_PY_JYTHON)).toEqual({ capability: 'byte-payload', op: 3 })
    expect(firstMissing(needs, TRACE_REPLAY_JAVA)).toBeNull()
    expect(firstMissing(needs, CLR_ORACLE)).toBeNull()
    expect(() => TRACE_VALIDATORS.ironpython.checkTrace(needs, trace)).not.toThrow()
    // Jython: no finalizer or callback, so the counts go to TraceReplay.java, which has payloads.
    expect(() => TRACE_VALIDATORS.jython.checkTrace(needs, trace)).not.toThrow()
  })

  it('leaves an order trace with payloads to TraceReplay.java on Jython, and refuses it where neither oracle can', () => {
    const trace = payloadTrace('payload-order', true)
    const needs = traceNeeds(trace)
    expect(needs).toMatchObject({ 'byte-payload': 3, finalizer: 5, 'finalizer-allocation': 5 })
    expect(firstMissing(needs, REPLAY_PY_JYTHON)).toEqual({ capability: 'byte-payload', op: 3 })
    expect(() => TRACE_VALIDATORS.jython.checkTrace(needs, trace)).not.toThrow()
    // A legacy finalizer too: TraceReplay.java cannot replay it either, so the refusal names
    // replay.py's missing capability.
    expect(() => TRACE_VALIDATORS.jython.checkTrace({ ...needs, 'legacy-finalizer': 5 }, trace)).toThrow(
      /replay\.py on jython cannot replay .*: op 3 needs 'byte-payload'/,
    )
  })
})

describe('validate(trace, runtime)', () => {
  it('refuses a trace one runtime cannot replay before any oracle runs', async () => {
    const trace = record('legacy', (m) => {
      m.defineGlobals(1)
      const p = m.defineType({ name: 'P', refs: 0, shape: 'slots', finalizer: { legacy: true } })
      m.pushFrame(1)
      m.alloc(0, p)
      m.clear(0)
      m.collect()
      m.clear(globalSlot(0))
      m.popFrame()
    })
    const logged: string[] = []
    await expect(validate(trace, 'all', { log: (s) => logged.push(s) })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'legacy-finalizer',
      op: 1,
      oracle: 'ClrOracle on dotnet',
    })
    expect(logged).toEqual([]) // nothing ran
  })

  it('checks pypy as every other runtime: replay_pypy.py refuses a store into a tuple after its fill', async () => {
    const trace = record('tuple-pypy', (m) => {
      m.pushFrame(2) // op 0
      const tuple = m.defineType({ name: 'T', refs: 2, shape: 'tuple' })
      m.alloc(0, tuple) // op 1
      m.collect() // op 2: ends the fill
      m.store(0, 1, 1) // op 3
      m.popFrame() // op 4
    })
    const logged: string[] = []
    await expect(validate(trace, 'pypy', { log: (s) => logged.push(s) })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'tuple-store',
      op: 3,
      oracle: 'replay_pypy.py on pypy3',
    })
    expect(logged).toEqual([])
  })
})
