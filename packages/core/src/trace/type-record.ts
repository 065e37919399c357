/**
 * A TypeSpec as the trace stores it: flat integers and enum codes (TRACE_FORMAT.md, "Type
 * record"). Both forms go through this one mapping, so a spec read back from a binary trace
 * and from a JSON-lines trace is the same object: defaults are omitted (no `ints: 0`, no
 * `shape: 'list'`, no empty finalizer), which every manager reads as the same type.
 */
import type { TypeSpec } from '../types.js'
import { echo } from './echo.js'
import {
  FINALIZER_ALLOCATES,
  FINALIZER_KNOWN_BITS,
  FINALIZER_LEGACY,
  FINALIZER_PRESENT,
  FINALIZER_RESURRECTS,
  FINALIZER_STORES_NEW,
  SHAPE_CODES,
  VARIABLE_CODES,
} from './format.js'

export interface TypeRecord {
  name: string
  refs: number
  ints: number
  bytes: number
  /** 0 fixed, 1 refs, 2 bytes */
  variable: number
  /** 0 list, 1 tuple, 2 slots, 3 dict-instance */
  shape: number
  /** FINALIZER_* bits */
  finalizer: number
  /** Meaningful only with FINALIZER_RESURRECTS. */
  resurrectInto: number
  /** Meaningful only with FINALIZER_ALLOCATES. */
  allocateType: number
  allocateCount: number
  /** Meaningful only with FINALIZER_STORES_NEW. */
  storeNewType: number
  storeNewGlobal: number
}

/** Why a value cannot be stored; the caller turns it into its own error (writer vs reader). */
export type Reject = (why: string) => never

function count(v: unknown, what: string, reject: Reject): number {
  if (v === undefined) return 0
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    reject(`${what} must be a non-negative integer, got ${echo(v)}`)
  return v as number
}

/** The members a spec and its finalizer may have (TypeSpec, FinalizerSpec). */
const SPEC_KEYS: ReadonlySet<string> = new Set([
  'name',
  'refs',
  'ints',
  'bytes',
  'variable',
  'shape',
  'finalizer',
])
const FINALIZER_KEYS: ReadonlySet<string> = new Set(['resurrectInto', 'legacy', 'allocate', 'storeNew'])

/**
 * `value` must be a plain object with no members outside `known` (a misspelled "finaliser"
 * would otherwise silently drop the finalizer).
 */
export function exactObject(value: unknown, known: ReadonlySet<string>, what: string, reject: Reject): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    reject(`${what} must be a JSON object, got ${echo(value)}`)
  const unknown = Object.keys(value as object).filter((k) => !known.has(k))
  if (unknown.length > 0)
    reject(`${what}: unknown member${unknown.length > 1 ? 's' : ''} ${unknown.map(echo).join(', ')}`)
}

/** A finalizer's allocate or storeNew member: an object of exactly `keys`, two counts. */
function pair(
  value: unknown,
  what: string,
  keys: [string, string],
  exact: boolean,
  reject: Reject,
): [number, number] {
  if (exact) exactObject(value, new Set(keys), `spec.finalizer.${what}`, reject)
  if (value === null || typeof value !== 'object') reject(`finalizer.${what} must be an object`)
  const v = value as Record<string, unknown>
  return [
    count(v[keys[0]], `finalizer.${what}.${keys[0]}`, reject),
    count(v[keys[1]], `finalizer.${what}.${keys[1]}`, reject),
  ]
}

/**
 * Map a spec to its record; `reject` is called for anything the format cannot hold. `exact`
 * (a spec read from a JSON line): the spec and its finalizer must be plain objects with only
 * known members; a writer accepts any object the managers accept and records its canonical form.
 */
