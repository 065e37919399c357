import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isPygcError, PygcError, TraceFormatError } from '../src/errors.js'
import {
  bufferSource,
  canonicalTypeSpec,
  createTraceWriter,
  describeTraceOp,
  fileSink,
  fileSource,
  MemorySink,
  RecordingMutator,
  readTraceMetadata,
  replayTrace,
  type TraceFormatName,
  type TraceSource,
} from '../src/trace/index.js'
import { OP_SCHEMAS } from '../src/trace/op-schema.js'
import { BAD_SLOT, everyOpProgram, LoggingMutator } from './trace-fakes.js'
import { expectFormatError, patched, readAll, record } from './trace-helpers.js'

const FORMATS: TraceFormatName[] = ['binary', 'jsonl']

/** A small valid program, for the corruption tests. */
const smallProgram = (m: LoggingMutator | RecordingMutator) => {
  m.defineType({ name: 'T', refs: 1, ints: 1 })
  m.pushFrame(2)
  m.alloc(0, 0)
  m.writeInt(0, 0, -5)
  m.readInt(0, 0)
  m.weakref(1, 0, { tag: 3 })
  m.collect()
  m.popFrame()
}
/** Its binary trace in version 1 (one FNV-1a footer) and version 2 (chunks of 16 bytes, so several). */
const small = record(smallProgram, 'binary', undefined, { version: 1 })
const small2 = record(smallProgram, 'binary', undefined, { chunkBytes: 16 })

