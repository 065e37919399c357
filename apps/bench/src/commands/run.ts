/**
 * `pygc run`: the same workloads, parameters and seed on each chosen runtime, then the
 * side-by-side table (or JSON / CSV / Markdown), and with --out the four result files.
 */
import { writeFileSync } from 'node:fs'
import type { ResultsDocument, WorkloadResults } from '@pygc/report'
import type { SizeName, Workload } from '@pygc/workloads'
import {
  anyFailure,
  COMMON_OPTIONS,
  message,
  parseCommand,
  parseCosts,
  parseFormat,
  parseSeed,
  RESULT_FORMATS,
  RUN_OPTIONS,
  renderResults,
  UsageError,
  writeOutDir,
} from '../cli-support.js'
import { type ExecuteOptions, executeWorkload } from '../execute.js'
import { gcLogLines } from '../gc-log.js'
import { createProgress } from '../progress.js'
import { emptyDocument, makeMeta, makeSettings } from '../results.js'
import { parseRuntimeList, type RuntimeChoice } from '../runtimes.js'
import {
  allWorkloads,
  checkOverridesApply,
  findWorkload,
  parseIntegerValue,
  parseParamOverrides,
  parseSize,
  resolveWorkloadParams,
} from '../workloads.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...RUN_OPTIONS,
  suite: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'gc-log': { type: 'string' },
  promptness: { type: 'boolean' },
  'timeline-every': { type: 'string' },
  'heap-limit': { type: 'string', multiple: true },
} as const

/**
 * `--heap-limit BYTES` (every runtime) or `--heap-limit runtime=BYTES` (one runtime), in modeled
 * bytes: ManagerOptions.heapLimit, beyond which a runtime raises its out-of-memory error.
 */
export function parseHeapLimits(
  items: readonly string[],
  runtimes: readonly RuntimeChoice[],
): Map<string, number> {
  const limits = new Map<string, number>()
  for (const item of items) {
    const eq = item.indexOf('=')
    const target = eq > 0 ? item.slice(0, eq) : undefined
    const bytes = parseIntegerValue('--heap-limit', eq > 0 ? item.slice(eq + 1) : item)
    if (bytes <= 0) throw new UsageError(`--heap-limit must be a positive number of bytes, got ${bytes}`)
    if (target !== undefined && !runtimes.some((r) => r.label === target)) {
      throw new UsageError(
        `--heap-limit ${item}: '${target}' is not one of the chosen runtimes (${runtimes.map((r) => r.label).join(', ')})`,
      )
    }
    for (const r of runtimes) if (target === undefined || r.label === target) limits.set(r.label, bytes)
  }
  return limits
}

/** Suites: named workload lists. `default` is every workload (what `npm run bench` runs). */
function suiteWorkloads(suite: string): readonly Workload[] {
  if (suite === 'default') return allWorkloads()
  throw new UsageError(`unknown suite '${suite}'; valid suites: default`)
}

export interface PlannedWorkload {
  workload: Workload
  params: Record<string, number>
}

/** Check every name and value before anything runs, so bad input never wastes a run. */
export function planWorkloads(
  names: readonly Workload[],
  size: SizeName,
  paramItems: readonly string[],
): PlannedWorkload[] {
  const overrides = parseParamOverrides(paramItems)
  checkOverridesApply(names, overrides)
  return names.map((workload) => ({ workload, params: resolveWorkloadParams(workload, size, overrides) }))
}

