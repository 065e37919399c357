/**
 * Random corruption of valid traces (seeded, so a failure reproduces): whatever the bytes,
 * reading and replaying either succeed or raise a PygcError — never a TypeError, RangeError or
 * a hang from deep inside the decoder.
 */
import { describe, expect, it } from 'vitest'
import { PygcError } from '../src/errors.js'
import { Rng } from '../src/rng.js'
import { bufferSource, MemorySink, RecordingMutator, replayTrace, TraceReader } from '../src/trace/index.js'
import { FUZZ_SCALE, type FuzzTrace, recordRandomProgram, runFamily } from './fuzz-support.js'
import { everyOpProgram, LoggingMutator } from './trace-fakes.js'

const ROUNDS = 1500 * FUZZ_SCALE

function recordEveryOp(format: 'binary' | 'jsonl'): Uint8Array {
  const sink = new MemorySink()
  const rec = new RecordingMutator(new LoggingMutator(), sink, {
    format,
    metadata: { workload: 'fuzz', params: { n: 3 } },
  })
  everyOpProgram(rec)
  rec.finish()
  return sink.bytes()
}

/** One to four random edits: overwrite, flip a bit, insert, delete, truncate or duplicate a span. */
function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  let out = Array.from(bytes)
  const edits = 1 + rng.int(4)
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length + 1)
    switch (rng.int(6)) {
      case 0:
        out[Math.min(at, out.length - 1)] = rng.int(256)
        break
      case 1:
        out[Math.min(at, out.length - 1)] ^= 1 << rng.int(8)
        break
      case 2:
        out.splice(at, 0, ...Array.from({ length: 1 + rng.int(4) }, () => rng.int(256)))
        break
      case 3:
        out.splice(at, 1 + rng.int(4))
        break
      case 4:
        out = out.slice(0, at)
        break
      default: {
        const from = rng.int(out.length)
        out.splice(at, 0, ...out.slice(from, from + 1 + rng.int(16)))
      }
    }
    if (out.length === 0) break
  }
  return Uint8Array.from(out)
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/** Read and replay; return 'ok' or the PygcError code, rethrow anything else. */
function outcome(bytes: Uint8Array): string {
  try {
    const reader = new TraceReader(bufferSource(bytes))
    while (reader.next() !== null) {}
    replayTrace(bufferSource(bytes), new LoggingMutator())
    return 'ok'
  } catch (e) {
    if (e instanceof PygcError) return e.code
    throw new Error(
      `non-PygcError from a corrupted trace (${bytes.length} bytes): ${(e as Error)?.stack ?? e}`,
    )
  }
}

describe('trace fuzz', () => {
  for (const format of ['binary', 'jsonl'] as const) {
    it(`raises only PygcErrors on ${ROUNDS} randomly corrupted ${format} traces`, () => {
      const original = recordEveryOp(format)
      expect(outcome(original)).toBe('ok')
      const rng = new Rng(format === 'binary' ? 20261127 : 7)
      const codes = new Map<string, number>()
      for (let round = 0; round < ROUNDS; round++) {
        const mutated = mutate(original, rng)
        // An edit can be a no-op (a truncation at the end, a byte overwritten with itself).
        const code = sameBytes(mutated, original) ? 'unchanged' : outcome(mutated)
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
      // Nearly every corruption is detected as a format error; the binary checksum catches
      // all of them that keep the structure.
      expect(codes.get('TRACE_FORMAT') ?? 0).toBeGreaterThan(ROUNDS * 0.9)
      if (format === 'binary') expect(codes.get('ok') ?? 0).toBe(0)
    })
  }

  it('raises only PygcErrors on random bytes behind either first byte', () => {
    const rng = new Rng(99)
    for (let round = 0; round < ROUNDS / 2; round++) {
      const noise = Array.from({ length: rng.int(200) }, () => rng.int(256))
      const first = [0x50, 0x7b, rng.int(256)][round % 3]
      expect(outcome(Uint8Array.from([first, ...noise]))).not.toBe('ok')
    }
    const magic = [0x50, 0x59, 0x47, 0x43, 0x54, 0x52, 0x43, 0x00, 1, 0, 0, 0]
    for (let round = 0; round < ROUNDS / 2; round++) {
      const noise = Array.from({ length: rng.int(200) }, () => rng.int(256))
      expect(outcome(Uint8Array.from([...magic, 0, ...noise]))).not.toBe('ok')
    }
  })
})

/** Offsets of the chunks of a version 2 trace (each: u32 length, u32 CRC, payload). */
function chunkOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const offsets: number[] = []
  if (bytes[8] !== 2) return offsets
  for (let at = 12; at + 8 <= bytes.length && bytes[at] !== 0x50; at += 8 + view.getUint32(at, true)) {
    offsets.push(at)
  }
  return offsets
}

function flipOneBit(clean: Uint8Array, rng: Rng): { bytes: Uint8Array; label: string } {
  const at = rng.int(clean.length)
  const bit = rng.int(8)
  const bytes = clean.slice()
  bytes[at] ^= 1 << bit
  return { bytes, label: `bit ${bit} of byte ${at}` }
}

