import { runRandomProgram } from '@pygc/conformance'
import { zeroRanges } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import type { JvmHeap } from '../src/heap.js'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024

/** The heap of a manager (private: this test checks the buffer a next manager would reuse). */
function heapOf(m: JythonManager): JvmHeap {
  return (m as unknown as { heap: JvmHeap }).heap
}

function firstNonZeroWord(buffer: ArrayBuffer): number {
  const words = new Uint32Array(buffer)
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return i * 4
  return -1
}

describe('a reused heap buffer (core host-buffers.ts)', () => {
  // Small heaps, so young and full collections, promotion, expansion and shrinking all happen.
  for (const [seed, options] of [
    [1, { xms: 4 * MiB, xmx: 16 * MiB, xmn: MiB }],
    [2, { xms: 2 * MiB, xmx: 8 * MiB }],
    [3, { xmx: 16 * MiB, preset: 'java' }],
  ] as const) {
    it(`is all zeros once the ranges the heap reports written are zeroed (seed ${seed})`, () => {
      const m = new JythonManager(options)
      runRandomProgram(m, { seed, ops: 40_000, retained: 2_000, collectRate: 0.001, generations: 2 })
      const heap = heapOf(m)
      expect(m.stats().collections.reduce((a, b) => a + b, 0)).toBeGreaterThan(2)
      expect(firstNonZeroWord(heap.buffer)).toBeGreaterThan(0)
      zeroRanges(heap.buffer, heap.writtenRanges())
      expect(firstNonZeroWord(heap.buffer)).toBe(-1)
    })
  }
})
