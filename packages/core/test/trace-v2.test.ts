/**
 * Binary trace version 2 (TRACE_FORMAT.md, "Chunks"): the exact layout, the CRC-32 chain, every
 * chunk-level malformation named at its offset, hostile chunk lengths refused before anything
 * is read for them, records of a corrupted chunk never decoded, and version 1 still read.
 */
import { describe, expect, it } from 'vitest'
import { TraceFormatError } from '../src/errors.js'
import { crc32, crc32ByTable } from '../src/trace/crc32.js'
import {
  bufferSource,
  createTraceWriter,
  MemorySink,
  replayTrace,
  type TraceSource,
} from '../src/trace/index.js'
import { everyOpProgram, LoggingMutator } from './trace-fakes.js'
import { expectFormatError, patched, readAll, record } from './trace-helpers.js'

/** CRC-32 bit by bit, straight from the definition (independent of the implementation under test). */
function referenceCrc(bytes: Iterable<number>, crc = 0): number {
  let c = ~crc >>> 0
  for (const b of bytes) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

const MAGIC = [0x50, 0x59, 0x47, 0x43, 0x54, 0x52, 0x43, 0x00]
const END = [0x50, 0x59, 0x47, 0x43, 0x45, 0x4e, 0x44, 0x00]
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24]

/**
 * A version 2 file around a record stream (metadata string, records, END, counts), cut into
 * chunks of `chunkBytes`, with a correct CRC chain: for crafting traces whose chunks are
 * intact and whose records are not.
 */
function frame(stream: number[], chunkBytes = 1 << 16): Uint8Array {
  const header = [...MAGIC, 2, 0, 0, 0]
  const out = [...header]
  let crc = referenceCrc(header)
  for (let at = 0; at < stream.length; at += chunkBytes) {
    const payload = stream.slice(at, at + chunkBytes)
    const length = u32(payload.length)
    crc = referenceCrc([...length, ...payload], crc)
    out.push(...length, ...u32(crc), ...payload)
  }
  return Uint8Array.from([...out, ...END])
}

/** The record stream of a trace: metadata "{}", then `records`, END and the record count. */
const stream = (records: number[], count: number) => [
  2,
  0x7b,
  0x7d,
  ...records,
  0xff,
  ...u32(count),
  0,
  0,
  0,
  0,
]

/** A source that notes the largest read it is asked for. */
function counting(bytes: Uint8Array): TraceSource & { maxAsked: number } {
  const source = {
    maxAsked: 0,
    read(into: Uint8Array, position: number) {
      source.maxAsked = Math.max(source.maxAsked, into.length)
      return bufferSource(bytes).read(into, position)
    },
  }
  return source
}

