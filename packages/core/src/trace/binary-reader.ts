/**
 * The binary form's streaming decoder, versions 1 and 2. It holds a window of the record
 * stream (at most two chunks' worth, more only for a string longer than that) and refills it
 * when fewer than MAX_FIXED_RECORD_BYTES remain, so a record without a string decodes with no
 * bounds check per operand: the decoder may read past the data into the window's slack, and
 * one check after the record (`pos > end`) turns that into a truncation error. Every error
 * path checks for that overrun first, so a cut-off trace is always reported as truncated,
 * never as the garbage beyond its end.
 *
 * Version 2: the window only ever holds payload bytes of chunks whose length and CRC-32 have
 * been checked (`readChunk`), so no record of a corrupted chunk is decoded, let alone handed to
 * a manager. A chunk length above 64 KiB is refused before anything is read or allocated for
 * it. Offsets in the window are positions in the record stream; `fileOffset` maps them back to
 * byte offsets in the file for messages.
 *
 * Version 1: the window holds the file's bytes as they are, hashed (FNV-1a 32) as they leave
 * it, and the footer's checksum is checked at the end (after the ops ran: the reason for 2).
 */
import { PygcError, TraceFormatError } from '../errors.js'
import type { TypeSpec } from '../types.js'
import { crc32 } from './crc32.js'
import type { OpCursor } from './cursor.js'
import {
  CHUNK_BYTES,
  CHUNK_HEADER_BYTES,
  COUNT_BYTES_AFTER_END,
  END_MAGIC,
  FINALIZER_ALLOCATES,
  FINALIZER_RESURRECTS,
  FINALIZER_STORES_NEW,
  FNV_OFFSET_BASIS,
  FOOTER_BYTES_AFTER_END,
  FORMAT_VERSION,
  FORMAT_VERSION_1,
  fnv1a,
  HEADER_BYTES,
  HEADER_MAGIC,
  MAX_CHUNK_PAYLOAD,
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
  OP_PIN,
  OP_POP_FRAME,
  OP_PUSH_FRAME,
  OP_READ_INT,
  OP_SAME,
  OP_STORE,
  OP_WEAKREF,
  OP_WRITE_INT,
} from './format.js'
import type { TraceSource } from './io.js'
import { parseTraceJson } from './json-check.js'
import { SCHEMA_BY_CODE } from './op-schema.js'
import { typeSpecFromRecord } from './type-record.js'

/** The most bytes of a type record after its name: eight varints of at most 9 bytes, three u8s. */
const TYPE_RECORD_TAIL_BYTES = 4 * MAX_FIXED_RECORD_BYTES
/** Slack after the data area: a record read past the data lands here, never out of the array. */
const SLACK = 2 * MAX_FIXED_RECORD_BYTES
/** The data area: room for a whole chunk after the unread end of the previous one. */
const WINDOW_BYTES = 2 * MAX_CHUNK_PAYLOAD

const utf8 = new TextDecoder('utf-8', { fatal: true })

export class BinaryTraceCursor implements OpCursor {
  readonly form = 'binary'
  a = 0
  b = 0
  c = 0
  spec: TypeSpec | null = null
  records = 0
  ops = 0
  readonly metadata: Record<string, unknown>
  /** The trace's version, 1 or 2. */
  readonly version: number

  private buf = new Uint8Array(WINDOW_BYTES + SLACK)
  /** Window: buf[pos, end) holds bytes base + pos .. base + end of the record stream. */
  private pos = 0
  private end = 0
  private base = 0
  /** No more stream bytes: the source ended (version 1) or the chunks did (version 2). */
  private eof = false
  private done = false
  /** Where the record being decoded starts in the stream. */
  private recordStart = 0
  /** Where we are, for error messages: 'header', 'record' or 'footer'. */
  private part: 'header' | 'record' | 'footer' = 'header'

  // Version 1 (the stream is the file): buf[hashFrom, pos) is consumed but not yet hashed.
  private hashFrom = 0
  private hash = FNV_OFFSET_BASIS

  // Version 2.
  /** File offset of the next unread byte of the source. */
  private fileAt = HEADER_BYTES
  /** The running CRC-32: the header, then each chunk's length field and payload. */
  private crc = 0
  private chunks = 0
  /** File offset of the end magic, once read; -1 before. */
  private endMagicAt = -1
  /** The chunks in the window, as pairs (stream offset, file offset) of their first payload byte. */
  private readonly spans: number[] = []
  private readonly chunkHeader = new Uint8Array(CHUNK_HEADER_BYTES)

  constructor(private readonly source: TraceSource) {
    try {
      this.version = this.readHeader()
      this.metadata = this.readMetadata()
    } catch (e) {
      this.close()
      throw e
    }
  }

