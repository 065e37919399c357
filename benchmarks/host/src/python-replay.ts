/**
 * The real CPython as a speed reference: the same binary-trees op stream, recorded as a trace,
 * replayed by benchmarks/oracles/replay.py on `python3` (each trace object a Python list) and by
 * the CPython model through replayTrace — both decode the same file, so the comparison is like
 * for like. The interpreter's start-up (measured on an empty program) is subtracted from the
 * python3 time when it is a small part of it; both figures are printed.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { baselineRuntime } from '@pygc/baseline'
import { fileSink, fileSource, type MemoryManager, RecordingMutator, Rng, replayTrace } from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'

export interface PythonReplayResult {
  ops: number
  /** Wall seconds of the whole `python3 replay.py` process (best of three). */
  seconds: number
  /** Wall seconds of `python3 -c pass`, subtracted from `seconds` for opsPerSecond when it is under half of it. */
  startupSeconds: number
  startupSubtracted: boolean
  opsPerSecond: number
  pythonVersion: string
  /** The CPython model replaying the same trace (best of two), when the model is available. */
  model?: { seconds: number; opsPerSecond: number }
}

function timeSeconds(run: () => void): number {
  const start = process.hrtime.bigint()
  run()
  return Number(process.hrtime.bigint() - start) / 1e9
}

/** Record binary-trees at `params` once (through the baseline manager; any manager gives the same ops). */
function recordTrace(path: string, params: Record<string, number>, seed: number): number {
  const recorder = new RecordingMutator(baselineRuntime.create(), fileSink(path), {})
  binaryTrees.run(recorder, params, new Rng(seed))
  return recorder.finish().ops
}

/**
 * Replay binary-trees on python3, or return the reason it cannot (no python3, no replay.py yet,
 * or the replayer failed).
 */
export function replayOnPython3(
  repoRoot: string,
  params: Record<string, number>,
  seed: number,
  createModel?: () => MemoryManager,
): PythonReplayResult | { skipped: string } {
  const replayer = join(repoRoot, 'benchmarks', 'oracles', 'replay.py')
  if (!existsSync(replayer)) return { skipped: `${replayer} does not exist yet` }
  let pythonVersion: string
  try {
    pythonVersion = execFileSync('python3', ['--version'], { encoding: 'utf8' }).trim()
  } catch {
    return { skipped: 'python3 is not installed' }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pygc-host-bench-'))
  try {
    const trace = join(dir, 'binary-trees.trace')
    const ops = recordTrace(trace, params, seed)
    const run = (args: string[]) => () =>
      execFileSync('python3', args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 })
    // Best of three for both, as start-up and the replay vary with the page cache.
    const startupSeconds = Math.min(...[0, 1, 2].map(() => timeSeconds(run(['-c', 'pass']))))
    // binary-trees nodes are tuples, which replay.py can only rebuild as lists (a speed run, not a validation).
    const seconds = Math.min(...[0, 1, 2].map(() => timeSeconds(run([replayer, '--tuples-as-lists', trace]))))
    // On a loaded machine start-up can be as long as a short replay: only subtract it when small.
    const startupSubtracted = startupSeconds < seconds / 2
    const result: PythonReplayResult = {
      ops,
      seconds,
      startupSeconds,
      startupSubtracted,
      opsPerSecond: ops / (startupSubtracted ? seconds - startupSeconds : seconds),
      pythonVersion,
    }
    if (createModel !== undefined) {
      const replayOnModel = () => void replayTrace(fileSource(trace), createModel())
      const modelSeconds = Math.min(timeSeconds(replayOnModel), timeSeconds(replayOnModel))
      result.model = { seconds: modelSeconds, opsPerSecond: ops / modelSeconds }
    }
    return result
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-1)[0]
    return {
      skipped: `replay.py failed: ${stderr || (e instanceof Error ? e.message.split('\n')[0] : String(e))}`,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
