/**
 * --jobs N runs cells on worker threads (tinypool) and --shard K/N splits them over machines:
 * neither may change a figure. Results are compared without meta and wall (host times).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { OutOfMemoryError, PygcError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { type RunCell, threadFailure } from '../src/cell.js'
import { deterministicPart, type ResultsDocument } from '../src/results.js'
import { UsageError } from '../src/usage.js'
import { receiveError, sendError } from '../src/worker-errors.js'
import { defaultJobs, heaviestFirst, runCells, SMALL_RUN_OPS, workerExecArgv } from '../src/worker-pool.js'
import { pygc, tempDir } from './cli-helpers.js'
import { inProcess } from './in-process.js'

const RUN = ['run', 'gc-collect', 'finalizers', 'long-chain', '--size', 'test', '-r', 'cpython,baseline']
const SWEEP = [
  'sweep',
  'binary-trees',
  '--size',
  'test',
  '-p',
  'maxDepth=5,6',
  '-r',
  'cpython,baseline',
  '--heap',
  '2x',
]

function json(args: readonly string[], env: Record<string, string> = {}): ResultsDocument {
  const r = pygc([...args, '--format', 'json', '--quiet'], { env })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as ResultsDocument
}

function figures(doc: ResultsDocument): string {
  return JSON.stringify(deterministicPart(doc))
}

/** Each command's figures with --jobs 1, made once. */
const once = new Map<string, ResultsDocument>()
function serial(args: readonly string[]): ResultsDocument {
  const key = args.join(' ')
  if (!once.has(key)) once.set(key, json([...args, '--jobs', '1']))
  return once.get(key) as ResultsDocument
}

