/**
 * The minor collections row of the PyPy validation: a major step more is a minor collection
 * more (each step runs right after its own), so the minor collections are compared beyond the
 * steps' difference when the steps row is within its bounds. Figures of 'random program
 * seed=1 200k ops' at 1 MiB (FIDELITY.md, "Minor collections").
 */
import { describe, expect, it } from 'vitest'
import { minorCollectionsAgree } from '../src/validate/index.js'

describe('minor collections against the real PyPy', () => {
  const real = { minors: 1238, steps: 1238 }

  it('accept a difference that is the major steps own, when those are within bounds', () => {
    // model: one marking and one sweeping step more per major collection (103 majors)
    expect(minorCollectionsAgree({ minors: 1442, steps: 1442 }, real, 115, true)).toBe(true)
  })

  it('refuse it when the steps row fails', () => {
    expect(minorCollectionsAgree({ minors: 1442, steps: 1442 }, real, 115, false)).toBe(false)
  })

  it('refuse minor collections the steps do not explain', () => {
    expect(minorCollectionsAgree({ minors: 1442, steps: 1238 }, real, 115, true)).toBe(false)
    expect(minorCollectionsAgree({ minors: 1339, steps: 1339 }, real, 115, false)).toBe(true)
  })
})