  /** File offset of the record being decoded (the last one returned by next()). */
  get recordOffset(): number {
    return this.part === 'header' ? 0 : this.fileOffset(this.recordStart)
  }

  /** The file offset of stream offset `at` (the same number in version 1). */
  private fileOffset(at: number): number {
    if (this.version === FORMAT_VERSION_1) return at
    const spans = this.spans
    for (let i = spans.length - 2; i >= 0; i -= 2) if (at >= spans[i]) return spans[i + 1] + (at - spans[i])
    return this.fileAt
  }

  // --- window -------------------------------------------------------------------------------

  /** Make at least `need` bytes available from pos (fewer only at the end of the stream). */
  private refill(need: number): void {
    if (this.pos > 0) {
      if (this.version === FORMAT_VERSION_1) this.hash = fnv1a(this.hash, this.buf, this.hashFrom, this.pos)
      this.buf.copyWithin(0, this.pos, this.end)
      this.base += this.pos
      this.end -= this.pos
      this.pos = 0
      this.hashFrom = 0
      this.dropSpansBefore(this.base)
    }
    while (!this.eof && this.end < need) {
      if (this.version === FORMAT_VERSION_1) this.readRaw(need)
      else this.readChunk(need)
    }
  }

  /** Version 1: read the file's next bytes into the window as they are. */
  private readRaw(need: number): void {
    const capacity = this.buf.length - SLACK
    if (this.end === capacity) this.grow(Math.min(2 * capacity, need))
    const ask = Math.min(this.buf.length - SLACK - this.end, CHUNK_BYTES)
    const n = this.readSource(this.buf.subarray(this.end, this.end + ask), this.base + this.end)
    if (n === 0) this.eof = true
    else this.end += n
  }

  /**
   * Version 2: read the next chunk, check its length and CRC-32, and only then add its payload
   * to the window; or read the end magic (and make sure nothing follows it).
   */
  private readChunk(need: number): void {
    const at = this.fileAt
    const header = this.chunkHeader
    const got = this.readFully(header, at)
    if (got === 0) {
      this.eof = true
      return
    }
    if (
      got >= 4 &&
      header[0] === END_MAGIC[0] &&
      header[1] === END_MAGIC[1] &&
      header[2] === END_MAGIC[2] &&
      header[3] === END_MAGIC[3]
    ) {
      this.readEndMagic(at, got)
      return
    }
    const k = this.chunks
    if (got < CHUNK_HEADER_BYTES)
      this.chunkError(
        `truncated trace: the header of chunk ${k} is cut off; the trace ends at byte ${at + got}`,
        at,
      )
    const length = u32(header, 0)
    const stored = u32(header, 4)
    if (length === 0 || length > MAX_CHUNK_PAYLOAD)
      this.chunkError(
        `chunk ${k} claims ${length} payload bytes; a chunk holds 1 to ${MAX_CHUNK_PAYLOAD}`,
        at,
      )
    const capacity = this.buf.length - SLACK
    if (this.end + length > capacity) this.grow(Math.max(this.end + length, Math.min(2 * capacity, need)))
    const payload = this.buf.subarray(this.end, this.end + length)
    const read = this.readFully(payload, at + CHUNK_HEADER_BYTES)
    if (read < length) {
      this.chunkError(
        `truncated trace: chunk ${k} at byte ${at} has ${length} payload bytes, the trace ends at byte ${at + CHUNK_HEADER_BYTES + read}`,
        at,
      )
    }
    const crc = crc32(payload, crc32(header.subarray(0, 4), this.crc))
    if (crc !== stored) {
      this.chunkError(
        `checksum mismatch in chunk ${k} (bytes ${at} to ${at + CHUNK_HEADER_BYTES + length - 1}): it says ${hex32(stored)}, the trace up to its end gives ${hex32(crc)} (the trace is corrupted)`,
        at,
      )
    }
    this.crc = crc
    this.spans.push(this.base + this.end, at + CHUNK_HEADER_BYTES)
    this.end += length
    this.fileAt = at + CHUNK_HEADER_BYTES + length
    this.chunks++
  }

  /** The 8 bytes after the last chunk must be the end magic, and the file must end there. */
  private readEndMagic(at: number, got: number): void {
    for (let i = 0; i < END_MAGIC.length; i++) {
      if (i >= got)
        this.chunkError(`truncated trace: the end magic is cut off; the trace ends at byte ${at + got}`, at)
      if (this.chunkHeader[i] !== END_MAGIC[i])
        this.chunkError('bad end magic (expected "PYGCEND\\0")', at + i)
    }
    if (this.readFully(this.chunkHeader.subarray(0, 1), at + END_MAGIC.length) > 0)
      this.chunkError('trailing bytes after the end magic', at + END_MAGIC.length)
    this.endMagicAt = at
    this.fileAt = at + END_MAGIC.length
    this.eof = true
  }

