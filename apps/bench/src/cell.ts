/**
 * A cell: one independent unit of a command's work — a workload on one runtime (pygc run), or a
 * sweep cell (its minimum-heap search and its heap multiples). A cell is described by plain
 * data (names, numbers), so it can be sent to a worker thread, and `runCell` gives the same
 * outcome in any thread: the outcome depends only on the description.
 */
import type { CostModel } from '@pygc/core'
import type { SweepFigures, SweepPoint, SweepResults, WallRun } from '@pygc/report'
import { type ExecuteOptions, type Execution, executeWorkload } from './execute.js'
import { findMinHeap, MIN_HEAP_TOLERANCE } from './min-heap.js'
import { findRuntime } from './runtimes.js'
import { findWorkload } from './workloads.js'

/** What is shared by every kind of cell: a workload with its parameters and seed, on one runtime. */
interface CellBase {
  /** The cell's place in the command's cell order (what --shard and the results order use). */
  index: number
  workload: string
  params: Record<string, number>
  seed: number
  /** The runtime's label: `name` or `name:preset` (findRuntime parses it). */
  runtime: string
}

/** A `pygc run` cell: the workload once, or `repeat` times (the figures must not change). */
export interface RunCell extends CellBase {
  kind: 'run'
  options: Omit<ExecuteOptions, 'onProgress'>
  repeat: number
}

/** A `pygc sweep` cell: the runtime's minimum heap for the workload, then each heap multiple. */
export interface SweepCell extends CellBase {
  kind: 'sweep'
  size: string
  cost: Partial<CostModel>
  multiples: readonly number[]
}

export type Cell = RunCell | SweepCell

export type WallTimes = NonNullable<Execution['wall']>

export interface RunCellOutcome {
  kind: 'run'
  execution: Execution
  /** The wall times of every repeat (one per run made). */
  walls: WallTimes[]
}

export interface SweepCellOutcome {
  kind: 'sweep'
  results: SweepResults
  wall: WallRun[]
  /** Messages for stderr, in order; `always` ones are printed even with --quiet. */
  messages: { text: string; always: boolean }[]
  failed: boolean
}

export type CellOutcome = RunCellOutcome | SweepCellOutcome
export type OutcomeOf<C extends Cell> = C extends RunCell ? RunCellOutcome : SweepCellOutcome

/**
 * Progress inside a cell (only when it runs on the main thread): ops done or a phase, and the
 * fraction of the cell done when known.
 */
export type CellDetail = (text: string, fraction?: number) => void

export function runCell<C extends Cell>(cell: C, detail?: CellDetail): OutcomeOf<C>
export function runCell(cell: Cell, detail?: CellDetail): CellOutcome {
  return cell.kind === 'run' ? runRunCell(cell, detail) : runSweepCell(cell, detail)
}

/**
 * The outcome of a cell whose worker thread died (the host ran out of memory in it, say): an
 * error cell, as a failed run is, so the other cells' results are still written.
 */
export function threadFailure<C extends Cell>(cell: C, cause: string): OutcomeOf<C>
export function threadFailure(cell: Cell, cause: string): CellOutcome {
  const runtime = findRuntime(cell.runtime)
  const error = { code: 'HOST_THREAD', name: 'WorkerError', message: `the worker thread failed: ${cause}` }
  if (cell.kind === 'run')
    return {
      kind: 'run',
      execution: { run: { runtime: runtime.label, preset: runtime.preset, status: 'error', error } },
      walls: [],
    }
  return {
    kind: 'sweep',
    results: {
      workload: cell.workload,
      size: cell.size,
      params: cell.params,
      seed: cell.seed,
      runtime: runtime.label,
      preset: runtime.preset,
      cell: cell.index,
      minHeap: { status: 'error', bytes: 0, tolerance: MIN_HEAP_TOLERANCE, probes: [], error },
      points: [],
    },
    wall: [],
    messages: [{ text: `pygc sweep: ${cell.workload} on ${runtime.label}: ${error.message}`, always: true }],
    failed: true,
  }
}

