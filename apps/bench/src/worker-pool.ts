/**
 * Running a command's cells on every core: `--jobs N` worker threads (tinypool), each cell in
 * one thread. A cell's outcome depends only on its description (cell.ts), so the outcomes are
 * the same whichever thread ran them; they are returned in cell order, so the results document
 * is byte-identical to `--jobs 1` apart from wall times. The heaviest cells (by estimated ops)
 * are queued first, so the run does not end waiting on one big cell started last.
 *
 * With one job (or one cell) the cells run on the main thread, in order, with per-op progress.
 * In either thread, a big cell runs on its runtime's own copy of the modules (cell-instances.ts).
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Tinypool } from 'tinypool'
import { type Cell, type CellDetail, type OutcomeOf, threadFailure } from './cell.js'
import { type CellTask, cellsOnInstances, runCellOn } from './cell-instances.js'
import type { WorkerReply } from './cell-worker.js'
import { UsageError } from './usage.js'
import { receiveError } from './worker-errors.js'
import { parseIntegerValue } from './workloads.js'

/** The options of the commands whose cells run in parallel and split into shards (shard.ts). */
export const PARALLEL_OPTIONS = {
  jobs: { type: 'string', short: 'j' },
  shard: { type: 'string' },
} as const

/** `--jobs N` (N >= 1); undefined when not given (defaultJobs decides). */
export function parseJobs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const jobs = parseIntegerValue('--jobs', text)
  if (jobs < 1) throw new UsageError(`--jobs must be an integer >= 1, got '${jobs}'`)
  return jobs
}

/**
 * Below this many estimated ops in all, a command without --jobs runs on the main thread: a
 * worker thread loads every package before its first cell (about 0.2-0.4 s of CPU, measured
 * with /usr/bin/time on `pygc run gc-collect --size test`, 1.07 s user with -j 1 and 1.5 s with
 * -j 2), more than the threads save on a run this short.
 */
export const SMALL_RUN_OPS = 2_000_000

/** The threads a command uses: --jobs N as given, else the cores, unless the run is small. */
export function defaultJobs(given: number | undefined, estimatedOps: number): number {
  if (given !== undefined) return given
  return estimatedOps < SMALL_RUN_OPS ? 1 : availableParallelism()
}

export interface PoolCallbacks<C extends Cell> {
  /** A cell starts (main thread only: a worker's start is not observed). */
  onStart?(cell: C): void
  /** Progress inside the running cell (main thread only). */
  onDetail?: CellDetail
  /** A cell finished, in completion order. */
  onDone?(cell: C, outcome: OutcomeOf<C>): void
}

/** Cell indices, heaviest first; equal weights keep the cell order (a stable, deterministic queue). */
export function heaviestFirst(weights: readonly number[]): number[] {
  return weights.map((_, i) => i).sort((a, b) => weights[b] - weights[a] || a - b)
}

/**
 * A compiled worker module (`cell-worker.js`, `validate/worker.js`): beside this file in dist/,
 * or in dist/ when this file runs from src/ (tests).
 */
export function compiledWorker(path: string): string {
  const beside = new URL(`./${path}`, import.meta.url)
  if (existsSync(fileURLToPath(beside))) return beside.href
  const built = new URL(`../dist/${path}`, import.meta.url)
  if (existsSync(fileURLToPath(built))) return built.href
  throw new Error(`the worker dist/${path} is not built; run \`npm run build\``)
}

/**
 * The worker's node flags: the process's own (e.g. --stack-size, which must match for the same
 * results), less the export conditions — the compiled worker imports the compiled packages,
 * while a test runner's `--conditions source` would point it at their TypeScript sources.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i]
    if (flag === '--conditions' || flag === '-C') i++
    else if (!flag.startsWith('--conditions=')) kept.push(flag)
  }
  return kept
}

/**
 * Every cell's outcome, in cell order. `weights` (one per cell, e.g. estimated ops) orders the
 * queue. An error a cell throws (not an error cell: those are outcomes) is thrown again here, as
 * the same typed error, after every other cell has finished; with several, the first cell's.
 * A worker thread that dies makes its cell an error cell (code HOST_THREAD).
 */
export async function runCells<C extends Cell>(
  cells: readonly C[],
  jobs: number,
  weights: readonly number[],
  callbacks: PoolCallbacks<C> = {},
): Promise<OutcomeOf<C>[]> {
  const onInstance = cellsOnInstances(cells)
  if (jobs <= 1 || cells.length <= 1) {
    const outcomes: OutcomeOf<C>[] = []
    for (const [i, cell] of cells.entries()) {
      callbacks.onStart?.(cell)
      const outcome = await runCellOn(cell, onInstance[i], callbacks.onDetail)
      callbacks.onDone?.(cell, outcome)
      outcomes.push(outcome)
    }
    return outcomes
  }
  const threads = Math.min(jobs, cells.length)
  const pool = new Tinypool({
    filename: compiledWorker('cell-worker.js'),
    minThreads: threads,
    maxThreads: threads,
    execArgv: workerExecArgv(process.execArgv),
  })
  try {
    const outcomes: OutcomeOf<C>[] = new Array(cells.length)
    const errors: (Error | undefined)[] = new Array(cells.length)
    await Promise.all(
      heaviestFirst(weights).map(async (i) => {
        const cell = cells[i]
        let reply: WorkerReply
        try {
          reply = (await pool.run({ cell, onInstance: onInstance[i] } satisfies CellTask)) as WorkerReply
        } catch (e) {
          // The thread itself died (e.g. the host ran out of memory in it): the cell's error cell.
          reply = { ok: true, outcome: threadFailure(cell, (e as Error).message) }
        }
        if (!reply.ok) {
          errors[i] = receiveError(reply.error)
          return
        }
        outcomes[i] = reply.outcome as OutcomeOf<C>
        callbacks.onDone?.(cell, outcomes[i])
      }),
    )
    const failure = errors.find((e) => e !== undefined)
    if (failure) throw failure
    return outcomes
  } finally {
    await pool.destroy()
  }
}
