/**
 * The op table of TRACE_FORMAT.md as data: for each op, its opcode, its Mutator method name
 * and its operands in record order. The JSON-lines reader and writer, the TraceOp builder and
 * describe helpers are driven by it, so the two forms cannot drift apart; the binary hot paths
 * are written out by hand (binary-writer.ts, binary-reader.ts) and tested against it.
 */
import type { CallbackSpec, TypeSpec } from '../types.js'
import { echo } from './echo.js'
import {
  GC_CONTROL_CODES,
  MAX_SVARINT,
  MIN_SVARINT,
  OP_ALLOC,
  OP_CLEAR,
  OP_COLLECT,
  OP_DEFINE_GLOBALS,
  OP_DEFINE_TYPE,
  OP_DEREF,
  OP_GC_CONTROL,
  OP_ID_OF,
  OP_IS_NULL,
  OP_LENGTH_OF,
  OP_LOAD,
  OP_MOVE,
  OP_PIN,
  OP_POP_FRAME,
  OP_PUSH_FRAME,
  OP_READ_INT,
  OP_SAME,
  OP_STORE,
  OP_WEAKREF,
  OP_WRITE_INT,
} from './format.js'
import type { TraceOp, TraceOpName } from './trace-op.js'
import { exactObject, type Reject, typeRecordFromSpec, typeSpecFromRecord } from './type-record.js'

/**
 * How an operand is stored. In the registers (below) every kind is a number: `slot` and `int`
 * as themselves (svarint on the wire), `uint` as itself (varint), `bool` 0/1 (u8), `action` the
 * GC_CONTROL code (u8), `callback` 0 for none or tag + 1 (varint); `spec` lives in `spec`.
 */
export type OperandKind = 'slot' | 'uint' | 'int' | 'bool' | 'action' | 'callback' | 'spec'

export interface OpSchema {
  code: number
  name: TraceOpName
  operands: readonly (readonly [name: string, kind: OperandKind])[]
  /**
   * Ops that share an opcode (PIN: pin and unpin) are told apart by a u8 after their operands,
   * held in the register after the last operand; this is its value for this op.
   */
  variant?: number
}

const schema = (code: number, name: TraceOpName, ...operands: [string, OperandKind][]): OpSchema => ({
  code,
  name,
  operands,
})

const variantOf = (
  code: number,
  name: TraceOpName,
  variant: number,
  ...operands: [string, OperandKind][]
): OpSchema => ({
  code,
  name,
  operands,
  variant,
})

export const OP_SCHEMAS: readonly OpSchema[] = [
  schema(OP_PUSH_FRAME, 'pushFrame', ['locals', 'uint']),
  schema(OP_POP_FRAME, 'popFrame'),
  schema(OP_ALLOC, 'alloc', ['dst', 'slot'], ['type', 'uint'], ['length', 'uint']),
  schema(OP_LOAD, 'load', ['dst', 'slot'], ['obj', 'slot'], ['field', 'uint']),
  schema(OP_STORE, 'store', ['obj', 'slot'], ['field', 'uint'], ['src', 'slot']),
  schema(OP_MOVE, 'move', ['dst', 'slot'], ['src', 'slot']),
  schema(OP_CLEAR, 'clear', ['dst', 'slot']),
  schema(OP_READ_INT, 'readInt', ['obj', 'slot'], ['index', 'uint'], ['expected', 'int']),
  schema(OP_WRITE_INT, 'writeInt', ['obj', 'slot'], ['index', 'uint'], ['value', 'int']),
  schema(OP_IS_NULL, 'isNull', ['s', 'slot'], ['expected', 'bool']),
  schema(OP_SAME, 'same', ['a', 'slot'], ['b', 'slot'], ['expected', 'bool']),
  schema(OP_WEAKREF, 'weakref', ['dst', 'slot'], ['target', 'slot'], ['callback', 'callback']),
  schema(OP_DEREF, 'deref', ['dst', 'slot'], ['weak', 'slot']),
  schema(OP_COLLECT, 'collect', ['generation', 'int'], ['result', 'int']),
  schema(OP_GC_CONTROL, 'gcControl', ['action', 'action']),
  schema(OP_DEFINE_TYPE, 'defineType', ['spec', 'spec']),
  schema(OP_DEFINE_GLOBALS, 'defineGlobals', ['count', 'uint']),
  schema(OP_ID_OF, 'idOf', ['s', 'slot']),
  schema(OP_LENGTH_OF, 'lengthOf', ['s', 'slot'], ['expected', 'uint']),
  variantOf(OP_PIN, 'pin', 1, ['obj', 'slot']),
  variantOf(OP_PIN, 'unpin', 0, ['obj', 'slot']),
]

