/**
 * .NET's wall-clock rule (gc.cpp new_allocation_allowed: a gen0 window over 1 s ends early): the
 * IronPython validator counts such windows in the real run, runs the oracle again, and accepts a
 * differing row only when every try had one, with the reason as the row's residual.
 */
import { describe, expect, it } from 'vitest'
import { clockWindows, excuseClockWindows } from '../src/validate/ironpython.js'
import type { ValidationRow } from '../src/validate/types.js'

const gc = (ms: number) => ({ index: 0, op: 0, generation: 0, ms })

describe('the wall-clock rule of the .NET oracle', () => {
  it('counts the windows between collections (from the loop start) that took over a second', () => {
    expect(clockWindows({ collections: [gc(200), gc(900), gc(1500)] })).toBe(0)
    expect(clockWindows({ collections: [gc(1200), gc(1300), gc(2400)] })).toBe(2)
    expect(clockWindows({ collections: [] })).toBe(0)
  })

  it("leaves a collection's own pause out of the window before it (the clock starts at a GC's end)", () => {
    const paused = (ms: number, pauseMs: number) => ({ ...gc(ms), pauseMs })
    expect(clockWindows({ collections: [paused(900, 1), paused(2300, 375)] })).toBe(1)
    expect(clockWindows({ collections: [paused(900, 1), paused(2300, 450)] })).toBe(0)
  })

  it('excuses only rows that differ, only when such windows remain, and says why in a residual', () => {
    const rows: ValidationRow[] = [
      { case: 'c', metric: 'gen0 collections', model: 2, real: 3, ok: false },
      { case: 'c', metric: 'gen1 collections', model: 0, real: 0, ok: true },
    ]
    expect(excuseClockWindows(rows, 0)).toEqual(rows)
    const excused = excuseClockWindows(rows, 1)
    expect(excused[0].ok).toBe(true)
    expect(excused[0].residual?.amount).toBe(1)
    expect(excused[0].residual?.why).toMatch(/wall-clock rule/)
    expect(excused[1]).toEqual(rows[1])
  })
})
