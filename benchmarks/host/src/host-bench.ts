/**
 * `npm run bench:host`: how fast each manager runs on this machine, against anchors.
 *
 * 1. binary-trees at N = 10 and N = 14 on every available manager and on plain V8 objects, all in
 *    one tinybench run (each model from its own copy of the program: see speedSection): runs/s,
 *    Mutator ops/s and the slowdown against V8; then each model again alone in a fresh process
 *    beside its own V8 anchor (the `alone` column: see ownProcessSample). Two floors are further
 *    anchors: the refcount floor (refcount-floor.ts), the least a refcounting manager does on the
 *    same interface, and the cpython bookkeeping floor (bookkeeping-floor.ts), that plus the
 *    records the CPython model keeps per object and per op. Under each table, the share of CPU time
 *    the hypervisor stole while it was timed (host-steal.ts): above 2% its ratios are the host's too.
 * 2. The CPython model against the real python3, both replaying the same recorded op stream.
 * 3. Host memory for 10 million live objects on the baseline manager (and as plain V8 objects).
 *
 * Knobs (environment): PYGC_BENCH_DEPTH (binary-trees N, a comma-separated list, default 10,14), PYGC_BENCH_PY_DEPTH
 * (binary-trees N of the python3 comparison, default 12: long enough that interpreter start-up is
 * noise), PYGC_BENCH_TIME (ms per task, default 2000), PYGC_BENCH_OBJECTS (memory benchmark,
 * default 10,000,000), PYGC_BENCH_CLOCK (`wall`, the default, or `cpu`: this process's user +
 * system CPU time, which other processes on a shared machine disturb far less than wall time),
 * PYGC_V8_INLINING (`tuned`, the default: the V8 inlining budget `pygc` runs with, for the models
 * and the V8 anchor alike; `default`: V8's own; see @pygc/bench v8-tuning.ts),
 * PYGC_RUNTIME_INSTANCES (`off`: the all-in-one table's models share one copy of the program, as
 * before each had its own; see speedSection), PYGC_BENCH_RUNTIMES (comma-separated models of the
 * speed tables, default every available one; V8 and the two floors always run).
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { instancePolicy, runtimeInstance, tuneV8Inlining } from '@pygc/bench'
import { binaryTrees } from '@pygc/workloads'
import { Bench } from 'tinybench'
import { envInt, envList, runChild } from './child.js'
import * as floorProgram from './floor-program.js'
import { FLOOR_ROWS, isFloorRow } from './floor-program.js'
import { cpuTimesNow, stealNote, stolenShare } from './host-steal.js'
import { type MemorySample, measureInChild, measureInThisProcess } from './memory.js'
import { replayOnPython3 } from './python-replay.js'
import { type AvailableRuntime, loadRuntimes } from './runtimes.js'
import * as ownProgram from './speed-program.js'
import { SEED } from './speed-program.js'
import { formatCount, formatMiB, formatRatio, formatTable } from './table.js'
import { binaryTreesV8 } from './v8-trees.js'

const ENTRY = fileURLToPath(import.meta.url)
const REPO_ROOT = resolve(dirname(ENTRY), '..', '..', '..')
const SPEED_PROGRAM_URL = new URL('./speed-program.js', import.meta.url).href
const FLOOR_PROGRAM_URL = new URL('./floor-program.js', import.meta.url).href
/** The bound: 10 million live objects in under 1 GB of process memory. */
const MEMORY_BUDGET_BYTES = 2 ** 30

/** What a row runs: speed-program.ts as loaded (this process's own copy, or a runtime's: see speedSection), or floor-program.ts. */
type SpeedProgram = Pick<typeof ownProgram, 'runOnce' | 'timedRun'>

interface SpeedRow {
  name: string
  opsPerRun: number
  allocationsPerRun: number
  checkOk: boolean
  program?: SpeedProgram
}

/** The V8 anchor's row name. */
const V8_ROW = 'V8 plain objects'

/**
 * binary-trees at `depth` on `available`, with the V8 anchor first and then `floors` (row name,
 * program): one row each, before timing; each runtime's row runs `programOf` it.
 */
