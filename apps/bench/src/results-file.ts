/**
 * Reading a results file that someone else may have written: `pygc report` and `pygc merge`
 * trust nothing in it. The file is read up to a size limit, its nesting is checked before
 * JSON.parse, and the parsed value is validated with ajv against results.schema.json (which is
 * generated from the ResultsDocument type), so the document code downstream sees is exactly the
 * type: every required field present, strings are strings, numbers are finite numbers, no
 * unknown fields. A bad file gets one line naming the file and the first bad field in the
 * path style of the code (`workloads[0].runs: missing`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { CollectionRecord } from '@pygc/core'
import {
  collectionLogMismatch,
  collectionLogOf,
  RESULTS_FORMAT,
  RESULTS_SCHEMA_VERSION,
  type ResultsDocument,
} from '@pygc/report'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { InputError } from './cli-support.js'

/**
 * The largest results file read. `pygc run --suite default --size small` writes 2.4 MB for four
 * runtimes (17 MiB before schema version 2, 3.1 MB before version 3; with --events 0 and
 * --timeline-every 1 far more); 256 MiB leaves room for large sizes and merged shards while
 * JSON.parse and ajv stay within Node's default heap (a 174 MiB document parses into ~360 MiB).
 */
export const MAX_RESULTS_FILE_BYTES = 256 * 1024 * 1024

/**
 * The deepest nesting of arrays and objects accepted. A results document is about 12 levels
 * deep (settings, workloads[i].runs[j].metrics.timeline.samples[k].spaces), plus two for each
 * level of merging in meta.sources; deeper input is hostile, and would overflow the stack of
 * the recursive code that reads it.
 */
export const MAX_RESULTS_DEPTH = 64

// ajv-formats is CommonJS whose default export TypeScript sees as the module namespace.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

let validator: ValidateFunction<ResultsDocument> | undefined

/** ajv compiled once from the checked-in schema (strictNumbers: NaN and Infinity are rejected). */
function resultsValidator(): ValidateFunction<ResultsDocument> {
  if (validator === undefined) {
    const schema = createRequire(import.meta.url)('../results.schema.json') as object
    const ajv = new Ajv({ strict: true, strictNumbers: true, allErrors: false })
    addFormats(ajv, ['date-time'])
    validator = ajv.compile<ResultsDocument>(schema)
  }
  return validator
}

