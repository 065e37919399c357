/** The progress line: done/total and ETA on a terminal, a line per finished step in a log. */
import { describe, expect, it } from 'vitest'
import { createProgress, estimateRemaining, formatDuration, LINE_AFTER_MS } from '../src/progress.js'

function fakeStream(isTTY: boolean) {
  const writes: string[] = []
  return { stream: { isTTY, columns: 200, write: (t: string) => writes.push(t) }, writes }
}

describe('progress', () => {
  it('estimates the time left from the work done so far', () => {
    expect(estimateRemaining(10_000, 25, 100)).toBe(30_000)
    expect(estimateRemaining(10_000, 0, 100)).toBeUndefined()
    expect(formatDuration(30_000)).toBe('30 s')
    expect(formatDuration(125_000)).toBe('2 min 5 s')
    expect(formatDuration(3_720_000)).toBe('1 h 2 min')
  })

  it('draws done/total and an ETA weighted by each step on a terminal', () => {
    let clock = 0
    const { stream, writes } = fakeStream(true)
    const progress = createProgress([1, 3], { quiet: false, stream, now: () => clock })
    progress.start('a on cpython')
    expect(writes.at(-1)).toContain('0/2 a on cpython')
    clock = 2000
    progress.finish(0, 'a on cpython')
    // 1 of 4 units done in 2 s: 6 s left.
    expect(writes.at(-1)).toMatch(/\[#{7}\.{21}\] 1\/2 ETA 6 s/)
    progress.done()
    expect(writes.at(-1)).toBe('\r\x1b[2K')
  })

  it('writes nothing to a log for a short command, then one line per finished step', () => {
    let clock = 0
    const { stream, writes } = fakeStream(false)
    const progress = createProgress(3, { quiet: false, stream, now: () => clock })
    progress.start('a')
    progress.step()
    expect(writes).toEqual([])
    clock = LINE_AFTER_MS + 1000
    progress.finish(2, 'c on jython')
    progress.finish(2, 'c on jython') // a step finishes once
    expect(writes).toEqual([`pygc: 2/3 done (c on jython) after 4 s ETA 2 s\n`])
    progress.done()
    expect(writes).toHaveLength(1)
  })

  it('is silent with --quiet', () => {
    const { stream, writes } = fakeStream(true)
    const progress = createProgress(2, { quiet: true, stream })
    progress.start('a')
    progress.step()
    expect(writes).toEqual([])
  })
})
