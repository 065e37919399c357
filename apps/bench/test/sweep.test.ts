/** pygc sweep (DaCapo-style heap sensitivity); its shards and pygc merge: parallel.test.ts. */
import { describe, expect, it } from 'vitest'
import type { ResultsDocument } from '../src/results.js'
import { resultsSchemaError } from '../src/results-file.js'
import { pygc } from './cli-helpers.js'
import { inProcess } from './in-process.js'

const SWEEP = [
  'sweep',
  'binary-trees',
  '--size',
  'test',
  '--heap',
  '1.5x,2x,4x',
  '--runtimes',
  'jython,ironpython',
  '--quiet',
]

describe('pygc sweep', () => {
  it('prints one CSV row per runtime and heap size', () => {
    const r = pygc([...SWEEP, '--format', 'csv'])
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trim().split('\n')
    expect(lines).toHaveLength(1 + 2 * 3)
    const header = lines[0].split(',')
    const rows = lines.slice(1).map((l) => l.split(','))
    expect(
      rows.map((row) => `${row[header.indexOf('runtime')]} ${row[header.indexOf('heap_multiple')]}`),
    ).toEqual(['jython 1.5', 'jython 2', 'jython 4', 'ironpython 1.5', 'ironpython 2', 'ironpython 4'])
    for (const row of rows) {
      expect(row[header.indexOf('status')]).toBe('ok')
      const minHeap = Number(row[header.indexOf('min_heap_bytes')])
      expect(minHeap).toBeGreaterThan(0)
      expect(Number(row[header.indexOf('heap_bytes')])).toBe(
        Math.ceil(minHeap * Number(row[header.indexOf('heap_multiple')])),
      )
    }
  })

  it('finds a minimum heap that fits while a few percent less does not', () => {
    const doc = JSON.parse(pygc([...SWEEP, '--format', 'json']).stdout) as ResultsDocument
    expect(resultsSchemaError(doc)).toBeUndefined()
    for (const cell of doc.sweeps) {
      expect(cell.minHeap.status).toBe('ok')
      const failed = cell.minHeap.probes.filter((p) => !p.ok).map((p) => p.heapLimit)
      const largestFailure = Math.max(0, ...failed)
      expect(largestFailure).toBeLessThan(cell.minHeap.bytes)
      expect(cell.minHeap.bytes - largestFailure).toBeLessThanOrEqual(
        Math.ceil(cell.minHeap.bytes * cell.minHeap.tolerance) + 1,
      )
      // A bigger heap never means more collections in these models.
      const counts = cell.points.map((p) => p.figures?.collections ?? Number.NaN)
      expect(counts[0]).toBeGreaterThanOrEqual(counts[counts.length - 1])
    }
  })

  it("says when a model's floor, not out of memory, sets the minimum heap (Jython's -Xmx >= 2 MiB)", () => {
    const r = pygc([
      'sweep',
      'binary-trees',
      '--size',
      'test',
      '--heap',
      '1.5x',
      '-r',
      'jython,cpython',
      '-f',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const [jython, cpython] = (JSON.parse(r.stdout) as ResultsDocument).sweeps
    expect(jython.minHeap.bytes).toBe(2 * 1024 * 1024)
    expect(jython.minHeap.modelFloor).toMatch(/xmx must be an integer in 2097152\.\./)
    expect(cpython.minHeap.modelFloor).toBeUndefined()
    expect(r.stderr).toMatch(/jython's minimum heap for binary-trees is the model's floor \(2097152 bytes\)/)
    const table = pygc(['sweep', 'binary-trees', '--size', 'test', '--heap', '1.5x', '-r', 'jython', '-q'])
    expect(table.stdout).toMatch(/jython\s+2\.0 MiB \(model floor\)/)
  })

  it('rejects a bad heap list and a bad shard', async () => {
    expect((await inProcess(['sweep', 'binary-trees', '--heap', '0.5x'])).stderr).toMatch(/multiple >= 1/)
    expect((await inProcess(['sweep', 'binary-trees', '--shard', '3/2'])).stderr).toMatch(/K\/N/)
  })
})
