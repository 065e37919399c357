/**
 * `pygc validate --runtime pypy`: @pygc/pypy's own validation (packages/pypy/src/validate: the
 * model against Debian's pypy3, compared per case and nursery size) in the command's report
 * shape; and `pygc validate --trace FILE --runtime pypy` (or a workload): the same comparisons
 * of any trace at each `--nursery` size (PYPY_GC_NURSERY), after the capability check of
 * replay_pypy.py. The package takes the programs every runtime's validators share (./programs.ts) as an
 * argument, since a runtime package does not import the command. Under CI the CI-sized case set
 * runs, else the whole set (packages/pypy/FIDELITY.md's table; several minutes).
 */
import { basename } from 'node:path'
import {
  NURSERY_1M,
  NURSERY_512K,
  NURSERY_MIN,
  type PyPyValidationReport,
  pypyCases,
  validatePyPy,
  validatePyPyTrace,
} from '@pygc/pypy/validate'
import { REPLAY_PYPY_CAPS, requireCapabilities, type TraceNeeds, traceNeeds } from './capabilities.js'
import * as programs from './programs.js'
import { selectCases } from './selection.js'
import type {
  TraceValidateOptions,
  TraceValidator,
  ValidateOptions,
  ValidationReport,
  Validator,
} from './types.js'

const CASES = pypyCases(programs, process.env.CI !== undefined)

export const PYPY_CASE_NAMES: readonly string[] = CASES.map((c) => c.name)

/** The cases validatePypy runs when none are named: its whole set, with or without --thorough. */
export function pypyDefaultCases(_thorough: boolean): readonly string[] {
  return PYPY_CASE_NAMES
}

export const validatePypy: Validator = async (options: ValidateOptions): Promise<ValidationReport> => {
  const selected = selectCases('pypy', CASES, options.cases)
  const report = await validatePyPy(selected, {
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.log ? { log: options.log } : {}),
    // Once per selection: in its first case (with --jobs, only the first cell's).
    hooks: options.firstCell === false ? false : 'first',
  })
  return inReportShape(report)
}

function inReportShape(report: PyPyValidationReport): ValidationReport {
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

/** The nursery sizes a trace is compared at when no --nursery is given: the built-in cases' three. */
export const DEFAULT_PYPY_NURSERIES: readonly number[] = [NURSERY_MIN, NURSERY_512K, NURSERY_1M]

function checkPypyTrace(needs: TraceNeeds, trace: string): void {
  requireCapabilities(needs, REPLAY_PYPY_CAPS, trace)
}

/**
 * Any trace against the real pypy3 at each nursery size; a trace with finalizers or weakref
 * callbacks also compares their order (with op indices), as the order cases do.
 */
export async function validatePypyTrace(
  trace: string,
  options: TraceValidateOptions = {},
): Promise<ValidationReport> {
  const needs = traceNeeds(trace)
  checkPypyTrace(needs, trace)
  const nurseries = options.heaps?.flatMap((h) => (h.nursery === undefined ? [] : [h.nursery]))
  const order = needs.finalizer !== undefined || needs['weakref-callback'] !== undefined
  const report = await validatePyPyTrace(
    trace,
    options.name ?? basename(trace),
    nurseries !== undefined && nurseries.length > 0 ? nurseries : DEFAULT_PYPY_NURSERIES,
    order,
    {
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.log ? { log: options.log } : {}),
    },
  )
  return inReportShape(report)
}

export const PYPY_TRACE_VALIDATOR: TraceValidator = {
  runtime: 'pypy',
  oracles: [REPLAY_PYPY_CAPS],
  checkTrace: checkPypyTrace,
  validateTrace: validatePypyTrace,
}
