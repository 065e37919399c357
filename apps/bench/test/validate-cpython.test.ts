/**
 * The CPython model against the real interpreters: on each preset validated in CI (3.11, 3.12,
 * 3.13), every case of the validation set must give identical per-generation collections,
 * collected and uncollectable counts, final gc.get_count(), and the same sequence of __del__
 * calls and weakref callbacks, and what the trace added to pymalloc's blocks per size class within
 * ±3 and arenas within ±1, the model started from the interpreter's own pymalloc (FIDELITY.md
 * "pymalloc"). A preset whose interpreter is not installed is skipped with a
 * message saying so (PYGC_CPYTHON_PRESETS=3.12 to choose; PYGC_CPYTHON_CASES=a,b for cases).
 *
 * `npm test` runs the quick set below on each preset; `PYGC_TESTS=full npm test` (what CI
 * runs) and `pygc validate --runtime cpython:<preset>` run every case.
 */
import { execFileSync } from 'node:child_process'
import { policyOf } from '@pygc/cpython'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPYTHON_CASE_NAMES, CPYTHON_CASES, validateCpython } from '../src/validate/cpython.js'
import { locateInterpreter, presetPolicy } from '../src/validate/cpython-interpreter.js'
import type { ValidationReport } from '../src/validate/types.js'
import { FULL_TIER } from './tier.js'

const full = FULL_TIER

/**
 * The three cases left out of the quick set are the longest traces: in one `pygc validate
 * --runtime cpython --jobs 1` on this machine (under load) they took 24, 17 and 16 s (recording,
 * python3.11 and the model), the twelve others 0.7 to 2 s each. The quick set still has the
 * collections of every generation (gc-collect, gc-traversal, lru-mix, the random graphs),
 * finalizers, weakref callbacks, pymalloc blocks and arenas.
 */
const LONG_CASES = new Set(['binary-trees d=10', 'binary-trees d=14', 'deep-chain 1M'])
const only =
  process.env.PYGC_CPYTHON_CASES?.split(',') ??
  (full ? undefined : CPYTHON_CASE_NAMES.filter((c) => !LONG_CASES.has(c)))
const presets = (process.env.PYGC_CPYTHON_PRESETS ?? '3.11,3.12,3.13')
  .split(',')
  .map((p) => presetPolicy(p).name)
const found = await Promise.all(presets.map(async (p) => locateInterpreter(presetPolicy(p))))

/**
 * Every preset's validation starts before the first test and they run at once: each is mostly
 * waiting for its interpreter (a child process), so the four overlap on the machine's cores
 * instead of queueing in this file one after another. The tests then read their own report.
 */
const started = new Map<string, Promise<ValidationReport>>()
/** "<case>: recording" lines of every validation: the presets share each case's trace. */
const recordings: string[] = []
function startValidation(preset: string, cases: readonly string[] | undefined): void {
  const log = (line: string): void => {
    if (line.endsWith(': recording')) recordings.push(line)
  }
  const run = validateCpython({ ...(cases ? { cases: [...cases] } : {}), preset, log })
  run.catch(() => {}) // reported by the test that awaits it
  started.set(preset, run)
}

describe.each(presets.map((p, i) => ({ preset: p, python: found[i] })))(
  'validate $preset',
  ({ preset, python }) => {
    if (python === null) {
      const version = presetPolicy(preset).python
      console.warn(
        `validate ${preset}: skipped, no Python ${version} here (python${version}, python3, pyenv prefix ${version})`,
      )
    }

    it.skipIf(python === null)(
      `agrees with the real interpreter on every case of the ${only ? 'chosen' : 'whole'} set`,
      { timeout: 600_000 },
      async () => {
        const report = await (started.get(preset) as Promise<ValidationReport>)
        const failed = report.rows.filter((r) => !r.ok)
        if (process.env.PYGC_SHOW)
          console.log(
            report.rows.map((r) => `${r.case} | ${r.metric} | ${r.model} | ${r.real} | ${r.ok}`).join('\n'),
          )
        expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
        expect(report.ok).toBe(true)
        expect(report.realRuntime).toContain(`python ${presetPolicy(preset).python}.`)
        expect(new Set(report.rows.map((r) => r.case)).size).toBe(only ? only.length : CPYTHON_CASES.length)
      },
    )

    it(`is marked validated (versions.ts) exactly when CI validates it`, () => {
      expect(policyOf(preset)?.validated).toBe(true)
    })
  },
)