describe('trace format version 2', () => {
  it('computes CRC-32 as zlib does, natively and by table', () => {
    const check = new TextEncoder().encode('123456789')
    expect(crc32(check, 0)).toBe(0xcbf43926)
    expect(crc32ByTable(check, 0)).toBe(0xcbf43926)
    const bytes = Uint8Array.from({ length: 4099 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff)
    expect(crc32ByTable(bytes, 0)).toBe(referenceCrc(bytes))
    // Continuing over a split gives the CRC of the whole.
    expect(crc32(bytes.subarray(1000), crc32(bytes.subarray(0, 1000), 0))).toBe(crc32(bytes, 0))
    expect(crc32ByTable(bytes.subarray(7), crc32ByTable(bytes.subarray(0, 7), 0))).toBe(referenceCrc(bytes))
  })

  it('writes the binary layout of the spec', () => {
    const { bytes, summary } = record(
      (m) => {
        m.pushFrame(1)
        m.alloc(-1, 2, 0)
      },
      'binary',
      {},
    )
    const records = [0x01, 1, 0x03, 1, 2, 0]
    expect(bytes).toEqual(frame(stream(records, 2)))
    // Spelled out: header, one chunk of 18 payload bytes, end magic.
    const header = [...MAGIC, 2, 0, 0, 0]
    const payload = [2, 0x7b, 0x7d, ...records, 0xff, 2, 0, 0, 0, 0, 0, 0, 0]
    expect(payload.length).toBe(18)
    const crc = referenceCrc([...header, 18, 0, 0, 0, ...payload])
    expect([...bytes]).toEqual([...header, 18, 0, 0, 0, ...u32(crc), ...payload, ...END])
    expect(summary).toMatchObject({ checksum: crc, bytes: bytes.length, records: 2, ops: 2 })
  })

  it('cuts the stream into chunks of the asked size, the CRC running across them', () => {
    const { bytes } = record(everyOpProgram, 'binary', undefined, { chunkBytes: 7 })
    const { bytes: whole } = record(everyOpProgram)
    expect(readAll(bytes)).toEqual(readAll(whole))
    // Same stream: take the payloads back out of both and compare.
    const payloads = (b: Uint8Array, most: number) => {
      const out: number[] = []
      const view = new DataView(b.buffer, b.byteOffset, b.length)
      let at = 12
      while (b[at] !== 0x50) {
        const n = view.getUint32(at, true)
        expect(n).toBeLessThanOrEqual(most)
        out.push(...b.subarray(at + 8, at + 8 + n))
        at += 8 + n
      }
      return out
    }
    expect(payloads(bytes, 7)).toEqual(payloads(whole, 65536))
    expect(bytes).toEqual(frame(payloads(whole, 65536), 7))
  })

  it('writes full 64 KiB chunks for a long trace, and reads them back', () => {
    const sink = new MemorySink()
    const w = createTraceWriter(sink, {})
    w.pushFrame(4)
    for (let i = 0; i < 50_000; i++) w.alloc(i % 4, 0, i)
    w.popFrame()
    w.finish()
    const b = sink.bytes()
    const view = new DataView(b.buffer, b.byteOffset, b.length)
    expect(view.getUint32(12, true)).toBe(65536)
    expect(view.getUint32(12 + 8 + 65536, true)).toBe(65536)
    const replayed = new LoggingMutator()
    expect(replayTrace(bufferSource(b), replayed).ops).toBe(50_002)
  })

  it('still reads version 1, and both versions of a program give the same ops', () => {
    const v1 = record(everyOpProgram, 'binary', undefined, { version: 1 })
    const v2 = record(everyOpProgram)
    expect(v1.bytes[8]).toBe(1)
    expect(v2.bytes[8]).toBe(2)
    expect(readAll(v1.bytes)).toEqual(readAll(v2.bytes))
    const a = new LoggingMutator()
    const b = new LoggingMutator()
    replayTrace(bufferSource(v1.bytes), a)
    replayTrace(bufferSource(v2.bytes), b)
    expect(b.log).toEqual(a.log)
    expect(() => createTraceWriter(new MemorySink(), { version: 3 })).toThrow(/version must be 1 or 2/)
    expect(() => createTraceWriter(new MemorySink(), { chunkBytes: 65537 })).toThrow(/chunkBytes/)
  })

  it('names each chunk-level malformation at its offset', () => {
    const good = frame(stream([0x01, 1, 0x02], 2), 4)
    expect(readAll(good)).toEqual([{ op: 'pushFrame', locals: 1 }, { op: 'popFrame' }])
    const n = good.length
    const chunk1 = 12 + 8 + 4
    expect(expectFormatError(patched(good, 8, 3), /unsupported trace version 3/).offset).toBe(8)
    expect(expectFormatError(patched(good, 10, 1), /flag bits 0x1/).offset).toBe(10)
    expect(expectFormatError(patched(good, 12, 0, 0, 0, 0), /chunk 0 claims 0 payload bytes/).offset).toBe(12)
    expect(expectFormatError(patched(good, chunk1, 1, 0, 1, 0), /chunk 1 claims 65537/).offset).toBe(chunk1)
    // A flipped bit anywhere in a chunk (length, CRC or payload) is that chunk's checksum mismatch.
    for (const at of [chunk1 + 1, chunk1 + 4, chunk1 + 8, chunk1 + 11]) {
      const e = expectFormatError(patched(good, at, good[at] ^ 0x10))
      expect(e.offset).toBe(chunk1)
      if (at !== chunk1 + 1) expect(e.message).toMatch(/checksum mismatch in chunk 1 \(bytes 24 to 35\)/)
    }
    // The header is in the first chunk's CRC.
    expectFormatError(patched(good, 3, 0x44), /bad magic/)
    expect(expectFormatError(patched(good, n - 2, 0x21), /bad end magic/).offset).toBe(n - 2)
    expect(expectFormatError(Uint8Array.of(...good, 0), /trailing bytes after the end magic/).offset).toBe(n)
    expect(expectFormatError(good.subarray(0, n - 8), /end magic is missing/).offset).toBe(n - 8)
    expect(expectFormatError(good.subarray(0, n - 3), /end magic is cut off/).offset).toBe(n - 8)
    expect(expectFormatError(good.subarray(0, chunk1 + 5), /header of chunk 1 is cut off/).offset).toBe(
      chunk1,
    )
    expect(
      expectFormatError(good.subarray(0, chunk1 + 10), /chunk 1 at byte 24 has 4 payload bytes/).offset,
    ).toBe(chunk1)
    // A chunk dropped, repeated or moved breaks the chain at the first chunk out of place.
    const chunk2 = chunk1 + 12
    const drop = Uint8Array.of(...good.subarray(0, chunk1), ...good.subarray(chunk2))
    expect(expectFormatError(drop, /checksum mismatch in chunk 1/).offset).toBe(chunk1)
    const repeat = Uint8Array.of(...good.subarray(0, chunk2), ...good.subarray(chunk1))
    expect(expectFormatError(repeat, /checksum mismatch in chunk 2/).offset).toBe(chunk2)
    const swap = Uint8Array.of(
      ...good.subarray(0, chunk1),
      ...good.subarray(chunk2, chunk2 + 12),
      ...good.subarray(chunk1, chunk2),
      ...good.subarray(chunk2 + 12),
    )
    expect(expectFormatError(swap, /checksum mismatch in chunk 1/).offset).toBe(chunk1)
  })

  it('names malformed records inside intact chunks with their file offset', () => {
    // Chunks of 4: the stream byte s is at file offset 12 + 8 * (floor(s / 4) + 1) + s.
    const at = (s: number) => 12 + 8 * (Math.floor(s / 4) + 1) + s
    // pushFrame(1), isNull(0, expected 2): the bad u8 is stream byte 7.
    const e = expectFormatError(frame(stream([0x01, 1, 0x0a, 0, 2], 2), 4), /isNull expected must be below 2/)
    expect(e.offset).toBe(at(7))
    expect(e.where).toMatchObject({ record: 1, op: 1 })
    expect(expectFormatError(frame(stream([0x01, 1, 0x42], 2), 4), /unknown opcode 0x42/).offset).toBe(at(5))
    expect(expectFormatError(frame(stream([0x01, 1], 5), 4), /op count mismatch/).offset).toBe(at(6))
    expectFormatError(frame([...stream([0x01, 1], 1), 0], 4), /trailing bytes after the footer/)
    expectFormatError(frame([2, 0x7b, 0x7d, 0x01, 1], 4), /truncated trace|missing footer/)
    // One chunk: stream byte 3 is at 12 + 8 + 3.
    expect(expectFormatError(frame([2, 0x7b, 0x7d, 0x01]), /pushFrame.*cut off/).offset).toBe(23)
    expectFormatError(frame([1, 0x7b]), /metadata: invalid JSON/)
  })

  it('refuses a hostile chunk length without reading or allocating what it claims', () => {
    const good = frame(stream([0x01, 1, 0x02], 2))
    for (const lie of [0xffffffff, 0x7fffffff, 65537]) {
      const source = counting(patched(good, 12, ...u32(lie)))
      let error: unknown = null
      try {
        replayTrace(source, new LoggingMutator())
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(TraceFormatError)
      expect((error as TraceFormatError).offset).toBe(12)
      expect(source.maxAsked).toBeLessThanOrEqual(65536)
    }
  })

  it('hands no op of a corrupted chunk to the target', () => {
    // Chunks of 8 bytes; corrupt the last one: the ops before it run, none of its own.
    const { bytes, inner } = record(
      (m) => {
        m.pushFrame(4)
        for (let i = 0; i < 12; i++) m.alloc(i % 4, 0, i)
        m.popFrame()
      },
      'binary',
      {},
      { chunkBytes: 8 },
    )
    const target = new LoggingMutator()
    expect(() =>
      replayTrace(bufferSource(patched(bytes, bytes.length - 9, bytes[bytes.length - 9] ^ 1)), target),
    ).toThrow(/checksum mismatch/)
    expect(target.log.length).toBeLessThan(inner.log.length)
    expect(target.log).toEqual(inner.log.slice(0, target.log.length))
  })
})
