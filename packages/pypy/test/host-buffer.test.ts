import { runRandomProgram } from '@pygc/conformance'
import { zeroRanges } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { PyPyManager } from '../src/index.js'

/** The 2 GiB reservation is scanned up to 64 MiB past the break (beyond it, nothing was ever mapped). */
const SCAN_PAST_BREAK = 64 * 1024 * 1024

function firstNonZeroWord(buffer: ArrayBuffer, end: number): number {
  const words = new Uint32Array(buffer, 0, Math.min(buffer.byteLength, end) >> 2)
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return i * 4
  return -1
}

describe('a reused address space (core host-buffers.ts)', () => {
  for (const seed of [1]) {
    it(`is all zeros once the ranges the memory reports written are zeroed (seed ${seed})`, () => {
      const m = new PyPyManager()
      runRandomProgram(m, { seed, ops: 40_000, retained: 2_000, collectRate: 0.001, generations: 2 })
      const mem = m.gc.s.mem
      expect(m.stats().collections.reduce((a, b) => a + b, 0)).toBeGreaterThan(2)
      const written = mem.writtenRanges()
      const end = written[written.length - 1] + SCAN_PAST_BREAK
      expect(firstNonZeroWord(mem.buffer, end)).toBeGreaterThan(0)
      zeroRanges(mem.buffer, written)
      expect(firstNonZeroWord(mem.buffer, end)).toBe(-1)
    })
  }
})
