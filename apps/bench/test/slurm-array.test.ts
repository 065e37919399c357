/**
 * A real Slurm job array (issue 11, goal 5): examples/slurm/local-cluster.sh brings up a one-node
 * cluster (its own munged, slurmctld and slurmd on free ports, everything under a fresh
 * directory), runs examples/slurm/sweep.sbatch as a 4-task array with `--shard auto`, merges the
 * shards with `pygc merge` and runs the same sweep in one process. Here the merged document must
 * equal the unsharded sweep apart from `meta` and `wall`, and every task must have written its
 * shard. CI installs slurmctld and slurmd (.ci/run) and runs as root, so under CI the test always
 * runs (a missing daemon fails it); elsewhere it skips, naming why, where slurmctld is not
 * installed or the process is not root (slurmd runs the jobs as root). Its daemons are stopped
 * and its directory removed even when the script fails or times out.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { APP_DIR, tempDir } from './cli-helpers.js'

const REPO = join(APP_DIR, '..', '..')
const SCRIPT = join(REPO, 'examples', 'slurm', 'local-cluster.sh')
/** The script's whole run; the 2-core development machine under load took 15 s. */
const SCRIPT_TIMEOUT_MS = 150_000

function skipReason(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v slurmctld && command -v munged']).status !== 0)
    return 'slurmctld or munged is not installed (apt-get install slurm-wlm)'
  if (process.getuid?.() !== 0) return 'not root: slurmd runs the array tasks as root'
  return undefined
}
/** Under CI nothing is skipped: .ci/run installs the daemons, and a missing one is a broken set-up. */
const skip = process.env.CI ? undefined : skipReason()

/** The pids in the daemons' pid files under `work` (slurmd, slurmctld, munged). */
function daemonPids(work: string): number[] {
  const files = ['slurmd.pid', 'slurmctld.pid', join('munge', 'munged.pid')].map((f) => join(work, f))
  return files
    .filter(existsSync)
    .map((f) => Number(readFileSync(f, 'utf8').trim()))
    .filter((p) => p > 0)
}

/** Whether `pid` is still running (a zombie left for init to reap is not). */
function running(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .startsWith('Z')
  } catch {
    return false
  }
}

/** Stop whatever the script left running under `work`, wait for it to exit, remove `work`. */
async function cleanUp(work: string): Promise<void> {
  const pids = daemonPids(work).filter(running)
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}
  }
  for (let i = 0; i < 100 && pids.some(running); i++) await new Promise((r) => setTimeout(r, 100))
  for (const pid of pids.filter(running)) process.kill(pid, 'SIGKILL')
  rmSync(work, { recursive: true, force: true, maxRetries: 5 })
}

/** Run the script with WORK=`work` in its own process group; its exit code (null: killed at the timeout). */
function runScript(work: string): Promise<number | null> {
  const log = openSync(join(work, 'script.log'), 'w')
  const child = spawn('bash', [SCRIPT], {
    cwd: REPO,
    env: { ...process.env, WORK: work },
    stdio: ['ignore', log, log],
    detached: true,
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM')
    }, SCRIPT_TIMEOUT_MS)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

function withoutRunInfo(file: string): unknown {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  delete doc.meta
  delete doc.wall
  return doc
}

describe.skipIf(skip !== undefined)(
  `a 4-task Slurm job array on a one-node local cluster${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let work: string | undefined
    afterAll(async () => {
      if (work !== undefined) await cleanUp(work)
    }, 30_000)

    it(
      'runs the sweep as 4 array tasks whose merged shards equal the unsharded sweep',
      async () => {
        work = tempDir('slurm')
        const code = await runScript(work)
        const log = readFileSync(join(work, 'script.log'), 'utf8')
        expect(code, log).toBe(0)
        expect(log).toContain('merged 6 sweep cells: identical to the unsharded sweep')
        // Every array task ran under Slurm and wrote its shard (sweep.sbatch: shard-$SLURM_ARRAY_TASK_ID.json).
        const out = readdirSync(join(work, 'out')).sort()
        expect(out.filter((f) => f.startsWith('shard-'))).toEqual([0, 1, 2, 3].map((i) => `shard-${i}.json`))
        expect(out.filter((f) => /^slurm-\d+_[0-3]\.log$/.test(f))).toHaveLength(4)
        // The script compares the documents itself; check it here too, independently.
        const merged = withoutRunInfo(join(work, 'merged.json')) as { sweeps: unknown[] }
        expect(merged.sweeps).toHaveLength(6)
        expect(merged).toEqual(withoutRunInfo(join(work, 'whole.json')))
      },
      SCRIPT_TIMEOUT_MS + 10_000,
    )
  },
)