describe('--jobs: cells on worker threads', () => {
  it('pygc run gives byte-identical figures with 1 and 2 jobs, in the same order', () => {
    const one = serial(RUN)
    const two = json([...RUN, '--jobs', '2'])
    expect(two.workloads.map((w) => w.runs.length)).toEqual([2, 2, 2])
    expect(figures(two)).toBe(figures(one))
    expect(two.wall.runs.map((w) => `${w.workload} ${w.runtime}`)).toEqual(
      one.wall.runs.map((w) => `${w.workload} ${w.runtime}`),
    )
  })

  it('pygc sweep gives byte-identical figures with 1 and 3 jobs', () => {
    expect(figures(json([...SWEEP, '-j', '3']))).toBe(figures(serial(SWEEP)))
  })

  it('refuses --jobs 0', async () => {
    const r = await inProcess([...RUN, '--jobs', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--jobs must be an integer >= 1/)
  })

  it('starts workers with the node flags of the process, less the export conditions', () => {
    const flags = ['--stack-size=2000', '--conditions', 'source', '--conditions=development', '-C', 'x']
    expect(workerExecArgv(flags)).toEqual(['--stack-size=2000'])
  })

  it('without --jobs, uses every core unless the run is too small to pay for the threads', () => {
    expect(defaultJobs(3, 10)).toBe(3)
    expect(defaultJobs(undefined, SMALL_RUN_OPS - 1)).toBe(1)
    expect(defaultJobs(undefined, SMALL_RUN_OPS)).toBe(availableParallelism())
  })

  it('queues the heaviest cells first, equal weights in cell order', () => {
    expect(heaviestFirst([5, 9, 1, 9])).toEqual([1, 3, 0, 2])
  })

  it('throws a cell error from a worker as the same typed error, after the other cells ran', async () => {
    const cell = (index: number, workload: string): RunCell => ({
      kind: 'run',
      index,
      workload,
      params: { cycles: 2, links: 2, loops: 1 },
      seed: 1,
      runtime: 'baseline',
      options: {},
      repeat: 1,
    })
    const done: number[] = []
    const error = await runCells([cell(0, 'gc-collect'), cell(1, 'no-such-workload')], 2, [1, 1], {
      onDone: (c) => done.push(c.index),
    }).catch((e: unknown) => e)
    expect(error, String(error)).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(/unknown workload 'no-such-workload'/)
    expect(done).toEqual([0])
  })

  it('makes the cell of a worker thread that died an error cell, so the other results are kept', () => {
    const run = threadFailure(
      {
        kind: 'run',
        index: 3,
        workload: 'btree',
        params: {},
        seed: 1,
        runtime: 'jython:small-heap',
        options: {},
        repeat: 1,
      },
      'Worker terminated due to reaching memory limit: JS heap out of memory',
    )
    expect(run.execution.run).toEqual({
      runtime: 'jython:small-heap',
      preset: 'small-heap',
      status: 'error',
      error: {
        code: 'HOST_THREAD',
        name: 'WorkerError',
        message:
          'the worker thread failed: Worker terminated due to reaching memory limit: JS heap out of memory',
      },
    })
    const sweep = threadFailure(
      {
        kind: 'sweep',
        index: 2,
        workload: 'btree',
        params: {},
        seed: 1,
        runtime: 'cpython',
        size: 'test',
        cost: {},
        multiples: [2],
      },
      'gone',
    )
    expect(sweep.failed).toBe(true)
    expect(sweep.results).toMatchObject({
      cell: 2,
      runtime: 'cpython',
      minHeap: { status: 'error' },
      points: [],
    })
  })

  it('sends PygcError and OutOfMemoryError across the thread boundary with their code and where', () => {
    const pygcError = receiveError(
      structuredClone(sendError(new PygcError('TRACE_FORMAT', 'bad op', { offset: 12 }))),
    )
    expect(pygcError).toBeInstanceOf(PygcError)
    expect(pygcError).toMatchObject({ code: 'TRACE_FORMAT', message: 'bad op', where: { offset: 12 } })
    const oom = new OutOfMemoryError('java.lang.OutOfMemoryError', 64, 'Java heap space')
    const back = receiveError(structuredClone(sendError(oom)))
    expect(back).toBeInstanceOf(OutOfMemoryError)
    expect(back).toMatchObject({ message: oom.message, runtimeError: oom.runtimeError, requestedBytes: 64 })
  })
})

describe('--shard: the cells split over machines, joined by pygc merge', () => {
  const dir = tempDir('shards')
  const merged = (args: readonly string[], shards: readonly Record<string, string>[]): ResultsDocument => {
    const files = shards.map((env, k) => {
      const file = join(dir, `${args[0]}-${k}.json`)
      writeFileSync(file, JSON.stringify(json(args, env)))
      return file
    })
    const out = join(dir, `${args[0]}-merged.json`)
    // The shards in reverse order: merge restores the unsharded order.
    const r = pygc(['merge', ...files.reverse(), '-o', out, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    return JSON.parse(readFileSync(out, 'utf8')) as ResultsDocument
  }

  it('the shards of a run, by Slurm array task, merge into exactly the unsharded run', () => {
    const slurm = (id: number) => ({
      SLURM_ARRAY_TASK_ID: String(id),
      SLURM_ARRAY_TASK_MIN: '0',
      SLURM_ARRAY_TASK_MAX: '1',
      SLURM_ARRAY_TASK_COUNT: '2',
    })
    const joined = merged([...RUN, '--shard', 'auto'], [slurm(0), slurm(1)])
    expect(joined.workloads.map((w) => w.workload)).toEqual(['gc-collect', 'finalizers', 'long-chain'])
    expect(figures(joined)).toBe(figures(serial(RUN)))
  })

  it('the shards of a sweep, by Indexed Job pod, merge into exactly the unsharded sweep', () => {
    const pod = (i: number) => ({ JOB_COMPLETION_INDEX: String(i), JOB_COMPLETIONS: '3' })
    const joined = merged([...SWEEP, '--shard', 'auto'], [pod(0), pod(1), pod(2)])
    expect(joined.sweeps.map((c) => c.cell)).toEqual([0, 1, 2, 3])
    expect(figures(joined)).toBe(figures(serial(SWEEP)))
    // Each shard's meta is kept as a source of the merged document.
    expect(joined.meta.sources).toHaveLength(3)
  })

  it('records the shard in meta', () => {
    expect(json([...RUN, '--shard', '2/3']).meta.shard).toEqual({ index: 2, count: 3 })
  })
})
