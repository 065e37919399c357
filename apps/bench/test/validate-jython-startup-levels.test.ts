/**
 * The JVM start-up levels probe (src/validate/jython/startup-levels.ts) without a JVM: run on
 * the model, whose start-up data lies at known levels, each probe must measure exactly the
 * bytes the model puts before that depth; and the arithmetic from the JVM's log.
 */
import { JythonManager } from '@pygc/jython'
import { describe, expect, it } from 'vitest'
import type { RealCollection } from '../src/validate/jython/jvm-log.js'
import {
  levelsFromCumulative,
  levelsWithin,
  PROBE_HEAP,
  probeProgram,
  startupBytesBefore,
} from '../src/validate/jython/startup-levels.js'

const KiB = 1024

describe('JVM start-up levels probe', () => {
  it('measures, on the model, the start-up bytes it lays before each depth', () => {
    const liveByLevel = [290 * KiB, 140 * KiB, 100 * KiB]
    const cumulative = [290, 430, 530, 700].map((k) => k * KiB) // the other 170 KiB one level deeper
    for (let depth = 1; depth <= 4; depth++) {
      const m = new JythonManager({
        sizeMode: 'java',
        xms: PROBE_HEAP.xms,
        xmx: PROBE_HEAP.xmx,
        xmn: PROBE_HEAP.xmn,
        jvmStartup: { liveBytes: 700 * KiB, garbageBytes: 400 * KiB, liveByLevel },
      })
      probeProgram(depth).program(m)
      const young = m.native.records()
      expect(young.map((r) => r.kind)).toEqual(['young', 'young'])
      // The second collection promotes what of to-space was the JVM's (the model has no globals array).
      expect(young[1].promotedBytes).toBe(cumulative[depth - 1])
    }
  })

  it('turns the JVM log into bytes per level', () => {
    const gc = (id: number, oldAfterKiB: number): RealCollection => ({
      id,
      kind: 'young',
      cause: 'Allocation Failure',
      afterKiB: 0,
      beforeKiB: 0,
      oldAfterKiB,
      heapPrinted: true,
    })
    // Old generation growth at the second collection, less TraceReplay's globals array (Object[3]).
    expect(startupBytesBefore([gc(0, 1648), gc(1, 2082)], 3)).toBe(434 * KiB - 32)
    expect(() => startupBytesBefore([gc(0, 1648)], 3)).toThrow(/two young collections/)
    expect(levelsFromCumulative([300, 434, 430, 541])).toEqual([300, 134, 0, 107])
    expect(levelsWithin([300, 134, 107], 400)).toEqual([300, 100, 0])
  })
})
