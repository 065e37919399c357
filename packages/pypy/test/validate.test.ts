/**
 * The model against the real PyPy (Debian's pypy3 7.3.11): the quick case set (npm test) of
 * src/validate/cases.ts, each case recorded, replayed on pypy3 by
 * benchmarks/oracles/pypy/replay_pypy.py and on the model, every figure within its bound.
 * PYGC_TESTS=full runs the whole set (the FIDELITY.md table; several minutes).
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import * as shared from '../../../apps/bench/src/validate/programs.js'
import { pypyCases, validatePyPy } from '../src/validate/index.js'

const pypy = process.env.PYGC_PYPY ?? 'pypy3'
const installed = spawnSync(pypy, ['--version'], { encoding: 'utf8' }).status === 0
const full = process.env.PYGC_TESTS === 'full'

describe.skipIf(!installed)(
  `validation against the real PyPy${installed ? '' : ' (skipped: pypy3 is not installed; Debian: apt-get install pypy3)'}`,
  () => {
    it(
      `agrees with pypy3 on the ${full ? 'full' : 'quick'} case set`,
      async () => {
        const report = await validatePyPy(pypyCases(shared, !full), { hooks: 'first' })
        const failed = report.rows.filter((r) => !r.ok)
        expect(
          failed.map((r) => `${r.case}: ${r.figure}: model ${r.model}, real ${r.real} (${r.tolerance})`),
        ).toEqual([])
        // What the comparison must have covered: minor and major collections, steps, survivors,
        // event order, the hooks check.
        const figures = new Set(report.rows.map((r) => r.figure))
        for (const f of [
          'minor collections',
          'major collections',
          '__del__ and callback order (id or tag @ op)',
        ]) {
          expect(figures.has(f)).toBe(true)
        }
        expect(report.rows.some((r) => r.figure.startsWith('gc.hooks'))).toBe(true)
        expect(report.realRuntime).toMatch(/^PyPy 7\.3\./)
      },
      full ? 3_600_000 : 600_000,
    )
  },
)

if (!installed) {
  // Say why in the test output, not only in the title.
  console.warn(`@pygc/pypy validation skipped: '${pypy} --version' failed (Debian: apt-get install pypy3)`)
}
