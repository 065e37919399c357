/**
 * `pygc validate --cases`: case names are per runtime, so with several runtimes a name selects
 * the cases of whichever runtimes have it, and only a name that no runtime has is an error
 * (listing each runtime's names). A validator called directly rejects names not its own.
 */
import { join } from 'node:path'
import { BaselineManager } from '@pygc/baseline'
import { fileSink, isPygcError, RecordingMutator } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { VALIDATIONS } from '../src/runtimes.js'
import { VALIDATION_CASE_NAMES, VALIDATORS } from '../src/validate/index.js'
import { planRuns, selectCases } from '../src/validate/selection.js'
import { pygc, tempDir } from './cli-helpers.js'
import { inProcess } from './in-process.js'

/** Every runtime the registry has a validator for. */
const ALL = [...VALIDATIONS.keys()]

function errorOf(run: () => unknown): unknown {
  try {
    run()
  } catch (e) {
    return e
  }
  throw new Error('expected an error')
}

describe('planRuns', () => {
  it('runs every runtime on its whole set without --cases', () => {
    expect(planRuns(ALL, undefined, VALIDATION_CASE_NAMES)).toEqual(ALL.map((runtime) => ({ runtime })))
  })

  it('gives a name to the runtimes that have it and skips the others', () => {
    expect(planRuns(ALL, ['gc-phases'], VALIDATION_CASE_NAMES)).toEqual([
      { runtime: 'cpython', cases: ['gc-phases'] },
    ])
    expect(planRuns(ALL, ['pinned n=60000', 'resurrection'], VALIDATION_CASE_NAMES)).toEqual([
      { runtime: 'jython', cases: ['resurrection'] },
      { runtime: 'ironpython', cases: ['pinned n=60000'] },
    ])
    // "binary-trees d=14" is a case of both CPython and Jython.
    expect(planRuns(ALL, ['binary-trees d=14'], VALIDATION_CASE_NAMES)).toEqual([
      { runtime: 'cpython', cases: ['binary-trees d=14'] },
      { runtime: 'jython', cases: ['binary-trees d=14'] },
    ])
  })

  it('rejects a name no selected runtime has, naming it and listing the cases per runtime', () => {
    const e = errorOf(() => planRuns(ALL, ['gc-phases', 'no-such-case'], VALIDATION_CASE_NAMES))
    expect(isPygcError(e) && e.code).toBe('INVALID_PARAM')
    const text = (e as Error).message
    expect(text).toContain("'no-such-case'")
    expect(text).not.toContain("named 'gc-phases'")
    for (const runtime of ALL) expect(text).toContain(`${runtime}: '${VALIDATION_CASE_NAMES[runtime][0]}'`)
    // A name of another runtime is unknown to a runtime selected alone.
    const alone = errorOf(() => planRuns(['ironpython'], ['gc-phases'], VALIDATION_CASE_NAMES))
    expect((alone as Error).message).toMatch(
      /^no validation case of ironpython is named 'gc-phases'; cases: ironpython: /,
    )
  })
})

describe('a validator called with names', () => {
  it('selects its own cases in its order and rejects names that are not its own', async () => {
    const cases = [{ name: 'a' }, { name: 'b' }, { name: 'c' }]
    expect(selectCases('cpython', cases, ['c', 'a'])).toEqual([{ name: 'a' }, { name: 'c' }])
    expect(selectCases('cpython', cases, undefined)).toBe(cases)
    for (const runtime of ALL) {
      const foreign = runtime === 'cpython' ? 'pinned n=60000' : 'gc-phases'
      await expect(VALIDATORS[runtime]({ cases: [foreign] })).rejects.toThrow(
        new RegExp(`no ${runtime} validation case is named '${foreign}'`),
      )
    }
  })
})

describe('pygc validate --runtime all --cases', () => {
  it('runs a CPython case alone instead of failing in another validator', () => {
    const run = pygc(['validate', '--runtime', 'all', '--cases', 'gc-phases', '--quiet'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^cpython:cpython-3\.11 model vs python 3\.11\.\d+ \(\S+\): ok$/m)
    expect(run.stdout).not.toMatch(/^(jython|ironpython) model vs/m)
  })

  it('fails on a name no runtime has, listing the valid names per runtime', async () => {
    const run = await inProcess(['validate', '--runtime', 'all', '--cases', 'no-such-case'])
    // A name that is not a choice is a usage error (exit 2, one line, no internal code).
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      new RegExp(`^pygc validate: no validation case of ${ALL.join(', ')} is named 'no-such-case'`),
    )
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain("cpython: 'binary-trees d=10'")
    expect(run.stderr).toContain("ironpython: 'binary-trees d=12'")
  })
})

describe('pygc validate --trace and WORKLOAD', () => {
  it('refuses heap options without a trace or workload, and --cases with one', async () => {
    const heap = await inProcess(['validate', '--runtime', 'jython', '--xmx', '64m'])
    expect(heap.code).toBe(2)
    expect(heap.stderr).toMatch(/heap options apply to --trace FILE or a workload/)
    const both = await inProcess(['validate', 'gcbench', '--trace', 'x.trace'])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/not both/)
    const cases = await inProcess(['validate', 'gcbench', '--cases', 'a'])
    expect(cases.code).toBe(2)
  })

  it('refuses a trace an oracle cannot replay at once, naming op and capability', () => {
    const dir = tempDir('validate-refuse')
    const trace = join(dir, 'tuple.trace')
    const recorder = new RecordingMutator(new BaselineManager(), fileSink(trace), { metadata: {} })
    const tuple = recorder.defineType({ name: 'T', refs: 2, shape: 'tuple' })
    recorder.pushFrame(2) // op 0
    recorder.alloc(0, tuple) // 1
    recorder.weakref(1, 0) // 2: Python's tuples have no weakref slot
    recorder.popFrame()
    recorder.finish()
    const run = pygc(['validate', '--trace', trace, '--runtime', 'all'])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/replay\.py on python3 cannot replay .*: op 2 needs 'weakref-to-tuple'/)
  })
})