  /** A malformed chunk or end magic, at file offset `at`. */
  private chunkError(message: string, at: number): never {
    throw new TraceFormatError(message, at, { chunk: this.chunks })
  }

  /** Forget the chunks that lie wholly before stream offset `at` (the last one always stays). */
  private dropSpansBefore(at: number): void {
    const spans = this.spans
    let drop = 0
    while (drop + 2 < spans.length && spans[drop + 2] <= at) drop += 2
    if (drop > 0) spans.splice(0, drop)
  }

  /** Read up to into.length bytes at `position`, going on after short reads; 0 only at the end. */
  private readFully(into: Uint8Array, position: number): number {
    let got = 0
    while (got < into.length) {
      const n = this.readSource(into.subarray(got), position + got)
      if (n === 0) break
      got += n
    }
    return got
  }

  private readSource(into: Uint8Array, position: number): number {
    const n = this.source.read(into, position)
    if (!Number.isInteger(n) || n < 0 || n > into.length) {
      throw new PygcError(
        'INVALID_OPTION',
        `trace source returned ${n} from read() (asked for up to ${into.length} bytes)`,
      )
    }
    return n
  }

  /**
   * A bigger window of `capacity` data bytes (the data kept). Only a string longer than the
   * window gets here: version 1 doubles as data arrives rather than jumping to the string's
   * length, so a corrupted length in a small file costs no big allocation; version 2 grows
   * only to fit a chunk that has been read.
   */
  private grow(capacity: number): void {
    const bigger = new Uint8Array(capacity + SLACK)
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

  /** Where the data ends: the file offset after the last byte read. */
  private dataEnd(): number {
    return this.version === FORMAT_VERSION_1 ? this.base + this.end : this.fileAt
  }

  /** The trace ends inside what is being decoded. */
  private truncated(): never {
    const ends = this.dataEnd()
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
    const at = this.recordStart - this.base
    return at >= 0 ? opcodeName(this.buf[at]) : 'defineType'
  }

  /**
   * A malformed field at buf[at]; `seen` is one past the last byte the decoder looked at. If
   * that is beyond the data the real problem is a truncation.
   */
  private fail(message: string, at: number, seen: number = at + 1): never {
    if (seen > this.end) this.truncated()
    throw new TraceFormatError(
      `${message} (${this.opContext()})`,
      this.fileOffset(this.base + at),
      this.where(),
    )
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

  private string(what: string): string {
    const lengthAt = this.pos
    const length = this.uvarint()
    if (length > MAX_STRING_BYTES)
      this.fail(`${what} length ${length} exceeds the limit of ${MAX_STRING_BYTES} bytes`, lengthAt, this.pos)
    if (this.pos > this.end) this.truncated()
    // Room for the string and for the fields that follow it in a type record (up to eight
    // varints and three bytes with a finalizer that allocates).
    if (this.end - this.pos < length + TYPE_RECORD_TAIL_BYTES && !this.eof)
      this.refill(length + TYPE_RECORD_TAIL_BYTES)
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

  /** The 12 bytes before the record stream: magic, version, flags. Returns the version. */
  private readHeader(): number {
    const header = new Uint8Array(HEADER_BYTES)
    const got = this.readFully(header, 0)
    const cut = (): never => {
      throw new TraceFormatError(`truncated trace: the header is cut off; the trace ends at byte ${got}`, 0, {
        end: got,
      })
    }
    for (let i = 0; i < HEADER_MAGIC.length; i++) {
      if (i >= got) cut()
      if (header[i] !== HEADER_MAGIC[i])
        throw new TraceFormatError('bad magic: not a pygc binary trace (expected "PYGCTRC\\0")', i)
    }
    if (got < 10) cut()
    const version = header[8] | (header[9] << 8)
    if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_1) {
      throw new TraceFormatError(
        `unsupported trace version ${version} (this reader reads versions ${FORMAT_VERSION_1} and ${FORMAT_VERSION})`,
        8,
      )
    }
    if (got < HEADER_BYTES) cut()
    const flags = header[10] | (header[11] << 8)
    if (flags !== 0) throw new TraceFormatError(`unknown header flag bits 0x${flags.toString(16)}`, 10)
    if (version === FORMAT_VERSION_1) {
      // The stream is the file: it goes on at byte 12, and the footer's hash starts here.
      this.base = HEADER_BYTES
      this.hash = fnv1a(FNV_OFFSET_BASIS, header, 0, HEADER_BYTES)
    } else {
      this.crc = crc32(header, 0)
    }
    return version
  }

  /** The metadata string (first in the stream): a JSON object. */
  private readMetadata(): Record<string, unknown> {
    this.refill(MAX_FIXED_RECORD_BYTES)
    // A stream offset: reading a long string moves the window.
    const metadataAt = this.base + this.pos
    const json = this.string('metadata')
    if (this.pos > this.end) this.truncated()
    const bad = (why: string): never => {
      throw new TraceFormatError(`${why} (header)`, this.fileOffset(metadataAt))
    }
    // Any JSON numbers (no integer rule), but bounded nesting and no repeated keys.
    const { value: metadata, problem } = parseTraceJson(json, 0)
    if (problem !== null) bad(`metadata: ${problem}`)
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      bad('metadata must be a JSON object')
    this.part = 'record'
    return metadata as Record<string, unknown>
  }

  // --- records ------------------------------------------------------------------------------

  next(): number {
    if (this.done) return OP_END
    if (this.end - this.pos < MAX_FIXED_RECORD_BYTES && !this.eof) this.refill(MAX_FIXED_RECORD_BYTES)
    const start = this.pos
    this.recordStart = this.base + start
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
    // At the trace's end the window may hold less than a whole record: stop at the cut before
    // reading on (what follows fits in SLACK).
    if (this.pos > this.end) this.truncated()
    const allocates = (finalizer & FINALIZER_ALLOCATES) !== 0
    const allocateType = allocates ? this.uvarint() : 0
    const allocateCount = allocates ? this.uvarint() : 0
    const storesNew = (finalizer & FINALIZER_STORES_NEW) !== 0
    const storeNewType = storesNew ? this.uvarint() : 0
    const storeNewGlobal = storesNew ? this.uvarint() : 0
    if (this.pos > this.end) this.truncated()
    return typeSpecFromRecord(
      {
        name,
        refs,
        ints,
        bytes,
        variable,
        shape,
        finalizer,
        resurrectInto,
        allocateType,
        allocateCount,
        storeNewType,
        storeNewGlobal,
      },
      (why) => this.fail(`type record: ${why}`, flagsAt),
    )
  }

  private footer(start: number): number {
    this.part = 'footer'
    const after = start + 1
    const countBytes = this.version === FORMAT_VERSION_1 ? FOOTER_BYTES_AFTER_END : COUNT_BYTES_AFTER_END
    if (this.end - after < countBytes) this.truncated()
    const low = u32(this.buf, after)
    const high = u32(this.buf, after + 4)
    if (high > MAX_COUNT_HIGH_WORD)
      this.fail(`op count high word 0x${high.toString(16)} exceeds 21 bits`, after + 4)
    const count = high * 0x100000000 + low
    if (count !== this.records)
      this.fail(`op count mismatch: the footer says ${count} records, the trace has ${this.records}`, after)
    if (this.version === FORMAT_VERSION_1) this.checkFnvFooter(after)
    this.pos = after + countBytes
    if (this.pos === this.end && !this.eof) this.refill(1)
    if (this.pos < this.end) {
      throw new TraceFormatError('trailing bytes after the footer', this.fileOffset(this.base + this.pos), {
        end: this.dataEnd(),
      })
    }
    if (this.version !== FORMAT_VERSION_1 && this.endMagicAt < 0) {
      throw new TraceFormatError(
        `truncated trace: the end magic is missing after the last chunk; the trace ends at byte ${this.fileAt}`,
        this.fileAt,
        { end: this.fileAt },
      )
    }
    this.done = true
    this.close()
    return OP_END
  }

  /** Version 1: the FNV-1a 32 checksum and the end magic after the counts at `after`. */
  private checkFnvFooter(after: number): void {
    const stored = u32(this.buf, after + 8)
    const checksum = fnv1a(this.hash, this.buf, this.hashFrom, after)
    if (checksum !== stored) {
      this.fail(
        `checksum mismatch: the footer says ${hex32(stored)}, the bytes hash to ${hex32(checksum)} (the trace is corrupted)`,
        after + 8,
      )
    }
    for (let i = 0; i < END_MAGIC.length; i++) {
      if (this.buf[after + 12 + i] !== END_MAGIC[i])
        this.fail('bad end magic (expected "PYGCEND\\0")', after + 12 + i)
    }
  }

  close(): void {
    this.source.close?.()
  }
}

function u32(buf: Uint8Array, at: number): number {
  return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
}

function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`
}

/** Opcode names for messages. */
function opcodeName(code: number): string {
  return code === OP_END ? 'END' : (SCHEMA_BY_CODE[code]?.name ?? `0x${code.toString(16)}`)
}