/** Schema by opcode (undefined for unknown opcodes); a shared opcode maps to its first op. */
export const SCHEMA_BY_CODE: readonly (OpSchema | undefined)[] = (() => {
  const table: (OpSchema | undefined)[] = new Array(256).fill(undefined)
  for (const s of OP_SCHEMAS) table[s.code] ??= s
  return table
})()

/** The schema of a decoded record: its opcode's, or for a shared opcode the variant its registers name. */
export function schemaOfRecord(code: number, regs: OpRegisters): OpSchema | undefined {
  if (code === OP_PIN) return regs.b === 1 ? PIN_SCHEMA : UNPIN_SCHEMA
  return SCHEMA_BY_CODE[code]
}
const PIN_SCHEMA = OP_SCHEMAS.find((s) => s.name === 'pin') as OpSchema
const UNPIN_SCHEMA = OP_SCHEMAS.find((s) => s.name === 'unpin') as OpSchema

export const SCHEMA_BY_NAME: ReadonlyMap<string, OpSchema> = new Map(OP_SCHEMAS.map((s) => [s.name, s]))

/** A decoded record's operands as numbers, in record order (see OperandKind). */
export interface OpRegisters {
  a: number
  b: number
  c: number
  spec: TypeSpec | null
}

const REGISTER_NAMES = ['a', 'b', 'c'] as const

const CALLBACK_KEYS: ReadonlySet<string> = new Set(['tag'])

/** Validate one operand value of a TraceOp-shaped object and return its register number. */
function operandToRegister(
  value: unknown,
  kind: OperandKind,
  what: string,
  reject: Reject,
  exact: boolean,
): number {
  switch (kind) {
    case 'slot':
    case 'int':
      if (
        !Number.isSafeInteger(value) ||
        (value as number) < MIN_SVARINT ||
        (value as number) > MAX_SVARINT
      ) {
        reject(`${what} must be an integer in ${MIN_SVARINT}..${MAX_SVARINT}, got ${echo(value)}`)
      }
      return value as number
    case 'uint':
      if (!Number.isSafeInteger(value) || (value as number) < 0)
        reject(`${what} must be a non-negative integer below 2^53, got ${echo(value)}`)
      return value as number
    case 'bool':
      if (typeof value !== 'boolean') reject(`${what} must be true or false, got ${echo(value)}`)
      return value ? 1 : 0
    case 'action': {
      const code = GC_CONTROL_CODES.indexOf(value as (typeof GC_CONTROL_CODES)[number])
      if (code < 0) reject(`${what} must be one of ${GC_CONTROL_CODES.join(', ')}, got ${echo(value)}`)
      return code
    }
    case 'callback': {
      if (value === undefined || value === null) return 0
      if (exact) exactObject(value, CALLBACK_KEYS, what, reject)
      const tag = (value as CallbackSpec).tag
      if (
        typeof value !== 'object' ||
        !Number.isSafeInteger(tag) ||
        tag < 0 ||
        tag >= Number.MAX_SAFE_INTEGER
      ) {
        reject(`${what} must be absent or {"tag": a non-negative integer}, got ${echo(value)}`)
      }
      return tag + 1
    }
    case 'spec':
      throw new Error('spec operands are not registers')
  }
}

/**
 * Validate a TraceOp-shaped object (a parsed JSON line, or a TraceOp handed to a writer) into
 * registers; returns the schema. Unknown ops, missing or extra fields and out-of-range values
 * are rejected through `reject`. `exact` (a parsed JSON line): the objects inside a record
 * (spec, finalizer, callback) must be plain objects with only their known members too.
 */
