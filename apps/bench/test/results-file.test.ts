/**
 * Results files are input like any other: the schema is generated from the ResultsDocument
 * type and checked in; `pygc report` and `pygc merge` validate every file against it with ajv
 * and refuse a bad one in one line naming the field (issue 9, item 5), bounded in size and
 * nesting so a hostile file fails cleanly.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { collectionRecordsOf } from '@pygc/report'
import { describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module script without type declarations
import { generateResultsSchema, SCHEMA_FILE } from '../scripts/results-schema.mjs'
import type { ResultsDocument } from '../src/results.js'
import {
  fieldPath,
  jsonNestingExceeds,
  MAX_RESULTS_DEPTH,
  MAX_RESULTS_FILE_BYTES,
  parseResultsText,
  resultsSchemaError,
} from '../src/results-file.js'
import { pygc, tempDir } from './cli-helpers.js'

// biome-ignore lint/suspicious/noExplicitAny: a document broken on purpose, one field at a time
type Loose = any

describe('results.schema.json', () => {
  it('is what ts-json-schema-generator makes of the ResultsDocument type (npm run schema -w @pygc/bench)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generateResultsSchema())
  })
})

describe('reading a results file', () => {
  const dir = tempDir('results-file')
  const run = pygc([
    'run',
    'gc-collect',
    '--size',
    'test',
    '--runtimes',
    'cpython,jython',
    '--format',
    'json',
    '-q',
  ])
  const good = JSON.parse(run.stdout) as ResultsDocument

  const errorOf = (mutate: (doc: Record<string, Loose>) => void): string => {
    const doc = structuredClone(good) as unknown as Record<string, Loose>
    mutate(doc)
    try {
      parseResultsText(JSON.stringify(doc), 'r.json')
    } catch (e) {
      return (e as Error).message
    }
    return 'accepted'
  }

  it('accepts what pygc run writes', () => {
    expect(run.code, run.stderr).toBe(0)
    expect(resultsSchemaError(good)).toBeUndefined()
    expect(parseResultsText(run.stdout, 'r.json')).toEqual(good)
  })

  it("refuses the issue's files with the path of the first bad field", () => {
    expect(() => parseResultsText('{"format":"pygc-results","schemaVersion":1}', 'r.json')).toThrow(
      /^r\.json: meta: missing$/,
    )
    expect(errorOf((d) => (d.workloads = {}))).toBe('r.json: workloads: expected an array, got an object')
    expect(errorOf((d) => delete d.workloads[0].runs)).toBe('r.json: workloads[0].runs: missing')
    expect(errorOf((d) => delete d.meta)).toBe('r.json: meta: missing')
    expect(errorOf((d) => delete d.settings)).toBe('r.json: settings: missing')
    expect(errorOf((d) => (d.workloads[0].runs[1].metrics = null))).toBe(
      'r.json: workloads[0].runs[1].metrics: expected an object, got null',
    )
    expect(errorOf((d) => (d.workloads[0].runs[0].metrics.pauses.p99 = null))).toBe(
      'r.json: workloads[0].runs[0].metrics.pauses.p99: expected a number, got null',
    )
  })

  it('wants numbers to be numbers, strings strings, and no unknown fields', () => {
    expect(errorOf((d) => (d.meta.seed = '<img src=x onerror=alert(1)>'))).toBe(
      'r.json: meta.seed: expected an integer, got a string "<img src=x onerror=alert(1)>"',
    )
    expect(errorOf((d) => (d.meta.seed = 1.5))).toBe('r.json: meta.seed: expected an integer, got a number')
    expect(errorOf((d) => (d.settings.costs.markObject = '8'))).toBe(
      'r.json: settings.costs.markObject: expected a number, got a string "8"',
    )
    expect(errorOf((d) => (d.meta.versions['@pygc/core'] = 1))).toBe(
      'r.json: meta.versions["@pygc/core"]: expected a string, got an integer',
    )
    expect(errorOf((d) => (d.workloads[0].runs[0].status = 'fine'))).toBe(
      'r.json: workloads[0].runs[0].status: "fine" is not one of "ok", "error"',
    )
    expect(errorOf((d) => (d.workloads[0].extra = 1))).toBe(
      'r.json: workloads[0].extra: not a field of this schema version',
    )
    expect(errorOf((d) => (d.meta.date = 'yesterday'))).toBe(
      'r.json: meta.date: "yesterday" is not a date-time',
    )
    expect(errorOf((d) => (d.sweeps = [{}]))).toBe('r.json: sweeps[0].workload: missing')
  })

  it('refuses a number JSON cannot hold exactly (1e999 parses to Infinity)', () => {
    const text = JSON.stringify(good).replace(/"seed":1,/, '"seed":1e999,')
    expect(() => parseResultsText(text, 'r.json')).toThrow(
      /^r\.json: meta\.seed: expected an integer, got Infinity$/,
    )
  })

  it('reads a version 1 file: its timeline samples become one-value buckets', () => {
    const v1 = structuredClone(good) as unknown as Record<string, Loose>
    v1.schemaVersion = 1
    for (const w of v1.workloads)
      for (const r of w.runs) {
        const t = r.metrics.timeline
        r.metrics.timeline = {
          everyOps: 64,
          samples: t.op.map((op: number, i: number) => ({
            op,
            allocatedBytes: t.allocatedBytes[i],
            footprintBytes: t.footprintMax[i],
            liveBytes: t.liveMax[i],
            spaces: { eden: 1 },
          })),
        }
      }
    const doc = parseResultsText(JSON.stringify(v1), 'v1.json')
    expect(doc.schemaVersion).toBe(3)
    const timeline = doc.workloads[0].runs[0].metrics!.timeline
    const original = good.workloads[0].runs[0].metrics!.timeline
    expect(timeline.op).toEqual(original.op)
    expect(timeline.liveMin).toEqual(original.liveMax)
    expect(timeline.footprintMax).toEqual(original.footprintMax)
  })

  it('reads a version 2 file: its collection records become columns, nothing lost', () => {
    const v2 = structuredClone(good) as unknown as Record<string, Loose>
    v2.schemaVersion = 2
    for (const w of v2.workloads) for (const r of w.runs) r.metrics.gcs = collectionRecordsOf(r.metrics.gcs)
    const doc = parseResultsText(JSON.stringify(v2), 'v2.json')
    expect(doc.schemaVersion).toBe(3)
    expect(doc.workloads[0].runs[0].metrics!.gcs).toEqual(good.workloads[0].runs[0].metrics!.gcs)
  })

  it('refuses collection or timeline columns that do not line up, naming the column', () => {
    const bad = structuredClone(good) as unknown as Record<string, Loose>
    bad.workloads[0].runs[0].metrics.gcs.reason.pop()
    expect(() => parseResultsText(JSON.stringify(bad), 'r.json')).toThrow(
      /^r\.json: workloads\[0\]\.runs\[0\]\.metrics\.gcs\.reason: not as long as workloads\[0\]\.runs\[0\]\.metrics\.gcs\.op$/,
    )
    const shortTimeline = structuredClone(good) as unknown as Record<string, Loose>
    shortTimeline.workloads[0].runs[0].metrics.timeline.liveMax.push(1)
    expect(() => parseResultsText(JSON.stringify(shortTimeline), 'r.json')).toThrow(
      /metrics\.timeline\.liveMax: not as long as/,
    )
  })

  it('keeps the friendly messages for JSON that is not results at all', () => {
    expect(() => parseResultsText('[1]', 'r.json')).toThrow(/r\.json: not a pygc results file/)
    expect(() => parseResultsText('{"format":"pygc-results","schemaVersion":4}', 'r.json')).toThrow(
      /results schema version 4, this pygc reads versions 1 to 3/,
    )
    expect(() => parseResultsText('{', 'r.json')).toThrow(/r\.json: not JSON/)
  })

  it('refuses nesting deeper than the limit before JSON.parse (which would overflow the stack)', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`
    expect(() => parseResultsText(deep, 'deep.json')).toThrow(
      `deep.json: nested deeper than ${MAX_RESULTS_DEPTH} levels`,
    )
    // Brackets inside strings (and escaped quotes) do not count.
    expect(jsonNestingExceeds(`["${'['.repeat(100)}\\"${'{'.repeat(100)}"]`, 3)).toBe(false)
    expect(jsonNestingExceeds('[[[[]]]]', 3)).toBe(true)
    // A merge of merges nests meta.sources: fifteen levels still read.
    let doc = good
    for (let i = 0; i < 15; i++) doc = { ...doc, meta: { ...doc.meta, sources: [doc.meta] } }
    expect(parseResultsText(JSON.stringify(doc), 'm.json').meta.sources).toHaveLength(1)
  })

  it('pygc report refuses a file over the size limit without reading it, and a deep one, in one line', () => {
    const huge = join(dir, 'huge.json')
    writeFileSync(huge, '')
    truncateSync(huge, MAX_RESULTS_FILE_BYTES + 1) // sparse: no disk used
    const deep = join(dir, 'deep.json')
    writeFileSync(deep, `${'{"a":'.repeat(500_000)}1${'}'.repeat(500_000)}`)
    const missing = join(dir, 'missing-runs.json')
    const doc = structuredClone(good) as unknown as Record<string, Loose>
    delete doc.workloads[0].runs
    writeFileSync(missing, JSON.stringify(doc))
    for (const [args, line] of [
      [['report', huge], `pygc report: ${huge}: larger than 256 MiB, the limit for a results file\n`],
      [['merge', deep], `pygc merge: ${deep}: nested deeper than 64 levels: not a pygc results file\n`],
      [['report', missing], `pygc report: ${missing}: workloads[0].runs: missing\n`],
      [['merge', missing, missing], `pygc merge: ${missing}: workloads[0].runs: missing\n`],
    ] as const) {
      const r = pygc(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toBe(line)
      expect(r.stdout).toBe('')
    }
  })

  it('writes field paths the way the code reads them', () => {
    expect(fieldPath('')).toBe('(the document)')
    expect(fieldPath('/workloads/0', 'runs')).toBe('workloads[0].runs')
    expect(fieldPath('/meta/versions/@pygc~1core')).toBe('meta.versions["@pygc/core"]')
    expect(fieldPath('/settings/costs/a~0b')).toBe('settings.costs["a~b"]')
  })
})
