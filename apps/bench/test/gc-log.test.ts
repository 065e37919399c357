/** The --gc-log file naming rule (src/gc-log.ts): one file per (workload, runtime) pair. */
import { describe, expect, it } from 'vitest'
import { gcLogPath } from '../src/gc-log.js'

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
