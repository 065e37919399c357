/**
 * The pymalloc comparison of `pygc validate --runtime cpython` (src/validate/cpython-pymalloc.ts):
 * what the trace added, real int objects taken out of the blocks, pools predicted from the
 * model's blocks in the real pools' free space.
 */
import type { MallocStats } from '@pygc/cpython'
import { describe, expect, it } from 'vitest'
import { comparePymalloc, type RealMallocStats } from '../src/validate/cpython-pymalloc.js'

const arenas = (n: number) => ({ allocatedTotal: n, reclaimed: 0, highwater: n, allocatedCurrent: n })

function model(classes: { size: number; pools: number; inUse: number }[], nArenas: number): MallocStats {
  return {
    arenas: arenas(nArenas),
    classes: classes.map((c) => ({ ...c, available: 0 })) as MallocStats['classes'],
    unusedPools: 0,
    allocatedBlocksBytes: 0,
    systemBytes: 0,
    systemBlocks: 0,
  }
}

function real(
  classes: { size: number; pools: number; inUse: number; available: number }[],
  nArenas: number,
  ints: Record<string, number> = {},
): RealMallocStats {
  return { arenas: arenas(nArenas), classes, bytes: { allocatedBlocks: 0 }, ints }
}

const empty = { atStart: real([], 5), atEnd: real([], 5) }

describe('comparePymalloc', () => {
  it('takes the real int objects out of the blocks, and predicts pools after the free blocks fill', () => {
    // 600 blocks of 64 bytes in the model (3 pools of 255); the real run adds the same 600 and
    // 100 ints of 32 bytes; its 64-byte pools had 300 free blocks at the start: 2 new pools.
    const m = { mallocAtStart: model([], 0), mallocAtEnd: model([{ size: 64, pools: 3, inUse: 600 }], 1) }
    const r = {
      atStart: real(
        [
          { size: 32, pools: 1, inUse: 10, available: 500 },
          { size: 64, pools: 4, inUse: 720, available: 300 },
        ],
        5,
        { '32': 10 },
      ),
      atEnd: real(
        [
          { size: 32, pools: 1, inUse: 110, available: 400 },
          { size: 64, pools: 6, inUse: 1320, available: 210 },
        ],
        5,
        { '32': 110 },
      ),
    }
    const rows = comparePymalloc('c', m, r, empty, true)
    expect(rows.map((row) => [row.metric.split(' (')[0], row.ok])).toEqual([
      ['pymalloc Δ blocks per class', true],
      ['pymalloc Δ bytes in blocks', true],
      ["pymalloc Δ pools per class, the model's blocks in the real pools", true],
      ['pymalloc Δ arenas', true],
    ])
    expect(rows[0].real).toBe('64:+600')
    // 32: the ints fit the free blocks (no new pool); 64: 600 - 300 free = 300 blocks, 2 pools.
    expect(String(rows[2].model)).toMatch(/^64:\+2 /)
    expect(rows[2].real).toBe('64:+2')
  })

  it('flags a class more than 3 blocks off, and gives blocks only without pools and arenas', () => {
    const m = { mallocAtStart: model([], 0), mallocAtEnd: model([{ size: 16, pools: 1, inUse: 10 }], 1) }
    const r = { atStart: real([], 5), atEnd: real([{ size: 16, pools: 1, inUse: 14, available: 0 }], 5) }
    const rows = comparePymalloc('c', m, r, empty, false)
    expect(rows).toHaveLength(2)
    expect(rows[0].ok).toBe(false)
  })
})