export function typeRecordFromSpec(spec: TypeSpec, reject: Reject, exact = false): TypeRecord {
  if (exact) exactObject(spec, SPEC_KEYS, 'spec', reject)
  if (spec === null || typeof spec !== 'object') reject('a type spec must be an object')
  if (typeof spec.name !== 'string') reject('type name must be a string')
  if (spec.refs === undefined) reject('refs is required')
  const variable = VARIABLE_CODES.indexOf(spec.variable as (typeof VARIABLE_CODES)[number])
  if (variable < 0) reject(`unknown variable kind ${echo(spec.variable)}`)
  const shape = spec.shape === undefined ? 0 : SHAPE_CODES.indexOf(spec.shape)
  if (shape < 0) reject(`unknown shape ${echo(spec.shape)}`)
  let finalizer = 0
  let resurrectInto = 0
  let allocateType = 0
  let allocateCount = 0
  let storeNewType = 0
  let storeNewGlobal = 0
  const f = spec.finalizer
  if (f !== undefined) {
    if (exact) exactObject(f, FINALIZER_KEYS, 'spec.finalizer', reject)
    if (f === null || typeof f !== 'object') reject('finalizer must be an object')
    finalizer = FINALIZER_PRESENT
    if (f.resurrectInto !== undefined) {
      finalizer |= FINALIZER_RESURRECTS
      resurrectInto = count(f.resurrectInto, 'finalizer.resurrectInto', reject)
    }
    if (f.legacy !== undefined && typeof f.legacy !== 'boolean') reject('finalizer.legacy must be a boolean')
    if (f.legacy) finalizer |= FINALIZER_LEGACY
    if (f.allocate !== undefined) {
      finalizer |= FINALIZER_ALLOCATES
      ;[allocateType, allocateCount] = pair(f.allocate, 'allocate', ['type', 'count'], exact, reject)
    }
    if (f.storeNew !== undefined) {
      finalizer |= FINALIZER_STORES_NEW
      ;[storeNewType, storeNewGlobal] = pair(f.storeNew, 'storeNew', ['type', 'global'], exact, reject)
    }
  }
  return {
    name: spec.name,
    refs: count(spec.refs, 'refs', reject),
    ints: count(spec.ints, 'ints', reject),
    bytes: count(spec.bytes, 'bytes', reject),
    variable,
    shape,
    finalizer,
    resurrectInto,
    allocateType,
    allocateCount,
    storeNewType,
    storeNewGlobal,
  }
}

/** Map a record back to the canonical spec; `reject` is called for a bad enum code. */
export function typeSpecFromRecord(r: TypeRecord, reject: Reject): TypeSpec {
  if (r.variable > 2) reject(`unknown variable code ${r.variable}`)
  if (r.shape > 3) reject(`unknown shape code ${r.shape}`)
  if ((r.finalizer & ~FINALIZER_KNOWN_BITS) !== 0)
    reject(`unknown finalizer flag bits 0x${r.finalizer.toString(16)}`)
  if (r.finalizer !== 0 && (r.finalizer & FINALIZER_PRESENT) === 0) {
    reject(`finalizer flags 0x${r.finalizer.toString(16)} set without bit 0 (has a finalizer)`)
  }
  const spec: TypeSpec = { name: r.name, refs: r.refs }
  if (r.ints !== 0) spec.ints = r.ints
  if (r.bytes !== 0) spec.bytes = r.bytes
  const variable = VARIABLE_CODES[r.variable]
  if (variable !== undefined) spec.variable = variable
  if (r.shape !== 0) spec.shape = SHAPE_CODES[r.shape]
  if (r.finalizer & FINALIZER_PRESENT) {
    spec.finalizer = {}
    if (r.finalizer & FINALIZER_RESURRECTS) spec.finalizer.resurrectInto = r.resurrectInto
    if (r.finalizer & FINALIZER_LEGACY) spec.finalizer.legacy = true
    if (r.finalizer & FINALIZER_ALLOCATES)
      spec.finalizer.allocate = { type: r.allocateType, count: r.allocateCount }
    if (r.finalizer & FINALIZER_STORES_NEW)
      spec.finalizer.storeNew = { type: r.storeNewType, global: r.storeNewGlobal }
  }
  return spec
}

/** The canonical form of a spec (what a trace gives back), for comparisons. */
export function canonicalTypeSpec(spec: TypeSpec): TypeSpec {
  const reject: Reject = (why) => {
    throw new TypeError(why)
  }
  return typeSpecFromRecord(typeRecordFromSpec(spec, reject), reject)
}
