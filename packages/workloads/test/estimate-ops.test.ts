/**
 * Workload.estimateOps: what progress bars divide by and what the cell pool orders by. It need
 * not be exact, but it must be near: within a factor of 1.6 of the ops a run really makes at
 * the test size (the estimates were fitted at the test and small sizes; the small size is too
 * slow to run on every test run).
 */
import { Rng } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { resolveParams, workloads } from '../src/index.js'
import { FakeMutator } from './fake-mutator.js'

describe.each(workloads.map((w) => [w.name, w] as const))('%s', (_name, workload) => {
  it('estimates the ops of its test size within a factor of 1.6', () => {
    const params = resolveParams(workload, 'test')
    const m = new FakeMutator()
    workload.run(m, params, new Rng(1))
    const ratio = workload.estimateOps(params) / m.ops
    expect(ratio).toBeGreaterThan(1 / 1.6)
    expect(ratio).toBeLessThan(1.6)
  })
})
