/**
 * Tuples on PyPy: replay_pypy.py builds a trace's tuple from its alloc and the stores that fill
 * it (benchmarks/oracles/pypy/pypy_tuples.py, the fill rule), and refuses any other store into
 * a tuple; the capability check (capabilities.ts 'tuple-store', tuple-fill.ts) refuses the same
 * traces before anything runs, at the same op index.
 */
import { spawnSync } from 'node:child_process'
import { globalSlot, type Mutator } from '@pygc/core'
import { runRealPyPy } from '@pygc/pypy/validate'
import { describe, expect, it } from 'vitest'
import { validate } from '../src/validate/api.js'
import {
  firstMissing,
  REPLAY_PY_CPYTHON,
  REPLAY_PYPY_CAPS,
  traceNeeds,
} from '../src/validate/capabilities.js'
import { tempDir } from './cli-helpers.js'
import { recordTrace } from './record-trace.js'

const dir = tempDir('validate-pypy-tuples')
const pypy = process.env.PYGC_PYPY ?? 'pypy3'
const installed = spawnSync(pypy, ['--version'], { encoding: 'utf8' }).status === 0

const record = (name: string, program: (m: Mutator) => void): string => recordTrace(dir, name, program)

const G = globalSlot(0)

/** binary-trees' node: alloc, then both children stored with nothing between (trees.ts buildBottomUp). */
function pairs(m: Mutator): void {
  m.defineGlobals(1)
  const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
  m.pushFrame(3) // op 0
  m.alloc(0, pair) // 1: a leaf, never filled
  m.alloc(1, pair) // 2: its fill ends here, unfilled: (None, None)
  m.alloc(2, pair) // 3
  m.store(2, 0, 0) // 4
  m.store(2, 1, 1) // 5
  m.move(G, 2) // 6: reads slot 2, ends the fill
  m.load(0, G, 1) // 7
  m.isNull(0) // 8
  m.popFrame() // 9
}

/** btree's `(key, record)`: a writeInt, then a store with a frame and a load between (btree.ts setItem). */
function keyed(m: Mutator): void {
  m.defineGlobals(2)
  const item = m.defineType({ name: 'Item', refs: 1, ints: 1, shape: 'tuple' })
  const rec = m.defineType({ name: 'Record', refs: 1, shape: 'slots' })
  m.alloc(globalSlot(1), rec) // 0
  m.alloc(G, item) // 1
  m.writeInt(G, 0, 42) // 2
  m.pushFrame(1) // 3
  m.load(0, globalSlot(1), 0) // 4
  m.move(0, globalSlot(1)) // 5
  m.store(G, 0, 0) // 6
  m.popFrame() // 7
  m.readInt(G, 0) // 8: reads the tuple: ends the fill
}

describe('the tuple fill rule (capability check)', () => {
  it('lets replay_pypy.py replay tuples filled right after their alloc', () => {
    for (const [name, program] of [
      ['pairs', pairs],
      ['keyed', keyed],
    ] as const) {
      const needs = traceNeeds(record(name, program))
      expect(needs['shape-tuple']).toBe(0)
      expect(needs['tuple-store']).toBeUndefined()
      expect(firstMissing(needs, REPLAY_PYPY_CAPS)).toBeNull()
    }
  })

  it('needs tuple-store at a store after an allocation, a self-store, a store through another slot', () => {
    const late = record('late', (m) => {
      const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
      const leaf = m.defineType({ name: 'Leaf', refs: 0, shape: 'slots' })
      m.pushFrame(2) // 0
      m.alloc(0, pair) // 1
      m.alloc(1, leaf) // 2: ends the fill
      m.store(0, 0, 1) // 3: a late store
      m.popFrame() // 4
    })
    expect(traceNeeds(late)['tuple-store']).toBe(3)
    expect(firstMissing(traceNeeds(late), REPLAY_PYPY_CAPS)).toEqual({ capability: 'tuple-store', op: 3 })
    // CPython's replay writes tuples in place.
    expect(firstMissing(traceNeeds(late), REPLAY_PY_CPYTHON)).toBeNull()
    const self = record('self', (m) => {
      const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
      m.pushFrame(1) // 0
      m.alloc(0, pair) // 1
      m.store(0, 1, 0) // 2: the tuple into itself: no `(a, b)` makes that
      m.popFrame() // 3
    })
    expect(traceNeeds(self)['tuple-store']).toBe(2)
    const moved = record('moved', (m) => {
      const pair = m.defineType({ name: 'Pair', refs: 1, ints: 1, shape: 'tuple' })
      m.pushFrame(2) // 0
      m.alloc(0, pair) // 1
      m.move(1, 0) // 2: ends the fill
      m.writeInt(1, 0, 7) // 3: the same tuple through slot 1
      m.popFrame() // 4
    })
    expect(traceNeeds(moved)['tuple-store']).toBe(3)
    const popped = record('popped', (m) => {
      m.defineGlobals(1)
      const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
      m.pushFrame(1) // 0
      m.alloc(G, pair) // 1
      m.pushFrame(1) // 2
      m.alloc(0, pair) // 3: ends the first fill
      m.popFrame() // 4: drops the second tuple, ends its fill
      m.store(G, 0, 0) // 5: late
      m.popFrame() // 6
    })
    expect(traceNeeds(popped)['tuple-store']).toBe(5)
  })
})

describe.skipIf(!installed)('replay_pypy.py on tuples', () => {
  it('builds them from their fill: the checks of the trace hold on pypy3', async () => {
    for (const [name, program] of [
      ['pairs', pairs],
      ['keyed', keyed],
    ] as const) {
      const run = await runRealPyPy(record(`real-${name}`, program), { nursery: 1 << 20, hooks: false })
      expect(run.ops).toBe(name === 'pairs' ? 10 : 9)
      expect(run.mismatches).toEqual({ readInt: 0, lengthOf: 0, isNull: 0, same: 0, lengthOfUnchecked: 0 })
    }
  }, 120_000)

  it('refuses a late store at the op the capability check names, and validate refuses it first', async () => {
    const trace = record('real-late', (m) => {
      const pair = m.defineType({ name: 'Pair', refs: 2, shape: 'tuple' })
      const leaf = m.defineType({ name: 'Leaf', refs: 0, shape: 'slots' })
      m.pushFrame(2) // 0
      m.alloc(0, pair) // 1
      m.alloc(1, leaf) // 2
      m.store(0, 0, 1) // 3
      m.popFrame() // 4
    })
    await expect(runRealPyPy(trace, { nursery: 1 << 20, hooks: false })).rejects.toThrow(
      /op 3 stores into a tuple \(2 items\) after its fill ended/,
    )
    const logged: string[] = []
    await expect(validate(trace, 'pypy', { log: (s) => logged.push(s) })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      capability: 'tuple-store',
      op: 3,
    })
    expect(logged).toEqual([])
  }, 120_000)
})