function speedRows(
  depth: number,
  available: readonly AvailableRuntime[],
  programOf: (runtime: string) => SpeedProgram,
  floors: readonly [string, SpeedProgram][],
): SpeedRow[] {
  const params = { maxDepth: depth, minDepth: 4 }
  const expected = binaryTrees.expectedCheck(params)
  const rows: SpeedRow[] = [
    {
      name: V8_ROW,
      opsPerRun: Number.NaN,
      allocationsPerRun: expected,
      checkOk: binaryTreesV8(depth) === expected,
    },
  ]
  const programs: [string, SpeedProgram][] = [
    ...floors,
    ...available.map((r): [string, SpeedProgram] => [r.name, programOf(r.name)]),
  ]
  for (const [name, program] of programs) {
    const once = program.runOnce(name, params)
    rows.push({
      name,
      opsPerRun: once.ops,
      allocationsPerRun: once.allocations,
      checkOk: once.check === expected,
      program,
    })
  }
  return rows
}

/**
 * The clock tinybench times tasks with. `cpu` counts this process's user + system time (V8's
 * helper threads included), so runs on a machine shared with other jobs are comparable.
 */
function benchClock(): (() => number) | undefined {
  const clock = process.env.PYGC_BENCH_CLOCK ?? 'wall'
  if (clock === 'wall' || clock === '') return undefined
  if (clock === 'cpu')
    return () => {
      const used = process.cpuUsage()
      return (used.user + used.system) / 1000
    }
  throw new Error(`PYGC_BENCH_CLOCK must be 'wall' or 'cpu', got '${clock}'`)
}

/** One tinybench run of every row at `depth`: runs per second by row name (failed tasks are printed and left out). */
async function timeRows(
  rows: readonly SpeedRow[],
  depth: number,
  timeMs: number,
): Promise<Map<string, number>> {
  const params = { maxDepth: depth, minDepth: 4 }
  const bench = new Bench({
    name: `binary-trees N=${depth}`,
    time: timeMs,
    // At least ten runs per task: at N = 14 a model's run takes 0.2-0.7 s, so 2 s held 3-5 runs,
    // and one run slowed by the host moved a row's mean by 30% or more (cpython's N = 14 row read
    // 11.7x and 18.6x V8 in two consecutive tasks; with 10 s tasks 11.5x all in one process and
    // 12.9x alone). The mean, not the median, is kept: V8's own major collections fall in some
    // of its runs, and a median would leave that cost out of the anchor.
    iterations: 10,
    warmupIterations: 2,
    now: benchClock(),
  })
  for (const row of rows) {
    const program = row.program
    if (program === undefined) bench.add(row.name, () => void binaryTreesV8(depth))
    else bench.add(row.name, () => program.timedRun(row.name, params))
  }
  await bench.run()
  const runsPerSecond = new Map<string, number>()
  for (const task of bench.tasks) {
    const r = task.result
    if (r.state === 'completed' || r.state === 'aborted-with-statistics')
      runsPerSecond.set(task.name, 1000 / r.period)
    else if (r.state === 'errored') console.error(`${task.name} failed: ${r.error.message}`)
  }
  return runsPerSecond
}

/** What a child process measured: one model beside its own V8 anchor (see ownProcessRatio). */
interface OwnProcessSample {
  runtime: string
  v8RunsPerSecond: number
  runsPerSecond: number
}

/**
 * Child mode: binary-trees at `depth` on the model `runtime` and on plain V8 objects, alone in
 * this process, from the process's own modules: what a program that embeds one model sees. Were
 * the all-in-one table's models to share one copy of the program, its calls (m.alloc, m.load,
 * ...) would see five manager classes, V8's inline caches for them would go megamorphic and
 * nothing would be inlined across the call: 20-70% of a model's time at N = 10 on this machine.
 * With a copy per model (speedSection) the two columns should agree, up to noise.
 */
async function ownProcessSample(runtime: string, depth: number, timeMs: number): Promise<OwnProcessSample> {
  const { available } = await loadRuntimes()
  const floors: [string, SpeedProgram][] = isFloorRow(runtime) ? [[runtime, floorProgram]] : []
  const chosen = available.filter((r) => r.name === runtime)
  if (chosen.length === 0 && floors.length === 0) throw new Error(`no runtime named ${runtime}`)
  const runsPerSecond = await timeRows(
    speedRows(depth, chosen, () => ownProgram, floors),
    depth,
    timeMs,
  )
  return {
    runtime,
    v8RunsPerSecond: runsPerSecond.get(V8_ROW) ?? Number.NaN,
    runsPerSecond: runsPerSecond.get(runtime) ?? Number.NaN,
  }
}

