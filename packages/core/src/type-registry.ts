/**
 * The types a program declared, validated once at definition so the op loop only does
 * range checks. Every manager keeps one; each lays the types out in its own runtime's sizes.
 * The type half of the op contract (types.ts) lives here: a spec is checked whole before
 * anything is defined, and allocLength is the one check of alloc's type id and length.
 */
import { showValue as describe, PygcError } from './errors.js'
import {
  MAX_FINALIZER_ALLOCATIONS,
  MAX_PAYLOAD_BYTES,
  MAX_REF_FIELDS,
  MAX_TYPES,
  type PyShape,
  type TypeId,
  type TypeSpec,
} from './types.js'

/** Number.isInteger, read once: a module binding is fewer bytes of bytecode than a global's property. */
const isInteger = Number.isInteger

const SPEC_KEYS: ReadonlySet<string> = new Set([
  'name',
  'refs',
  'ints',
  'bytes',
  'variable',
  'finalizer',
  'shape',
])
const FINALIZER_KEYS: ReadonlySet<string> = new Set(['resurrectInto', 'legacy', 'allocate', 'storeNew'])
const ALLOCATE_KEYS: readonly string[] = ['type', 'count']
const STORE_NEW_KEYS: readonly string[] = ['type', 'global']
const SHAPES: ReadonlySet<PyShape> = new Set(['list', 'tuple', 'slots', 'dict-instance'])
const MAX_NAME_LENGTH = 200

export class TypeRegistry {
  private readonly specs: TypeSpec[] = []
  /** Per type: the largest alloc length (0 for a fixed-size type). */
  private readonly maxLength: number[] = []
  /** specs.length, kept as a field for allocLength's one test. */
  private typeCount = 0

  get count(): number {
    return this.specs.length
  }

  /**
   * Validate and store a spec; `globals` is the current global count (for resurrectInto). A
   * rejected spec defines nothing: the manager calls this before its own per-type tables.
   */
  define(spec: TypeSpec, globals: number): TypeId {
    const id = this.specs.length
    if (id >= MAX_TYPES) {
      throw new PygcError(
        'INVALID_TYPE_SPEC',
        `type #${id}: a program may define at most ${MAX_TYPES} types`,
        { type: id },
      )
    }
    validateTypeSpec(spec, globals, id, this.specs)
    const frozen = canonicalSpec(spec)
    this.specs.push(frozen)
    this.typeCount = this.specs.length
    this.maxLength.push(
      frozen.variable === 'refs' ? MAX_REF_FIELDS : frozen.variable === 'bytes' ? MAX_PAYLOAD_BYTES : 0,
    )
    return id
  }

  get(type: TypeId): TypeSpec {
    if (!(Number.isInteger(type) && type >= 0 && type < this.specs.length)) throw this.unknownType(type)
    return this.specs[type]
  }

  all(): readonly TypeSpec[] {
    return this.specs
  }

  /**
   * alloc's type and length checked (UNKNOWN_TYPE, then VALUE_OUT_OF_RANGE); returns the length,
   * 0 when it is absent. A fixed-size type takes no length but 0.
   */
  allocLength(type: TypeId, length: number | undefined): number {
    // The op loop's case, a defined type and no length, is this one test (V8 inlines alloc's
    // checks by bytecode size); a length, and every error, is lengthOf's.
    if (length === undefined && isInteger(type) && type >= 0 && type < this.typeCount) return 0
    return this.lengthOf(type, length)
  }

  private lengthOf(type: TypeId, length: number | undefined): number {
    if (!(Number.isInteger(type) && type >= 0 && type < this.specs.length)) throw this.unknownType(type)
    if (length === undefined) return 0
    if (Number.isInteger(length) && length >= 0 && length <= this.maxLength[type]) return length
    throw this.badLength(type, length)
  }

  /** Reference fields, ints and payload bytes of an allocation of `type` with `length`. */
  shapeOf(type: TypeId, length: number | undefined): { refs: number; ints: number; bytes: number } {
    const n = this.allocLength(type, length)
    const spec = this.specs[type]
    return spec.variable === 'refs'
      ? { refs: n, ints: spec.ints ?? 0, bytes: spec.bytes ?? 0 }
      : spec.variable === 'bytes'
        ? { refs: spec.refs, ints: spec.ints ?? 0, bytes: n }
        : { refs: spec.refs, ints: spec.ints ?? 0, bytes: spec.bytes ?? 0 }
  }

  private unknownType(type: unknown): PygcError {
    return new PygcError(
      'UNKNOWN_TYPE',
      `unknown type id ${describe(type)}: ${this.specs.length} types are defined (ids 0..${this.specs.length - 1})`,
      {
        type,
      },
    )
  }

  private badLength(type: number, length: unknown): PygcError {
    const spec = this.specs[type]
    const shown = describe(length)
    const why =
      spec.variable === undefined
        ? `type '${spec.name}' has a fixed size; alloc got length ${shown}`
        : `alloc of '${spec.name}': length must be an integer in 0..${this.maxLength[type]}, got ${shown}`
    return new PygcError('VALUE_OUT_OF_RANGE', why, { type, length })
  }
}