function runRunCell(cell: RunCell, detail: CellDetail | undefined): RunCellOutcome {
  const workload = findWorkload(cell.workload)
  const runtime = findRuntime(cell.runtime)
  const estimate = workload.estimateOps(cell.params)
  let run = 0
  const onProgress = (ops: number) =>
    detail?.(
      `${(ops / 1e6).toFixed(0)}M of ~${(estimate / 1e6).toFixed(0)}M ops`,
      (run + ops / estimate) / cell.repeat,
    )
  const execute = () => {
    const execution = executeWorkload(workload, cell.params, cell.seed, runtime, {
      ...cell.options,
      ...(detail ? { onProgress } : {}),
    })
    run++
    return execution
  }
  const execution = execute()
  const walls = execution.wall ? [execution.wall] : []
  for (let k = 1; k < cell.repeat && execution.run.status === 'ok'; k++) {
    detail?.(`repeat ${k + 1}`)
    const again = execute()
    // Every figure but wall time is deterministic: a repeat that differs is a bug, not noise.
    if (JSON.stringify(again.run) !== JSON.stringify(execution.run)) {
      execution.run.status = 'error'
      execution.run.error = {
        code: 'NONDETERMINISTIC',
        name: 'Nondeterministic',
        message: `repeat ${k + 1} gave other figures than the first run`,
      }
    }
    if (again.wall) walls.push(again.wall)
  }
  return { kind: 'run', execution, walls }
}

function sweepFigures(metrics: NonNullable<Execution['metrics']>): SweepFigures {
  let collections = 0
  for (const n of Object.values(metrics.collections)) collections += n
  return {
    collections,
    collectionsByKind: { ...metrics.collections },
    gcVirtual: metrics.virtualTime.gc,
    mutatorVirtual: metrics.virtualTime.mutator,
    totalVirtual: metrics.virtualTime.total,
    gcShare: metrics.virtualTime.gcShare,
    pauseP50: metrics.pauses.p50,
    pauseP99: metrics.pauses.p99,
    pauseMax: metrics.pauses.max,
    peakFootprintBytes: metrics.peakFootprintBytes,
    peakLiveBytes: metrics.peakLiveBytes,
  }
}

function runSweepCell(cell: SweepCell, detail: CellDetail | undefined): SweepCellOutcome {
  const workload = findWorkload(cell.workload)
  const runtime = findRuntime(cell.runtime)
  const { params, seed, cost } = cell
  const messages: SweepCellOutcome['messages'] = []
  const wall: WallRun[] = []
  let probes = 0
  const minHeap = findMinHeap((heapLimit) => {
    detail?.(`probe ${++probes}${heapLimit !== undefined ? ` at ${heapLimit} bytes` : ''}`)
    return executeWorkload(workload, params, seed, runtime, {
      cost,
      ...(heapLimit !== undefined ? { heapLimit } : {}),
    })
  })
  const results: SweepResults = {
    workload: workload.name,
    size: cell.size,
    params,
    seed,
    runtime: runtime.label,
    preset: runtime.preset,
    cell: cell.index,
    minHeap,
    points: [],
  }
  if (minHeap.modelFloor !== undefined) {
    messages.push({
      text: `pygc sweep: ${runtime.label}'s minimum heap for ${workload.name} is the model's floor (${minHeap.bytes} bytes): it refuses a smaller heap (${minHeap.modelFloor}), so the workload's true minimum may be lower`,
      always: false,
    })
  }
  if (minHeap.status !== 'ok') {
    messages.push({
      text: `pygc sweep: no minimum heap for ${workload.name} on ${runtime.label}: ${minHeap.error?.message ?? 'unknown'}`,
      always: true,
    })
    return { kind: 'sweep', results, wall, messages, failed: true }
  }
  for (const multiple of cell.multiples) {
    detail?.(`${multiple}x`)
    const heapLimit = Math.ceil(minHeap.bytes * multiple)
    const execution = executeWorkload(workload, params, seed, runtime, { cost, heapLimit })
    const point: SweepPoint = { multiple, heapLimit, status: execution.run.status }
    if (execution.run.error) point.error = execution.run.error
    if (execution.metrics) point.figures = sweepFigures(execution.metrics)
    results.points.push(point)
    if (execution.wall)
      wall.push({
        workload: workload.name,
        runtime: runtime.label,
        point: `${multiple}x`,
        params,
        ...execution.wall,
      })
  }
  return { kind: 'sweep', results, wall, messages, failed: false }
}
