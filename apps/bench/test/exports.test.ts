/**
 * The exports other tools open (issue 14 item 4). Perfetto's trace processor is not installable
 * here (no PyPI; chrome://tracing is gone from this Chromium), so the trace is checked against
 * the published Trace Event Format (JSON Object Format; "X" complete, "C" counter and "M"
 * metadata events) with a JSON Schema and the rules Perfetto's JSON importer applies: slices on
 * one thread nest, never overlap partially; counters carry numbers. The IronPython log is
 * checked column by column against PerfView's GCStats CSV export.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ResultsDocument } from '@pygc/report'
import { Ajv } from 'ajv'
import { describe, expect, it } from 'vitest'
import { PERFVIEW_GCSTATS_COLUMNS } from '../src/gc-log-dotnet.js'
import { DEFAULT_RUNTIMES } from '../src/runtimes.js'
import type { TraceEvent } from '../src/trace-events.js'
import { pygc, tempDir } from './cli-helpers.js'

/** The Trace Event Format's fields of the event types written (per the format document). */
const TRACE_SCHEMA = {
  type: 'object',
  required: ['traceEvents'],
  properties: {
    displayTimeUnit: { enum: ['ms', 'ns'] },
    otherData: { type: 'object' },
    traceEvents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'ph', 'pid', 'tid'],
        properties: {
          name: { type: 'string', minLength: 1 },
          cat: { type: 'string' },
          ph: { enum: ['X', 'C', 'M'] },
          pid: { type: 'integer', minimum: 0 },
          tid: { type: 'integer', minimum: 0 },
          ts: { type: 'number', minimum: 0 },
          dur: { type: 'number', minimum: 0 },
          args: { type: 'object' },
        },
        oneOf: [
          { properties: { ph: { const: 'X' } }, required: ['ts', 'dur'] },
          {
            properties: { ph: { const: 'C' }, args: { additionalProperties: { type: 'number' } } },
            required: ['ts', 'args'],
          },
          {
            properties: {
              ph: { const: 'M' },
              name: { enum: ['process_name', 'process_sort_index', 'thread_name'] },
            },
            required: ['args'],
          },
        ],
      },
    },
  },
}

describe('exports', () => {
  const dir = tempDir('exports')
  const trace = join(dir, 'trace.json')
  const run = pygc([
    'run',
    'gc-collect',
    'large-objects',
    '--size',
    'test',
    '--trace-events',
    trace,
    '--gc-log',
    join(dir, 'gc-%w-%r.log'),
    '-f',
    'json',
    '-q',
  ])
  const doc = JSON.parse(run.stdout) as ResultsDocument

  it('--trace-events writes the Trace Event Format: a process per runtime, a slice per collection', () => {
    expect(run.code, run.stderr).toBe(0)
    const file = JSON.parse(readFileSync(trace, 'utf8'))
    const validate = new Ajv({ strict: false }).compile(TRACE_SCHEMA)
    expect(validate(file), JSON.stringify(validate.errors?.[0])).toBe(true)
    const events = file.traceEvents as TraceEvent[]
    const processes = events.filter((e) => e.name === 'process_name').map((e) => e.args?.name)
    expect(processes).toEqual(DEFAULT_RUNTIMES)
    for (const w of doc.workloads)
      for (const r of w.runs) {
        const pid = processes.indexOf(r.runtime) + 1
        const tid = events.find(
          (e) => e.name === 'thread_name' && e.pid === pid && e.args?.name === w.workload,
        )?.tid
        const slices = events.filter((e) => e.ph === 'X' && e.cat === 'gc' && e.pid === pid && e.tid === tid)
        // Every collection, with its pause (virtual ns as µs). Start and end are each rounded to
        // a whole ns, so a pause with a fraction of a ns (PyPy's) may be off by up to 1 ns.
        expect(slices.map((e) => e.args?.index)).toEqual(r.metrics!.gcs.op.map((_, i) => i))
        for (const [i, e] of slices.entries())
          expect(Math.abs(e.dur! * 1000 - r.metrics!.gcs.pauseVirtual[i])).toBeLessThanOrEqual(1 + 1e-6)
        const counters = events.filter((e) => e.ph === 'C' && e.pid === pid && e.tid === tid)
        expect(Math.max(...counters.map((e) => e.args!.live as number))).toBeLessThanOrEqual(
          r.metrics!.peakLiveBytes,
        )
      }
  })

  it('slices on a thread nest (phases inside their collection, adding up to its pause), never overlap', () => {
    const events = JSON.parse(readFileSync(trace, 'utf8')).traceEvents as TraceEvent[]
    const threads = new Map<string, TraceEvent[]>()
    for (const e of events.filter((x) => x.ph === 'X')) {
      const key = `${e.pid}/${e.tid}`
      threads.set(key, [...(threads.get(key) ?? []), e])
    }
    let phases = 0
    for (const slices of threads.values()) {
      const gcs = slices.filter((e) => e.cat === 'gc')
      for (let i = 1; i < gcs.length; i++)
        expect(gcs[i].ts!).toBeGreaterThanOrEqual(gcs[i - 1].ts! + gcs[i - 1].dur!)
      for (const gc of gcs) {
        const inside = slices.filter(
          (e) => e.cat === 'gc.phase' && e.ts! >= gc.ts! && e.ts! + e.dur! <= gc.ts! + gc.dur! + 1e-9,
        )
        const sum = inside.reduce((s, e) => s + (e.args!['virtual ns'] as number), 0)
        expect(sum).toBeCloseTo(gc.args!['pause (virtual ns)'] as number, 6)
        phases += inside.length
      }
    }
    expect(phases).toBe(events.filter((e) => e.cat === 'gc.phase').length)
  })

  it("IronPython's --gc-log is PerfView's GCStats CSV: its columns, one line per GC", () => {
    const ironpython = doc.workloads[1].runs.find((r) => r.runtime === 'ironpython')!
    const lines = readFileSync(join(dir, 'gc-large-objects-ironpython.log'), 'utf8').trim().split('\n')
    const body = lines.filter((l) => !l.startsWith('#'))
    expect(body[0].split(',')).toEqual([...PERFVIEW_GCSTATS_COLUMNS])
    expect(body.slice(1)).toHaveLength(ironpython.metrics!.gcs.op.length)
    const native = ironpython.native!.collections as {
      generation: number
      promotedBytes: number
      pauseVirtual: number
    }[]
    body.slice(1).forEach((line, i) => {
      const cells = line.split(',')
      expect(cells).toHaveLength(PERFVIEW_GCSTATS_COLUMNS.length)
      expect(cells[0]).toBe(String(i + 1)) // ETW numbers GCs from 1
      expect(cells[3]).toBe(`${native[i].generation}N`)
      expect(cells[4]).toBe((native[i].pauseVirtual / 1e6).toFixed(3))
      expect(cells[11]).toBe((native[i].promotedBytes / 1e6).toFixed(3))
      expect(cells[2]).toMatch(/^(AllocSmall|AllocLarge|Induced|OutOfSpaceSOH)$/)
    })
  })
})
