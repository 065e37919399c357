/**
 * The binary form's streaming decoder. It holds a window of at most CHUNK_BYTES of the trace
 * (more only for a string longer than that) and refills it from the source when fewer than
 * MAX_FIXED_RECORD_BYTES remain, so a record without a string decodes with no bounds check
 * per operand: the decoder may read past the data into the window's slack, and one check
 * after the record (`pos > end`) turns that into a truncation error. Every error path checks
 * for that overrun first, so a cut-off trace is always reported as truncated, never as the
 * garbage beyond its end.
 *
 * The checksum is computed on the bytes as they leave the window, so the footer can be
 * verified without a second pass.
 */
import { PygcError, TraceFormatError } from '../errors.js'
import type { TypeSpec } from '../types.js'
import type { OpCursor } from './cursor.js'
import {
  CHUNK_BYTES,
  END_MAGIC,
  FINALIZER_RESURRECTS,
  FNV_OFFSET_BASIS,
  FOOTER_BYTES_AFTER_END,
  FORMAT_VERSION,
  fnv1a,
  HEADER_MAGIC,
  MAX_COUNT_HIGH_WORD,
  MAX_FIXED_RECORD_BYTES,
  MAX_STRING_BYTES,
  MAX_VARINT_BYTES,
  OP_ALLOC,
  OP_CLEAR,
  OP_COLLECT,
  OP_DEFINE_GLOBALS,
  OP_DEFINE_TYPE,
  OP_DEREF,
  OP_END,
  OP_GC_CONTROL,
  OP_ID_OF,
  OP_IS_NULL,
  OP_LENGTH_OF,
  OP_LOAD,
  OP_MOVE,
  OP_POP_FRAME,
  OP_PIN,
  OP_PUSH_FRAME,
  OP_READ_INT,
  OP_SAME,
  OP_STORE,
  OP_WEAKREF,
  OP_WRITE_INT,
} from './format.js'
import type { TraceSource } from './io.js'
import { SCHEMA_BY_CODE } from './op-schema.js'
import { typeSpecFromRecord } from './type-record.js'

