/**
 * `pygc validate --jobs N` (issue 11, item 5): each case of each runtime is a cell of its own
 * in a worker thread (here cpython's 2 cases and pypy's 2: 4 cells); the cells' rows are joined back into
 * one report per runtime, in the runtimes' order, with the same cases and rows as with --jobs 1. The real runtimes' own figures may differ between two runs (PyPy's start-up
 * heap, which the PyPy model is started from, moves by a few hundred bytes), so what is
 * compared is the table's shape and the verdicts, and the model figures of CPython (whose model
 * reads nothing from the real run).
 */
import { describe, expect, it } from 'vitest'
import type { ValidationReport } from '../src/validate/types.js'
import { pygc } from './cli-helpers.js'
import { inProcess } from './in-process.js'
import { FULL_TIER, fullTierTitle } from './tier.js'

const ARGS = [
  'validate',
  '--runtime',
  'cpython,pypy',
  '--cases',
  // Two cases each (in both PyPy case sets, CI's and the full one), so each runtime is split into cells; PyPy's once-per-selection run with
  // gc.hooks on must stay in its first cell only (the rows would differ otherwise). CPython's are
  // two of its cheapest: `pygc validate` on one of them alone takes 4 s of CPU, on binary-trees
  // d=14 (here before) 13 s.
  'gc-phases,weakref-callbacks,finalizers and weakrefs,finalizer allocations',
  '--format',
  'json',
  '--quiet',
]

const full = FULL_TIER

function reports(jobs: number): ValidationReport[] {
  const r = pygc([...ARGS, '--jobs', String(jobs)])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as ValidationReport[]
}

describe('pygc validate --jobs', () => {
  // Two validations of four cases (19 pypy3 runs): about 20 s of CPU, so the full tier's
  // (PYGC_TESTS=full, what CI runs). parallel.test.ts checks the same pool for run and sweep.
  it.skipIf(!full)(
    fullTierTitle(
      `runs the cells side by side and reports each runtime whole and in order, as --jobs 1 does`,
    ),
    () => {
      const parallel = reports(2)
      const serial = reports(1)
      expect(parallel.map((r) => r.runtime)).toEqual(['cpython', 'pypy'])
      expect(parallel.map((r) => r.ok)).toEqual([true, true])
      expect(parallel.map((r) => r.rows.map((x) => `${x.case} / ${x.metric}`))).toEqual(
        serial.map((r) => r.rows.map((x) => `${x.case} / ${x.metric}`)),
      )
      expect(parallel[0].rows.map((x) => x.model)).toEqual(serial[0].rows.map((x) => x.model))
    },
    300_000,
  )

  it('refuses a bad --jobs with a usage error', async () => {
    const r = await inProcess(['validate', '--runtime', 'cpython', '--jobs', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--jobs must be an integer >= 1/)
  })
})
