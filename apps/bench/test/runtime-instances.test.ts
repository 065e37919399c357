/**
 * Each runtime's own copy of pygc's modules (src/runtime-instances.ts): separate code (so V8
 * keeps separate feedback per runtime) down to the modules the workloads and the op counters
 * import, one shared pool of host buffers, the same outcome as the thread's own modules, and a
 * thrown error arriving as the same typed error.
 */
import * as core from '@pygc/core'
import { describe, expect, it } from 'vitest'
import type { RunCell } from '../src/cell.js'
import { runCell } from '../src/cell.js'
import { cellsOnInstances, runCellOn } from '../src/cell-instances.js'
import { copiedIntoInstances, instanceOf } from '../src/runtime-instance-hooks.js'
import { instancePolicy, runtimeInstance } from '../src/runtime-instances.js'
import { UsageError } from '../src/usage.js'

const CORE_URL = import.meta.resolve('@pygc/core')
const WORKLOADS_URL = import.meta.resolve('@pygc/workloads')

function cell(runtime: string, workload = 'gc-collect'): RunCell {
  return {
    kind: 'run',
    index: 0,
    workload,
    params: { cycles: 2, links: 2, loops: 1 },
    seed: 1,
    runtime,
    options: {},
    repeat: 1,
  }
}

/** An outcome without its host times (the only figures that may differ between runs). */
function figures(outcome: ReturnType<typeof runCell>): unknown {
  if (outcome.kind !== 'run') throw new Error('a run cell')
  const { wall: _wall, metrics: _metrics, ...execution } = outcome.execution
  return execution
}

describe('runtime instances', () => {
  it('gives each runtime its own copy of the workloads and of what they import, once per thread', async () => {
    type Workloads = typeof import('@pygc/workloads')
    const a = await runtimeInstance<Workloads>(WORKLOADS_URL, 'cpython')
    const b = await runtimeInstance<Workloads>(WORKLOADS_URL, 'jython')
    expect(a.binaryTrees.run).not.toBe(b.binaryTrees.run)
    expect(await runtimeInstance<Workloads>(WORKLOADS_URL, 'cpython')).toBe(a)
    // Imported by the copies, copied too: core's classes (the op counters), per runtime.
    const coreA = await runtimeInstance<typeof core>(CORE_URL, 'cpython')
    const coreB = await runtimeInstance<typeof core>(CORE_URL, 'jython')
    expect(coreA.OpCounter).not.toBe(coreB.OpCounter)
    expect(coreA.OpCounter).not.toBe(core.OpCounter)
    // ...except the thread's one pool of released heap buffers.
    expect(coreA.reuseHostBuffer).toBe(core.reuseHostBuffer)
  })

  it('passes the instance on to pygc modules only', () => {
    expect(instanceOf('file:///r/packages/core/dist/index.js?pygc-instance=pypy')).toBe('pypy')
    expect(instanceOf('file:///r/packages/core/dist/index.js')).toBeNull()
    expect(copiedIntoInstances('file:///r/packages/core/dist/rng.js')).toBe(true)
    expect(copiedIntoInstances('file:///r/packages/core/dist/host-buffers.js')).toBe(false)
    expect(copiedIntoInstances('file:///r/apps/bench/dist/validate/cpython.js')).toBe(false)
    expect(copiedIntoInstances('file:///r/packages/report/dist/index.js')).toBe(false)
    expect(copiedIntoInstances('file:///r/node_modules/tinypool/dist/index.js')).toBe(false)
    expect(copiedIntoInstances('node:fs')).toBe(false)
  })

  it('runs a cell on its runtime copy with the same outcome as on the thread modules', async () => {
    for (const runtime of ['cpython', 'ironpython']) {
      const c = cell(runtime)
      expect(figures(await runCellOn(c, true))).toEqual(figures(runCell(c)))
    }
  })

  it('throws an error of the copy as the same typed error', async () => {
    const error = await runCellOn(cell('baseline', 'no-such-workload'), true).catch((e: unknown) => e)
    expect(error, String(error)).toBeInstanceOf(UsageError)
    expect((error as Error).message).toMatch(/unknown workload 'no-such-workload'/)
  })

  it('copies the modules for the runtimes with enough work in a command that runs several', () => {
    const small = cell('cpython')
    const big: RunCell = { ...cell('jython', 'binary-trees'), params: { maxDepth: 16, minDepth: 4 } }
    // A runtime's cells all run on one side: jython's test-sized cell beside its big one too.
    expect(cellsOnInstances([small, big, { ...small, runtime: 'jython:small-heap' }], 'auto')).toEqual([
      false,
      true,
      true,
    ])
    expect(cellsOnInstances([big, { ...big, runtime: 'jython:small-heap' }], 'auto')).toEqual([false, false])
    expect(cellsOnInstances([small, big], 'always')).toEqual([true, true])
    expect(cellsOnInstances([small, big], 'off')).toEqual([false, false])
    // An unknown workload is the cell's error when it runs, not the plan's.
    expect(cellsOnInstances([cell('cpython', 'no-such-workload'), big], 'auto')).toEqual([false, true])
  })

  it('reads PYGC_RUNTIME_INSTANCES', () => {
    expect(instancePolicy({})).toBe('auto')
    expect(instancePolicy({ PYGC_RUNTIME_INSTANCES: 'off' })).toBe('off')
    expect(() => instancePolicy({ PYGC_RUNTIME_INSTANCES: 'sometimes' })).toThrow(/auto.*always.*off/)
  })
})
