/**
 * `npm run bench:large`: the whole default suite at `--size large` on each runtime, one
 * `pygc run` process per runtime (apps/bench), timed from outside. The table gives per runtime
 * the wall seconds, the CPU seconds (user + system of the `pygc run` process and its worker
 * threads) and its peak RSS, as GNU time (`/usr/bin/time`) reports them, and whether every
 * workload finished; a second table breaks each runtime's run down per workload (ops, and the
 * wall seconds and ns/op that pygc run's own JSON records per cell). On a shared machine the
 * CPU seconds are the figure to compare: wall time grows with everyone else's load. It takes
 * long (binary-trees large is maxDepth 21, ~6.4×10^9 ops): run it when the machine is free.
 *
 * Knobs: PYGC_BENCH_RUNTIMES (default every available model except the baseline, which pygc run
 * does not offer), PYGC_LARGE_TIMEOUT (seconds per runtime, default 7200), PYGC_LARGE_SIZE
 * (default large: smaller sizes try the script quickly), PYGC_LARGE_JOBS (pygc run --jobs,
 * default pygc run's own: the number of cores).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './child.js'
import { chosenRuntimes } from './chosen-runtimes.js'
import { formatCount, formatTable } from './table.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const CLI = resolve(REPO_ROOT, 'apps', 'bench', 'dist', 'cli.js')
/** GNU time: its -f '%U %S %M' gives the child's user and system CPU seconds and peak RSS in KiB. */
const GNU_TIME = '/usr/bin/time'

interface ResultsLike {
  workloads: { workload: string; runs: { runtime: string; status: string; metrics?: { ops: number } }[] }[]
  wall: { runs: { workload: string; runtime: string; totalMs: number }[] }
}

/** One workload's cell in a runtime's run: its ops (0 when it failed) and its wall seconds. */
interface Cell {
  ops: number
  wallSeconds: number
  ok: boolean
}

/** The workloads of a results document (pygc-results), each with its cell of `runtime`. */
function cellsOf(json: string, runtime: string): Map<string, Cell> {
  const doc = JSON.parse(json) as ResultsLike
  const cells = new Map<string, Cell>()
  for (const w of doc.workloads) {
    const run = w.runs.find((r) => r.runtime === runtime)
    const wall = doc.wall.runs.find((r) => r.workload === w.workload && r.runtime === runtime)
    cells.set(w.workload, {
      ops: run?.metrics?.ops ?? 0,
      wallSeconds: (wall?.totalMs ?? 0) / 1000,
      ok: run?.status === 'ok',
    })
  }
  return cells
}

/** The child's resources as GNU time wrote them to `file`, or undefined without GNU time. */
function readTimes(file: string): { cpuSeconds: number; peakRssBytes: number } | undefined {
  if (!existsSync(file)) return undefined
  // The last line: GNU time writes "Command exited with non-zero status N" above it on failure.
  const last = readFileSync(file, 'utf8').trim().split('\n').slice(-1)[0] ?? ''
  const [user, sys, rssKiB] = last.trim().split(/\s+/).map(Number)
  if (![user, sys, rssKiB].every(Number.isFinite)) return undefined
  return { cpuSeconds: user + sys, peakRssBytes: rssKiB * 1024 }
}

interface RuntimeRun {
  name: string
  wallSeconds: number
  cpuSeconds?: number
  peakRssBytes?: number
  outcome: string
  cells: Map<string, Cell>
}

