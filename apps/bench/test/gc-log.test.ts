/** The --gc-log file naming rule (src/gc-log.ts): one file per (workload, runtime) pair. */

import type { RunMetrics } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { gcLogPath, logfmtGcLog } from '../src/gc-log.js'

describe('gcLogPath', () => {
  it('uses FILE itself for a single run', () => {
    expect(gcLogPath('out/gc.log', 'binary-trees', 'jython', true)).toBe('out/gc.log')
  })

  it('inserts .<workload>.<runtime> before the extension when there are several runs', () => {
    expect(gcLogPath('out/gc.log', 'binary-trees', 'jython', false)).toBe('out/gc.binary-trees.jython.log')
    expect(gcLogPath('out.d/gclog', 'gc-collect', 'cpython', false)).toBe('out.d/gclog.gc-collect.cpython')
    expect(gcLogPath('.gclog', 'w', 'r', false)).toBe('.gclog.w.r')
  })

  it('replaces %w and %r, with a preset label made file-name safe', () => {
    expect(gcLogPath('gc-%w-%r.txt', 'lru-cache', 'jython:small-heap', false)).toBe(
      'gc-lru-cache-jython_small-heap.txt',
    )
    expect(gcLogPath('gc-%r.txt', 'lru-cache', 'cpython', true)).toBe('gc-cpython.txt')
  })
})

describe('logfmtGcLog', () => {
  it('prints pause_ns as a whole virtual nanosecond, never float noise', () => {
    const gc = (index: number, pauseVirtual: number) => ({
      index,
      op: 10 * index,
      kind: 'gen0',
      generation: 0,
      reason: 'allocation',
      pauseVirtual,
      freedObjects: 1,
      freedBytes: 24,
      liveBytesAfter: 0,
      footprintAfter: 0,
      promotedBytes: 0,
      copiedBytes: 0,
      compacted: true,
    })
    const metrics = {
      runtime: { preset: 'ironpython', generations: ['gen0', 'gen1', 'gen2'] },
      gcs: [gc(0, 506229.80000000005), gc(1, 2000), gc(2, 2000.5)],
      truncated: false,
    } as unknown as RunMetrics
    const pauses = logfmtGcLog('w', 'ironpython', metrics)
      .filter((l) => !l.startsWith('#'))
      .map((l) => /pause_ns=(\S+)/.exec(l)?.[1])
    expect(pauses).toEqual(['506230', '2000', '2001'])
  })
})
