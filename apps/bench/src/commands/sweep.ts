/**
 * `pygc sweep`: heap-size sensitivity, DaCapo style. A sweep is a list of cells — one per
 * (parameter combination, runtime), numbered in a fixed order — and each cell finds its
 * runtime's minimum heap, then runs at each heap multiple. The cells run on `--jobs` threads
 * (worker-pool.ts); `--shard K/N` or `--shard auto` runs the cells whose index is K-1 modulo N
 * (shard.ts), so N machines split a sweep and `pygc merge` joins their JSON into exactly what
 * the unsharded sweep writes.
 */
import type { SizeName, Workload } from '@pygc/workloads'
import type { SweepCell } from '../cell.js'
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
import { createProgress } from '../progress.js'
import { inShard, parseShard } from '../shard.js'
import { choiceMessage } from '../usage.js'
import { defaultJobs, PARALLEL_OPTIONS, parseJobs, runCells } from '../worker-pool.js'
import { findWorkload, parseIntegerValue, resolveWorkloadParams } from '../workloads.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...RUN_OPTIONS, // --param here takes a grid: name=a,b,c
  ...OUT_OPTIONS,
  heap: { type: 'string' },
  ...PARALLEL_OPTIONS,
} as const

/** About how many bisection probes a minimum-heap search makes (min-heap.ts: ~log2(64) + 2). */
const PROBES_ESTIMATE = 8

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

export async function sweepCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('sweep', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('name exactly one workload (see pygc list)')
  const workload = findWorkload(positionals[0])
  const multiples = parseHeapMultiples(values.heap ?? DEFAULT_HEAP)
  const shard = parseShard(values.shard)
  const jobs = parseJobs(values.jobs)
  const setup = parseRunSetup(values, 'small')
  const { runtimes, size, seed, cost } = setup
  const combos = parameterGrid(workload, size, values.param ?? [])

  prepareOutputs({ out: values.out })
  const cells = combos
    .flatMap((params) => runtimes.map((runtime) => ({ params, runtime: runtime.label })))
    .map(
      ({ params, runtime }, index): SweepCell => ({
        kind: 'sweep',
        index,
        workload: workload.name,
        params,
        seed,
        runtime,
        size,
        cost,
        multiples,
      }),
    )
  const mine = cells.filter((cell) => inShard(cell.index, shard))

  const doc = startDocument('sweep', args, setup)
  if (shard.count > 1) doc.meta.shard = shard
  // A sweep cell runs the workload about once per bisection probe and once per multiple.
  const weights = mine.map((cell) => workload.estimateOps(cell.params) * (PROBES_ESTIMATE + multiples.length))
  const progress = createProgress(weights, { quiet: values.quiet ?? false })
  const started = performance.now()
  const estimatedOps = weights.reduce((a, b) => a + b, 0)
  const outcomes = await runCells(mine, defaultJobs(jobs, estimatedOps), weights, {
    onStart: (cell) => progress.start(`${workload.name} on ${cell.runtime}: minimum heap`),
    onDetail: (text, fraction) => progress.detail(text, fraction),
    onDone: (cell) => progress.finish(mine.indexOf(cell), `${workload.name} on ${cell.runtime}`),
  })
  progress.done()
  let failed = false
  for (const outcome of outcomes) {
    for (const m of outcome.messages) if (m.always || !values.quiet) message(m.text)
    failed ||= outcome.failed
    doc.sweeps.push(outcome.results)
    doc.wall.runs.push(...outcome.wall)
  }
  doc.wall.totalMs = performance.now() - started
  emitResults(doc, setup.format, values)
  return failed ? 1 : 0
}
