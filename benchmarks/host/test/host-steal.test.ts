import { describe, expect, it } from 'vitest'
import { NOISY_STEAL_SHARE, parseCpuTimes, stealNote, stolenShare } from '../src/host-steal.js'

/** /proc/stat as this project's VM (Linux 6.18) writes it (proc(5)), trimmed to the lines that matter. */
const STAT = `cpu  437290 780 20586 1857759 2034 0 790 43207 0 0
cpu0 218645 390 10293 928879 1017 0 395 21603 0 0
intr 1 2 3
`

describe('stolen CPU time (host-steal.ts)', () => {
  it('reads the aggregate cpu line: the steal column and the sum of the first eight', () => {
    expect(parseCpuTimes(STAT)).toEqual({
      total: 437290 + 780 + 20586 + 1857759 + 2034 + 0 + 790 + 43207,
      steal: 43207,
    })
  })

  it('tells nothing from a text without a full cpu line', () => {
    expect(parseCpuTimes('cpu0 1 2 3 4 5 6 7 8\n')).toBeNull()
    expect(parseCpuTimes('cpu  1 2 3 4 5 6 7\n')).toBeNull()
    expect(parseCpuTimes('cpu  1 2 3 4 x 6 7 8\n')).toBeNull()
  })

  it('gives the share stolen between two readings, and says when it is too much to cite', () => {
    const share = stolenShare({ total: 1000, steal: 10 }, { total: 3000, steal: 410 })
    expect(share).toBeCloseTo(0.2)
    expect(stolenShare(null, { total: 1, steal: 0 })).toBeNull()
    expect(stolenShare({ total: 5, steal: 0 }, { total: 5, steal: 0 })).toBeNull()
    expect(stealNote(share)).toMatch(/^host: 20\.0% of CPU time stolen .*rerun on a quieter machine/)
    expect(stealNote(NOISY_STEAL_SHARE / 2)).toBe(
      'host: 1.0% of CPU time stolen by the hypervisor during this table',
    )
    expect(stealNote(null)).toMatch(/unknown/)
  })
})