describe('trace round trip', () => {
  for (const format of FORMATS) {
    it(`replays every op kind identically (${format})`, () => {
      const { inner, bytes, summary } = record(everyOpProgram, format)
      const replayed = new LoggingMutator()
      const result = replayTrace(bufferSource(bytes), replayed)
      // Specs come back in canonical form (defaults omitted); everything else exactly.
      const canonical = inner.log.map((c) =>
        c[0] === 'defineType' ? ['defineType', canonicalTypeSpec(c[1] as never)] : c,
      )
      expect(replayed.log).toEqual(canonical)
      expect(result.metadata).toEqual({ workload: 'test', seed: 7 })
      const defines = inner.log.filter((c) => c[0] === 'defineType' || c[0] === 'defineGlobals').length
      expect(result.records).toBe(inner.log.length)
      expect(result.ops).toBe(inner.log.length - defines)
      expect(summary).toMatchObject({ records: result.records, ops: result.ops, bytes: bytes.length })
      expect(result.nullMismatches).toBe(0)
      expect(result.sameMismatches).toBe(0)
      expect(result.collectResults.map((c) => [c.recorded, c.replayed])).toEqual([
        [42, 42],
        [-2, -2],
        [-4, -4],
      ])
    })
  }

  it('gives the same TraceOps from both forms', () => {
    const binary = readAll(record(everyOpProgram, 'binary').bytes)
    const jsonl = readAll(record(everyOpProgram, 'jsonl').bytes)
    expect(jsonl).toEqual(binary)
    expect(new Set(binary.map((o) => o.op))).toEqual(new Set(OP_SCHEMAS.map((s) => s.name)))
    expect(binary[0]).toEqual({ op: 'defineType', spec: { name: 'Node', refs: 2, ints: 1 } })
    expect(binary.find((o) => o.op === 'readInt')).toEqual({
      op: 'readInt',
      obj: 0,
      index: 0,
      expected: -1000,
    })
    expect(binary.find((o) => o.op === 'isNull')).toEqual({ op: 'isNull', s: 3, expected: false })
    expect(
      binary.filter((o) => o.op === 'weakref').map((o) => (o as { callback?: unknown }).callback),
    ).toEqual([undefined, { tag: 0 }, { tag: 123456789 }])
    expect(
      binary.filter((o) => o.op === 'collect').map((o) => (o as { generation: number }).generation),
    ).toEqual([-1, 0, 2])
    expect(binary.find((o) => o.op === 'gcControl')).toEqual({ op: 'gcControl', action: 'disable' })
    expect(binary.find((o) => o.op === 'lengthOf')).toEqual({ op: 'lengthOf', s: 0, expected: 3 })
  })

  it('writes the JSON-lines form of the spec', () => {
    const { bytes } = record(
      (m) => {
        m.defineType({ name: 'Node', refs: 2, ints: 1 })
        m.defineGlobals(4)
        m.pushFrame(8)
        m.alloc(0, 0)
        m.weakref(3, 0, { tag: 5 })
        m.collect()
        m.gcControl('disable')
      },
      'jsonl',
      { workload: 'w' },
    )
    expect(new TextDecoder().decode(bytes)).toBe(
      [
        '{"format":"pygc-trace","version":1,"metadata":{"workload":"w"}}',
        '{"op":"defineType","spec":{"name":"Node","refs":2,"ints":1}}',
        '{"op":"defineGlobals","count":4}',
        '{"op":"pushFrame","locals":8}',
        '{"op":"alloc","dst":0,"type":0,"length":0}',
        '{"op":"weakref","dst":3,"target":0,"callback":{"tag":5}}',
        '{"op":"collect","generation":-1,"result":42}',
        '{"op":"gcControl","action":"disable"}',
        '{"end":true,"ops":7}',
        '',
      ].join('\n'),
    )
  })

  it('writes the binary layout of the spec (version 1)', () => {
    const { bytes, summary } = record(
      (m) => {
        m.pushFrame(1)
        m.alloc(-1, 2, 0)
      },
      'binary',
      {},
      { version: 1 },
    )
    const magic = [0x50, 0x59, 0x47, 0x43, 0x54, 0x52, 0x43, 0x00]
    const header = [...magic, 1, 0, 0, 0, 2, 0x7b, 0x7d]
    const ops = [0x01, 1, 0x03, 1, 2, 0]
    const footerStart = header.length + ops.length
    expect([...bytes.subarray(0, footerStart + 1)]).toEqual([...header, ...ops, 0xff])
    let h = 0x811c9dc5
    for (const b of bytes.subarray(0, footerStart + 1)) h = Math.imul(h ^ b, 0x01000193) >>> 0
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    expect(view.getUint32(footerStart + 1, true)).toBe(2)
    expect(view.getUint32(footerStart + 5, true)).toBe(0)
    expect(view.getUint32(footerStart + 9, true)).toBe(h)
    expect(summary.checksum).toBe(h)
    expect([...bytes.subarray(footerStart + 13)]).toEqual([0x50, 0x59, 0x47, 0x43, 0x45, 0x4e, 0x44, 0x00])
  })

  it('records an op only if the inner mutator accepted it', () => {
    for (const format of FORMATS) {
      const { inner, bytes } = record((m) => {
        m.pushFrame(2)
        m.alloc(0, 0)
        expect(() => m.alloc(BAD_SLOT, 0)).toThrow(PygcError)
        expect(() => m.readInt(BAD_SLOT, 0)).toThrow(/slot 999/)
        m.move(1, 0)
      }, format)
      const ops = readAll(bytes)
      expect(ops.map((o) => o.op)).toEqual(['pushFrame', 'alloc', 'move'])
      expect(inner.log.length).toBe(3)
    }
  })

  it('emits types defined before the first op as records right after the header', () => {
    for (const { bytes } of [small, small2]) {
      const ops = readAll(bytes)
      expect(ops[0]).toEqual({ op: 'defineType', spec: { name: 'T', refs: 1, ints: 1 } })
      expect(ops[1]).toEqual({ op: 'pushFrame', locals: 2 })
    }
  })

  for (const format of FORMATS) {
    it(`rejects values the format cannot hold and leaves the trace valid (${format})`, () => {
      const sink = new MemorySink()
      const w = createTraceWriter(sink, { format })
      w.pushFrame(1)
      expect(() => w.alloc(0, 1.5, 0)).toThrow(expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }))
      expect(() => w.load(0, 2 ** 52, 0)).toThrow(/load obj/)
      expect(() => w.store(0, -1, 0)).toThrow(/store field/)
      expect(() => w.readInt(0, 0, Number.NaN)).toThrow(/readInt/)
      expect(() => w.weakref(0, 0, { tag: -1 })).toThrow(/tag/)
      expect(() => w.gcControl('explode' as never)).toThrow(/gcControl/)
      expect(() => w.defineType({ name: 'X', refs: -1 })).toThrow(/refs/)
      w.popFrame()
      expect(w.finish()).toMatchObject({ records: 2, ops: 2 })
      expect(readAll(sink.bytes())).toEqual([{ op: 'pushFrame', locals: 1 }, { op: 'popFrame' }])
      expect(() => w.popFrame()).toThrow(/finished/)
    })
  }

  it('writes and reads files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pygc-trace-'))
    try {
      for (const format of FORMATS) {
        const path = join(dir, `t.${format}`)
        const inner = new LoggingMutator()
        const rec = new RecordingMutator(inner, fileSink(path), { format })
        everyOpProgram(rec)
        rec.finish()
        const replayed = new LoggingMutator()
        replayTrace(fileSource(path), replayed)
        expect(replayed.log.length).toBe(inner.log.length)
        expect(readAll(readFileSync(path))).toEqual(readAll(record(everyOpProgram, format).bytes))
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('names the path of a missing file', () => {
    const path = join(tmpdir(), 'pygc-no-such-dir', 'missing.trace')
    expect(() => fileSource(path)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(path) }),
    )
    expect(() => fileSink(path)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining(path) }),
    )
  })
})

