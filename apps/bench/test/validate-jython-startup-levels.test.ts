/**
 * The JVM start-up levels probe (src/validate/jython/startup-levels.ts) without a JVM: run on
 * the model, whose start-up data lies at known levels, each probe must measure exactly the
 * bytes the model puts before that depth; and the arithmetic from the JVM's log.
 */
import { JythonManager } from '@pygc/jython'
import { describe, expect, it } from 'vitest'
import { exactHeapBytes, type RealCollection } from '../src/validate/jython/jvm-log.js'
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

  it('reads the start-up baseline in bytes from the heap printouts of -Xlog:gc+heap=debug', () => {
    const log = [
      '[0.9s][debug][gc,heap] GC(0) Heap before GC invocations=0 (full 0):',
      '[0.9s][debug][gc,heap] GC(0)   eden space 6656K,  18% used [0x00000000fe000000, 0x00000000fe12c1c8, 0x00000000fe680000)',
      '[0.9s][debug][gc,heap] GC(0)   from space 768K,   0% used [0x00000000fe680000, 0x00000000fe680000, 0x00000000fe740000)',
      '[0.9s][debug][gc,heap] GC(0)    the space 24576K,   0% used [0x00000000fe800000, 0x00000000fe800000, 0x00000000fe800200, 0x0000000100000000)',
      '[0.9s][info ][gc,heap] GC(0) Tenured: 0K(24576K)->732K(24576K)',
      '[0.9s][debug][gc,heap] GC(0) Heap after GC invocations=1 (full 1):',
      '[0.9s][debug][gc,heap] GC(0)   eden space 6656K,   0% used [0x00000000fe000000, 0x00000000fe000000, 0x00000000fe680000)',
      '[0.9s][debug][gc,heap] GC(0)    the space 24576K,   2% used [0x00000000fe800000, 0x00000000fe8b7280, 0x00000000fe8b7400, 0x0000000100000000)',
    ].join('\n')
    // 1200K and 732K at KiB precision; in bytes 1229256 and 750208.
    expect(exactHeapBytes(log, 0)).toEqual({ before: 0x12c1c8, after: 0xb7280 })
    expect(exactHeapBytes(log, 1)).toBeNull()
  })
})
