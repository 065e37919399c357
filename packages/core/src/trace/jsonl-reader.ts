/**
 * The JSON-lines form's streaming decoder: a window of bytes like the binary one, cut at
 * newlines; each line is decoded as strict UTF-8, checked (json-check.ts: nesting depth,
 * duplicate keys, canonical integers), parsed, and validated through the op table
 * (op-schema.ts) with exact member sets at every level. Every line must end with "\n", so
 * cutting a trace anywhere, even its last newline, is a format error.
 */
import { PygcError, TraceFormatError } from '../errors.js'
import type { TypeSpec } from '../types.js'
import type { OpCursor } from './cursor.js'
import { echo } from './echo.js'
import {
  CHUNK_BYTES,
  JSONL_FORMAT_NAME,
  JSONL_FORMAT_VERSION,
  MAX_STRING_BYTES,
  OP_DEFINE_GLOBALS,
  OP_DEFINE_TYPE,
  OP_END,
} from './format.js'
import type { TraceSource } from './io.js'
import { parseTraceJson } from './json-check.js'
import { opToRegisters } from './op-schema.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })
const NEWLINE = 0x0a

export class JsonLinesTraceCursor implements OpCursor {
  readonly form = 'jsonl'
  a = 0
  b = 0
  c = 0
  spec: TypeSpec | null = null
  records = 0
  ops = 0
  recordOffset = 0
  readonly metadata: Record<string, unknown>

  private buf = new Uint8Array(CHUNK_BYTES)
  private pos = 0
  private end = 0
  private base = 0
  private eof = false
  private done = false
  /** 1-based number of the last line read. */
  private lineNumber = 0
  /** The last line's first integer not in canonical form (json-check.ts), or null. */
  private looseInteger: string | null = null

  constructor(private readonly source: TraceSource) {
    try {
      this.metadata = this.readHeader()
    } catch (e) {
      this.close()
      throw e
    }
  }

  private fail(message: string, inRecord = true): never {
    const where: Record<string, unknown> = { line: this.lineNumber }
    if (inRecord) Object.assign(where, { record: this.records, op: this.ops })
    throw new TraceFormatError(`${message} (line ${this.lineNumber})`, this.recordOffset, where)
  }

  /** The next line without its newline, or null at the end of the trace. */
  private nextLine(): string | null {
    // Bytes from pos known to hold no newline: a long line arriving in many short reads is
    // scanned once, not once per read.
    let scanned = 0
    for (;;) {
      const from = this.pos + scanned
      const found = this.buf.subarray(from, this.end).indexOf(NEWLINE)
      if (found >= 0) {
        const newline = from + found
        this.recordOffset = this.base + this.pos
        this.lineNumber++
        const start = this.pos
        this.pos = newline + 1
        const stop = newline > start && this.buf[newline - 1] === 0x0d ? newline - 1 : newline
        try {
          return utf8.decode(this.buf.subarray(start, stop))
        } catch {
          return this.fail('the line is not valid UTF-8')
        }
      }
      scanned = this.end - this.pos
      if (this.eof) {
        if (this.pos === this.end) return null
        this.recordOffset = this.base + this.pos
        this.lineNumber++
        this.fail(
          `truncated trace: the last line has no newline; the trace ends at byte ${this.base + this.end}`,
        )
      }
      this.refill()
    }
  }

  /** Drop consumed bytes and read more, growing the window for a line longer than it. */
  private refill(): void {
    if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end)
      this.base += this.pos
      this.end -= this.pos
      this.pos = 0
    } else if (this.end === this.buf.length) {
      if (this.buf.length >= MAX_STRING_BYTES) {
        this.recordOffset = this.base
        this.fail(`a line longer than ${MAX_STRING_BYTES} bytes`)
      }
      const bigger = new Uint8Array(this.buf.length * 2)
      bigger.set(this.buf)
      this.buf = bigger
    }
    const n = this.source.read(this.buf.subarray(this.end), this.base + this.end)
    if (!Number.isInteger(n) || n < 0 || n > this.buf.length - this.end) {
      throw new PygcError(
        'INVALID_OPTION',
        `trace source returned ${n} from read() (asked for up to ${this.buf.length - this.end} bytes)`,
      )
    }
    if (n === 0) this.eof = true
    else this.end += n
  }

  /**
   * One line as a JSON object. Numbers nested at most `integerDepth` levels deep must be
   * canonical integers (the header: its own members, not the metadata's; a record: all):
   * `looseInteger` keeps the first that is not, for the caller to report once the line's
   * values have been validated.
   */
  private parse(line: string, inRecord: boolean, integerDepth: number): Record<string, unknown> {
    const { value, problem, looseInteger } = parseTraceJson(line, integerDepth)
    if (problem !== null) this.fail(problem, inRecord)
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      this.fail('a line must hold a JSON object', inRecord)
    this.looseInteger = looseInteger
    return value as Record<string, unknown>
  }

  private readHeader(): Record<string, unknown> {
    const line = this.nextLine()
    if (line === null) this.fail('empty trace', false)
    const header = this.parse(line, false, 1)
    if (header.format !== JSONL_FORMAT_NAME)
      this.fail(
        `not a pygc JSON-lines trace: the header's format is ${echo(header.format)}, expected "${JSONL_FORMAT_NAME}"`,
        false,
      )
    if (header.version !== JSONL_FORMAT_VERSION)
      this.fail(
        `unsupported trace version ${echo(header.version)} (this reader reads JSON-lines version ${JSONL_FORMAT_VERSION})`,
        false,
      )
    const metadata = header.metadata
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      this.fail("the header's metadata must be a JSON object", false)
    const extra = Object.keys(header).filter((k) => k !== 'format' && k !== 'version' && k !== 'metadata')
    if (extra.length > 0) this.fail(`unknown header field ${echo(extra[0])}`, false)
    if (this.looseInteger !== null) this.fail(`header: ${this.looseInteger}`, false)
    return metadata as Record<string, unknown>
  }

  next(): number {
    if (this.done) return OP_END
    const line = this.nextLine()
    if (line === null) {
      this.recordOffset = this.base + this.pos
      this.fail(
        `missing footer: the trace ends after ${this.records} records without an {"end":true,...} line`,
      )
    }
    const record = this.parse(line, true, Number.POSITIVE_INFINITY)
    if (record.end !== undefined) return this.footer(record)
    const schema = opToRegisters(record, this, (why) => this.fail(why), true)
    if (this.looseInteger !== null) this.fail(`${schema.name}: ${this.looseInteger}`)
    this.records++
    if (schema.code !== OP_DEFINE_TYPE && schema.code !== OP_DEFINE_GLOBALS) this.ops++
    return schema.code
  }

  private footer(record: Record<string, unknown>): number {
    if (record.end !== true || Object.keys(record).length !== 2 || !Number.isSafeInteger(record.ops)) {
      this.fail('malformed footer: expected {"end":true,"ops":<record count>}')
    }
    if (this.looseInteger !== null) this.fail(`footer: ${this.looseInteger}`)
    if (record.ops !== this.records)
      this.fail(`op count mismatch: the footer says ${record.ops} records, the trace has ${this.records}`)
    if (this.nextLine() !== null) this.fail('trailing lines after the footer')
    this.done = true
    this.close()
    return OP_END
  }

  close(): void {
    this.source.close?.()
  }
}