function runSuite(name: string, size: string, timeoutMs: number, scratch: string): RuntimeRun {
  const args = [
    CLI,
    'run',
    '--suite',
    'default',
    '--size',
    size,
    '--runtimes',
    name,
    '--format',
    'json',
    '--quiet',
  ]
  const jobs = process.env.PYGC_LARGE_JOBS
  if (jobs !== undefined && jobs !== '') args.push('--jobs', jobs)
  const timesFile = join(scratch, `${name}.time`)
  const timed = existsSync(GNU_TIME)
  const [command, commandArgs] = timed
    ? [GNU_TIME, ['-o', timesFile, '-f', '%U %S %M', process.execPath, ...args]]
    : [process.execPath, args]
  const start = process.hrtime.bigint()
  const child = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    timeout: timeoutMs,
  })
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9
  const times = timed ? readTimes(timesFile) : undefined
  let outcome: string
  let cells = new Map<string, Cell>()
  if (child.error !== undefined || child.signal !== null)
    outcome = `did not finish (${child.error?.message ?? child.signal})`
  else {
    try {
      cells = cellsOf(child.stdout, name)
      const failed = [...cells].filter(([, c]) => !c.ok).map(([w]) => w)
      outcome = failed.length === 0 ? `all ${cells.size} finished` : `failed: ${failed.join(', ')}`
    } catch {
      outcome = `exit code ${child.status}: ${child.stderr.trim().split('\n').slice(-1)[0] ?? ''}`
    }
  }
  return { name, wallSeconds, ...times, outcome, cells }
}

const seconds = (s: number | undefined): string => (s === undefined ? '-' : s.toFixed(1))

/** Per workload: its ops and, per runtime, wall seconds and wall ns/op of its cell. */
function breakdown(runs: readonly RuntimeRun[]): string {
  const workloads = [...new Set(runs.flatMap((r) => [...r.cells.keys()]))]
  const headers = ['workload', 'ops', ...runs.flatMap((r) => [`${r.name} s`, `${r.name} ns/op`])]
  const rows = workloads.map((w) => {
    const ops = Math.max(0, ...runs.map((r) => r.cells.get(w)?.ops ?? 0))
    const perRuntime = runs.flatMap((r) => {
      const c = r.cells.get(w)
      if (c === undefined) return ['-', '-']
      if (!c.ok) return [c.wallSeconds.toFixed(1), 'failed']
      return [c.wallSeconds.toFixed(1), c.ops > 0 ? ((c.wallSeconds * 1e9) / c.ops).toFixed(0) : '-']
    })
    return [w, formatCount(ops), ...perRuntime]
  })
  return formatTable(headers, rows)
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is not built: run npm run build first`)
  const size = process.env.PYGC_LARGE_SIZE ?? 'large'
  const timeoutMs = envInt('PYGC_LARGE_TIMEOUT', 7200) * 1000
  // pygc run does not offer the baseline.
  const names = await chosenRuntimes(['baseline'])
  console.log(`pygc run --suite default --size ${size}, one process per runtime (node ${process.version})`)
  if (!existsSync(GNU_TIME)) console.log(`${GNU_TIME} is missing: no CPU seconds or peak RSS, wall only`)
  const scratch = mkdtempSync(join(tmpdir(), 'pygc-large-'))
  const runs: RuntimeRun[] = []
  try {
    for (const name of names) {
      const run = runSuite(name, size, timeoutMs, scratch)
      runs.push(run)
      const rss = run.peakRssBytes === undefined ? '-' : `${formatCount(run.peakRssBytes / 2 ** 20)} MiB`
      console.log(
        `${name}: wall ${seconds(run.wallSeconds)} s, CPU ${seconds(run.cpuSeconds)} s, peak RSS ${rss}, ${run.outcome}`,
      )
      // Each runtime's cells as soon as they are known: a run stopped part-way keeps them.
      if (run.cells.size > 0) console.log(breakdown([run]))
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  const rows = runs.map((r) => {
    const ops = [...r.cells.values()].reduce((sum, c) => sum + c.ops, 0)
    return [
      r.name,
      seconds(r.wallSeconds),
      seconds(r.cpuSeconds),
      r.cpuSeconds === undefined || ops === 0 ? '-' : ((r.cpuSeconds * 1e9) / ops).toFixed(0),
      r.peakRssBytes === undefined ? '-' : formatCount(r.peakRssBytes / 2 ** 20),
      formatCount(ops),
      r.outcome,
    ]
  })
  console.log(
    formatTable(
      ['runtime', `wall s (--size ${size})`, 'CPU s', 'CPU ns/op', 'peak RSS MiB', 'ops', 'workloads'],
      rows,
    ),
  )
  console.log(
    '\nper workload (wall of each cell as pygc run records it; cells share the cores with --jobs > 1):',
  )
  console.log(breakdown(runs))
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
