/**
 * Tuples on the real CPython: replay.py makes a tuple-shaped object whole and then stores into
 * it in place (benchmarks/oracles/tuple_items.py TupleItems), which is what the CPython model's
 * tuple is. A program of tuples that hold lists, ints and other tuples, stores that replace
 * items (the old item dies by refcount), cycles through tuples that only the collector frees,
 * and enough allocation that collections untrack atomic tuples: every count, the collected
 * objects per generation and pymalloc's blocks agree with python3 3.11.
 */
import { join } from 'node:path'
import { BaselineManager } from '@pygc/baseline'
import { fileSink, globalSlot, RecordingMutator } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { validate } from '../src/validate/api.js'
import { tempDir } from './cli-helpers.js'

function tupleProgram(path: string): void {
  const m = new RecordingMutator(new BaselineManager(), fileSink(path), { metadata: { name: 'tuples' } })
  const pair = m.defineType({ name: 'pair', refs: 2, ints: 1, shape: 'tuple' })
  const list = m.defineType({ name: 'list', refs: 1 })
  m.defineGlobals(1)
  const G = globalSlot(0)
  m.pushFrame(4)
  for (let i = 0; i < 12000; i++) {
    m.alloc(0, pair)
    m.writeInt(0, 0, i) // ints outside the small-int cache once i > 256
    if (i % 3 === 0) {
      // A cycle: the tuple holds a list that holds the tuple; only the collector frees it.
      m.alloc(1, list)
      m.store(1, 0, 0)
      m.store(0, 0, 1)
    } else if (i % 3 === 1) {
      // A chain of tuples kept in a global: atomic at first (untracked by a collection), then
      // given a list, then its item replaced (the list dies by refcount at the store).
      m.move(2, G)
      m.store(0, 1, 2)
      m.move(G, 0)
      m.alloc(3, list)
      m.store(0, 0, 3)
      m.clear(3)
      m.clear(2)
      m.store(0, 0, 2)
    }
    m.clear(1)
    m.clear(0)
    if (i % 4000 === 3999) m.collect(1)
  }
  m.popFrame()
  m.finish()
}

describe('tuples on the real CPython (tuple_items.py TupleItems)', () => {
  it('agree with the model on every figure', async () => {
    const path = join(tempDir('validate-cpython-tuples'), 'tuples.trace')
    tupleProgram(path)
    const [report] = await validate(path, 'cpython')
    const failed = report!.rows.filter((r) => !r.ok)
    expect(failed).toEqual([])
    const row = (metric: string): string | number | undefined =>
      report!.rows.find((r) => r.metric === metric)?.real
    // The program does make collections and collect its tuple cycles (4000 cycles of 2).
    expect(Number(row('gen0 collections'))).toBeGreaterThan(5)
    const collected =
      Number(row('gen0 collected')) + Number(row('gen1 collected')) + Number(row('gen2 collected'))
    expect(collected).toBe(8000)
  }, 120_000)
})