/** The spec as stored: only its keys, frozen (a caller's later edits cannot reach the registry). */
function canonicalSpec(spec: TypeSpec): TypeSpec {
  const out: TypeSpec = { name: spec.name, refs: spec.refs }
  if (spec.ints !== undefined) out.ints = spec.ints
  if (spec.bytes !== undefined) out.bytes = spec.bytes
  if (spec.variable !== undefined) out.variable = spec.variable
  if (spec.shape !== undefined) out.shape = spec.shape
  if (spec.finalizer !== undefined) {
    const f = spec.finalizer
    out.finalizer = Object.freeze({
      ...(f.resurrectInto !== undefined ? { resurrectInto: f.resurrectInto } : {}),
      ...(f.legacy !== undefined ? { legacy: f.legacy } : {}),
      ...(f.allocate !== undefined
        ? { allocate: Object.freeze({ type: f.allocate.type, count: f.allocate.count }) }
        : {}),
      ...(f.storeNew !== undefined
        ? { storeNew: Object.freeze({ type: f.storeNew.type, global: f.storeNew.global }) }
        : {}),
    })
  }
  return Object.freeze(out)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * Throws INVALID_TYPE_SPEC naming the first thing wrong with `spec` (types.ts, TypeSpec);
 * `defined` are the types defined before it (what a finalizer may allocate).
 */
export function validateTypeSpec(
  spec: TypeSpec,
  globals: number,
  id: number,
  defined: readonly TypeSpec[] = [],
): void {
  const why = specProblem(spec, globals, defined)
  if (why === null) return
  const named = isPlainObject(spec) && typeof spec.name === 'string' ? JSON.stringify(spec.name) : 'unnamed'
  throw new PygcError('INVALID_TYPE_SPEC', `type #${id} (${named}): ${why}`, { type: id })
}

/** What is wrong with a spec, or null. */
function specProblem(spec: unknown, globals: number, defined: readonly TypeSpec[]): string | null {
  if (!isPlainObject(spec)) return 'a type spec must be an object'
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key)) return `unknown key ${JSON.stringify(key)}; keys: ${[...SPEC_KEYS].join(', ')}`
  }
  const name = spec.name
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    return `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`
  }
  if (spec.refs === undefined) return 'refs is required'
  const counts: [string, number][] = [
    ['refs', MAX_REF_FIELDS],
    ['ints', MAX_REF_FIELDS],
    ['bytes', MAX_PAYLOAD_BYTES],
  ]
  for (const [key, max] of counts) {
    const v = spec[key]
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max)) {
      return `${key} must be an integer in 0..${max}, got ${describe(v)}`
    }
  }
  if (spec.variable !== undefined && spec.variable !== 'refs' && spec.variable !== 'bytes') {
    return `variable must be 'refs' or 'bytes', got ${describe(spec.variable)}`
  }
  if (spec.shape !== undefined && !SHAPES.has(spec.shape as PyShape)) {
    return `unknown shape ${describe(spec.shape)}; shapes: ${[...SHAPES].join(', ')}`
  }
  const f = spec.finalizer
  if (f === undefined) return null
  if (!isPlainObject(f)) return `finalizer must be an object ({} for a plain finalizer), got ${describe(f)}`
  for (const key of Object.keys(f)) {
    if (!FINALIZER_KEYS.has(key)) {
      return `unknown finalizer key ${JSON.stringify(key)}; keys: ${[...FINALIZER_KEYS].join(', ')}`
    }
  }
  const r = f.resurrectInto
  if (r !== undefined && !(Number.isInteger(r) && (r as number) >= 0 && (r as number) < globals)) {
    return `finalizer.resurrectInto must name a defined global (0..${globals - 1}), got ${describe(r)}`
  }
  if (f.legacy !== undefined && typeof f.legacy !== 'boolean') {
    return `finalizer.legacy must be a boolean, got ${describe(f.legacy)}`
  }
  const a = f.allocate
  if (a !== undefined) {
    const why = allocationProblem('finalizer.allocate', a, ALLOCATE_KEYS, defined)
    if (why !== null) return why
    const n = (a as Record<string, unknown>).count
    if (!(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_FINALIZER_ALLOCATIONS))
      return `finalizer.allocate.count must be an integer in 1..${MAX_FINALIZER_ALLOCATIONS}, got ${describe(n)}`
  }
  const s = f.storeNew
  if (s !== undefined) {
    const why = allocationProblem('finalizer.storeNew', s, STORE_NEW_KEYS, defined)
    if (why !== null) return why
    const g = (s as Record<string, unknown>).global
    if (!(Number.isInteger(g) && (g as number) >= 0 && (g as number) < globals))
      return `finalizer.storeNew.global must name a defined global (0..${globals - 1}), got ${describe(g)}`
    if (g === r) return `finalizer.storeNew.global must differ from finalizer.resurrectInto (both ${r})`
  }
  return null
}

/**
 * What is wrong with a finalizer's allocation (allocate, storeNew): an object of exactly `keys`
 * whose `type` is a type defined before this one, of fixed size and without a finalizer (a
 * finalizer never allocates objects that would run finalizers in turn).
 */
function allocationProblem(
  what: string,
  value: unknown,
  keys: readonly string[],
  defined: readonly TypeSpec[],
): string | null {
  if (!isPlainObject(value)) return `${what} must be an object {${keys.join(', ')}}, got ${describe(value)}`
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) return `unknown ${what} key ${JSON.stringify(key)}; keys: ${keys.join(', ')}`
  }
  const t = value.type
  if (!(Number.isInteger(t) && (t as number) >= 0 && (t as number) < defined.length))
    return `${what}.type must name a type defined before this one (0..${defined.length - 1}), got ${describe(t)}`
  const target = defined[t as number]
  if (target.variable !== undefined)
    return `${what}.type ${t} ('${target.name}') is variable-size; a finalizer allocates fixed-size objects`
  if (target.finalizer !== undefined)
    return `${what}.type ${t} ('${target.name}') has a finalizer; a finalizer allocates objects without one`
  return null
}