/** Slack after the data area: a record read past the data lands here, never out of the array. */
const SLACK = 2 * MAX_FIXED_RECORD_BYTES

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class BinaryTraceCursor implements OpCursor {
  readonly form = 'binary'
  a = 0
  b = 0
  c = 0
  spec: TypeSpec | null = null
  records = 0
  ops = 0
  recordOffset = 0
  readonly metadata: Record<string, unknown>

  private buf = new Uint8Array(CHUNK_BYTES + SLACK)
  /** Window: buf[pos, end) holds trace bytes base + pos .. base + end. */
  private pos = 0
  private end = 0
  private base = 0
  private eof = false
  private done = false
  /** buf[hashFrom, pos) is consumed but not yet hashed. */
  private hashFrom = 0
  private hash = FNV_OFFSET_BASIS
  /** Where we are, for error messages: 'header', 'record' or 'footer'. */
  private part: 'header' | 'record' | 'footer' = 'header'

  constructor(private readonly source: TraceSource) {
    try {
      this.metadata = this.readHeader()
    } catch (e) {
      this.close()
      throw e
    }
  }

  // --- window -------------------------------------------------------------------------------

  /** Make at least `need` bytes available from pos (fewer only at the end of the trace). */
  private refill(need: number): void {
    if (this.pos > 0) {
      this.hash = fnv1a(this.hash, this.buf, this.hashFrom, this.pos)
      this.buf.copyWithin(0, this.pos, this.end)
      this.base += this.pos
      this.end -= this.pos
      this.pos = 0
      this.hashFrom = 0
    }
    while (!this.eof && this.end < need) {
      if (this.end === this.buf.length - SLACK) this.grow(need)
      const capacity = this.buf.length - SLACK
      const n = this.source.read(this.buf.subarray(this.end, capacity), this.base + this.end)
      if (!Number.isInteger(n) || n < 0 || n > capacity - this.end) {
        throw new PygcError(
          'INVALID_OPTION',
          `trace source returned ${n} from read() (asked for up to ${capacity - this.end} bytes)`,
        )
      }
      if (n === 0) this.eof = true
      else this.end += n
    }
  }

  /**
   * Only a string longer than the window gets here. The window doubles as data arrives rather
   * than jumping to `need`, so a corrupted length in a small file costs no big allocation.
   */
  private grow(need: number): void {
    const size = Math.min(2 * (this.buf.length - SLACK), need) + SLACK
    const bigger = new Uint8Array(size)
    bigger.set(this.buf.subarray(0, this.end))
    this.buf = bigger
  }

  // --- errors -------------------------------------------------------------------------------

  private where(): Record<string, unknown> {
    return this.part === 'record' ? { record: this.records, op: this.ops } : {}
  }

  private opContext(): string {
    if (this.part !== 'record') return this.part
    return `record ${this.records} (op ${this.ops})`
  }

  /** The trace ends inside what is being decoded. */
  private truncated(): never {
    const ends = this.base + this.end
    const what =
      this.part === 'record'
        ? `${this.opContext()}, ${this.cutRecordName()}, starting at byte ${this.recordOffset} is cut off`
        : `the ${this.part} is cut off`
    throw new TraceFormatError(
      `truncated trace: ${what}; the trace ends at byte ${ends}`,
      this.recordOffset,
      {
        ...this.where(),
        end: ends,
      },
    )
  }

  /** The op name of the record being decoded (only a DEFINE_TYPE refills mid-record). */
  private cutRecordName(): string {
    const at = this.recordOffset - this.base
    return at >= 0 ? opcodeName(this.buf[at]) : 'defineType'
  }

  /**
   * A malformed field at buf[at]; `seen` is one past the last byte the decoder looked at. If
   * that is beyond the data the real problem is a truncation.
   */
  private fail(message: string, at: number, seen: number = at + 1): never {
    if (seen > this.end) this.truncated()
    throw new TraceFormatError(`${message} (${this.opContext()})`, this.base + at, this.where())
  }

  // --- primitives ---------------------------------------------------------------------------

  private uvarint(): number {
    const buf = this.buf
    let p = this.pos
    let b = buf[p++]
    if (b < 0x80) {
      this.pos = p
      return b
    }
    let v = b & 0x7f
    let scale = 0x80
    for (let n = 1; n < MAX_VARINT_BYTES; n++) {
      b = buf[p++]
      v += (b & 0x7f) * scale
      if (b < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) this.fail('varint value is 2^53 or more', p - n - 1, p)
        this.pos = p
        return v
      }
      scale *= 0x80
    }
    return this.fail(`varint longer than ${MAX_VARINT_BYTES} bytes`, p - MAX_VARINT_BYTES, p + 1)
  }

  private svarint(): number {
    const v = this.uvarint()
    // Zigzag back: low bit set -> negative. `v & 1` is exact past 32 bits (ToInt32 keeps the low bits).
    return v & 1 ? -(v + 1) / 2 : v / 2
  }

  /** A u8 that must be below `limit`. */
  private enumByte(limit: number, what: string): number {
    const at = this.pos++
    const v = this.buf[at]
    if (v >= limit) this.fail(`${what} must be below ${limit}, got ${v}`, at)
    return v
  }

  private u32At(at: number): number {
    const buf = this.buf
    return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
  }

  private string(what: string): string {
    const lengthAt = this.pos
    const length = this.uvarint()
    if (length > MAX_STRING_BYTES)
      this.fail(`${what} length ${length} exceeds the limit of ${MAX_STRING_BYTES} bytes`, lengthAt, this.pos)
    if (this.pos > this.end) this.truncated()
    // Room for the string and for the fixed-size fields that follow it in a type record.
    if (this.end - this.pos < length + 2 * MAX_FIXED_RECORD_BYTES && !this.eof)
      this.refill(length + 2 * MAX_FIXED_RECORD_BYTES)
    if (this.end - this.pos < length) this.truncated()
    const at = this.pos
    this.pos += length
    try {
      return utf8.decode(this.buf.subarray(at, at + length))
    } catch {
      return this.fail(`${what} is not valid UTF-8`, at)
    }
  }

  // --- header -------------------------------------------------------------------------------

  private readHeader(): Record<string, unknown> {
    this.refill(MAX_FIXED_RECORD_BYTES)
    const buf = this.buf
    for (let i = 0; i < HEADER_MAGIC.length; i++) {
      if (buf[i] !== HEADER_MAGIC[i])
        this.fail('bad magic: not a pygc binary trace (expected "PYGCTRC\\0")', i)
    }
    const version = buf[8] | (buf[9] << 8)
    if (version !== FORMAT_VERSION)
      this.fail(`unsupported trace version ${version} (this reader reads version ${FORMAT_VERSION})`, 8, 10)
    const flags = buf[10] | (buf[11] << 8)
    if (flags !== 0) this.fail(`unknown header flag bits 0x${flags.toString(16)}`, 10, 12)
    this.pos = 12
    const metadataAt = this.pos
    const json = this.string('metadata')
    if (this.pos > this.end) this.truncated()
    let metadata: unknown
    try {
      metadata = JSON.parse(json)
    } catch (e) {
      this.fail(`metadata is not valid JSON: ${(e as Error).message}`, metadataAt)
    }
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      this.fail('metadata must be a JSON object', metadataAt)
    this.part = 'record'
    return metadata as Record<string, unknown>
  }

  // --- records ------------------------------------------------------------------------------

  next(): number {
    if (this.done) return OP_END
    if (this.end - this.pos < MAX_FIXED_RECORD_BYTES && !this.eof) this.refill(MAX_FIXED_RECORD_BYTES)
    const start = this.pos
    this.recordOffset = this.base + start
    if (start >= this.end) {
      throw new TraceFormatError(
        `missing footer: the trace ends after ${this.records} records without END (0xFF)`,
        this.recordOffset,
        this.where(),
      )
    }
    const code = this.buf[start]
    this.pos = start + 1
    switch (code) {
      case OP_ALLOC:
        this.a = this.svarint()
        this.b = this.uvarint()
        this.c = this.uvarint()
        break
      case OP_LOAD:
        this.a = this.svarint()
        this.b = this.svarint()
        this.c = this.uvarint()
        break
      case OP_STORE:
      case OP_READ_INT:
      case OP_WRITE_INT:
        this.a = this.svarint()
        this.b = this.uvarint()
        this.c = this.svarint()
        break
      case OP_MOVE:
      case OP_DEREF:
        this.a = this.svarint()
        this.b = this.svarint()
        break
      case OP_CLEAR:
      case OP_ID_OF:
        this.a = this.svarint()
        break
      case OP_PUSH_FRAME:
        this.a = this.uvarint()
        break
      case OP_POP_FRAME:
        break
      case OP_IS_NULL:
        this.a = this.svarint()
        this.b = this.enumByte(2, 'isNull expected')
        break
      case OP_SAME:
        this.a = this.svarint()
        this.b = this.svarint()
        this.c = this.enumByte(2, 'same expected')
        break
      case OP_WEAKREF:
        this.a = this.svarint()
        this.b = this.svarint()
        this.c = this.uvarint()
        break
      case OP_COLLECT:
        this.a = this.svarint()
        this.b = this.svarint()
        break
      case OP_GC_CONTROL:
        this.a = this.enumByte(4, 'gcControl action')
        break
      case OP_LENGTH_OF:
        this.a = this.svarint()
        this.b = this.uvarint()
        break
      case OP_PIN:
        this.a = this.svarint()
        this.b = this.enumByte(2, 'pin action')
        break
      case OP_DEFINE_GLOBALS:
        this.a = this.uvarint()
        if (this.pos > this.end) this.truncated()
        this.records++
        return code
      case OP_DEFINE_TYPE:
        this.spec = this.typeRecord()
        if (this.pos > this.end) this.truncated()
        this.records++
        return code
      case OP_END:
        return this.footer(start)
      default:
        this.fail(`unknown opcode 0x${code.toString(16).padStart(2, '0')}`, start)
    }
    if (this.pos > this.end) this.truncated()
    this.records++
    this.ops++
    return code
  }

  private typeRecord(): TypeSpec {
    const name = this.string('type name')
    const refs = this.uvarint()
    const ints = this.uvarint()
    const bytes = this.uvarint()
    const variable = this.enumByte(3, 'type record variable')
    const shape = this.enumByte(4, 'type record shape')
    const flagsAt = this.pos
    const finalizer = this.buf[this.pos++]
    const resurrectInto = finalizer & FINALIZER_RESURRECTS ? this.uvarint() : 0
    if (this.pos > this.end) this.truncated()
    return typeSpecFromRecord({ name, refs, ints, bytes, variable, shape, finalizer, resurrectInto }, (why) =>
      this.fail(`type record: ${why}`, flagsAt),
    )
  }

  private footer(start: number): number {
    this.part = 'footer'
    const after = start + 1
    if (this.end - after < FOOTER_BYTES_AFTER_END) this.truncated()
    const low = this.u32At(after)
    const high = this.u32At(after + 4)
    const stored = this.u32At(after + 8)
    if (high > MAX_COUNT_HIGH_WORD)
      this.fail(`op count high word 0x${high.toString(16)} exceeds 21 bits`, after + 4)
    const count = high * 0x100000000 + low
    if (count !== this.records)
      this.fail(`op count mismatch: the footer says ${count} records, the trace has ${this.records}`, after)
    const checksum = fnv1a(this.hash, this.buf, this.hashFrom, after)
    if (checksum !== stored) {
      this.fail(
        `checksum mismatch: the footer says 0x${stored.toString(16).padStart(8, '0')}, the bytes hash to 0x${checksum.toString(16).padStart(8, '0')} (the trace is corrupted)`,
        after + 8,
      )
    }
    for (let i = 0; i < END_MAGIC.length; i++) {
      if (this.buf[after + 12 + i] !== END_MAGIC[i])
        this.fail('bad end magic (expected "PYGCEND\\0")', after + 12 + i)
    }
    this.pos = after + FOOTER_BYTES_AFTER_END
    if (this.pos === this.end && !this.eof) this.refill(1)
    if (this.pos < this.end) {
      throw new TraceFormatError('trailing bytes after the footer', this.base + this.pos, {
        end: this.base + this.end,
      })
    }
    this.done = true
    this.close()
    return OP_END
  }

  close(): void {
    this.source.close?.()
  }
}

/** Opcode names for messages. */
function opcodeName(code: number): string {
  return code === OP_END ? 'END' : (SCHEMA_BY_CODE[code]?.name ?? `0x${code.toString(16)}`)
}
