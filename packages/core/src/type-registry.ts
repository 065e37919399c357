/**
 * The types a program declared, validated once at definition so the op loop only does
 * range checks. Every manager keeps one; each lays the types out in its own runtime's sizes.
 */
import { PygcError } from './errors.js'
import type { TypeId, TypeSpec } from './types.js'

const MAX_FIELDS = 1 << 24
const MAX_BYTES = 2 ** 31 - 1

export class TypeRegistry {
  private readonly specs: TypeSpec[] = []

  get count(): number {
    return this.specs.length
  }

  /** Validate and store a spec; `globals` is the current global count (for resurrectInto). */
  define(spec: TypeSpec, globals: number): TypeId {
    validateTypeSpec(spec, globals, this.specs.length)
    const frozen: TypeSpec = Object.freeze({
      ...spec,
      ...(spec.finalizer ? { finalizer: Object.freeze({ ...spec.finalizer }) } : {}),
    })
    this.specs.push(frozen)
    return this.specs.length - 1
  }

  get(type: TypeId): TypeSpec {
    const spec = this.specs[type]
    if (spec === undefined || !Number.isInteger(type)) {
      throw new PygcError('UNKNOWN_TYPE', `unknown type id ${type}: ${this.specs.length} types are defined`, {
        type,
      })
    }
    return spec
  }

  all(): readonly TypeSpec[] {
    return this.specs
  }

  /** Reference fields and payload bytes of an allocation of `type` with `length`. */
  shapeOf(type: TypeId, length: number | undefined): { refs: number; ints: number; bytes: number } {
    const spec = this.get(type)
    if (spec.variable === undefined) {
      if (length !== undefined && length !== 0) {
        throw new PygcError('VALUE_OUT_OF_RANGE', `type '${spec.name}' has a fixed size; alloc got length ${length}`, {
          type,
          length,
        })
      }
      return { refs: spec.refs, ints: spec.ints ?? 0, bytes: spec.bytes ?? 0 }
    }
    const n = length ?? 0
    const max = spec.variable === 'refs' ? MAX_FIELDS : MAX_BYTES
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new PygcError('VALUE_OUT_OF_RANGE', `alloc of '${spec.name}': length must be an integer in 0..${max}, got ${length}`, {
        type,
        length,
      })
    }
    return spec.variable === 'refs'
      ? { refs: n, ints: spec.ints ?? 0, bytes: spec.bytes ?? 0 }
      : { refs: spec.refs, ints: spec.ints ?? 0, bytes: n }
  }
}

export function validateTypeSpec(spec: TypeSpec, globals: number, id: number): void {
  const bad = (why: string): never => {
    throw new PygcError('INVALID_TYPE_SPEC', `type #${id} (${JSON.stringify(spec?.name)}): ${why}`, { type: id })
  }
  if (spec === null || typeof spec !== 'object') bad('a type spec must be an object')
  if (typeof spec.name !== 'string' || spec.name.length === 0 || spec.name.length > 200) bad('name must be a non-empty string of at most 200 characters')
  const count = (v: unknown, what: string, max: number): void => {
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max)) bad(`${what} must be an integer in 0..${max}, got ${v}`)
  }
  if (spec.refs === undefined) bad('refs is required')
  count(spec.refs, 'refs', MAX_FIELDS)
  count(spec.ints, 'ints', MAX_FIELDS)
  count(spec.bytes, 'bytes', MAX_BYTES)
  if (spec.variable !== undefined && spec.variable !== 'refs' && spec.variable !== 'bytes') bad(`variable must be 'refs' or 'bytes', got ${JSON.stringify(spec.variable)}`)
  if (spec.shape !== undefined && !['list', 'tuple', 'slots', 'dict-instance'].includes(spec.shape)) bad(`unknown shape ${JSON.stringify(spec.shape)}`)
  const r = spec.finalizer?.resurrectInto
  if (r !== undefined && (!Number.isInteger(r) || r < 0 || r >= globals)) bad(`finalizer.resurrectInto must name a defined global (0..${globals - 1}), got ${r}`)
}