describe('trace replay checks', () => {
  it('raises REPLAY_MISMATCH naming the op index when readInt differs', () => {
    const { bytes } = record(everyOpProgram)
    const target = new LoggingMutator()
    target.readIntSkew = 1
    const firstReadInt = readAll(bytes)
      .filter((o) => o.op !== 'defineType' && o.op !== 'defineGlobals')
      .findIndex((o) => o.op === 'readInt')
    try {
      replayTrace(bufferSource(bytes), target)
      expect.unreachable()
    } catch (e) {
      expect(isPygcError(e, 'REPLAY_MISMATCH')).toBe(true)
      expect((e as PygcError).where).toMatchObject({ op: firstReadInt, recorded: -1000, replayed: -999 })
      expect((e as PygcError).message).toMatch(
        new RegExp(`op ${firstReadInt} at byte \\d+: readInt L0.int\\[0\\] -> -1000`),
      )
    }
  })

  it('raises REPLAY_MISMATCH when lengthOf differs', () => {
    const { bytes } = record((m) => m.lengthOf(4))
    const target = new LoggingMutator()
    target.lengthOf = () => 1
    expect(() => replayTrace(bufferSource(bytes), target)).toThrow(
      expect.objectContaining({ code: 'REPLAY_MISMATCH', where: expect.objectContaining({ op: 0 }) }),
    )
  })

  it('counts isNull and same mismatches instead of failing', () => {
    const { bytes } = record(everyOpProgram)
    const target = new LoggingMutator()
    target.flipPredicates = true
    const result = replayTrace(bufferSource(bytes), target)
    expect(result.nullMismatches).toBe(2)
    expect(result.sameMismatches).toBe(2)
  })

  it("adds the trace position to the target's own errors", () => {
    const inner = new LoggingMutator()
    const sink = new MemorySink()
    const w = createTraceWriter(sink)
    w.pushFrame(1)
    w.move(0, BAD_SLOT)
    w.finish()
    expect(() => replayTrace(bufferSource(sink.bytes()), inner)).toThrow(
      expect.objectContaining({
        code: 'INVALID_SLOT',
        message: expect.stringMatching(/replaying op 1 at byte \d+: move L0 = L999/),
      }),
    )
  })

  it('reports progress', () => {
    const { bytes, summary } = record((m) => {
      m.pushFrame(1)
      for (let i = 0; i < 25; i++) m.alloc(0, 0)
    })
    const seen: number[] = []
    replayTrace(bufferSource(bytes), new LoggingMutator(), {
      onProgress: (n) => seen.push(n),
      progressEvery: 10,
    })
    expect(seen).toEqual([10, 20, summary.ops])
  })

  it('describes ops for humans', () => {
    expect(describeTraceOp({ op: 'alloc', dst: 0, type: 3, length: 0 })).toBe('alloc L0 = new type#3')
    expect(describeTraceOp({ op: 'store', obj: -1, field: 2, src: 4 })).toBe('store G0.field[2] = L4')
    expect(describeTraceOp({ op: 'weakref', dst: 1, target: 0, callback: { tag: 5 } })).toBe(
      'weakref L1 = weak(L0) callback tag=5',
    )
    expect(describeTraceOp({ op: 'collect', generation: -1, result: 12 })).toBe(
      'collect generation=default -> 12',
    )
    for (const op of readAll(record(everyOpProgram).bytes))
      expect(describeTraceOp(op)).toMatch(new RegExp(`^${op.op}`))
  })
})

