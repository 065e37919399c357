/**
 * Byte payloads on the real CPython: replay.py builds each as a `bytes` object its owner holds
 * by one more item, slot or attribute, as the CPython model lays it out, so a trace with
 * payloads of every shape kept to the end (b'' and one-byte payloads, payloads above pymalloc's 512 bytes, a
 * finalizer that allocates an object with a payload, int words after the payload's item) agrees
 * on every count, event and pymalloc row. Skipped when no Python of the default preset is here.
 */
import { join } from 'node:path'
import { BaselineManager } from '@pygc/baseline'
import { fileSink, globalSlot, RecordingMutator } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { traceNeeds } from '../src/validate/capabilities.js'
import { validateCpythonTrace } from '../src/validate/cpython.js'
import { locateInterpreter, presetPolicy } from '../src/validate/cpython-interpreter.js'
import { tempDir } from './cli-helpers.js'

const python = await locateInterpreter(presetPolicy(undefined))

function payloadProgram(path: string): void {
  const m = new RecordingMutator(new BaselineManager(), fileSink(path), { metadata: { name: 'payloads' } })
  m.defineGlobals(1)
  const blob = m.defineType({ name: 'bytes', refs: 0, variable: 'bytes' })
  const node = m.defineType({ name: 'N', refs: 2, ints: 1, bytes: 40 })
  const slots = m.defineType({ name: 'S', refs: 1, ints: 1, bytes: 700, shape: 'slots' })
  const inst = m.defineType({ name: 'D', refs: 1, bytes: 24, shape: 'dict-instance' })
  const fin = m.defineType({
    name: 'F',
    refs: 1,
    bytes: 8,
    finalizer: { allocate: { type: node, count: 1 } },
  })
  m.pushFrame(5)
  for (let i = 0; i < 3000; i++) {
    m.alloc(0, node)
    m.writeInt(0, 0, i)
    m.alloc(1, blob, [0, 1, 2, 100, 600, 5000][i % 6])
    m.store(0, 0, 1)
    m.store(0, 1, 3) // a chain of every node: they and their payloads live to the end
    m.move(3, 0)
    m.alloc(2, i % 2 === 0 ? slots : inst) // garbage at the next iteration, payload and all
    m.store(2, 0, 0)
    if (i % 2 === 0) m.writeInt(2, 0, i)
    if (i % 7 === 0) {
      m.alloc(4, fin)
      m.store(4, 0, 4) // a cycle: the collector runs its finalizer, which makes a node
    }
    if (i % 50 === 0) {
      m.readInt(0, 0)
      m.lengthOf(0)
      m.move(globalSlot(0), 2) // one kept a while in a global
    }
  }
  m.popFrame()
  m.finish()
}

describe('byte payloads on the real CPython', () => {
  it.skipIf(python === null)(
    'agree on counts, events and pymalloc blocks, bytes and arenas (replay.py make_payload)',
    async () => {
      const trace = join(tempDir('validate-cpython-payload'), 'payloads.trace')
      payloadProgram(trace)
      expect(traceNeeds(trace)['byte-payload']).toBeDefined()
      const report = await validateCpythonTrace(trace)
      const failed = report.rows.filter((r) => !r.ok)
      expect(failed).toEqual([])
      expect(report.rows.map((r) => r.metric)).toContain('pymalloc Δ bytes in blocks')
      expect(report.rows.find((r) => r.metric === '__del__ calls')?.real).not.toBe(0)
    },
    120_000,
  )
})