function withU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice()
  new DataView(copy.buffer).setUint32(at, value >>> 0, true)
  return copy
}

/** The length lies a corrupted or hostile chunk header can tell. */
function lyingLength(rng: Rng, truth: number): number {
  switch (rng.int(6)) {
    case 0:
      return 0
    case 1:
      return 0xffffffff
    case 2:
      return 65537 + rng.int(1 << 20)
    case 3:
      return truth + (rng.int(2) === 0 ? -1 : 1)
    case 4:
      return 1 + rng.int(65536)
    default:
      return rng.nextU32()
  }
}

/**
 * Corruption families on a random program recorded on the baseline manager and replayed on a
 * fresh one: every corrupted trace must be refused with a TraceFormatError at an offset inside
 * it, and no op that differs from the clean trace may reach the manager (issue 9, item 7: a
 * flipped bit used to be replayed as a bad slot before the footer checksum was read).
 */
describe('binary trace corruption families (replayed on the baseline manager)', () => {
  const CHUNK = 256
  const VARIANTS = 300 * FUZZ_SCALE
  let small: FuzzTrace
  const trace = (): FuzzTrace => {
    small ??= recordRandomProgram(11, 2500, { chunkBytes: CHUNK }, new Rng(11))
    return small
  }
  const expectClean = (tally: ReturnType<typeof runFamily>) => {
    expect(tally.variants).toBeGreaterThan(0)
    expect(tally.failures, tally.examples.join('\n')).toBe(0)
  }

  it('refuses every single flipped bit before the flipped record runs', () => {
    const clean = trace()
    const rng = new Rng(101)
    expectClean(runFamily('binary bit flip', VARIANTS, clean, () => flipOneBit(clean.bytes, rng)))
  })

  it('refuses random edits (overwrite, flip, insert, delete, truncate, duplicate)', () => {
    const clean = trace()
    const rng = new Rng(102)
    expectClean(
      runFamily('binary byte edits', VARIANTS, clean, (i) => ({
        bytes: mutate(clean.bytes, rng),
        label: `edit set ${i}`,
      })),
    )
  })

  it('refuses every truncation', () => {
    const clean = trace()
    const rng = new Rng(103)
    expectClean(
      runFamily('binary truncation', VARIANTS, clean, () => {
        const cut = rng.int(clean.bytes.length)
        return { bytes: clean.bytes.subarray(0, cut), label: `cut at ${cut}` }
      }),
    )
  })

  it('refuses lying chunk lengths without allocating what they claim', () => {
    const clean = trace()
    const chunks = chunkOffsets(clean.bytes)
    const rng = new Rng(104)
    expectClean(
      runFamily('binary length lie', VARIANTS, clean, () => {
        if (chunks.length === 0) {
          // Version 1 has no chunks: lie in the metadata string's length (a varint at byte 12).
          const value = rng.int(256)
          const bytes = clean.bytes.slice()
          bytes[12] = value
          return { bytes, label: `metadata length byte 0x${value.toString(16)}` }
        }
        const k = rng.int(chunks.length)
        const at = chunks[k]
        const truth = new DataView(clean.bytes.buffer, clean.bytes.byteOffset).getUint32(at, true)
        const lie = lyingLength(rng, truth)
        return { bytes: withU32(clean.bytes, at, lie), label: `chunk ${k} length ${truth} -> ${lie}` }
      }),
    )
  })

  it('refuses dropped, repeated and swapped chunks', () => {
    const clean = trace()
    const rng = new Rng(105)
    const span = 8 + CHUNK
    const spans = Math.floor((clean.bytes.length - 12) / span) - 1
    expectClean(
      runFamily('binary chunk splice', VARIANTS, clean, () => {
        const k = rng.int(spans)
        const at = 12 + k * span
        const b = clean.bytes
        const chunk = b.subarray(at, at + span)
        const next = b.subarray(at + span, at + 2 * span)
        const how = rng.int(3)
        const bytes =
          how === 0
            ? Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + span)])
            : how === 1
              ? Uint8Array.from([...b.subarray(0, at + span), ...chunk, ...b.subarray(at + span)])
              : Uint8Array.from([...b.subarray(0, at), ...next, ...chunk, ...b.subarray(at + 2 * span)])
        return { bytes, label: `${['drop', 'repeat', 'swap'][how]} span ${k}` }
      }),
    )
  })

  it('refuses flipped bits in a trace of full 64 KiB chunks', () => {
    const clean = recordRandomProgram(12, 60_000, {}, new Rng(12))
    expect(clean.bytes.length).toBeGreaterThan(65536 + 8)
    const rng = new Rng(106)
    expectClean(
      runFamily('binary bit flip, 64 KiB chunks', 20 * FUZZ_SCALE, clean, () => flipOneBit(clean.bytes, rng)),
    )
  })
})
