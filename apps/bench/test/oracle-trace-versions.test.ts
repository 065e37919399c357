/**
 * The real-runtime oracles (benchmarks/oracles: replay.py, TraceReplay.java, the .NET oracle)
 * read both binary trace versions: the same program recorded as version 1 and version 2 gives
 * the same replay, and a version 2 trace with one flipped bit is refused as corrupted (by its
 * chunk's CRC-32) instead of being replayed.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BaselineManager } from '@pygc/baseline'
import { fileSink, RecordingMutator, Rng } from '@pygc/core'
import { getWorkload } from '@pygc/workloads'
import { describe, expect, it } from 'vitest'
import { buildClrOracle, runClrOracle } from '../src/validate/ironpython.js'
import { compileJvmOracle } from '../src/validate/jython.js'
import { oracleCacheDir, REPLAY_PY } from '../src/validate/oracles.js'
import { tempDir } from './cli-helpers.js'

describe('oracles read trace versions 1 and 2', () => {
  const dir = tempDir('oracle-versions')
  const workload = getWorkload('gc-collect')
  const traces: Record<'v1' | 'v2' | 'corrupt', string> = {
    v1: join(dir, 'v1.trace'),
    v2: join(dir, 'v2.trace'),
    corrupt: join(dir, 'corrupt.trace'),
  }
  for (const version of [1, 2]) {
    const recorder = new RecordingMutator(new BaselineManager(), fileSink(traces[`v${version}` as 'v1']), {
      version,
      metadata: { workload: workload.name },
    })
    workload.run(recorder, workload.sizes.test, new Rng(1))
    recorder.finish()
  }
  const v2 = readFileSync(traces.v2)
  // A bit in the middle of the second chunk.
  const corrupt = Buffer.from(v2)
  corrupt[12 + 8 + 65536 + 8 + 1000] ^= 0x04
  writeFileSync(traces.corrupt, corrupt)

  /** Run a command; its stdout, or its failure's stdout and stderr. */
  const run = (command: string, args: string[], env: Record<string, string> = {}) => {
    try {
      return {
        ok: true,
        out: execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, ...env } }),
      }
    } catch (e) {
      const failure = e as { stdout?: string; stderr?: string }
      return { ok: false, out: `${failure.stdout ?? ''}${failure.stderr ?? ''}` }
    }
  }

  it('replay.py (python3)', () => {
    expect(v2.length).toBeGreaterThan(2 * 65536)
    const replay = (trace: string) => {
      const r = run('python3', [REPLAY_PY, trace])
      const { wallMs: _, ...rest } = JSON.parse(r.out)
      return rest
    }
    const one = replay(traces.v1)
    expect(one.ops).toBeGreaterThan(10_000)
    expect(replay(traces.v2)).toEqual(one)
    const bad = run('python3', [REPLAY_PY, traces.corrupt])
    expect(bad.ok).toBe(false)
    expect(JSON.parse(bad.out)).toEqual({
      error: expect.stringMatching(/checksum mismatch in chunk 1 at byte offset 65556/),
    })
  })

  it('TraceReplay.java', async () => {
    const classes = await compileJvmOracle(oracleCacheDir(undefined), () => {})
    const replay = (trace: string) => run('java', ['-XX:+UseSerialGC', '-cp', classes, 'TraceReplay', trace])
    const counts = (out: string) => {
      const { ops, records } = JSON.parse(out)
      return { ops, records }
    }
    const one = replay(traces.v1)
    expect(one.ok, one.out).toBe(true)
    expect(counts(replay(traces.v2).out)).toEqual(counts(one.out))
    const bad = replay(traces.corrupt)
    expect(bad.ok).toBe(false)
    expect(bad.out).toMatch(/checksum mismatch in chunk 1 at byte offset 65556/)
  })

  it('the .NET oracle', async () => {
    const dll = await buildClrOracle(oracleCacheDir(undefined), () => {})
    const one = await runClrOracle(dll, traces.v1, 0x40000)
    const two = await runClrOracle(dll, traces.v2, 0x40000)
    expect(two.allocations).toBe(one.allocations)
    expect(two.allocations).toBeGreaterThan(1000)
    const bad = run('dotnet', [dll, traces.corrupt], { DOTNET_GCgen0size: '40000' })
    expect(bad.ok).toBe(false)
    expect(bad.out).toMatch(/checksum mismatch in chunk 1 at byte 65556/)
  })
})
