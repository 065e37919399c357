/**
 * The library entry of validation: `validate(trace, runtime, options)` compares the model of
 * `runtime` (or of every validated runtime, 'all') against the real runtime on one trace file,
 * with the same oracles, comparisons, tolerances and report as `pygc validate --runtime R`.
 * Before any oracle runs, the trace is checked against what the oracle can replay; a trace that
 * needs more is refused with an OracleCapabilityError (code UNSUPPORTED) naming the op index and
 * the missing capability. Documented in apps/bench/VALIDATE.md.
 */
import { PygcError } from '@pygc/core'
import { traceNeeds } from './capabilities.js'
import { CPYTHON_TRACE_VALIDATOR } from './cpython.js'
import { IRONPYTHON_TRACE_VALIDATOR } from './ironpython.js'
import { JYTHON_TRACE_VALIDATOR } from './jython.js'
import { PYPY_TRACE_VALIDATOR } from './pypy.js'
import type {
  HeapConfig,
  TraceValidateOptions,
  TraceValidator,
  ValidatedRuntime,
  ValidationReport,
} from './types.js'

export const TRACE_VALIDATORS: Readonly<Record<ValidatedRuntime, TraceValidator>> = {
  cpython: CPYTHON_TRACE_VALIDATOR,
  jython: JYTHON_TRACE_VALIDATOR,
  ironpython: IRONPYTHON_TRACE_VALIDATOR,
  pypy: PYPY_TRACE_VALIDATOR,
}

/** Which fields of a heap configuration each runtime reads. */
const HEAP_FIELDS: Readonly<Record<ValidatedRuntime, readonly (keyof HeapConfig)[]>> = {
  cpython: ['thresholds'],
  jython: ['xms', 'xmx', 'xmn', 'tlab'],
  ironpython: ['gen0size'],
  pypy: ['nursery'],
}

/**
 * The configurations that say something to `runtime` (others get the runtime's defaults): with
 * `--runtime all --xmx 64m` the JVM runs at 64 MiB and .NET at its own gen0 budgets.
 */
export function heapsFor(
  runtime: ValidatedRuntime,
  heaps: readonly HeapConfig[] | undefined,
): HeapConfig[] | undefined {
  const mine = heaps?.filter((h) => HEAP_FIELDS[runtime].some((k) => h[k] !== undefined))
  return mine === undefined || mine.length === 0 ? undefined : mine
}

/** The validated runtimes `runtime` names ('all': every one; a list: those). */
export function validatedRuntimes(
  runtime: ValidatedRuntime | 'all' | readonly ValidatedRuntime[],
): ValidatedRuntime[] {
  if (typeof runtime !== 'string') return runtime.flatMap((r) => validatedRuntimes(r))
  if (runtime === 'all') return Object.keys(TRACE_VALIDATORS) as ValidatedRuntime[]
  if (!Object.hasOwn(TRACE_VALIDATORS, runtime as string))
    throw new PygcError(
      'UNKNOWN_RUNTIME',
      `no validation for runtime '${String(runtime)}'; valid: ${Object.keys(TRACE_VALIDATORS).join(', ')}, all`,
    )
  return [runtime]
}

/**
 * Validate one trace on one runtime, a list of them, or all: one report per runtime (for 'all'
 * in the order cpython, jython, ironpython, pypy). Every runtime's capability check runs before any oracle does, so a trace
 * one of them cannot replay fails at once.
 */
export async function validate(
  trace: string,
  runtime: ValidatedRuntime | 'all' | readonly ValidatedRuntime[],
  options: TraceValidateOptions = {},
): Promise<ValidationReport[]> {
  const runtimes = validatedRuntimes(runtime)
  const needs = traceNeeds(trace)
  for (const r of runtimes) TRACE_VALIDATORS[r].checkTrace(needs, trace)
  const reports: ValidationReport[] = []
  for (const r of runtimes) {
    const heaps = heapsFor(r, options.heaps)
    const { heaps: _all, ...rest } = options
    reports.push(await TRACE_VALIDATORS[r].validateTrace(trace, { ...rest, ...(heaps ? { heaps } : {}) }))
  }
  return reports
}