export function opToRegisters(value: unknown, regs: OpRegisters, reject: Reject, exact = false): OpSchema {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    reject('a record must be a JSON object')
  const record = value as Record<string, unknown>
  const schema = typeof record.op === 'string' ? SCHEMA_BY_NAME.get(record.op) : undefined
  if (schema === undefined) reject(`unknown op ${echo(record.op)}`)
  let fields = 1
  for (let i = 0; i < schema.operands.length; i++) {
    const [name, kind] = schema.operands[i]
    const v = record[name]
    if (v !== undefined) fields++
    else if (kind !== 'callback') reject(`${schema.name}: missing operand '${name}'`)
    if (kind === 'spec') {
      regs.spec = typeSpecFromRecord(typeRecordFromSpec(v as TypeSpec, reject, exact), reject)
    } else {
      regs[REGISTER_NAMES[i]] = operandToRegister(v, kind, `${schema.name} ${name}`, reject, exact)
    }
  }
  if (schema.variant !== undefined) regs[REGISTER_NAMES[schema.operands.length]] = schema.variant
  if (Object.keys(record).length !== fields) {
    const known = new Set(['op', ...schema.operands.map(([n]) => n)])
    const extra = Object.keys(record).filter((k) => !known.has(k))
    reject(`${schema.name}: unknown field${extra.length > 1 ? 's' : ''} ${extra.map(quoteKey).join(', ')}`)
  }
  return schema
}

/** A member name in a message: 'name', or its bounded echo if it is long or odd. */
function quoteKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(key) ? `'${key}'` : echo(key)
}

/**
 * Build the TraceOp object of a decoded record. Written out per op (not generic over the
 * table) so each op kind gets one object literal shape: TraceReader.next() is a hot loop in
 * converters and `pygc replay --verbose`.
 */
export function registersToOp(schema: OpSchema, r: OpRegisters): TraceOp {
  switch (schema.code) {
    case OP_PUSH_FRAME:
      return { op: 'pushFrame', locals: r.a }
    case OP_POP_FRAME:
      return { op: 'popFrame' }
    case OP_ALLOC:
      return { op: 'alloc', dst: r.a, type: r.b, length: r.c }
    case OP_LOAD:
      return { op: 'load', dst: r.a, obj: r.b, field: r.c }
    case OP_STORE:
      return { op: 'store', obj: r.a, field: r.b, src: r.c }
    case OP_MOVE:
      return { op: 'move', dst: r.a, src: r.b }
    case OP_CLEAR:
      return { op: 'clear', dst: r.a }
    case OP_READ_INT:
      return { op: 'readInt', obj: r.a, index: r.b, expected: r.c }
    case OP_WRITE_INT:
      return { op: 'writeInt', obj: r.a, index: r.b, value: r.c }
    case OP_IS_NULL:
      return { op: 'isNull', s: r.a, expected: r.b === 1 }
    case OP_SAME:
      return { op: 'same', a: r.a, b: r.b, expected: r.c === 1 }
    case OP_WEAKREF:
      return r.c === 0
        ? { op: 'weakref', dst: r.a, target: r.b }
        : { op: 'weakref', dst: r.a, target: r.b, callback: { tag: r.c - 1 } }
    case OP_DEREF:
      return { op: 'deref', dst: r.a, weak: r.b }
    case OP_COLLECT:
      return { op: 'collect', generation: r.a, result: r.b }
    case OP_GC_CONTROL:
      return { op: 'gcControl', action: GC_CONTROL_CODES[r.a] }
    case OP_DEFINE_TYPE:
      return { op: 'defineType', spec: r.spec as TypeSpec }
    case OP_DEFINE_GLOBALS:
      return { op: 'defineGlobals', count: r.a }
    case OP_ID_OF:
      return { op: 'idOf', s: r.a }
    case OP_LENGTH_OF:
      return { op: 'lengthOf', s: r.a, expected: r.b }
    case OP_PIN:
      return r.b === 1 ? { op: 'pin', obj: r.a } : { op: 'unpin', obj: r.a }
    default:
      throw new Error(`registersToOp: no op 0x${schema.code.toString(16)}`)
  }
}

/** The JSON line (without newline) of a decoded record: canonical field order, defaults shown. */
export function registersToJson(schema: OpSchema, regs: OpRegisters): string {
  let line = `{"op":"${schema.name}"`
  for (let i = 0; i < schema.operands.length; i++) {
    const [name, kind] = schema.operands[i]
    const v = regs[REGISTER_NAMES[i]]
    switch (kind) {
      case 'spec':
        line += `,"${name}":${JSON.stringify(regs.spec)}`
        break
      case 'bool':
        line += `,"${name}":${v === 1}`
        break
      case 'action':
        line += `,"${name}":"${GC_CONTROL_CODES[v]}"`
        break
      case 'callback':
        if (v !== 0) line += `,"${name}":{"tag":${v - 1}}`
        break
      default:
        line += `,"${name}":${v}`
    }
  }
  return `${line}}`
}
