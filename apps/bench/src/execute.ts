/**
 * Running one program on one manager and turning the outcome into a results cell. A failure
 * (out of memory, a broken invariant) becomes that runtime's error cell: the other runtimes'
 * results are still written.
 */
import {
  type CostModel,
  collectMetrics,
  isPygcError,
  type MemoryManager,
  type Mutator,
  OutOfMemoryError,
  PygcError,
  Rng,
  type RunMetrics,
  resolveCosts,
} from '@pygc/core'
import {
  collectionLogOf,
  type DeterministicMetrics,
  type RunError,
  type RuntimeRun,
  type WallRun,
} from '@pygc/report'
import type { Workload } from '@pygc/workloads'
import { eventListsOf } from './event-lists.js'
import { nativeGcLogLines } from './gc-log.js'
import { type GcOnClock, GcPhaseRecorder } from './gc-phases.js'
import { HeapTimelineRecorder } from './heap-timeline.js'
import type { RuntimeChoice } from './runtimes.js'

export interface ExecuteOptions {
  heapLimit?: number
  cost?: Partial<CostModel>
  promptness?: boolean
  timelineEvery?: number
  /** Keep the model's own collection log (`native.gcLogLines()`) for --gc-log. */
  gcLog?: boolean
  /** Record each collection on the virtual clock with its phases (--trace-events, --gc-log). */
  gcClock?: boolean
  /** Ops done so far, every 2^20 ops (the progress bar's detail). */
  onProgress?: (ops: number) => void
}

export interface Execution {
  run: RuntimeRun
  /** Host wall-clock times (absent when the run failed before metrics existed). */
  wall?: Omit<WallRun, 'workload' | 'runtime'>
  /** The full metrics (with wall) of an ok run, for --gc-log and the sweep figures. */
  metrics?: RunMetrics
  /** The model's own log lines (Jython: JDK 17 -Xlog:gc), when asked for and it has them. */
  nativeGcLog?: string[]
  /** With `gcClock`: each collection on the virtual clock, and the clock at the end. */
  gcClock?: { collections: GcOnClock[]; end: { endNs: number; live: number; footprint: number } }
}

/** Create the manager; a bad option (e.g. a heap limit below the runtime's minimum) is a PygcError. */
export function createManager(choice: RuntimeChoice, options: ExecuteOptions): MemoryManager {
  return choice.descriptor.create({
    preset: choice.preset,
    ...(options.heapLimit !== undefined ? { heapLimit: options.heapLimit } : {}),
    ...(options.cost ? { cost: options.cost } : {}),
  })
}

/**
 * Run `program` on a fresh manager under the metrics collector. `program` returns what the cell
 * should record besides the metrics (the workload check, or the replay summary).
 */
export function executeProgram(
  choice: RuntimeChoice,
  options: ExecuteOptions,
  program: (m: Mutator) => Partial<RuntimeRun>,
): Execution {
  const base: RuntimeRun = { runtime: choice.label, preset: choice.preset, status: 'ok' }
  let extra: Partial<RuntimeRun> = {}
  try {
    const manager = createManager(choice, options)
    // The results file's timeline is the recorder's min/max buckets, not core's samples.
    const recorder = new HeapTimelineRecorder(manager, options.timelineEvery)
    const clock = options.gcClock ? new GcPhaseRecorder(manager, resolveCosts(options.cost)) : undefined
    const { metrics } = collectMetrics(
      manager,
      (m) => {
        extra = program(recorder.wrap(m))
      },
      {
        ...(options.promptness ? { promptness: true } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    )
    const { wall, timeline: _samples, ...rest } = metrics
    const timeline = recorder.finish()
    const clockEnd = clock?.finish()
    const eventLists = eventListsOf(metrics)
    const deterministic: DeterministicMetrics = {
      ...rest,
      gcs: collectionLogOf(rest.gcs),
      truncated: rest.truncated || recorder.truncated,
      timeline,
      ...(eventLists ? { eventLists } : {}),
    }
    const run: RuntimeRun = { ...base, ...extra, metrics: deterministic }
    const native = nativeSummary(manager)
    if (native !== undefined) run.native = native
    if (run.check && !run.check.ok) {
      run.status = 'error'
      run.error = {
        code: 'CHECK_FAILED',
        name: 'CheckFailed',
        message: `self-check gave ${run.check.value}, expected ${run.check.expected} (${run.check.label})`,
      }
    }
    const execution: Execution = {
      run,
      wall: { totalMs: wall.totalMs, gcMs: wall.gcMs, pausesMs: wall.pausesMs },
      metrics,
    }
    const nativeGcLog = options.gcLog ? nativeGcLogLines(manager) : undefined
    if (nativeGcLog) execution.nativeGcLog = nativeGcLog
    if (clock && clockEnd) execution.gcClock = { collections: clock.collections, end: clockEnd }
    // Everything is read from it: its heap buffer goes to the thread's next manager, whose first
    // writes then find pages already faulted in (core host-buffers.ts).
    manager.release?.()
    return execution
  } catch (e) {
    if (isPygcError(e, 'TRACE_FORMAT')) throw e // the trace is broken, not the runtime: abort the command
    return { run: { ...base, status: 'error', error: describeError(e) } }
  }
}

/** A workload run: a fresh seeded RNG per runtime, so every runtime sees the same program. */
export function executeWorkload(
  workload: Workload,
  params: Record<string, number>,
  seed: number,
  choice: RuntimeChoice,
  options: ExecuteOptions,
  wrap: (m: Mutator) => Mutator = (m) => m,
): Execution {
  return executeProgram(choice, options, (m) => {
    const result = workload.run(wrap(m), params, new Rng(seed))
    const expected = workload.expectedCheck(params)
    return {
      check: { label: result.checkLabel, value: result.check, expected, ok: result.check === expected },
    }
  })
}

function nativeSummary(manager: MemoryManager): Record<string, unknown> | undefined {
  const native = manager.native as { summary?: () => Record<string, unknown> } | undefined
  if (native && typeof native.summary === 'function') return native.summary()
  return undefined
}

export function describeError(e: unknown): RunError {
  if (e instanceof OutOfMemoryError) return { code: e.code, name: e.runtimeError, message: e.message }
  if (e instanceof PygcError) return { code: e.code, name: e.name, message: e.message }
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { code: 'HOST_STACK', name: 'RangeError', message: `host stack overflow: ${e.message}` }
  }
  if (e instanceof Error) return { code: 'INTERNAL', name: e.name, message: e.message }
  return { code: 'INTERNAL', name: 'Error', message: String(e) }
}