describe('trace format errors', () => {
  for (const [name, traced] of [
    ['binary version 1', () => small],
    ['binary version 2', () => small2],
    ['jsonl', () => record(everyOpProgram, 'jsonl')],
  ] as const) {
    it(`raises TRACE_FORMAT with an offset when cut at every byte (${name})`, () => {
      const { bytes } = traced()
      expect(readAll(bytes).length).toBeGreaterThan(0)
      for (let cut = 0; cut < bytes.length; cut++) {
        const e = expectFormatError(bytes.subarray(0, cut))
        if (cut > 0 && name !== 'jsonl') expect(e.message).toMatch(/truncated|missing footer/)
      }
    })
  }

  it('replayTrace raises TRACE_FORMAT on a truncated trace', () => {
    for (const { bytes } of [small, small2]) {
      const cut = bytes.subarray(0, bytes.length - 5)
      expect(() => replayTrace(bufferSource(cut), new LoggingMutator())).toThrow(TraceFormatError)
    }
  })

  it('catches every flipped byte by checksum or structure', () => {
    for (const { bytes } of [small, small2]) {
      for (let at = 0; at < bytes.length; at++) {
        for (const mask of [0x01, 0x40, 0x80, 0xff]) expectFormatError(patched(bytes, at, bytes[at] ^ mask))
      }
    }
  })

  it('names each malformation (version 1)', () => {
    const b = small.bytes
    const n = b.length
    expect(expectFormatError(patched(b, 0, 0x50, 0x00)).offset).toBe(1)
    expectFormatError(patched(b, 2, 0), /bad magic/)
    expect(expectFormatError(patched(b, 8, 3), /unsupported trace version 3/).offset).toBe(8)
    expect(expectFormatError(patched(b, 10, 4), /flag bits 0x4/).offset).toBe(10)
    expect(expectFormatError(patched(b, n - 12, b[n - 12] ^ 1), /checksum mismatch/).offset).toBe(n - 12)
    expect(
      expectFormatError(
        patched(b, n - 20, 9),
        /op count mismatch: the footer says 9 records, the trace has 8/,
      ).offset,
    ).toBe(n - 20)
    expectFormatError(patched(b, n - 16, 1), /op count mismatch/)
    expectFormatError(patched(b, n - 16, 0, 0, 0x40), /high word/)
    expect(expectFormatError(patched(b, n - 3, 0x21), /bad end magic/).offset).toBe(n - 3)
    expect(expectFormatError(Uint8Array.of(...b, 0), /trailing bytes/).offset).toBe(n)
    expect(expectFormatError(b.subarray(0, n - 21), /missing footer/).offset).toBe(n - 21)
    expect(expectFormatError(new Uint8Array(0), /empty trace/).offset).toBe(0)
    expectFormatError(Uint8Array.of(0x00, 1, 2), /not a pygc trace: the first byte is 0x00/)
  })

  it('encodes pin and unpin as one PIN opcode (0x14) with a u8 telling them apart', () => {
    for (const format of FORMATS) {
      const { bytes } = record((m) => {
        m.pushFrame(1)
        m.pin(0)
        m.pin(-3)
        m.unpin(0)
        m.unpin(-3)
      }, format)
      expect(readAll(bytes).slice(1)).toEqual([
        { op: 'pin', obj: 0 },
        { op: 'pin', obj: -3 },
        { op: 'unpin', obj: 0 },
        { op: 'unpin', obj: -3 },
      ])
      if (format === 'jsonl') {
        const text = new TextDecoder().decode(bytes)
        expect(text).toContain('{"op":"pin","obj":-3}\n')
        expect(text).toContain('{"op":"unpin","obj":0}\n')
      }
    }
    const w = new MemorySink()
    const writer = createTraceWriter(w, { version: 1 })
    writer.pin(-3, true)
    writer.pin(0, false)
    writer.finish()
    const b = w.bytes()
    const headerEnd = 8 + 4 + 1 + 2
    // PIN obj=svarint(-3)=5 pin=1; PIN obj=0 pin=0.
    expect([...b.subarray(headerEnd, headerEnd + 6)]).toEqual([0x14, 0x05, 0x01, 0x14, 0x00, 0x00])
    expect(describeTraceOp({ op: 'unpin', obj: -3 })).toBe('unpin G2')
    const e = expectFormatError(patched(b, headerEnd + 2, 2), /pin action must be below 2, got 2/)
    expect(e.offset).toBe(headerEnd + 2)
    // A JSON-lines pin takes exactly its one operand.
    const bad = new TextEncoder().encode(
      '{"format":"pygc-trace","version":1,"metadata":{}}\n{"op":"pin","obj":0,"pin":1}\n{"end":true,"ops":1}\n',
    )
    expectFormatError(bad, /pin: unknown field 'pin'/)
  })

  it('names malformed op records with the byte offset and op index (version 1)', () => {
    const w = new MemorySink()
    const writer = createTraceWriter(w, { version: 1 })
    writer.pushFrame(1)
    writer.isNull(0, true)
    writer.finish()
    const b = w.bytes()
    const headerEnd = 8 + 4 + 1 + 2 // magic, version, flags, "{}"
    // Record 1 (isNull) is at headerEnd + 2: opcode, slot, expected.
    const isNullAt = headerEnd + 2
    const e = expectFormatError(
      patched(b, isNullAt + 2, 2),
      /isNull expected must be below 2, got 2 \(record 1 \(op 1\)\)/,
    )
    expect(e.offset).toBe(isNullAt + 2)
    expect(e.where).toMatchObject({ record: 1, op: 1 })
    expect(expectFormatError(patched(b, isNullAt, 0x42), /unknown opcode 0x42/).offset).toBe(isNullAt)
    // A varint of nine bytes (eight continuation bytes).
    const long = Uint8Array.of(
      ...b.subarray(0, headerEnd),
      0x01,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x01,
      ...b.subarray(headerEnd + 2),
    )
    expect(expectFormatError(long, /varint longer than 8 bytes/).offset).toBe(headerEnd + 1)
    const big = Uint8Array.of(
      ...b.subarray(0, headerEnd),
      0x01,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x10,
      ...b.subarray(headerEnd + 2),
    )
    expectFormatError(big, /2\^53/)
  })

  it('names malformed JSON lines', () => {
    const text = (...lines: string[]) => new TextEncoder().encode(lines.map((l) => `${l}\n`).join(''))
    const head = '{"format":"pygc-trace","version":1,"metadata":{}}'
    expectFormatError(
      text(head, '{"op":"pushFrame","locals":1}', '{"end":true,"ops":1}').subarray(0, 10),
      /truncated/,
    )
    expectFormatError(text('{"format":"other","version":1,"metadata":{}}'), /not a pygc JSON-lines trace/)
    expectFormatError(text('{"format":"pygc-trace","version":3,"metadata":{}}'), /version 3/)
    const second = head.length + 1
    expect(
      expectFormatError(text(head, '{"op":"fly"}', '{"end":true,"ops":1}'), /unknown op "fly" \(line 2\)/)
        .offset,
    ).toBe(second)
    expectFormatError(
      text(head, '{"op":"alloc","dst":0,"type":0}', '{"end":true,"ops":1}'),
      /missing operand 'length'/,
    )
    expectFormatError(
      text(head, '{"op":"clear","dst":0,"src":1}', '{"end":true,"ops":1}'),
      /unknown field 'src'/,
    )
    expectFormatError(
      text(head, '{"op":"clear","dst":0.5}', '{"end":true,"ops":1}'),
      /clear dst must be an integer/,
    )
    expectFormatError(
      text(head, '{"op":"isNull","s":0,"expected":1}', '{"end":true,"ops":1}'),
      /true or false/,
    )
    expectFormatError(text(head, '{"op":"clear","dst":0}', '{"end":true,"ops":2}'), /op count mismatch/)
    expectFormatError(text(head, '{"op":"clear","dst":0}'), /missing footer/)
    expectFormatError(text(head, '{"op":"clear","dst":0', '{"end":true,"ops":1}'), /invalid JSON/)
    expectFormatError(text(head, '{"end":true,"ops":0}', '{"op":"clear","dst":0}'), /trailing lines/)
  })
})

