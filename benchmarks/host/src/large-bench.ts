/**
 * `npm run bench:large`: the whole default suite at `--size large` on each runtime, one
 * `pygc run` process per runtime (apps/bench), timed from outside; the table gives the wall
 * seconds per runtime and whether every workload finished. It takes long (binary-trees large is
 * maxDepth 21, ~6×10^9 ops): run it when the machine is free.
 *
 * Knobs: PYGC_BENCH_RUNTIMES (default every available model except the baseline, which pygc run
 * does not offer), PYGC_LARGE_TIMEOUT (seconds per runtime, default 7200), PYGC_LARGE_SIZE
 * (default large: smaller sizes try the script quickly).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { envInt } from './child.js'
import { chosenRuntimes } from './chosen-runtimes.js'
import { formatTable } from './table.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const CLI = resolve(REPO_ROOT, 'apps', 'bench', 'dist', 'cli.js')

interface ResultsLike {
  workloads: { workload: string; runs: { status: string }[] }[]
}

/** The workloads of a results document and the ones whose run failed (pygc-results, schema 2). */
function summarize(json: string): { workloads: number; failed: string[] } {
  const doc = JSON.parse(json) as ResultsLike
  const failed = doc.workloads.filter((w) => w.runs.some((r) => r.status !== 'ok')).map((w) => w.workload)
  return { workloads: doc.workloads.length, failed }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is not built: run npm run build first`)
  const size = process.env.PYGC_LARGE_SIZE ?? 'large'
  const timeoutMs = envInt('PYGC_LARGE_TIMEOUT', 7200) * 1000
  // pygc run does not offer the baseline.
  const names = await chosenRuntimes(['baseline'])
  console.log(`pygc run --suite default --size ${size}, one process per runtime (node ${process.version})`)
  const rows: string[][] = []
  for (const name of names) {
    const start = process.hrtime.bigint()
    const child = spawnSync(
      process.execPath,
      [CLI, 'run', '--suite', 'default', '--size', size, '--runtimes', name, '--format', 'json', '--quiet'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, timeout: timeoutMs },
    )
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    let outcome: string
    if (child.error !== undefined || child.signal !== null)
      outcome = `did not finish (${child.error?.message ?? child.signal})`
    else {
      try {
        const { workloads, failed } = summarize(child.stdout)
        outcome = failed.length === 0 ? `all ${workloads} finished` : `failed: ${failed.join(', ')}`
      } catch {
        outcome = `exit code ${child.status}: ${child.stderr.trim().split('\n').slice(-1)[0] ?? ''}`
      }
    }
    console.log(`${name}: ${seconds.toFixed(1)} s, ${outcome}`)
    rows.push([name, seconds.toFixed(1), outcome])
  }
  console.log(formatTable(['runtime', `wall s (--size ${size})`, 'workloads'], rows))
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
