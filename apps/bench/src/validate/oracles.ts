/**
 * What the three validators share when they talk to a real runtime: where the oracles and the
 * cache live, how a trace file is named, how an oracle process is run (with a timeout, so a
 * hung runtime fails the case instead of the command), how its JSON report is read, and how a
 * runtime's version is probed for the report's heading.
 */
import { execFile } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { threadId } from 'node:worker_threads'

const execFileAsync = promisify(execFile)

/** The repository root (this file is src/validate/ or dist/validate/ of apps/bench). */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url))

/** The Python-level trace replayer, run by both python3 (CPython) and jython. */
export const REPLAY_PY = join(REPO, 'benchmarks/oracles/replay.py')

/** Where compiled oracles and kept traces go unless the caller names a place; created. */
export function oracleCacheDir(cacheDir: string | undefined): string {
  const dir = cacheDir ?? join(REPO, '.cache', 'oracles')
  mkdirSync(dir, { recursive: true })
  return dir
}

/**
 * A scratch name of this thread's own: `base` on the main thread, `base-thread<N>` on worker
 * thread N. `pygc validate --jobs` runs a runtime's cases at once on several threads, and files
 * every case writes (a start-up measurement's trace and log) must not meet. The names stay few
 * (one per thread), so a cache directory does not grow from run to run.
 */
export function threadScratch(base: string): string {
  return threadId === 0 ? base : `${base}-thread${threadId}`
}

/** A file-name-safe form of a case name: "binary-trees d=14" -> "binary-trees-d-14". */
export function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')
}

export interface OracleRunOptions {
  /** Kill the process after this long (default 10 minutes: the longest case on a 2-core machine). */
  timeoutMs?: number
  /** Added to this process's environment. */
  env?: Record<string, string>
  cwd?: string
}

/** Oracles print a whole run's events as one JSON document: allow far more than the default 1 MiB. */
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024
const DEFAULT_TIMEOUT_MS = 600_000

/**
 * Run an oracle process to completion and return its stdout and stderr. A non-zero exit, a
 * signal or the timeout is an error whose first line names the command and what happened,
 * followed by the tail of its output.
 */
export async function runOracle(
  command: string,
  args: readonly string[],
  options: OracleRunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  try {
    return await execFileAsync(command, args, {
      timeout,
      maxBuffer: MAX_OUTPUT_BYTES,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
    })
  } catch (e) {
    const failure = e as Error & {
      code?: unknown
      killed?: boolean
      signal?: string
      stdout?: string
      stderr?: string
    }
    const how = failure.killed
      ? `killed after ${timeout / 1000} s`
      : failure.signal
        ? `killed by ${failure.signal}`
        : `exit code ${String(failure.code)}`
    const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim().slice(-4000)
    throw new Error(`${[command, ...args].join(' ')} failed: ${how}${output === '' ? '' : `\n${output}`}`, {
      cause: e,
    })
  }
}

/**
 * An oracle's JSON report from its stdout. The document starts at the first '{': jython
 * prints JVM warnings on stdout before the program's own output.
 */
export function parseOracleJson<T>(stdout: string, oracle: string): T {
  const start = stdout.indexOf('{')
  try {
    return JSON.parse(start < 0 ? stdout : stdout.slice(start)) as T
  } catch (e) {
    throw new Error(`${oracle} printed no JSON report: ${stdout.slice(0, 200)}`, { cause: e })
  }
}

/**
 * A runtime's version for the report's heading: `extract` picks it from the probe's stdout
 * and stderr (java prints its version on stderr). null when the runtime is missing or says
 * nothing `extract` recognizes.
 */
export async function probeVersion(
  command: string,
  args: readonly string[],
  extract: (output: { stdout: string; stderr: string }) => string | null,
): Promise<string | null> {
  try {
    return extract(await runOracle(command, args, { timeoutMs: 60_000 }))
  } catch {
    return null
  }
}

/**
 * The rows of one trace at several heap configurations, the real runs side by side: each
 * configuration's model replay runs (synchronously) and then starts its oracle process, so the
 * next model replays while the previous oracles run. The oracles are single-threaded
 * collectors (Serial GC, workstation non-concurrent GC) whose counts do not depend on what else
 * runs; only wall time does. Rows come back in the configurations' order.
 */
export async function rowsPerHeap<H, R>(
  heaps: readonly H[],
  rowsAt: (heap: H) => Promise<R[]>,
): Promise<R[]> {
  return (await Promise.all(heaps.map(rowsAt))).flat()
}