/** The parts of a JSON pointer (/meta/versions/@pygc~1core -> meta, versions, @pygc/core). */
function pointerParts(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** A JSON pointer (/workloads/0/runs) as the code writes the path: workloads[0].runs. */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointerParts(pointer)
  if (child !== undefined) parts.push(child)
  let path = ''
  for (const part of parts) {
    if (/^\d+$/.test(part)) path += `[${part}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) path += path === '' ? part : `.${part}`
    else path += `[${JSON.stringify(part)}]`
  }
  return path === '' ? '(the document)' : path
}

/** A value quoted for a one-line message: JSON (control characters escaped), cut short. */
function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** "an integer", "a string": the JSON type names of a schema and of a value, with an article. */
function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number')
    return Number.isFinite(value) ? article(Number.isInteger(value) ? 'integer' : 'number') : shown(value)
  if (typeof value === 'string') return `a string ${shown(value)}`
  return article(typeof value)
}

/** The first schema error as `path: what is wrong`. */
export function describeSchemaError(error: ErrorObject, document: unknown): string {
  const at = fieldPath(error.instancePath)
  const value = pointerParts(error.instancePath).reduce<unknown>(
    (v, p) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined),
    document,
  )
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required':
      return `${fieldPath(error.instancePath, String(params.missingProperty))}: missing`
    case 'additionalProperties':
      return `${fieldPath(error.instancePath, String(params.additionalProperty))}: not a field of this schema version`
    case 'type':
      return `${at}: expected ${article(String(params.type))}, got ${kindOf(value)}`
    case 'enum':
      return `${at}: ${shown(value)} is not one of ${(params.allowedValues as unknown[]).map(shown).join(', ')}`
    case 'const':
      return `${at}: must be ${shown(params.allowedValue)}, got ${shown(value)}`
    case 'minimum':
      return `${at}: ${shown(value)} is below the minimum ${params.limit}`
    case 'format':
      return `${at}: ${shown(value)} is not a ${params.format}`
    default:
      return `${at}: ${error.message ?? error.keyword}`
  }
}

/** The validation error of a value as one line, or undefined when it is a ResultsDocument. */
export function resultsSchemaError(value: unknown): string | undefined {
  const validate = resultsValidator()
  if (validate(value)) return undefined
  const first = validate.errors?.[0]
  return first ? describeSchemaError(first, value) : 'not a valid results document'
}

/** How deep arrays and objects nest in JSON text, stopping as soon as `limit` is passed. */
export function jsonNestingExceeds(text: string, limit: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

/** Every run's metrics in a parsed document, whatever their shape (for the upgrades). */
function runMetricsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  const metrics: Record<string, unknown>[] = []
  const workloads = Array.isArray(doc.workloads) ? doc.workloads : []
  for (const w of workloads) {
    const runs = Array.isArray(w?.runs) ? (w.runs as unknown[]) : []
    for (const run of runs) {
      const m = (run as { metrics?: unknown } | null)?.metrics
      if (m !== null && typeof m === 'object' && !Array.isArray(m)) metrics.push(m as Record<string, unknown>)
    }
  }
  return metrics
}

/**
 * A version 1 document as version 2, in place: version 1's timeline held samples
 * ({op, allocatedBytes, footprintBytes, liveBytes, spaces}); each becomes a bucket whose least
 * and most are its one value (what version 1 knew). Nothing else changed between the versions.
 * Anything not shaped like version 1 is left alone for the schema check to name.
 */
export function upgradeFromVersion1(doc: Record<string, unknown>): void {
  doc.schemaVersion = 2
  for (const metrics of runMetricsOf(doc)) {
    const timeline = metrics.timeline as { everyOps?: unknown; samples?: unknown } | undefined
    if (!Array.isArray(timeline?.samples)) continue
    const samples = timeline.samples as Record<string, number>[]
    const column = (key: string) => samples.map((x) => x?.[key])
    metrics.timeline = {
      everyOps: timeline.everyOps,
      readEvery: timeline.everyOps,
      op: column('op'),
      allocatedBytes: column('allocatedBytes'),
      liveMin: column('liveBytes'),
      liveMax: column('liveBytes'),
      footprintMin: column('footprintBytes'),
      footprintMax: column('footprintBytes'),
    }
  }
}

/**
 * A version 2 document as version 3, in place: version 2 stored each run's collections as an
 * array of records ({index, op, ..., spaces}); version 3 stores them as columns. The records
 * must be well formed for that (a record per collection, `index` its position); anything else
 * is left as it is for the schema check to name.
 */
export function upgradeFromVersion2(doc: Record<string, unknown>): void {
  doc.schemaVersion = 3
  for (const metrics of runMetricsOf(doc)) {
    const records = metrics.gcs
    if (!Array.isArray(records)) continue
    const wellFormed = records.every(
      (r, i) =>
        r !== null &&
        typeof r === 'object' &&
        (r as { index?: unknown }).index === i &&
        typeof (r as { spaces?: unknown }).spaces === 'object' &&
        (r as { spaces?: unknown }).spaces !== null,
    )
    if (wellFormed) metrics.gcs = collectionLogOf(records as CollectionRecord[])
  }
}

/** The first run whose timeline or collection columns do not line up, as a message. */
function columnMismatch(doc: ResultsDocument): string | undefined {
  for (const [w, workload] of doc.workloads.entries()) {
    for (const [r, run] of workload.runs.entries()) {
      if (run.metrics === undefined) continue
      const where = `workloads[${w}].runs[${r}].metrics`
      const gcs = collectionLogMismatch(run.metrics.gcs)
      if (gcs !== undefined) return `${where}.gcs.${gcs}: not as long as ${where}.gcs.op`
      const t = run.metrics.timeline
      for (const key of ['allocatedBytes', 'liveMin', 'liveMax', 'footprintMin', 'footprintMax'] as const)
        if (t[key].length !== t.op.length)
          return `${where}.timeline.${key}: not as long as ${where}.timeline.op`
    }
  }
  return undefined
}

/** Parse and validate results JSON; every failure is an InputError naming `file`. */
export function parseResultsText(text: string, file: string): ResultsDocument {
  if (jsonNestingExceeds(text, MAX_RESULTS_DEPTH))
    throw new InputError(`${file}: nested deeper than ${MAX_RESULTS_DEPTH} levels: not a pygc results file`)
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new InputError(`${file}: not JSON: ${(e as Error).message}`)
  }
  const head = doc as Partial<ResultsDocument> | null
  if (head === null || typeof head !== 'object' || Array.isArray(head) || head.format !== RESULTS_FORMAT) {
    throw new InputError(`${file}: not a pygc results file (no "format": "${RESULTS_FORMAT}")`)
  }
  const version: unknown = head.schemaVersion
  if (version === 1) upgradeFromVersion1(doc as Record<string, unknown>)
  if (version === 1 || version === 2) upgradeFromVersion2(doc as Record<string, unknown>)
  else if (version !== RESULTS_SCHEMA_VERSION) {
    throw new InputError(
      `${file}: results schema version ${shown(version)}, this pygc reads versions 1 to ${RESULTS_SCHEMA_VERSION}`,
    )
  }
  const error = resultsSchemaError(doc) ?? columnMismatch(doc as ResultsDocument)
  if (error !== undefined) throw new InputError(`${file}: ${error}`)
  return doc as ResultsDocument
}

/** The file's text, refusing more than `limit` bytes (also from a pipe or device that never ends). */
export function readBoundedText(file: string, limit: number): string {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`)
  }
  const tooLarge = () =>
    new InputError(`${file}: larger than ${limit / 2 ** 20} MiB, the limit for a results file`)
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) throw new InputError(`cannot read ${file}: it is a directory`)
    if (stat.size > limit) throw tooLarge()
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total))
      const n = readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      total += n
      if (total > limit) throw tooLarge()
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n))
    }
    return Buffer.concat(chunks, total).toString('utf8')
  } catch (e) {
    if (e instanceof InputError) throw e
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`)
  } finally {
    closeSync(fd)
  }
}

/** A results file, read and validated: the only way `report` and `merge` take one in. */
export function readResultsFile(file: string): ResultsDocument {
  return parseResultsText(readBoundedText(file, MAX_RESULTS_FILE_BYTES), file)
}
