/**
 * The pymalloc comparison of `pygc validate --runtime cpython` (src/validate/cpython-pymalloc.ts):
 * what the trace added, real int objects taken out of the blocks; the model started from the
 * real pools, so its own pools and arenas are compared, plus what the real run's ints need.
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
  it("takes the real int objects out of the blocks, and adds the pools they need beyond the model pools' free slots", () => {
    // The model started from the real pools: it added 600 blocks of 64 bytes and 2 pools. The
    // real run added the same 600 (2 pools) and 300 ints of 32 bytes; the model's 32-byte pool
    // has 10 free slots at the end: 290 ints take one new pool of 338.
    const m = {
      mallocAtStart: model([{ size: 32, pools: 1, inUse: 500 }], 5),
      mallocAtEnd: model(
        [
          { size: 32, pools: 1, inUse: 500 },
          { size: 64, pools: 2, inUse: 600 },
        ],
        5,
      ),
    }
    const r = {
      atStart: real([{ size: 32, pools: 1, inUse: 500, available: 10 }], 5, { '32': 10 }),
      atEnd: real(
        [
          { size: 32, pools: 2, inUse: 800, available: 220 },
          { size: 64, pools: 2, inUse: 600, available: 0 },
        ],
        5,
        { '32': 310 },
      ),
    }
    const rows = comparePymalloc('c', m, r, empty, true)
    expect(rows.map((row) => [row.metric.split(' (')[0], row.ok])).toEqual([
      ['pymalloc Δ blocks per class', true],
      ['pymalloc Δ bytes in blocks', true],
      ['pymalloc Δ pools per class', true],
      ['pymalloc Δ arenas', true],
    ])
    expect(rows[0].real).toBe('64:+600')
    expect(String(rows[2].model)).toMatch(/^32:\+1 64:\+2 /)
    expect(rows[2].real).toBe('32:+1 64:+2')
  })

  it('flags pools more than 1 per class off and arenas more than 1 off', () => {
    const m = { mallocAtStart: model([], 5), mallocAtEnd: model([{ size: 64, pools: 1, inUse: 10 }], 5) }
    const r = { atStart: real([], 5), atEnd: real([{ size: 64, pools: 3, inUse: 10, available: 0 }], 7) }
    const rows = comparePymalloc('c', m, r, empty, true)
    expect(rows.map((row) => row.ok)).toEqual([true, true, false, false])
  })

  it('flags a class more than 3 blocks off, and gives blocks and arenas without pools', () => {
    const m = { mallocAtStart: model([], 5), mallocAtEnd: model([{ size: 16, pools: 1, inUse: 10 }], 6) }
    const r = { atStart: real([], 5), atEnd: real([{ size: 16, pools: 1, inUse: 14, available: 0 }], 5) }
    const rows = comparePymalloc('c', m, r, empty, false)
    expect(rows.map((row) => row.metric.split(' (')[0])).toEqual([
      'pymalloc Δ blocks per class',
      'pymalloc Δ bytes in blocks',
      'pymalloc Δ arenas',
    ])
    expect(rows[0].ok).toBe(false)
    expect(rows[2].ok).toBe(true) // 1 arena more than the real run: within ±1
  })
})
