import { describe, expect, it } from 'vitest'
import { releaseHostBuffer, takeHostBuffer, zeroRanges } from '../src/index.js'

describe('host buffers handed from one manager to the next', () => {
  it('lends a released buffer again, zeroed where its last user wrote', () => {
    const bytes = 3 * 4096 + 8 // a size no other test asks for
    const written = { writtenRanges: () => [100, 200, 4096, 8192] }
    const first = {}
    const a = takeHostBuffer(first, bytes, written)
    new Uint8Array(a).fill(7, 100, 200)
    new Uint8Array(a).fill(9, 4096, 8192)
    releaseHostBuffer(first)
    const b = takeHostBuffer({}, bytes, written)
    expect(b).toBe(a)
    expect(new Uint8Array(b).every((x) => x === 0)).toBe(true)
  })

  it('never lends a buffer whose owner is alive and has not released it', () => {
    const bytes = 5 * 4096
    const owner = {}
    const a = takeHostBuffer(owner, bytes, { writtenRanges: () => [] })
    const b = takeHostBuffer({}, bytes, { writtenRanges: () => [] })
    expect(b).not.toBe(a)
    expect(owner).toBeDefined()
  })

  it('zeroes ranges clamped to the buffer', () => {
    const buffer = new ArrayBuffer(64)
    new Uint8Array(buffer).fill(1)
    zeroRanges(buffer, [-8, 16, 48, 1000])
    const bytes = new Uint8Array(buffer)
    expect([bytes[0], bytes[15], bytes[16], bytes[47], bytes[48], bytes[63]]).toEqual([0, 0, 1, 1, 0, 0])
  })
})
