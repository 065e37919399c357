/**
 * Random corruption of valid traces (seeded, so a failure reproduces): whatever the bytes,
 * reading and replaying either succeed or raise a PygcError — never a TypeError, RangeError or
 * a hang from deep inside the decoder.
 */
import { describe, expect, it } from 'vitest'
import { PygcError } from '../src/errors.js'
import { Rng } from '../src/rng.js'
import { bufferSource, MemorySink, RecordingMutator, replayTrace, TraceReader } from '../src/trace/index.js'
import { everyOpProgram, LoggingMutator } from './trace-fakes.js'

const ROUNDS = process.env.CI ? 1500 : 6000

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
