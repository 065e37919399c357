/**
 * `pygc run`: the same workloads, parameters and seed on each chosen runtime, then the
 * side-by-side table (or JSON / CSV / Markdown), and with --out the four result files.
 */
import { writeFileSync } from 'node:fs'
import { isPygcError } from '@pygc/core'
import type { ResultsDocument, WallRun, WorkloadResults } from '@pygc/report'
import type { SizeName, Workload } from '@pygc/workloads'
import type { RunCell } from '../cell.js'
import { cellWeights, earlierWallTimes } from '../cell-weights.js'
import {
  COMMON_OPTIONS,
  checkOutputFile,
  emitResults,
  message,
  OUT_OPTIONS,
  parseCommand,
  parseRunSetup,
  prepareOutputs,
  RUN_OPTIONS,
  reportFailures,
  startDocument,
  UsageError,
} from '../cli-support.js'
import { DEFAULT_EVENTS_KEPT, keepLowestIds } from '../event-lists.js'
import { createManager, type ExecuteOptions } from '../execute.js'
import { type GcLogEntry, gcLogFor, gcLogPath } from '../gc-log.js'
import { createProgress } from '../progress.js'
import type { RuntimeChoice } from '../runtimes.js'
import { inShard, parseShard, type Shard, WHOLE } from '../shard.js'
import { type TracedRun, traceEvents } from '../trace-events.js'
import { choiceMessage, unknownChoice } from '../usage.js'
import { defaultJobs, PARALLEL_OPTIONS, parseJobs, runCells } from '../worker-pool.js'
import {
  allWorkloads,
  checkOverridesApply,
  findWorkload,
  parseIntegerValue,
  parseParamOverrides,
  resolveWorkloadParams,
} from '../workloads.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...RUN_OPTIONS,
  ...OUT_OPTIONS,
  suite: { type: 'string' },
  'gc-log': { type: 'string' },
  'trace-events': { type: 'string' },
  promptness: { type: 'boolean' },
  'timeline-every': { type: 'string' },
  events: { type: 'string' },
  repeat: { type: 'string' },
  'heap-limit': { type: 'string', multiple: true },
  ...PARALLEL_OPTIONS,
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
      const labels = runtimes.map((r) => r.label)
      throw new UsageError(
        choiceMessage(
          `--heap-limit ${item}: '${target}' is not a chosen runtime`,
          target,
          labels,
          'chosen runtimes',
        ),
      )
    }
    for (const r of runtimes) if (target === undefined || r.label === target) limits.set(r.label, bytes)
  }
  for (const r of runtimes) {
    const heapLimit = limits.get(r.label)
    if (heapLimit !== undefined) checkHeapLimitAccepted(r, heapLimit)
  }
  return limits
}

/**
 * A heap limit the runtime refuses outright (below Jython's 2 MiB -Xmx floor, say) is a usage
 * error, found before anything runs: the runtime is created once with it, as every cell would
 * be. Running out of memory under an accepted limit is a run failure, reported in its cell.
 */
