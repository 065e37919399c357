/**
 * `pygc validate`: the model against the real runtime, three ways into one path.
 *
 *   pygc validate --runtime R                 the runtime's validation set (built-in cases)
 *   pygc validate --trace FILE --runtime R    one recorded trace
 *   pygc validate WORKLOAD --runtime R        a workload, recorded on R's model first
 *
 * R is a runtime or `all`. Heap options (--xmx, --gen0size, --thresholds...) give the
 * configurations a trace or workload is compared at; the built-in cases carry their own.
 * Every trace is checked against its oracle's capabilities before anything runs. Exit code 1
 * when any report is not ok.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileSink, PygcError, RecordingMutator, Rng } from '@pygc/core'
import {
  COMMON_OPTIONS,
  message,
  parseCommand,
  parseFormat,
  parseSeed,
  RUN_OPTIONS,
  UsageError,
} from '../cli-support.js'
import { createManager } from '../execute.js'
import { findRuntime } from '../runtimes.js'
import { TRACE_VALIDATORS, validate, validatedRuntimes } from '../validate/api.js'
import { OracleCapabilityError, traceNeeds } from '../validate/capabilities.js'
import { formatValidationTable, VALIDATION_CASE_NAMES, VALIDATORS } from '../validate/index.js'
import { runValidateJobs } from '../validate/parallel.js'
import { planRuns } from '../validate/selection.js'
import type { ValidatedRuntime, ValidationReport } from '../validate/types.js'
import { PARALLEL_OPTIONS, parseJobs } from '../worker-pool.js'
import { findWorkload, parseSize } from '../workloads.js'
import { planWorkloads } from './run.js'
import { parseHeapConfigs } from './validate-heaps.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  runtime: { type: 'string', short: 'r' },
  runtimes: { type: 'string' },
  cases: { type: 'string' },
  workloads: { type: 'string' },
  format: { type: 'string', short: 'f' },
  trace: { type: 'string' },
  size: RUN_OPTIONS.size,
  param: RUN_OPTIONS.param,
  seed: RUN_OPTIONS.seed,
  xms: { type: 'string' },
  xmx: { type: 'string' },
  xmn: { type: 'string' },
  tlab: { type: 'string' },
  gen0size: { type: 'string' },
  nursery: { type: 'string' },
  thresholds: { type: 'string', multiple: true },
  thorough: { type: 'boolean' },
  python: { type: 'string' },
  pymalloc: { type: 'boolean' },
  jobs: PARALLEL_OPTIONS.jobs,
} as const

/** One entry of `--runtime`: a runtime, and for cpython the model preset to validate. */
interface ValidatorSpec {
  runtime: string
  preset?: string
}

/**
 * The runtimes `--runtime` names: for the built-in sets, every registered runtime with a
 * validator (../runtimes.ts); for --trace FILE or a workload, those with a trace validator.
 * `cpython:3.12` also names the model preset to validate (cpython only); each preset named is
 * its own entry (`cpython:3.10,cpython:3.13` validates both), in the order given, once each.
 */
