/**
 * The JSON-lines form's encoder: one line per record, built from the same op table as the
 * reader (op-schema.ts), so what it writes is exactly what the reader accepts. For reading
 * and diffing traces, not for speed: each record builds a string.
 */
import { PygcError } from '../errors.js'
import type { CallbackSpec, GcControl, Slot, TypeId, TypeSpec } from '../types.js'
import { ChunkedOutput } from './chunked-output.js'
import { crc32 } from './crc32.js'
import { echo } from './echo.js'
import {
  JSONL_FORMAT_NAME,
  JSONL_FORMAT_VERSION,
  MAX_SVARINT,
  MIN_SVARINT,
  OP_DEFINE_GLOBALS,
  OP_DEFINE_TYPE,
} from './format.js'
import type { TraceSink } from './io.js'
import { type OpRegisters, opToRegisters, registersToJson } from './op-schema.js'
import type { TraceOp } from './trace-op.js'
import type { TraceSummary, TraceWriter } from './trace-writer.js'

const utf8 = new TextEncoder()

function reject(what: string, value: number): never {
  throw new PygcError(
    'VALUE_OUT_OF_RANGE',
    `cannot record ${what}: ${value} is not representable in a trace`,
    {
      what,
      value,
    },
  )
}

/** A slot or svarint operand, validated (the binary ranges, so a JSON-lines trace converts). */
function sint(v: number, what: string): number {
  if ((v | 0) !== v && !(Number.isSafeInteger(v) && v >= MIN_SVARINT && v <= MAX_SVARINT)) reject(what, v)
  return v
}

/** A varint operand, validated. */
function uint(v: number, what: string): number {
  if (v >>> 0 !== v && !(Number.isSafeInteger(v) && v >= 0)) reject(what, v)
  return v
}

export class JsonLinesTraceWriter extends ChunkedOutput implements TraceWriter {
  readonly format = 'jsonl'
  records = 0
  ops = 0
  private readonly regs: OpRegisters = { a: 0, b: 0, c: 0, spec: null }
  /** CRC-32 of the output so far (informational: the form has no checksum of its own). */
  private crc = 0

  constructor(sink: TraceSink, metadata: Record<string, unknown> = {}) {
    super(sink)
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new PygcError('INVALID_OPTION', 'trace metadata must be a JSON object')
    }
    this.line(
      `{"format":"${JSONL_FORMAT_NAME}","version":${JSONL_FORMAT_VERSION},"metadata":${JSON.stringify(metadata)}}`,
    )
  }

  protected emit(pending: Uint8Array): number {
    this.crc = crc32(pending, this.crc)
    this.toSink(pending)
    return pending.length
  }

  private line(text: string): void {
    this.startRecord(text.length * 3 + 1)
    this.pos += utf8.encodeInto(text, this.buf.subarray(this.pos)).written
    this.buf[this.pos++] = 0x0a
  }

  write(op: TraceOp): void {
    const schema = opToRegisters(op, this.regs, (why) => {
      throw new PygcError('VALUE_OUT_OF_RANGE', `cannot record ${echo(op)}: ${why}`)
    })
    this.line(registersToJson(schema, this.regs))
    this.records++
    if (schema.code !== OP_DEFINE_TYPE && schema.code !== OP_DEFINE_GLOBALS) this.ops++
  }

  /** An op line built by the methods below (operands already validated). */
  private op(text: string): void {
    this.line(text)
    this.records++
    this.ops++
  }

  // The definitions and anything unusual go through write(); the frequent ops build their line
  // directly (same text as registersToJson, checked by the round-trip tests).
  defineType(spec: TypeSpec): void {
    this.write({ op: 'defineType', spec })
  }
  defineGlobals(count: number): void {
    this.write({ op: 'defineGlobals', count })
  }
  pushFrame(locals: number): void {
    this.op(`{"op":"pushFrame","locals":${uint(locals, 'pushFrame locals')}}`)
  }
  popFrame(): void {
    this.op('{"op":"popFrame"}')
  }
  alloc(dst: Slot, type: TypeId, length: number): void {
    this.op(
      `{"op":"alloc","dst":${sint(dst, 'alloc dst')},"type":${uint(type, 'alloc type')},"length":${uint(length, 'alloc length')}}`,
    )
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.op(
      `{"op":"load","dst":${sint(dst, 'load dst')},"obj":${sint(obj, 'load obj')},"field":${uint(field, 'load field')}}`,
    )
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.op(
      `{"op":"store","obj":${sint(obj, 'store obj')},"field":${uint(field, 'store field')},"src":${sint(src, 'store src')}}`,
    )
  }
  move(dst: Slot, src: Slot): void {
    this.op(`{"op":"move","dst":${sint(dst, 'move dst')},"src":${sint(src, 'move src')}}`)
  }
  clear(dst: Slot): void {
    this.op(`{"op":"clear","dst":${sint(dst, 'clear dst')}}`)
  }
  readInt(obj: Slot, index: number, expected: number): void {
    this.op(
      `{"op":"readInt","obj":${sint(obj, 'readInt obj')},"index":${uint(index, 'readInt index')},"expected":${sint(expected, 'readInt result')}}`,
    )
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.op(
      `{"op":"writeInt","obj":${sint(obj, 'writeInt obj')},"index":${uint(index, 'writeInt index')},"value":${sint(value, 'writeInt value')}}`,
    )
  }
  isNull(s: Slot, expected: boolean): void {
    this.op(`{"op":"isNull","s":${sint(s, 'isNull s')},"expected":${!!expected}}`)
  }
  same(a: Slot, b: Slot, expected: boolean): void {
    this.op(`{"op":"same","a":${sint(a, 'same a')},"b":${sint(b, 'same b')},"expected":${!!expected}}`)
  }
  weakref(dst: Slot, target: Slot, callback: CallbackSpec | undefined): void {
    this.write(
      callback === undefined || callback === null
        ? { op: 'weakref', dst, target }
        : { op: 'weakref', dst, target, callback },
    )
  }
  deref(dst: Slot, weak: Slot): void {
    this.op(`{"op":"deref","dst":${sint(dst, 'deref dst')},"weak":${sint(weak, 'deref weak')}}`)
  }
  collect(generation: number, result: number): void {
    this.write({ op: 'collect', generation, result })
  }
  gcControl(action: GcControl): void {
    this.write({ op: 'gcControl', action })
  }
  idOf(s: Slot): void {
    this.op(`{"op":"idOf","s":${sint(s, 'idOf s')}}`)
  }
  lengthOf(s: Slot, expected: number): void {
    this.op(`{"op":"lengthOf","s":${sint(s, 'lengthOf s')},"expected":${uint(expected, 'lengthOf result')}}`)
  }
  pin(obj: Slot, pinned: boolean): void {
    const name = pinned ? 'pin' : 'unpin'
    this.op(`{"op":"${name}","obj":${sint(obj, `${name} obj`)}}`)
  }

  finish(): TraceSummary {
    const records = this.records
    this.line(`{"end":true,"ops":${records}}`)
    this.closeOutput()
    return { records, ops: this.ops, checksum: this.crc, bytes: this.byteLength }
  }
}
