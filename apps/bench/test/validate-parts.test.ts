/**
 * The pieces of `pygc validate` that need no real runtime: the heap options, the GC log cut at
 * the oracle's loop end, the order comparison's tolerance (per referent, per collection), the
 * residual list built from the rows' fields, and the random programs' determinism.
 */
import { BaselineManager } from '@pygc/baseline'
import { MemorySink, RecordingMutator } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { parseHeapConfigs } from '../src/commands/validate-heaps.js'
import { collectionsUntil, parseJvmLog } from '../src/validate/jython/jvm-log.js'
import { sameOrderUpToThreads } from '../src/validate/jython/order.js'
import { randomGraphProgram } from '../src/validate/random-programs.js'
import { residualLines } from '../src/validate/residuals.js'

describe('heap options', () => {
  it('zips comma lists into configurations, a one-item list applying to all', () => {
    expect(parseHeapConfigs({ xmx: '32m,64m', xmn: '8m', tlab: 'off' })).toEqual([
      { xmx: 32 * 2 ** 20, xmn: 8 * 2 ** 20, tlab: false },
      { xmx: 64 * 2 ** 20, xmn: 8 * 2 ** 20, tlab: false },
    ])
    expect(parseHeapConfigs({ gen0size: '256k', thresholds: ['700,10,10', '100,5,5'] })).toEqual([
      { gen0size: 256 * 1024, thresholds: [700, 10, 10] },
      { gen0size: 256 * 1024, thresholds: [100, 5, 5] },
    ])
    expect(parseHeapConfigs({})).toBeUndefined()
  })

  it('rejects sizes, lists and pairs that cannot be', () => {
    expect(() => parseHeapConfigs({ xmx: '64q' })).toThrow(/sizes like/)
    expect(() => parseHeapConfigs({ xmx: '32m,64m,96m', xmn: '8m,16m' })).toThrow(/give 1 or 3/)
    expect(() => parseHeapConfigs({ xmx: '32m', xmn: '32m' })).toThrow(/must be below/)
    expect(() => parseHeapConfigs({ tlab: 'yes' })).toThrow(/on or off/)
    expect(() => parseHeapConfigs({ thresholds: ['700,10'] })).toThrow(/three/)
  })
})

describe('JVM log', () => {
  const log = [
    '[0.1s][info][gc,heap] GC(0) DefNew: 3000K(3600K)->400K(3600K) Eden: 3000K(3200K)->0K(3200K)',
    '[0.1s][info][gc     ] GC(0) Pause Young (Allocation Failure) 3M->0M(23M) 0.3ms',
    '[0.2s][info][gc,heap] GC(1) DefNew: 3100K(3600K)->420K(3600K)',
    '[0.2s][info][gc     ] GC(1) Pause Young (Allocation Failure) 3M->0M(23M) 0.3ms',
    '[0.3s][info][gc     ] GC(2) Pause Young (Allocation Failure) 3M->0M(23M) 0.3ms',
  ].join('\n')

  it('counts only the collections before the op loop ended', () => {
    const all = parseJvmLog(log)
    expect(all.map((r) => [r.id, r.afterKiB, r.heapPrinted])).toEqual([
      [0, 400, true],
      [1, 420, true],
      [2, 0, false],
    ])
    expect(collectionsUntil(all, 2).map((r) => r.id)).toEqual([0, 1])
  })
})

describe('order under the real Jython', () => {
  const model = ['collect', 'callback:3', 'callback:2', 'callback:5', 'finalize', 'collect']
  // tags 2 and 3 are one referent's (newest first), 5 another's
  const referents = new Map([
    [3, 100],
    [2, 100],
    [5, 200],
  ])

  it('accepts another referent order within a collection', () => {
    expect(
      sameOrderUpToThreads(
        model,
        ['collect', 'callback:5', 'finalize', 'callback:3', 'callback:2', 'collect'],
        referents,
      ),
    ).toBe(true)
  })

  it('requires each referent’s callbacks in order, the same set per collection', () => {
    expect(
      sameOrderUpToThreads(
        model,
        ['collect', 'callback:2', 'callback:3', 'callback:5', 'finalize', 'collect'],
        referents,
      ),
    ).toBe(false)
    expect(
      sameOrderUpToThreads(
        model,
        ['collect', 'callback:3', 'callback:2', 'finalize', 'collect', 'callback:5'],
        referents,
      ),
    ).toBe(false)
  })
})

describe('residuals', () => {
  it('lists the rows that are ok although they differ, from their residual fields', () => {
    const lines = residualLines([
      {
        case: 'a',
        metric: 'young collections',
        model: 22,
        real: 23,
        ok: true,
        residual: { amount: 1, unit: 'count', why: 'F, "Young"' },
      },
      {
        case: 'a',
        metric: 'heap after',
        model: 1500,
        real: 1520,
        unit: 'KiB',
        ok: true,
        residual: { amount: 1.3, unit: '%', why: 'F, "Heap"' },
      },
      {
        case: 'a',
        metric: 'full collections',
        model: 1,
        real: 2,
        ok: false,
        note: 'not a residual: 12% off',
      },
    ])
    expect(lines).toEqual([
      'a: young collections model 22, real 23 (differs by 1; F, "Young")',
      'a: heap after model 1500 KiB, real 1520 KiB (differs by 1.3%; F, "Heap")',
    ])
  })
})

describe('random programs', () => {
  it('give the same op stream for the same seed and another for another seed', () => {
    const ops = (seed: number): number => {
      const sink = new MemorySink()
      const recorder = new RecordingMutator(new BaselineManager(), sink, { metadata: {} })
      randomGraphProgram({
        seed,
        steps: 2000,
        roots: 64,
        maxLength: 10,
        collectEvery: 500,
        features: { weakrefs: true, finalizers: true, callbacks: true, resurrection: true },
      })(recorder)
      return recorder.finish().checksum
    }
    expect(ops(1)).toBe(ops(1))
    expect(ops(1)).not.toBe(ops(2))
  })
})