/** The model's slowdown against V8 measured alone in a fresh process, or NaN when the child failed. */
function ownProcessRatio(runtime: string, depth: number, timeMs: number): number {
  const sample = runChild<OwnProcessSample>(ENTRY, ['--speed', runtime, String(depth), String(timeMs)])
  if ('skipped' in sample) {
    console.log(`own-process run skipped: ${sample.skipped}`)
    return Number.NaN
  }
  return sample.v8RunsPerSecond / sample.runsPerSecond
}

/**
 * The all-in-one table: every model in this process, each from its own copy of speed-program.ts
 * and everything it imports (@pygc/bench runtimeInstance: one copy driving five manager classes
 * would leave its call sites megamorphic), beside the `alone` column's fresh process per model.
 */
async function speedSection(
  depth: number,
  timeMs: number,
  available: readonly AvailableRuntime[],
): Promise<void> {
  const programs = new Map<string, SpeedProgram>()
  const floors: [string, SpeedProgram][] = []
  const ownCopies = instancePolicy() !== 'off'
  for (const row of FLOOR_ROWS)
    floors.push([row, ownCopies ? await runtimeInstance<SpeedProgram>(FLOOR_PROGRAM_URL, row) : floorProgram])
  if (ownCopies)
    for (const runtime of available)
      programs.set(runtime.name, await runtimeInstance<SpeedProgram>(SPEED_PROGRAM_URL, runtime.name))
  const rows = speedRows(depth, available, (runtime) => programs.get(runtime) ?? ownProgram, floors)
  console.log(
    `\nbinary-trees N=${depth} (${formatCount(rows[0].allocationsPerRun)} nodes per run), ${timeMs} ms per task...`,
  )
  const before = cpuTimesNow()
  const runsPerSecond = await timeRows(rows, depth, timeMs)
  const v8 = runsPerSecond.get(V8_ROW) ?? Number.NaN
  const table = rows.map((row) => {
    const hz = runsPerSecond.get(row.name) ?? Number.NaN
    const own = row.program === undefined ? Number.NaN : ownProcessRatio(row.name, depth, timeMs)
    return [
      row.name,
      Number.isNaN(hz) ? '-' : (1000 / hz).toFixed(2),
      Number.isNaN(hz) ? '-' : hz.toFixed(2),
      Number.isNaN(row.opsPerRun) ? '-' : formatCount(row.opsPerRun),
      Number.isNaN(row.opsPerRun) || Number.isNaN(hz) ? '-' : formatCount(row.opsPerRun * hz),
      Number.isNaN(hz) ? '-' : formatCount(row.allocationsPerRun * hz),
      formatRatio(v8 / hz),
      row.program === undefined ? formatRatio(1) : formatRatio(own),
      row.checkOk ? 'ok' : 'WRONG',
    ]
  })
  console.log(
    formatTable(
      [
        'runner',
        'ms/run',
        'runs/s',
        'ops/run',
        'ops/s',
        'allocs/s',
        'slower than V8',
        'alone: slower than V8',
        'check',
      ],
      table,
    ),
  )
  // Both columns' timing (the `alone` children ran in the map above).
  console.log(stealNote(stolenShare(before, cpuTimesNow())))
}

function pythonSection(depth: number, available: readonly AvailableRuntime[]): void {
  console.log(`\nCPython model vs the real python3, both replaying the same binary-trees N=${depth} trace`)
  const cpython = available.find((r) => r.name === 'cpython')
  const real = replayOnPython3(REPO_ROOT, { maxDepth: depth, minDepth: 4 }, SEED, cpython?.create)
  if ('skipped' in real) {
    console.log(`skipped: ${real.skipped}`)
    return
  }
  const rows = [
    [
      `${real.pythonVersion} replay.py`,
      formatCount(real.ops),
      real.seconds.toFixed(3),
      `${real.startupSeconds.toFixed(3)}${real.startupSubtracted ? '' : ' (not subtracted)'}`,
      formatCount(real.opsPerSecond),
      '1.00×',
    ],
  ]
  if (real.model !== undefined) {
    rows.push([
      'cpython model',
      formatCount(real.ops),
      real.model.seconds.toFixed(3),
      '-',
      formatCount(real.model.opsPerSecond),
      formatRatio(real.model.opsPerSecond / real.opsPerSecond),
    ])
  } else {
    console.log('the cpython model is not available: only python3 is shown')
  }
  console.log(
    formatTable(['runner', 'ops', 'seconds', 'start-up s', 'ops/s', 'speed vs python3 (ops/s ratio)'], rows),
  )
}