describe('trace streaming', () => {
  /** A source that answers at most `most` bytes per read (files and pipes may read short). */
  const dribble = (bytes: Uint8Array, most: number): TraceSource => ({
    read: (into, position) =>
      bufferSource(bytes).read(into.subarray(0, Math.min(most, into.length)), position),
  })

  for (const format of FORMATS) {
    it(`survives short reads and strings longer than the window (${format})`, () => {
      const metadata = { workload: 'long', note: 'x'.repeat(300_000) }
      const { inner, bytes } = record(everyOpProgram, format, metadata as never)
      for (const most of [1, 3, 4096]) {
        const replayed = new LoggingMutator()
        const result = replayTrace(dribble(bytes, most), replayed)
        expect(result.metadata).toEqual(metadata)
        expect(replayed.log.length).toBe(inner.log.length)
      }
    })
  }

  it('fails on a corrupted string length without reading past the file (version 1)', () => {
    const b = small.bytes
    // The metadata length "{}" is at offset 12; make it 60 MiB (varint 80 80 80 1e).
    const long = Uint8Array.of(...b.subarray(0, 12), 0x80, 0x80, 0x80, 0x1e, ...b.subarray(13))
    expectFormatError(long, /truncated trace: the header is cut off/)
    const huge = Uint8Array.of(...b.subarray(0, 12), 0x80, 0x80, 0x80, 0x80, 0x01, ...b.subarray(13))
    expectFormatError(huge, /exceeds the limit/)
  })

  it('replays one file source twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pygc-trace-'))
    try {
      const path = join(dir, 'twice.trace')
      const rec = new RecordingMutator(new LoggingMutator(), fileSink(path))
      everyOpProgram(rec)
      const { ops } = rec.finish()
      const source = fileSource(path)
      expect(readTraceMetadata(source)).toEqual({})
      expect(replayTrace(source, new LoggingMutator()).ops).toBe(ops)
      expect(replayTrace(source, new LoggingMutator()).ops).toBe(ops)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  const ops = process.env.CI ? 500_000 : 2_000_000
  it(`replays ${ops} ops through a source that is never asked for more than 64 KiB at once`, () => {
    const sink = new MemorySink()
    const w = createTraceWriter(sink, { metadata: { workload: 'stream' } })
    w.defineType({ name: 'Node', refs: 2, ints: 1 })
    w.pushFrame(64)
    for (let i = 0; i < ops - 2; i++) {
      switch (i % 4) {
        case 0:
          w.alloc(i % 64, 0, 0)
          break
        case 1:
          w.store(i % 64, 1, (i * 7) % 64)
          break
        case 2:
          w.readInt(i % 64, 0, i & 0xffff)
          break
        default:
          w.load((i * 3) % 64, i % 64, 0)
      }
    }
    w.popFrame()
    w.finish()
    const bytes = sink.bytes()
    let maxAsked = 0
    let reads = 0
    const counting: TraceSource = {
      read(into, position) {
        maxAsked = Math.max(maxAsked, into.length)
        reads++
        return bufferSource(bytes).read(into, position)
      },
    }
    let readInts = 0
    const target = new LoggingMutator()
    // Only readInt answers matter; the log would hold millions of entries, so skip it.
    Object.assign(target, {
      alloc() {},
      store() {},
      load() {},
      // The k-th readInt was recorded at i = 4k + 2 with the result i & 0xffff.
      readInt: () => (readInts++ * 4 + 2) & 0xffff,
    })
    const result = replayTrace(counting, target)
    expect(result.ops).toBe(ops)
    expect(result.records).toBe(ops + 1)
    expect(readInts).toBe(Math.ceil((ops - 2 - 2) / 4))
    expect(maxAsked).toBeLessThanOrEqual(64 * 1024)
    expect(maxAsked).toBeLessThan(bytes.length / 10)
    expect(reads).toBeGreaterThan(bytes.length / (64 * 1024))
  })
})
