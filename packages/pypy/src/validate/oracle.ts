/**
 * Running the real PyPy: benchmarks/oracles/pypy/replay_pypy.py replays a trace on pypy3 with
 * a fixed PYPY_GC_NURSERY and prints what PyPy's GC did (its own log, gc.hooks, the
 * interpreter's startup heap, __del__ and callback order) as JSON.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { StartupHeap } from '../options.js'

const execFileAsync = promisify(execFile)

/** The replayer (this file is src/validate/ or dist/validate/ of packages/pypy). */
export const REPLAY_PYPY = fileURLToPath(
  new URL('../../../../benchmarks/oracles/pypy/replay_pypy.py', import.meta.url),
)

export interface RealMinor {
  memoryUsed: number
  surviving: number
  pinned: number
}

export interface RealStep {
  from: string
  to: string
  /** Minor collections before it in the program. */
  afterMinor: number
}

export interface RealRun {
  runtime: string
  pypy: string | null
  ops: number
  warmup: boolean
  baseline: { nurserySize: number; jitBackendUsed: number }
  startupHeap: StartupHeap & { arenas: number; smallObjects: number }
  log: {
    minor: RealMinor[]
    steps: RealStep[]
    majors: Record<string, string>[]
  }
  /**
   * The nursery bytes replay_pypy.py itself has taken when the trace's op 0 runs, measured by
   * its probe (`--probe`; absent without it, null when the trace has no type to probe with).
   */
  nurseryAtStart?: { bytes: number; objectSize: number; firstMinorOp: number; secondMinorOp: number } | null
  /** gc.hooks records: [op, count, ...figures] (null when run with --no-hooks). */
  hooks: { minor: number[][]; step: number[][]; major: number[][] } | null
  /** [op, 'finalize' | 'callback', object id or tag], in the order they ran. */
  events: [number, string, number][]
  eventsDropped: number
  collectResults: string[]
  mismatches: { readInt: number; lengthOf: number; isNull: number; same: number; lengthOfUnchecked: number }
  env: Record<string, string>
  error?: string
}

export interface RealRunOptions {
  nursery: number
  hooks: boolean
  /** Also measure the nursery bytes taken at op 0 (one more pypy3 run): RealRun.nurseryAtStart. */
  probe?: boolean
  /** Kill pypy3 after this long (default 10 minutes). */
  timeoutMs?: number
  /** The pypy3 command (default `pypy3`; PYGC_PYPY overrides). */
  pypy?: string
}

/** Replay `trace` on the real PyPy. */
export async function runRealPyPy(trace: string, options: RealRunOptions): Promise<RealRun> {
  const pypy = options.pypy ?? process.env.PYGC_PYPY ?? 'pypy3'
  const args = [
    REPLAY_PYPY,
    '--nursery',
    String(options.nursery),
    ...(options.hooks ? [] : ['--no-hooks']),
    ...(options.probe === true ? ['--probe'] : []),
    trace,
  ]
  let stdout: string
  try {
    ;({ stdout } = await execFileAsync(pypy, args, {
      timeout: options.timeoutMs ?? 600_000,
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, PYGC_PYPY: pypy },
    }))
  } catch (e) {
    const f = e as Error & { stdout?: string; stderr?: string }
    // The replayer's refusal (a TraceError) is its stdout's {"error": ...}, with exit code 1.
    const refusal = /^\{"error": (".*")\}\s*$/.exec(f.stdout ?? '')?.[1]
    throw new Error(
      `${pypy} ${args.join(' ')} failed: ${f.message.split('\n')[0]}\n${refusal === undefined ? '' : `replay_pypy.py: ${JSON.parse(refusal) as string}\n`}${(f.stderr ?? '').slice(-2000)}`,
      {
        cause: e,
      },
    )
  }
  const run = JSON.parse(stdout.slice(Math.max(0, stdout.indexOf('{')))) as RealRun
  if (run.error !== undefined) throw new Error(`replay_pypy.py: ${run.error}`)
  return run
}

/** "PyPy 7.3.11 (Python 3.9.16)" or null when pypy3 is missing. */
export async function pypyVersion(pypy = process.env.PYGC_PYPY ?? 'pypy3'): Promise<string | null> {
  try {
    const { stdout, stderr } = await execFileAsync(pypy, ['--version'], { timeout: 60_000 })
    const text = `${stdout}${stderr}`
    const python = /Python (\d+\.\d+\.\d+)/.exec(text)?.[1]
    const version = /PyPy (\d+\.\d+\.\d+)/.exec(text)?.[1]
    return version ? `PyPy ${version}${python ? ` (Python ${python})` : ''}` : null
  } catch {
    return null
  }
}