/** Run every planned workload on every runtime; failures become error cells. */
export function runPlanned(
  doc: ResultsDocument,
  planned: readonly PlannedWorkload[],
  runtimes: readonly RuntimeChoice[],
  options: ExecuteOptions & {
    seed: number
    size: string
    quiet: boolean
    gcLog?: string[]
    heapLimits?: Map<string, number>
  },
): void {
  const progress = createProgress(planned.length * runtimes.length, { quiet: options.quiet })
  const started = performance.now()
  for (const { workload, params } of planned) {
    const results: WorkloadResults = {
      workload: workload.name,
      description: workload.description,
      source: workload.source,
      origin: 'workload',
      size: options.size,
      params,
      seed: options.seed,
      runs: [],
    }
    for (const runtime of runtimes) {
      progress.start(`${workload.name} on ${runtime.label}`)
      const heapLimit = options.heapLimits?.get(runtime.label)
      const execution = executeWorkload(workload, params, options.seed, runtime, {
        ...options,
        ...(heapLimit !== undefined ? { heapLimit } : {}),
      })
      results.runs.push(execution.run)
      if (execution.wall)
        doc.wall.runs.push({ workload: workload.name, runtime: runtime.label, params, ...execution.wall })
      if (options.gcLog && execution.metrics)
        options.gcLog.push(...gcLogLines(workload.name, runtime.label, execution.metrics))
      progress.step()
    }
    doc.workloads.push(results)
  }
  progress.done()
  doc.wall.totalMs = performance.now() - started
}

export function runCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('run', args, OPTIONS)
  if (values.suite !== undefined && positionals.length > 0) {
    throw new UsageError('pygc run: give workload names or --suite, not both')
  }
  if (values.suite === undefined && positionals.length === 0) {
    throw new UsageError('pygc run: name at least one workload (see pygc list) or use --suite default')
  }
  const chosen = values.suite !== undefined ? suiteWorkloads(values.suite) : positionals.map(findWorkload)
  const runtimes = parseRuntimeList(values.runtimes)
  const size = parseSize(values.size, 'small')
  const seed = parseSeed(values.seed)
  const cost = parseCosts(values.cost)
  const format = parseFormat(values.format, RESULT_FORMATS, 'table')
  const timelineEvery =
    values['timeline-every'] !== undefined
      ? parseIntegerValue('--timeline-every', values['timeline-every'])
      : undefined
  if (timelineEvery !== undefined && timelineEvery < 1) throw new UsageError('--timeline-every must be >= 1')
  const planned = planWorkloads(chosen, size, values.param ?? [])
  const heapLimits = parseHeapLimits(values['heap-limit'] ?? [], runtimes)

  const doc = emptyDocument(
    makeMeta(['run', ...args], seed),
    makeSettings({
      runtimes: runtimes.map((r) => r.label),
      size,
      seed,
      cost,
      promptness: values.promptness ?? false,
      timelineEvery: timelineEvery ?? 0,
      heapLimits,
    }),
  )
  const gcLog: string[] | undefined = values['gc-log'] !== undefined ? [] : undefined
  runPlanned(doc, planned, runtimes, {
    seed,
    size,
    quiet: values.quiet ?? false,
    cost,
    promptness: values.promptness ?? false,
    ...(timelineEvery !== undefined ? { timelineEvery } : {}),
    ...(gcLog ? { gcLog } : {}),
    heapLimits,
  })

  process.stdout.write(renderResults(doc, format))
  if (gcLog && values['gc-log'] !== undefined) {
    writeFileSync(values['gc-log'], gcLog.length > 0 ? `${gcLog.join('\n')}\n` : '')
    if (!values.quiet) message(`pygc: wrote ${gcLog.length} collections to ${values['gc-log']}`)
  }
  if (values.out !== undefined) {
    const files = writeOutDir(doc, values.out)
    if (!values.quiet) message(`pygc: wrote ${files.join(', ')}`)
  }
  return reportFailures(doc)
}

/** Exit code 1 (and a message) when any runtime's run failed; its cell already says why. */
export function reportFailures(doc: ResultsDocument): number {
  if (!anyFailure(doc)) return 0
  for (const w of doc.workloads) {
    for (const r of w.runs)
      if (r.status !== 'ok') message(`pygc: ${w.workload} failed on ${r.runtime}: ${r.error?.message}`)
  }
  return 1
}
