/**
 * `pygc sweep`: heap-size sensitivity, DaCapo style. A sweep is a list of cells — one per
 * (parameter combination, runtime), numbered in a fixed order — and each cell finds its
 * runtime's minimum heap, then runs at each heap multiple. `--shard K/N` runs the cells whose
 * index is K-1 modulo N, so N machines split a sweep and `pygc merge` joins their JSON into
 * exactly what the unsharded sweep writes.
 */
import type { RunMetrics } from '@pygc/core'
import type { SweepFigures, SweepPoint, SweepResults } from '@pygc/report'
import type { SizeName, Workload } from '@pygc/workloads'
import {
  COMMON_OPTIONS,
  emitResults,
  message,
  OUT_OPTIONS,
  parseCommand,
  parseRunSetup,
  prepareOutputs,
  RUN_OPTIONS,
  startDocument,
  UsageError,
} from '../cli-support.js'
import { executeWorkload } from '../execute.js'
import { findMinHeap } from '../min-heap.js'
import { createProgress } from '../progress.js'
import { choiceMessage } from '../usage.js'
import { findWorkload, parseIntegerValue, resolveWorkloadParams } from '../workloads.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...RUN_OPTIONS, // --param here takes a grid: name=a,b,c
  ...OUT_OPTIONS,
  heap: { type: 'string' },
  shard: { type: 'string' },
} as const

/** DaCapo's customary heap multiples. */
const DEFAULT_HEAP = '1.5x,2x,3x,4x,6x'

/** "1.5x,2x,3" -> [1.5, 2, 3]: each a multiple >= 1 of the minimum heap. */
export function parseHeapMultiples(text: string): number[] {
  const multiples = text.split(',').map((item) => {
    const trimmed = item.trim()
    const value = Number(trimmed.replace(/x$/i, ''))
    if (trimmed === '' || !Number.isFinite(value) || value < 1) {
      throw new UsageError(
        `--heap '${item}': each heap size is a multiple >= 1 of the minimum heap, e.g. 1.5x`,
      )
    }
    return value
  })
  return [...new Set(multiples)].sort((a, b) => a - b)
}

/** "K/N" with 1 <= K <= N. */
export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 1, count: 1 }
  const match = /^(\d+)\/(\d+)$/.exec(text)
  const index = match ? Number(match[1]) : 0
  const count = match ? Number(match[2]) : 0
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard '${text}': expected K/N with 1 <= K <= N, e.g. 2/4`)
  }
  return { index, count }
}

/** `--param k=a,b` items -> every combination of the base parameters with the grid values. */
export function parameterGrid(
  workload: Workload,
  size: SizeName,
  items: readonly string[],
): Record<string, number>[] {
  let combos: Record<string, number>[] = [{ ...workload.sizes[size] }]
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param '${item}': expected name=value[,value...]`)
    const name = item.slice(0, eq)
    if (!Object.hasOwn(workload.params, name)) {
      throw new UsageError(
        choiceMessage(
          `unknown parameter '${name}' of ${workload.name}`,
          name,
          Object.keys(workload.params),
          'valid parameters',
        ),
      )
    }
    const values = item
      .slice(eq + 1)
      .split(',')
      .map((v) => parseIntegerValue(`--param ${name}`, v.trim()))
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })))
  }
  // Range checks through the workloads' own resolver (the size's values are already in `base`).
  return combos.map((c) =>
    resolveWorkloadParams(workload, size, new Map(Object.entries(c).map(([k, v]) => [k, String(v)]))),
  )
}

function sweepFigures(metrics: RunMetrics): SweepFigures {
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

export function sweepCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('sweep', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('name exactly one workload (see pygc list)')
  const workload = findWorkload(positionals[0])
  const multiples = parseHeapMultiples(values.heap ?? DEFAULT_HEAP)
  const shard = parseShard(values.shard)
  const setup = parseRunSetup(values, 'small')
  const { runtimes, size, seed, cost } = setup
  const combos = parameterGrid(workload, size, values.param ?? [])

  prepareOutputs({ out: values.out })
  const cells = combos.flatMap((params) => runtimes.map((runtime) => ({ params, runtime })))
  const mine = cells
    .map((cell, index) => ({ ...cell, index }))
    .filter((c) => c.index % shard.count === shard.index - 1)

  const doc = startDocument('sweep', args, setup)
  const progress = createProgress(mine.length, { quiet: values.quiet ?? false })
  const started = performance.now()
  let failed = false
  for (const { params, runtime, index } of mine) {
    progress.start(`${workload.name} on ${runtime.label}: minimum heap`)
    let probes = 0
    const minHeap = findMinHeap((heapLimit) => {
      progress.detail(`probe ${++probes}${heapLimit !== undefined ? ` at ${heapLimit} bytes` : ''}`)
      return executeWorkload(workload, params, seed, runtime, {
        cost,
        ...(heapLimit !== undefined ? { heapLimit } : {}),
      })
    })
    const cell: SweepResults = {
      workload: workload.name,
      size,
      params,
      seed,
      runtime: runtime.label,
      preset: runtime.preset,
      cell: index,
      minHeap,
      points: [],
    }
    if (minHeap.modelFloor !== undefined && !values.quiet) {
      message(
        `pygc sweep: ${runtime.label}'s minimum heap for ${workload.name} is the model's floor (${minHeap.bytes} bytes): it refuses a smaller heap (${minHeap.modelFloor}), so the workload's true minimum may be lower`,
      )
    }
    if (minHeap.status !== 'ok') {
      failed = true
      message(
        `pygc sweep: no minimum heap for ${workload.name} on ${runtime.label}: ${minHeap.error?.message ?? 'unknown'}`,
      )
    } else {
      for (const multiple of multiples) {
        progress.detail(`${multiple}x`)
        const heapLimit = Math.ceil(minHeap.bytes * multiple)
        const execution = executeWorkload(workload, params, seed, runtime, { cost, heapLimit })
        const point: SweepPoint = { multiple, heapLimit, status: execution.run.status }
        if (execution.run.error) point.error = execution.run.error
        if (execution.metrics) point.figures = sweepFigures(execution.metrics)
        cell.points.push(point)
        if (execution.wall) {
          doc.wall.runs.push({
            workload: workload.name,
            runtime: runtime.label,
            point: `${multiple}x`,
            params,
            ...execution.wall,
          })
        }
      }
    }
    doc.sweeps.push(cell)
    progress.step()
  }
  progress.done()
  doc.wall.totalMs = performance.now() - started
  emitResults(doc, setup.format, values)
  return failed ? 1 : 0
}