/**
 * 3.10 in CI on a subset (the full set is `pygc validate --runtime cpython:3.10`, all ok: FIDELITY.md),
 * to keep `npm test` short: the cases that exercise what 3.10 does differently — plain instances
 * with a dict object each (instances), frames warmed before the loop and the 781-allocation
 * period (gc-collect 2-cycles), 72-byte weak references and their callbacks (weakref-callbacks),
 * `__del__` on both paths (del-finalizers). PYGC_CPYTHON_310_CASES=a,b to choose.
 */
const CASES_310 = (
  process.env.PYGC_CPYTHON_310_CASES ?? 'instances,gc-collect 2-cycles,weakref-callbacks,del-finalizers'
).split(',')
const python310 = await locateInterpreter(presetPolicy('3.10'))

beforeAll(() => {
  presets.forEach((preset, i) => {
    if (found[i] !== null) startValidation(preset, only)
  })
  if (python310 !== null) startValidation('cpython-3.10', CASES_310)
})

describe('validate cpython-3.10 (a subset of the cases)', () => {
  if (python310 === null)
    console.warn(
      'validate cpython-3.10: skipped, no Python 3.10 here (python3.10, python3, pyenv prefix 3.10)',
    )

  it.skipIf(python310 === null)(
    `agrees with the real interpreter on ${CASES_310.join(', ')}`,
    { timeout: 600_000 },
    async () => {
      const report = await (started.get('cpython-3.10') as Promise<ValidationReport>)
      const failed = report.rows.filter((r) => !r.ok)
      expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
      expect(report.realRuntime).toContain('python 3.10.')
      expect(new Set(report.rows.map((r) => r.case)).size).toBe(CASES_310.length)
    },
  )

  it('is marked validated (versions.ts): every case agrees (pygc validate --runtime cpython:3.10)', () => {
    expect(policyOf('cpython-3.10')?.validated).toBe(true)
  })
})

describe('the presets validated at once', () => {
  it.skipIf(found.every((p) => p === null))(
    'record each case once and share its trace (it does not depend on the preset)',
    { timeout: 600_000 },
    async () => {
      await Promise.allSettled(started.values())
      expect(recordings.length).toBeGreaterThan(0)
      expect(recordings.length).toBe(new Set(recordings).size)
    },
  )
})

describe('cpython presets without an interpreter here', () => {
  it('3.14.5 is not marked validated: no 3.14 to check it against', () => {
    expect(policyOf('cpython-3.14.5')?.validated).toBe(false)
  })
})

describe('interpreter lookup', () => {
  it('names the preset by version or full name, and rejects an unknown one listing the presets', () => {
    expect(presetPolicy('3.12').name).toBe('cpython-3.12')
    expect(presetPolicy('cpython-3.13').name).toBe('cpython-3.13')
    expect(presetPolicy(undefined).name).toBe('cpython-3.11')
    expect(() => presetPolicy('3.9')).toThrow(/valid presets: cpython-3.10, cpython-3.11, cpython-3.12/)
  })

  it('runs an interpreter found on PATH as the executable behind it (not through a pyenv shim)', () => {
    for (const python of [...found, python310]) {
      if (python === null) continue
      // The shim (a shell script running `pyenv exec`) costs ~1.4 s of CPU per start.
      expect(python.command.startsWith('/'), python.command).toBe(true)
      expect(python.command).not.toMatch(/\/shims\//)
      const executable = execFileSync(python.command, ['-c', 'import sys; print(sys.executable)'], {
        encoding: 'utf8',
      }).trim()
      expect(executable).toBe(python.command)
    }
  })

  it('refuses a --python of another version', async () => {
    const py311 = await locateInterpreter(presetPolicy('3.11'))
    if (py311 === null) return
    await expect(locateInterpreter(presetPolicy('3.12'), py311.command)).rejects.toThrow(
      /is Python 3\.11\.\d+; preset cpython-3.12/,
    )
  })
})
