import { BaselineManager } from '@pygc/baseline'
import { bufferSource, MemorySink, RecordingMutator, Rng, replayTrace } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { getWorkload, resolveParams, workloads } from '../src/index.js'
import { FakeMutator } from './fake-mutator.js'

const SEED = 42

describe.each(workloads.map((w) => [w.name, w] as const))('%s', (_name, workload) => {
  const params = resolveParams(workload, 'test')

  it('passes its self-check at the test size on a plain JS mutator, popping every frame', () => {
    const m = new FakeMutator()
    const result = workload.run(m, params, new Rng(SEED))
    expect(result.check).toBe(workload.expectedCheck(params))
    expect(result.check).toBeGreaterThan(0)
    expect(m.frameDepth).toBe(0)
  })

  it('is deterministic: the same seed gives the same op stream length and result', () => {
    const a = new FakeMutator()
    const b = new FakeMutator()
    const ra = workload.run(a, params, new Rng(SEED))
    const rb = workload.run(b, params, new Rng(SEED))
    expect(rb).toEqual(ra)
    expect(b.ops).toBe(a.ops)
    expect(b.allocations).toBe(a.allocations)
  })

  it('issues the same op stream whether weakrefs clear or not and whatever gc.collect() returns', () => {
    const keep = new FakeMutator('keep')
    const clear = new FakeMutator('clear')
    const a = workload.run(keep, params, new Rng(SEED))
    const b = workload.run(clear, params, new Rng(SEED))
    expect(clear.streamHash).toBe(keep.streamHash)
    expect(clear.ops).toBe(keep.ops)
    expect(b.check).toBe(a.check)
  })

  it('records a trace that replays on a fresh baseline manager to the same figures', () => {
    // (Replaying on another runtime may see weakrefs clear at other times: the op-stream test
    // above shows the program does not branch on that.)
    const sink = new MemorySink()
    const recorded = new BaselineManager()
    const recorder = new RecordingMutator(recorded, sink)
    workload.run(recorder, params, new Rng(SEED))
    const { ops } = recorder.finish()
    const target = new BaselineManager()
    const replay = replayTrace(bufferSource(sink.bytes()), target)
    expect(replay.ops).toBe(ops)
    expect(replay.nullMismatches).toBe(0)
    expect(replay.sameMismatches).toBe(0)
    const { wallGcMs: _a, ...expected } = recorded.stats()
    const { wallGcMs: _b, ...actual } = target.stats()
    expect(actual).toEqual(expected)
  })

  it('has a check that does not depend on the seed', () => {
    const result = workload.run(new FakeMutator(), params, new Rng(SEED + 1))
    expect(result.check).toBe(workload.expectedCheck(params))
  })

  it('declares every size with every parameter in range', () => {
    for (const size of ['test', 'small', 'medium', 'large'] as const) {
      const p = resolveParams(workload, size)
      expect(Object.keys(p).sort()).toEqual(Object.keys(workload.params).sort())
    }
  })

  it('passes its self-check at the test size on the baseline manager', () => {
    const m = new BaselineManager()
    const result = workload.run(m, params, new Rng(SEED))
    expect(result.check).toBe(workload.expectedCheck(params))
  })
})

describe('workload names and parameters', () => {
  it('lists the valid workloads for an unknown name', () => {
    expect(() => getWorkload('binary-tree')).toThrowError(
      /unknown workload 'binary-tree'; valid workloads: binary-trees, gcbench/,
    )
    expect(() => getWorkload('nope')).toThrowError(expect.objectContaining({ code: 'UNKNOWN_WORKLOAD' }))
  })

  it('finds every workload by its name', () => {
    for (const w of workloads) expect(getWorkload(w.name)).toBe(w)
    expect(new Set(workloads.map((w) => w.name)).size).toBe(workloads.length)
  })

  it('lists the valid parameters for an unknown one', () => {
    const w = getWorkload('binary-trees')
    expect(() => resolveParams(w, 'test', { depth: 3 })).toThrowError(
      /unknown parameter 'depth'; valid parameters: maxDepth/,
    )
    expect(() => resolveParams(w, 'test', { depth: 3 })).toThrowError(
      expect.objectContaining({ code: 'INVALID_PARAM' }),
    )
  })

  it('lists the valid sizes for an unknown one', () => {
    expect(() => resolveParams(getWorkload('gc-collect'), 'huge')).toThrowError(
      /valid sizes: test, small, medium, large/,
    )
  })

  it('rejects values out of range or not integers, naming the parameter', () => {
    const w = getWorkload('binary-trees')
    expect(() => resolveParams(w, 'test', { maxDepth: 99 })).toThrowError(
      /maxDepth = 99 is outside its range 1..30/,
    )
    expect(() => resolveParams(w, 'test', { maxDepth: '7.5' })).toThrowError(/maxDepth must be an integer/)
    expect(() => resolveParams(w, 'test', { maxDepth: 99 })).toThrowError(
      expect.objectContaining({ code: 'VALUE_OUT_OF_RANGE' }),
    )
  })

  it('applies overrides on top of a size, from numbers or strings', () => {
    const w = getWorkload('binary-trees')
    expect(resolveParams(w, 'small', { maxDepth: '9' })).toEqual({ maxDepth: 9, minDepth: 4 })
    expect(resolveParams(w, 'large')).toEqual({ maxDepth: 20, minDepth: 4 })
  })

  it('binary-trees counts exactly the CLBG node total', () => {
    // N = 10 (the CLBG correctness size): stretch 4095 + long-lived 2047 + 4 depths of ~32k nodes.
    const w = getWorkload('binary-trees')
    const p = resolveParams(w, 'test', { maxDepth: 10 })
    expect(w.expectedCheck(p)).toBe(4095 + 2047 + 1024 * 31 + 256 * 127 + 64 * 511 + 16 * 2047)
    expect(w.run(new FakeMutator(), p, new Rng(1)).check).toBe(w.expectedCheck(p))
  })
})

describe('btree deletion', () => {
  // Small degrees make every CLRS case (borrow from either sibling, merge either way, root shrink) frequent.
  it.each([
    [2, 100],
    [2, 50],
    [3, 100],
    [4, 37],
  ])('keeps every key in order at degree %i with %i%% deleted and reinserted', (degree, recreatePercent) => {
    const w = getWorkload('btree')
    const p = resolveParams(w, 'test', { degree, recreatePercent, nodes: 3_000, loops: 2 })
    const m = new FakeMutator()
    expect(w.run(m, p, new Rng(degree * 100 + recreatePercent)).check).toBe(3_000)
    expect(m.frameDepth).toBe(0)
  })
})
