import { runRandomProgram } from '@pygc/conformance'
import { zeroRanges } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'

const MiB = 1024 * 1024

function firstNonZeroWord(words: Int32Array): number {
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return i * 4
  return -1
}

describe('a reused SOH reservation (core host-buffers.ts)', () => {
  it('is all zeros once the range the heap reports written is zeroed', () => {
    const m = new IronPythonManager({ heapLimit: 16 * MiB, gen0size: 256 * 1024 })
    runRandomProgram(m, { seed: 1, ops: 40_000, retained: 2_000, collectRate: 0.001, generations: 3 })
    expect(m.stats().collections.reduce((a, b) => a + b, 0)).toBeGreaterThan(2)
    expect(firstNonZeroWord(m.heap.soh)).toBeGreaterThan(0)
    zeroRanges(m.heap.soh.buffer, m.heap.writtenRanges())
    expect(firstNonZeroWord(m.heap.soh)).toBe(-1)
  })

  it('goes to the next manager once released, all zeros, and the SOH grows within it', () => {
    const first = new IronPythonManager({ gen0size: 256 * 1024 })
    runRandomProgram(first, { seed: 2, ops: 20_000, retained: 20_000, collectRate: 0.0002, generations: 3 })
    const buffer = first.heap.soh.buffer
    expect(buffer.byteLength).toBeGreaterThan(1 << 18)
    first.release()
    const next = new IronPythonManager({ gen0size: 256 * 1024 })
    expect(next.heap.soh.buffer).toBe(buffer)
    expect(firstNonZeroWord(next.heap.soh)).toBe(-1)
    runRandomProgram(next, { seed: 2, ops: 20_000, retained: 20_000, collectRate: 0.0002, generations: 3 })
    expect(next.heap.soh.buffer).toBe(buffer)
  })
})