function parseValidatorList(
  text: string | undefined,
  traces: boolean,
): { runtimes: string[]; specs: ValidatorSpec[] } {
  const valid: string[] = traces ? validatedRuntimes('all') : Object.keys(VALIDATORS)
  if (text === undefined || text === 'all')
    return { runtimes: valid, specs: valid.map((runtime) => ({ runtime })) }
  const specs = text.split(',').flatMap((spec): ValidatorSpec[] => {
    const [name, preset] = spec.trim().split(':', 2)
    if (preset !== undefined && name !== 'cpython')
      throw new PygcError('INVALID_PARAM', `validation of ${name} has no presets (got '${spec.trim()}')`)
    if (traces) return validatedRuntimes(name as ValidatedRuntime).map((runtime) => ({ runtime }))
    if (!valid.includes(name))
      throw new PygcError(
        'UNKNOWN_RUNTIME',
        `no validation for runtime '${name}'; valid: ${valid.join(', ')}, all`,
      )
    return [preset !== undefined ? { runtime: name, preset } : { runtime: name }]
  })
  const seen = new Set<string>()
  const unique = specs.filter((s) => {
    const key = `${s.runtime}:${s.preset ?? ''}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  return { runtimes: [...new Set(unique.map((s) => s.runtime))], specs: unique }
}

function splitList(text: string | undefined): string[] | undefined {
  return text === undefined
    ? undefined
    : text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
}

/**
 * Case names start with their workload's name ("binary-trees d=10"), so --workloads selects
 * the rows of those workloads. Validators take exact case names; --workloads filters after.
 */
function matchesWorkloads(caseName: string, workloads: readonly string[] | undefined): boolean {
  return workloads === undefined || workloads.some((w) => caseName === w || caseName.startsWith(`${w} `))
}

function print(reports: ValidationReport[], format: 'table' | 'json'): void {
  if (format === 'json')
    process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`)
  else process.stdout.write(reports.map(formatValidationTable).join('\n'))
}

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values']

/** The built-in validation sets. */
async function builtInCases(
  values: Values,
  runtimes: string[],
  specs: readonly ValidatorSpec[],
): Promise<{ reports: ValidationReport[]; unmatched: number }> {
  const cases = splitList(values.cases)
  const workloads = splitList(values.workloads)
  // A case name selects the cases of whichever runtimes have it; a name none has throws here,
  // before any oracle runs.
  const runs = planRuns(runtimes, cases, VALIDATION_CASE_NAMES)
  const jobs = specs.flatMap(({ runtime, preset }) => {
    const run = runs.find((r) => r.runtime === runtime)
    if (run === undefined) return []
    const own = run.cases
    return {
      runtime: runtime as ValidationReport['runtime'],
      options: {
        ...(own ? { cases: own } : {}),
        ...(values.thorough ? { thorough: true } : {}),
        ...(preset !== undefined ? { preset } : {}),
        ...(values.python !== undefined && runtime === 'cpython' ? { python: values.python } : {}),
        ...(values.pymalloc === true && runtime === 'cpython' ? { pymalloc: true } : {}),
      },
      verbose: !values.quiet,
    }
  })
  const reports = await runValidateJobs(jobs, parseJobs(values.jobs) ?? availableParallelism())
  if (workloads)
    for (const report of reports) {
      report.rows = report.rows.filter((r) => matchesWorkloads(r.case, workloads))
      report.ok = report.rows.every((r) => r.ok)
    }
  // A name that matched nothing is a mistake, not a pass: say so and fail.
  const unmatched = [...(cases ?? []), ...(workloads ?? [])].filter(
    (name) => !reports.some((report) => report.rows.some((r) => matchesWorkloads(r.case, [name]))),
  )
  if (unmatched.length > 0) {
    message(
      `pygc validate: no validation case of ${runtimes.join(', ')} matches ${unmatched.map((n) => `'${n}'`).join(', ')} (pygc validate --runtime R without --cases lists R's cases)`,
    )
  }
  return { reports, unmatched: unmatched.length }
}

/** A workload recorded on each runtime's own model (its op stream may depend on the runtime's answers). */
async function workloadCase(
  name: string,
  values: Values,
  runtimes: ValidatedRuntime[],
  heaps: ReturnType<typeof parseHeapConfigs>,
): Promise<ValidationReport[]> {
  const workload = findWorkload(name)
  const size = parseSize(values.size, 'test')
  const seed = parseSeed(values.seed)
  const [{ params }] = planWorkloads([workload], size, values.param ?? [])
  const dir = mkdtempSync(join(tmpdir(), 'pygc-validate-'))
  const reports: ValidationReport[] = []
  // --param values that differ from the size's own are part of what was validated.
  const overrides = Object.entries(params)
    .filter(([k, v]) => workload.sizes[size][k] !== v)
    .map(([k, v]) => ` ${k}=${v}`)
    .join('')
  const label = `${workload.name} size=${size}${overrides} seed=${seed}`
  try {
    // Every runtime's trace is recorded and checked before any oracle runs; a runtime whose
    // oracle cannot replay its trace gets a report with the refusal as its one (FAIL) row, and
    // the others still run.
    const traces = new Map<ValidatedRuntime, string>()
    const refused = new Map<ValidatedRuntime, ValidationReport>()
    for (const runtime of runtimes) {
      const trace = join(dir, `${workload.name}-${runtime}.trace`)
      const recorder = new RecordingMutator(createManager(findRuntime(runtime), {}), fileSink(trace), {
        metadata: { workload: workload.name, size, params, seed, recordedBy: 'pygc validate' },
      })
      workload.run(recorder, params, new Rng(seed))
      recorder.finish()
      traces.set(runtime, trace)
      try {
        TRACE_VALIDATORS[runtime].checkTrace(traceNeeds(trace), trace)
      } catch (e) {
        if (!(e instanceof OracleCapabilityError)) throw e
        refused.set(runtime, refusalReport(runtime, label, e))
      }
    }
    for (const runtime of runtimes) {
      const refusal = refused.get(runtime)
      if (refusal !== undefined) {
        message(`pygc validate: ${refusal.rows[0].note}`)
        reports.push(refusal)
        continue
      }
      reports.push(
        ...(await validate(traces.get(runtime) as string, runtime, {
          name: label,
          ...(heaps ? { heaps } : {}),
          ...logOf(values, runtime),
        })),
      )
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return reports
}

/** A runtime's report when its oracle refuses the workload's trace: the refusal is its one row. */
function refusalReport(runtime: ValidatedRuntime, label: string, e: OracleCapabilityError): ValidationReport {
  return {
    runtime,
    realRuntime: e.oracle,
    rows: [
      {
        case: label,
        metric: 'oracle capability',
        model: 'recorded',
        real: `refused: op ${e.op} needs '${e.capability}'`,
        ok: false,
        note: e.message,
      },
    ],
    ok: false,
    residuals: [],
  }
}

function logOf(values: Values, runtime: string): { log: (s: string) => void } {
  return { log: values.quiet ? () => {} : (text) => message(`pygc validate ${runtime}: ${text}`) }
}

export async function validateCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('validate', args, OPTIONS)
  const traces = positionals.length > 0 || values.trace !== undefined
  const { runtimes, specs } = parseValidatorList(values.runtime ?? values.runtimes, traces)
  const format = parseFormat(values.format, ['table', 'json'] as const, 'table')
  const heaps = parseHeapConfigs(values)
  if (positionals.length > 1) throw new UsageError('name at most one workload (see pygc list)')
  const workload = positionals[0]
  if (workload !== undefined && values.trace !== undefined)
    throw new UsageError('give a workload or --trace FILE, not both')
  const own = workload !== undefined || values.trace !== undefined
  if (!own && heaps !== undefined)
    throw new UsageError(
      'heap options apply to --trace FILE or a workload; the built-in cases carry their own',
    )
  if (
    own &&
    (specs.some((s) => s.preset !== undefined) ||
      values.python !== undefined ||
      values.pymalloc !== undefined)
  )
    throw new UsageError('cpython:PRESET, --python and --pymalloc apply to the built-in cases')
  if (own && (values.cases !== undefined || values.workloads !== undefined))
    throw new UsageError('--cases and --workloads select built-in cases; not with --trace FILE or a workload')
  let reports: ValidationReport[]
  let unmatched = 0
  if (values.trace !== undefined) {
    // Every runtime's capability check runs before the first oracle does.
    try {
      reports = await validate(values.trace, runtimes as ValidatedRuntime[], {
        ...(heaps ? { heaps } : {}),
        ...logOf(values, runtimes.join(',')),
      })
    } catch (e) {
      if (e instanceof PygcError && e.code === 'UNSUPPORTED') {
        message(`pygc validate: ${e.message}`)
        return 1
      }
      throw e
    }
  } else if (workload !== undefined)
    reports = await workloadCase(workload, values, runtimes as ValidatedRuntime[], heaps)
  else ({ reports, unmatched } = await builtInCases(values, runtimes, specs))
  print(reports, format)
  return reports.every((r) => r.ok) && unmatched === 0 ? 0 : 1
}
