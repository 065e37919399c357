/** The `pygc validate` table (formatValidationTable): sections per case, wrapped long text. */
import { describe, expect, it } from 'vitest'
import { formatValidationTable } from '../src/validate/index.js'
import type { ValidationReport } from '../src/validate/types.js'

const causes = 'Full (Allocation Failure), Full (System.gc()), Young (Allocation Failure)'
const report: ValidationReport = {
  runtime: 'jython',
  realRuntime: 'java 17 -XX:+UseSerialGC',
  ok: false,
  residuals: ['case b: explained in FIDELITY.md'],
  rows: [
    { case: 'case a', metric: 'young collections', model: 22, real: 23, ok: true, note: '±1' },
    { case: 'case a', metric: 'causes', model: causes, real: causes, ok: true },
    {
      case: 'case b',
      metric: 'event order',
      model: 'collect finalize callback:1 collect',
      real: 'collect callback:1 finalize collect',
      ok: false,
      note: 'order, not op indices: Jython runs finalizers and callbacks on other threads',
    },
  ],
}

describe('formatValidationTable', () => {
  const text = formatValidationTable(report)
  const lines = text.trimEnd().split('\n')

  it('heads each case once and lists its figures under it', () => {
    expect(lines[0]).toBe('jython model vs java 17 -XX:+UseSerialGC: NOT OK')
    expect(text).toMatch(/^── case a ─+\nyoung collections\s+22\s+23\s+ok\s+±1$/m)
    expect(text).toMatch(/^── case b ─+$/m)
    expect(text.match(/── case a/g)).toHaveLength(1)
  })

  it('prints a long real value equal to the model as (same), wraps long text, fits 120 columns', () => {
    expect(text).toMatch(/^causes\s+Full \(Allocation Failure\),\s+\(same\)\s+ok$/m)
    expect(text).toContain('FAIL')
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(120)
  })

  it('ends with the verdict and the accepted residuals', () => {
    expect(text).toContain('2 cases, 3 comparisons: 1 outside bounds (FAIL rows).')
    expect(text).toContain('Accepted residuals:\n  - case b: explained in FIDELITY.md')
  })
})
