/**
 * A small JSON Schema checker for the keywords results.schema.json uses (type, const, enum,
 * required, properties, additionalProperties, items, $ref to #/$defs, not, minimum), so the
 * tests check real output against the published schema without another dependency.
 */
type Schema = Record<string, unknown>

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === 'number' && actual === 'integer')
}

export function validateSchema(root: Schema, value: unknown): string[] {
  const errors: string[] = []
  const resolve = (schema: Schema): Schema => {
    const ref = schema.$ref
    if (typeof ref !== 'string') return schema
    const name = ref.replace('#/$defs/', '')
    const target = (root.$defs as Record<string, Schema>)[name]
    if (!target) throw new Error(`unresolved $ref ${ref}`)
    return { ...resolve(target), ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref')) }
  }
  const check = (raw: Schema, v: unknown, path: string): void => {
    const s = resolve(raw)
    if ('const' in s && v !== s.const) errors.push(`${path}: expected ${JSON.stringify(s.const)}`)
    if (Array.isArray(s.enum) && !s.enum.includes(v))
      errors.push(`${path}: ${JSON.stringify(v)} not in ${JSON.stringify(s.enum)}`)
    if (typeof s.type === 'string' && !typeMatches(s.type, typeOf(v))) {
      errors.push(`${path}: expected ${s.type}, got ${typeOf(v)}`)
      return
    }
    if (typeof s.minimum === 'number' && typeof v === 'number' && v < s.minimum)
      errors.push(`${path}: below ${s.minimum}`)
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>
      for (const key of (s.required as string[] | undefined) ?? [])
        if (!(key in obj)) errors.push(`${path}: missing ${key}`)
      const props = (s.properties as Record<string, Schema> | undefined) ?? {}
      for (const [key, child] of Object.entries(obj)) {
        if (key in props) check(props[key], child, `${path}.${key}`)
        else if (s.additionalProperties === false) errors.push(`${path}: unexpected property ${key}`)
        else if (typeof s.additionalProperties === 'object')
          check(s.additionalProperties as Schema, child, `${path}.${key}`)
      }
      const not = s.not as Schema | undefined
      if (not && Array.isArray(not.required) && not.required.every((k: string) => k in obj)) {
        errors.push(`${path}: must not have ${not.required.join(', ')}`)
      }
    }
    if (Array.isArray(v) && s.items) {
      for (let i = 0; i < v.length; i++) check(s.items as Schema, v[i], `${path}[${i}]`)
    }
  }
  check(root, value, '$')
  return errors
}
