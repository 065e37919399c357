/**
 * `pygc validate --runtime pypy`: @pygc/pypy's own validation (packages/pypy/src/validate: the
 * model against Debian's pypy3, compared per case and nursery size) in the command's report
 * shape. The package takes the programs every runtime's validators share (./programs.ts) as an
 * argument, since a runtime package does not import the command. Under CI the CI-sized case set
 * runs, else the whole set (packages/pypy/FIDELITY.md's table; several minutes).
 */
import { pypyCases, validatePyPy } from '@pygc/pypy/validate'
import * as programs from './programs.js'
import { selectCases } from './selection.js'
import type { ValidateOptions, ValidationReport, Validator } from './types.js'

const CASES = pypyCases(programs, process.env.CI !== undefined)

export const PYPY_CASE_NAMES: readonly string[] = CASES.map((c) => c.name)

export const validatePypy: Validator = async (options: ValidateOptions): Promise<ValidationReport> => {
  const selected = selectCases('pypy', CASES, options.cases)
  const report = await validatePyPy(selected, {
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.log ? { log: options.log } : {}),
    hooks: 'first',
  })
  return {
    runtime: 'pypy',
    realRuntime: report.realRuntime,
    rows: report.rows.map((r) => ({
      case: r.case,
      metric: r.figure,
      model: r.model,
      real: r.real,
      ok: r.ok,
      tolerance: r.tolerance,
      ...(r.note === undefined ? {} : { note: r.note }),
    })),
    ok: report.ok,
    residuals: report.residuals,
  }
}