function checkHeapLimitAccepted(runtime: RuntimeChoice, heapLimit: number): void {
  try {
    createManager(runtime, { heapLimit })
  } catch (e) {
    if (isPygcError(e, 'INVALID_OPTION'))
      throw new UsageError(`--heap-limit ${heapLimit}: ${runtime.label} refuses it: ${e.message}`)
    throw e
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length
}

/** Suites: named workload lists. `default` is every workload (what `npm run bench` runs). */
function suiteWorkloads(suite: string): readonly Workload[] {
  if (suite === 'default') return allWorkloads()
  throw unknownChoice('suite', suite, ['default'])
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

/** The workloads' cells, workload-major in runtime order: what --shard numbers and splits. */
export function plannedCells(
  planned: readonly PlannedWorkload[],
  runtimes: readonly RuntimeChoice[],
  seed: number,
  options: Omit<ExecuteOptions, 'onProgress'>,
  heapLimits: ReadonlyMap<string, number> | undefined,
  repeat: number,
): RunCell[] {
  return planned.flatMap(({ workload, params }, w) =>
    runtimes.map((runtime, r): RunCell => {
      const heapLimit = heapLimits?.get(runtime.label)
      return {
        kind: 'run',
        index: w * runtimes.length + r,
        workload: workload.name,
        params,
        seed,
        runtime: runtime.label,
        options: { ...options, ...(heapLimit !== undefined ? { heapLimit } : {}) },
        repeat,
      }
    }),
  )
}

/**
 * Run every planned workload on every runtime, each (workload, runtime) cell on one of `jobs`
 * threads; failures become error cells. With a shard, only the shard's workloads run: those
 * whose index is K-1 modulo N (merge.ts restores the unsharded order from meta.shard).
 */
export async function runPlanned(
  doc: ResultsDocument,
  planned: readonly PlannedWorkload[],
  runtimes: readonly RuntimeChoice[],
  options: Omit<ExecuteOptions, 'gcLog' | 'onProgress'> & {
    seed: number
    size: string
    quiet: boolean
    /** Collects each run's collection log when given (--gc-log). */
    gcLogs?: GcLogEntry[]
    /** Collects each run's collections on the virtual clock when given (--trace-events). */
    traced?: TracedRun[]
    heapLimits?: Map<string, number>
    /** Keep the finalizer and weakref events of this many ids per workload (event-lists.ts). */
    eventsKept?: number
    /** Run each cell this many times: wall times of each kept, the rest must be identical. */
    repeat?: number
    /** Worker threads (--jobs; default: defaultJobs in worker-pool.ts). */
    jobs?: number | undefined
    shard?: Shard
    /** A directory whose results.json holds wall times of an earlier run, to weigh the cells. */
    earlierResults?: string
  },
): Promise<void> {
  const {
    seed,
    size,
    quiet,
    gcLogs,
    traced,
    heapLimits,
    eventsKept,
    repeat,
    jobs,
    shard,
    earlierResults: _earlier,
    ...execute
  } = options
  const all = plannedCells(
    planned,
    runtimes,
    seed,
    { ...execute, gcLog: gcLogs !== undefined, gcClock: gcLogs !== undefined || traced !== undefined },
    heapLimits,
    repeat ?? 1,
  )
  // A shard takes whole workloads: the events a results file keeps are chosen across all the
  // runtimes of a workload (keepLowestIds), so its runtimes must run in one process.
  const cells = all.filter((cell) => inShard(Math.floor(cell.index / runtimes.length), shard ?? WHOLE))
  const weights = cellWeights(cells, earlierWallTimes(options.earlierResults), (cell) =>
    estimatedCellOps(cell, planned),
  )
  const progress = createProgress(weights, { quiet })
  const started = performance.now()
  const estimatedOps = cells.reduce((sum, cell) => sum + estimatedCellOps(cell, planned), 0)
  const outcomes = await runCells(cells, defaultJobs(jobs, estimatedOps), weights, {
    onStart: (cell) => progress.start(cellLabel(cell)),
    onDetail: (text, fraction) => progress.detail(text, fraction),
    onDone: (cell) => progress.finish(cells.indexOf(cell), cellLabel(cell)),
  })
  progress.done()
  const byIndex = new Map(cells.map((cell, i) => [cell.index, outcomes[i]]))
  planned.forEach(({ workload, params }, w) => {
    const results: WorkloadResults = {
      workload: workload.name,
      description: workload.description,
      source: workload.source,
      origin: 'workload',
      size,
      params,
      seed,
      runs: [],
    }
    if (!byIndex.has(w * runtimes.length)) return // another shard's workload
    runtimes.forEach((runtime, r) => {
      const outcome = byIndex.get(w * runtimes.length + r)
      if (outcome === undefined) return
      const { execution, walls } = outcome
      results.runs.push(execution.run)
      if (execution.wall) {
        const wall: WallRun = { workload: workload.name, runtime: runtime.label, params, ...execution.wall }
        if (walls.length > 1) {
          wall.totalMs = mean(walls.map((t) => t.totalMs))
          wall.gcMs = mean(walls.map((t) => t.gcMs))
          wall.repeats = { totalMs: walls.map((t) => t.totalMs), gcMs: walls.map((t) => t.gcMs) }
        }
        doc.wall.runs.push(wall)
      }
      if (gcLogs && execution.metrics) {
        gcLogs.push({
          workload: workload.name,
          runtime: runtime.label,
          lines: gcLogFor(workload.name, runtime.label, execution.metrics, execution.nativeGcLog, {
            ...(execution.run.native ? { native: execution.run.native } : {}),
            ...(execution.gcClock ? { clock: execution.gcClock.collections } : {}),
          }),
        })
      }
      if (traced && execution.gcClock && execution.metrics)
        traced.push({
          workload: workload.name,
          runtime: runtime.label,
          kinds: execution.metrics.runtime.generations,
          ...execution.gcClock,
        })
    })
    if (eventsKept !== undefined) keepLowestIds(results, eventsKept)
    doc.workloads.push(results)
  })
  doc.wall.totalMs = performance.now() - started
}

function cellLabel(cell: RunCell): string {
  return `${cell.workload} on ${cell.runtime}`
}

/** The workload's own estimate for the cell's params, times its repeats. */
function estimatedCellOps(cell: RunCell, planned: readonly PlannedWorkload[]): number {
  const workload = planned.find((p) => p.workload.name === cell.workload)?.workload
  return (workload?.estimateOps(cell.params) ?? 1) * cell.repeat
}

/**
 * Write each (workload, runtime) log to its file (see gc-log.ts for the naming rule). `runs`
 * is how many runs the command made, failed ones included, so a file's name does not depend on
 * whether another runtime failed (and was checked before the runs by plannedGcLogFiles).
 */
export function writeGcLogs(
  pattern: string,
  entries: readonly GcLogEntry[],
  runs: number,
  quiet: boolean,
): void {
  for (const entry of entries) {
    const file = gcLogPath(pattern, entry.workload, entry.runtime, runs === 1)
    writeFileSync(file, entry.lines.length > 0 ? `${entry.lines.join('\n')}\n` : '')
    if (!quiet) message(`pygc: wrote the gc log of ${entry.workload} on ${entry.runtime} to ${file}`)
  }
}

/** Every file --gc-log PATTERN will write, known before anything runs. */
export function plannedGcLogFiles(
  pattern: string,
  planned: readonly PlannedWorkload[],
  runtimes: readonly RuntimeChoice[],
): string[] {
  const single = planned.length * runtimes.length === 1
  return planned.flatMap(({ workload }) =>
    runtimes.map((runtime) => gcLogPath(pattern, workload.name, runtime.label, single)),
  )
}

export async function runCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('run', args, OPTIONS)
  if (values.suite !== undefined && positionals.length > 0) {
    throw new UsageError('give workload names or --suite, not both')
  }
  if (values.suite === undefined && positionals.length === 0) {
    throw new UsageError('name at least one workload (see pygc list) or use --suite default')
  }
  const chosen = values.suite !== undefined ? suiteWorkloads(values.suite) : positionals.map(findWorkload)
  const setup = parseRunSetup(values, 'small')
  const timelineEvery =
    values['timeline-every'] !== undefined
      ? parseIntegerValue('--timeline-every', values['timeline-every'])
      : undefined
  if (timelineEvery !== undefined && timelineEvery < 1)
    throw new UsageError(`--timeline-every must be an integer >= 1, got '${timelineEvery}'`)
  const repeat = values.repeat !== undefined ? parseIntegerValue('--repeat', values.repeat) : 1
  if (repeat < 1) throw new UsageError(`--repeat must be an integer >= 1, got '${repeat}'`)
  const events =
    values.events !== undefined ? parseIntegerValue('--events', values.events) : DEFAULT_EVENTS_KEPT
  if (events < 0) throw new UsageError(`--events must be an integer >= 0, got '${events}'`)
  const planned = planWorkloads(chosen, setup.size, values.param ?? [])
  const heapLimits = parseHeapLimits(values['heap-limit'] ?? [], setup.runtimes)
  const jobs = parseJobs(values.jobs)
  const shard = parseShard(values.shard)
  const promptness = values.promptness ?? false
  prepareOutputs({
    out: values.out,
    gcLog:
      values['gc-log'] !== undefined
        ? { pattern: values['gc-log'], files: plannedGcLogFiles(values['gc-log'], planned, setup.runtimes) }
        : undefined,
  })
  if (values['trace-events'] !== undefined) checkOutputFile(values['trace-events'], '--trace-events')

  const doc = startDocument('run', args, setup, {
    promptness,
    timelineEvery: timelineEvery ?? 0,
    events,
    ...(repeat > 1 ? { repeat } : {}),
    heapLimits,
  })
  if (shard.count > 1) doc.meta.shard = shard
  const gcLog: GcLogEntry[] | undefined = values['gc-log'] !== undefined ? [] : undefined
  const traced: TracedRun[] | undefined = values['trace-events'] !== undefined ? [] : undefined
  await runPlanned(doc, planned, setup.runtimes, {
    seed: setup.seed,
    size: setup.size,
    quiet: values.quiet ?? false,
    cost: setup.cost,
    promptness,
    ...(timelineEvery !== undefined ? { timelineEvery } : {}),
    ...(gcLog ? { gcLogs: gcLog } : {}),
    ...(traced ? { traced } : {}),
    heapLimits,
    eventsKept: events,
    repeat,
    jobs,
    shard,
    ...(values.out !== undefined ? { earlierResults: values.out } : {}),
  })

  emitResults(doc, setup.format, values)
  if (gcLog && values['gc-log'] !== undefined)
    writeGcLogs(values['gc-log'], gcLog, planned.length * setup.runtimes.length, values.quiet ?? false)
  const traceFile = values['trace-events']
  if (traced && traceFile !== undefined) {
    writeFileSync(traceFile, `${JSON.stringify(traceEvents(traced, doc.meta.command))}\n`)
    if (!values.quiet) message(`pygc: wrote the trace events to ${traceFile} (open in ui.perfetto.dev)`)
  }
  return reportFailures(doc)
}