function memorySection(objects: number): void {
  console.log(
    `\nhost memory for ${formatCount(objects)} live objects (a chain held from a global; fresh process each)`,
  )
  const samples: MemorySample[] = []
  for (const subject of ['baseline', 'v8'] as const) {
    const sample = measureInChild(ENTRY, subject, objects)
    if ('skipped' in sample) console.log(`skipped: ${sample.skipped}`)
    else samples.push(sample)
  }
  const rows = samples.map((s) => [
    s.subject,
    formatMiB(s.rssAfter),
    ((s.rssAfter - s.rssBefore) / s.objects).toFixed(1),
    ((s.jsAfter - s.jsBefore) / s.objects).toFixed(1),
    s.modeledLiveBytes === undefined ? '-' : (s.modeledLiveBytes / s.objects).toFixed(1),
    s.buildSeconds.toFixed(2),
    s.rssAfter < MEMORY_BUDGET_BYTES ? 'yes' : 'NO',
  ])
  console.log(
    formatTable(
      [
        'subject',
        'rss total',
        'rss B/object',
        'heap+buffers B/object',
        'modeled B/object',
        'build s',
        'under 1 GiB',
      ],
      rows,
    ),
  )
}

async function main(): Promise<void> {
  // First, in the parent and in every child: the inlining budget pygc runs the models with (@pygc/bench v8-tuning.ts).
  const v8Flags = tuneV8Inlining()
  const args = process.argv.slice(2)
  if (args[0] === '--speed') {
    // Child mode of the own-process column: one model and the V8 anchor, JSON on stdout.
    console.log(JSON.stringify(await ownProcessSample(args[1], Number(args[2]), Number(args[3]))))
    return
  }
  if (args[0] === '--memory') {
    // Child mode of the memory benchmark: one measurement, JSON on stdout.
    const subject = args[1] === 'v8' ? 'v8' : 'baseline'
    console.log(JSON.stringify(measureInThisProcess(subject, Number(args[2]))))
    return
  }
  const depths = envList('PYGC_BENCH_DEPTH', ['10', '14']).map((d) => {
    const n = Number(d)
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new Error(`PYGC_BENCH_DEPTH must list positive integers, got '${d}'`)
    return n
  })
  const pythonDepth = envInt('PYGC_BENCH_PY_DEPTH', 12)
  const timeMs = envInt('PYGC_BENCH_TIME', 2000)
  const objects = envInt('PYGC_BENCH_OBJECTS', 10_000_000)
  console.log(
    `pygc host benchmarks — node ${process.version}, ${process.platform}/${process.arch}, ${process.env.PYGC_BENCH_CLOCK === 'cpu' ? 'CPU' : 'wall'} time, V8 flags: ${v8Flags.length === 0 ? "V8's defaults (PYGC_V8_INLINING=default)" : v8Flags.join(' ')}`,
  )
  const { available, skipped } = await loadRuntimes()
  for (const s of skipped) console.log(`skipped ${s.name}: ${s.reason}`)
  const names = envList(
    'PYGC_BENCH_RUNTIMES',
    available.map((r) => r.name),
  )
  for (const name of names)
    if (!available.some((r) => r.name === name))
      throw new Error(
        `PYGC_BENCH_RUNTIMES names '${name}', which is not an available model (${available.map((r) => r.name).join(', ')})`,
      )
  const speedRuntimes = available.filter((r) => names.includes(r.name))
  for (const depth of depths) await speedSection(depth, timeMs, speedRuntimes)
  pythonSection(pythonDepth, available)
  memorySection(objects)
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
