/**
 * .NET's wall-clock rule (gc.cpp new_allocation_allowed: a gen0 window over 1 s ends early): the
 * IronPython validator counts such windows in the real run, runs the oracle again, and accepts a
 * differing row only when every try had one, with the reason as the row's residual.
 */
import { describe, expect, it } from 'vitest'
import { clockWindows, compareBeforeClock, excuseClockWindows } from '../src/validate/ironpython.js'
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

  it('holds the collections before the first clock-ended window to the model, op by op', () => {
    const real = (op: number, generation: number, ms: number) => ({ index: 0, op, generation, ms })
    const model = (op: number, generation: number) => ({ op, generation })
    const reals = [real(16152, 0, 45), real(208536, 0, 150), real(1531315, 0, 900), real(4098581, 1, 2300)]
    // No window over a second: nothing to add.
    expect(compareBeforeClock('c', { collections: [] }, { collections: reals.slice(0, 3) })).toEqual([])
    const agree = compareBeforeClock(
      'c',
      { collections: [model(16151, 0), model(208536, 0), model(1531300, 0)] },
      {
        collections: reals,
      },
    )
    expect(agree).toHaveLength(1)
    expect(agree[0]).toMatchObject({ model: 3, real: 3, ok: true })
    // A collection 163 ops away (over 1% of a 16,152-op window), or of another generation, is
    // not the same one; 1,900 ops away in a 192,384-op window is.
    const apart = compareBeforeClock(
      'c',
      { collections: [model(16152 + 163, 0), model(208536 + 1900, 0), model(1531315, 1)] },
      {
        collections: reals,
      },
    )
    expect(apart[0]).toMatchObject({ model: 1, real: 3, ok: false })
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
