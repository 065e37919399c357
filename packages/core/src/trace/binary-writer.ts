/**
 * The binary form's encoder (TRACE_FORMAT.md). Each record is encoded straight into the
 * output buffer: unsigned 32-bit values take a shift loop, larger ones (up to 2^53) a division
 * loop off the hot path. A value the format cannot hold rolls the record back and raises
 * VALUE_OUT_OF_RANGE naming the op and operand.
 *
 * Version 2 (the default) frames the record stream into chunks of `chunkBytes` payload bytes
 * (the last one shorter), each with its length and the running CRC-32; version 1 writes the
 * stream as it is and ends it with an FNV-1a 32 footer.
 */
import { PygcError } from '../errors.js'
import type { CallbackSpec, GcControl, Slot, TypeId, TypeSpec } from '../types.js'
import { ChunkedOutput } from './chunked-output.js'
import { crc32 } from './crc32.js'
import { echo } from './echo.js'
import {
  CHUNK_HEADER_BYTES,
  END_MAGIC,
  FINALIZER_ALLOCATES,
  FINALIZER_RESURRECTS,
  FINALIZER_STORES_NEW,
  FNV_OFFSET_BASIS,
  FORMAT_VERSION,
  FORMAT_VERSION_1,
  fnv1a,
  GC_CONTROL_CODES,
  HEADER_MAGIC,
  MAX_CHUNK_PAYLOAD,
  MAX_FIXED_RECORD_BYTES,
  MAX_STRING_BYTES,
  MAX_SVARINT,
  MIN_SVARINT,
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
import type { TraceSink } from './io.js'
import { type OpRegisters, opToRegisters } from './op-schema.js'
import type { TraceOp } from './trace-op.js'
import type { TraceSummary, TraceWriter } from './trace-writer.js'
import { typeRecordFromSpec } from './type-record.js'

const utf8 = new TextEncoder()

export interface BinaryWriterOptions {
  /** 2 (default) or 1 (for tools and tests that need the old form). */
  version?: number
  /** Version 2 payload bytes per chunk, 1 .. 65536 (default 65536; smaller only for tests). */
  chunkBytes?: number
}

export class BinaryTraceWriter extends ChunkedOutput implements TraceWriter {
  readonly format = 'binary'
  readonly version: number
  records = 0
  ops = 0
  private readonly regs: OpRegisters = { a: 0, b: 0, c: 0, spec: null }
  private readonly chunkBytes: number
  /** Version 1: FNV-1a 32 of the bytes handed to the sink. Version 2: the running CRC-32. */
  private checksum: number
  private readonly chunkHeader = new Uint8Array(CHUNK_HEADER_BYTES)

  constructor(sink: TraceSink, metadata: Record<string, unknown> = {}, options: BinaryWriterOptions = {}) {
    super(sink)
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new PygcError('INVALID_OPTION', 'trace metadata must be a JSON object')
    }
    const version = options.version ?? FORMAT_VERSION
    if (version !== FORMAT_VERSION && version !== FORMAT_VERSION_1)
      throw new PygcError('INVALID_OPTION', `binary trace version must be 1 or 2, got ${String(version)}`)
    const chunkBytes = options.chunkBytes ?? MAX_CHUNK_PAYLOAD
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1 || chunkBytes > MAX_CHUNK_PAYLOAD)
      throw new PygcError(
        'INVALID_OPTION',
        `chunkBytes must be 1 .. ${MAX_CHUNK_PAYLOAD}, got ${String(chunkBytes)}`,
      )
    this.version = version
    this.chunkBytes = chunkBytes
    const json = JSON.stringify(metadata)
    this.startRecord(16 + json.length * 3)
    this.bytes(HEADER_MAGIC)
    this.u16(version)
    this.u16(0) // flags: none defined
    if (version === FORMAT_VERSION_1) this.checksum = FNV_OFFSET_BASIS
    else {
      // The header goes out as it is, ahead of the chunks, and starts the running CRC.
      const header = this.buf.slice(0, this.pos)
      this.pos = 0
      this.toSink(header)
      this.checksum = crc32(header, 0)
    }
    this.string(json, 'metadata')
  }

  protected emit(pending: Uint8Array, final: boolean): number {
    if (this.version === FORMAT_VERSION_1) {
      this.checksum = fnv1a(this.checksum, pending, 0, pending.length)
      this.toSink(pending)
      return pending.length
    }
    // Whole chunks only, until the last flush.
    const size = this.chunkBytes
    const taken = final ? pending.length : pending.length - (pending.length % size)
    const header = this.chunkHeader
    for (let at = 0; at < taken; at += size) {
      const payload = pending.subarray(at, Math.min(at + size, taken))
      const n = payload.length
      header[0] = n & 0xff
      header[1] = (n >>> 8) & 0xff
      header[2] = (n >>> 16) & 0xff
      header[3] = n >>> 24
      // The CRC runs on: the header, then each chunk's length field and payload.
      let crc = crc32(header.subarray(0, 4), this.checksum)
      crc = crc32(payload, crc)
      header[4] = crc & 0xff
      header[5] = (crc >>> 8) & 0xff
      header[6] = (crc >>> 16) & 0xff
      header[7] = crc >>> 24
      this.checksum = crc
      this.toSink(header)
      this.toSink(payload)
    }
    return taken
  }

  // --- primitives -------------------------------------------------------------------------

  private reject(what: string, value: unknown): never {
    this.pos = this.recordStart
    throw new PygcError(
      'VALUE_OUT_OF_RANGE',
      `cannot record ${what}: ${String(value)} is not representable in a trace`,
      { what, value },
    )
  }

  private u8(v: number): void {
    this.buf[this.pos++] = v
  }

  private u16(v: number): void {
    this.buf[this.pos++] = v & 0xff
    this.buf[this.pos++] = v >>> 8
  }

  private u32(v: number): void {
    const buf = this.buf
    let p = this.pos
    buf[p++] = v & 0xff
    buf[p++] = (v >>> 8) & 0xff
    buf[p++] = (v >>> 16) & 0xff
    buf[p++] = v >>> 24
    this.pos = p
  }

  private bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos)
    this.pos += b.length
  }

  private uvarint(v: number, what: string): void {
    if (v >>> 0 !== v) {
      this.wideUvarint(v, what)
      return
    }
    const buf = this.buf
    let p = this.pos
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    buf[p++] = v
    this.pos = p
  }

  /** Values of 2^32 and above (and anything invalid): arithmetic, since bit ops stop at 32 bits. */
  private wideUvarint(v: number, what: string): void {
    if (!Number.isSafeInteger(v) || v < 0) this.reject(what, v)
    const buf = this.buf
    let p = this.pos
    while (v > 0x7f) {
      buf[p++] = (v % 0x80) | 0x80
      v = Math.floor(v / 0x80)
    }
    buf[p++] = v
    this.pos = p
  }

  /** Zigzag, defined arithmetically (n >= 0 -> 2n, n < 0 -> -2n - 1) so it works past 32 bits. */
  private svarint(v: number, what: string): void {
    if ((v | 0) === v) {
      this.uvarint(v >= 0 ? v * 2 : -2 * v - 1, what)
      return
    }
    if (!Number.isSafeInteger(v) || v < MIN_SVARINT || v > MAX_SVARINT) this.reject(what, v)
    this.wideUvarint(v >= 0 ? v * 2 : -2 * v - 1, what)
  }

  private string(s: string, what: string): void {
    if (typeof s !== 'string') this.reject(what, s)
    // Length prefix first: encode after a worst-case gap of 4 bytes (MAX_STRING_BYTES < 2^28),
    // then close the gap if the length needed fewer.
    const lengthAt = this.pos
    const { written } = utf8.encodeInto(s, this.buf.subarray(lengthAt + 4))
    if (written > MAX_STRING_BYTES) this.reject(`${what} (longer than ${MAX_STRING_BYTES} bytes)`, written)
    this.uvarint(written, what)
    this.buf.copyWithin(this.pos, lengthAt + 4, lengthAt + 4 + written)
    this.pos += written
  }

  // --- records ----------------------------------------------------------------------------

  defineType(spec: TypeSpec): void {
    const rec = typeRecordFromSpec(spec, (why) => this.reject(`defineType (${why})`, echo(spec)))
    this.startRecord(MAX_FIXED_RECORD_BYTES * 3 + 4 + rec.name.length * 3)
    this.u8(OP_DEFINE_TYPE)
    this.string(rec.name, 'defineType name')
    this.uvarint(rec.refs, 'defineType refs')
    this.uvarint(rec.ints, 'defineType ints')
    this.uvarint(rec.bytes, 'defineType bytes')
    this.u8(rec.variable)
    this.u8(rec.shape)
    this.u8(rec.finalizer)
    if (rec.finalizer & FINALIZER_RESURRECTS)
      this.uvarint(rec.resurrectInto, 'defineType finalizer.resurrectInto')
    if (rec.finalizer & FINALIZER_ALLOCATES) {
      this.uvarint(rec.allocateType, 'defineType finalizer.allocate.type')
      this.uvarint(rec.allocateCount, 'defineType finalizer.allocate.count')
    }
    if (rec.finalizer & FINALIZER_STORES_NEW) {
      this.uvarint(rec.storeNewType, 'defineType finalizer.storeNew.type')
      this.uvarint(rec.storeNewGlobal, 'defineType finalizer.storeNew.global')
    }
    this.records++
  }

  defineGlobals(count: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_DEFINE_GLOBALS)
    this.uvarint(count, 'defineGlobals count')
    this.records++
  }

  pushFrame(locals: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_PUSH_FRAME)
    this.uvarint(locals, 'pushFrame locals')
    this.records++
    this.ops++
  }

  popFrame(): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_POP_FRAME)
    this.records++
    this.ops++
  }

  alloc(dst: Slot, type: TypeId, length: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_ALLOC)
    this.svarint(dst, 'alloc dst')
    this.uvarint(type, 'alloc type')
    this.uvarint(length, 'alloc length')
    this.records++
    this.ops++
  }

  load(dst: Slot, obj: Slot, field: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_LOAD)
    this.svarint(dst, 'load dst')
    this.svarint(obj, 'load obj')
    this.uvarint(field, 'load field')
    this.records++
    this.ops++
  }

  store(obj: Slot, field: number, src: Slot): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_STORE)
    this.svarint(obj, 'store obj')
    this.uvarint(field, 'store field')
    this.svarint(src, 'store src')
    this.records++
    this.ops++
  }

  move(dst: Slot, src: Slot): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_MOVE)
    this.svarint(dst, 'move dst')
    this.svarint(src, 'move src')
    this.records++
    this.ops++
  }

  clear(dst: Slot): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_CLEAR)
    this.svarint(dst, 'clear dst')
    this.records++
    this.ops++
  }

  readInt(obj: Slot, index: number, expected: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_READ_INT)
    this.svarint(obj, 'readInt obj')
    this.uvarint(index, 'readInt index')
    this.svarint(expected, 'readInt result')
    this.records++
    this.ops++
  }

  writeInt(obj: Slot, index: number, value: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_WRITE_INT)
    this.svarint(obj, 'writeInt obj')
    this.uvarint(index, 'writeInt index')
    this.svarint(value, 'writeInt value')
    this.records++
    this.ops++
  }

  isNull(s: Slot, expected: boolean): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_IS_NULL)
    this.svarint(s, 'isNull s')
    this.u8(expected ? 1 : 0)
    this.records++
    this.ops++
  }

  same(a: Slot, b: Slot, expected: boolean): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_SAME)
    this.svarint(a, 'same a')
    this.svarint(b, 'same b')
    this.u8(expected ? 1 : 0)
    this.records++
    this.ops++
  }

  weakref(dst: Slot, target: Slot, callback: CallbackSpec | undefined): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_WEAKREF)
    this.svarint(dst, 'weakref dst')
    this.svarint(target, 'weakref target')
    if (callback === undefined || callback === null) this.u8(0)
    else {
      const tag = callback.tag
      if (!Number.isSafeInteger(tag) || tag < 0 || tag >= Number.MAX_SAFE_INTEGER)
        this.reject('weakref callback tag', tag)
      this.uvarint(tag + 1, 'weakref callback tag')
    }
    this.records++
    this.ops++
  }

  deref(dst: Slot, weak: Slot): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_DEREF)
    this.svarint(dst, 'deref dst')
    this.svarint(weak, 'deref weak')
    this.records++
    this.ops++
  }

  collect(generation: number, result: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_COLLECT)
    this.svarint(generation, 'collect generation')
    this.svarint(result, 'collect result')
    this.records++
    this.ops++
  }

  gcControl(action: GcControl): void {
    const code = GC_CONTROL_CODES.indexOf(action)
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    if (code < 0) this.reject('gcControl action', echo(action))
    this.u8(OP_GC_CONTROL)
    this.u8(code)
    this.records++
    this.ops++
  }

  idOf(s: Slot): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_ID_OF)
    this.svarint(s, 'idOf s')
    this.records++
    this.ops++
  }

  lengthOf(s: Slot, expected: number): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_LENGTH_OF)
    this.svarint(s, 'lengthOf s')
    this.uvarint(expected, 'lengthOf result')
    this.records++
    this.ops++
  }

  pin(obj: Slot, pinned: boolean): void {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_PIN)
    this.svarint(obj, pinned ? 'pin obj' : 'unpin obj')
    this.u8(pinned ? 1 : 0)
    this.records++
    this.ops++
  }

  write(op: TraceOp): void {
    const r = this.regs
    opToRegisters(op, r, (why) => {
      throw new PygcError('VALUE_OUT_OF_RANGE', `cannot record ${echo(op)}: ${why}`)
    })
    switch (op.op) {
      case 'defineType':
        this.defineType(op.spec)
        break
      case 'defineGlobals':
        this.defineGlobals(r.a)
        break
      case 'pushFrame':
        this.pushFrame(r.a)
        break
      case 'popFrame':
        this.popFrame()
        break
      case 'alloc':
        this.alloc(r.a, r.b, r.c)
        break
      case 'load':
        this.load(r.a, r.b, r.c)
        break
      case 'store':
        this.store(r.a, r.b, r.c)
        break
      case 'move':
        this.move(r.a, r.b)
        break
      case 'clear':
        this.clear(r.a)
        break
      case 'readInt':
        this.readInt(r.a, r.b, r.c)
        break
      case 'writeInt':
        this.writeInt(r.a, r.b, r.c)
        break
      case 'isNull':
        this.isNull(r.a, r.b === 1)
        break
      case 'same':
        this.same(r.a, r.b, r.c === 1)
        break
      case 'weakref':
        this.weakref(r.a, r.b, r.c === 0 ? undefined : { tag: r.c - 1 })
        break
      case 'deref':
        this.deref(r.a, r.b)
        break
      case 'collect':
        this.collect(r.a, r.b)
        break
      case 'gcControl':
        this.gcControl(op.action)
        break
      case 'idOf':
        this.idOf(r.a)
        break
      case 'lengthOf':
        this.lengthOf(r.a, r.b)
        break
      case 'pin':
      case 'unpin':
        this.pin(r.a, r.b === 1)
        break
    }
  }

  finish(): TraceSummary {
    this.startRecord(MAX_FIXED_RECORD_BYTES)
    this.u8(OP_END)
    const records = this.records
    this.u32(records >>> 0)
    this.u32(Math.floor(records / 0x100000000))
    if (this.version === FORMAT_VERSION_1) {
      // The checksum covers everything up to and including END, not the counts after it.
      const checksum = fnv1a(this.checksum, this.buf, 0, this.pos - 8)
      this.u32(checksum)
      this.bytes(END_MAGIC)
      this.closeOutput()
      return { records, ops: this.ops, checksum, bytes: this.byteLength }
    }
    // Version 2: END and the counts close the last chunk; the end magic follows the chunks.
    this.closeOutput(END_MAGIC)
    return { records, ops: this.ops, checksum: this.checksum, bytes: this.byteLength }
  }
}
