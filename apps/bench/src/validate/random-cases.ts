/**
 * The seeded random programs of each runtime's validation set (./random-programs.ts), sized for
 * the runtime's heap: CPython's for its thresholds (exact comparison, so small), IronPython's for
 * a 256 KiB..1 MiB gen0 budget, Jython's for eden sizes of a few MiB. Three seeds in the normal
 * set, ten with `--thorough`.
 */
import type { Mutator } from '@pygc/core'
import {
  RANDOM_SEEDS,
  type RandomProgramSpec,
  randomGraphProgram,
  THOROUGH_RANDOM_SEEDS,
} from './random-programs.js'
import type { ValidatedRuntime } from './types.js'

type Shape = Omit<RandomProgramSpec, 'seed'>

/** PyPy's validation has its own random programs (@pygc/pypy/validate, random-program.ts). */
type RandomRuntime = Exclude<ValidatedRuntime, 'pypy'>

const SHAPES: Readonly<Record<RandomRuntime, Shape>> = {
  cpython: {
    steps: 20_000,
    roots: 512,
    maxLength: 40,
    collectEvery: 5_000,
    features: { weakrefs: true, finalizers: true, callbacks: true, resurrection: true },
  },
  ironpython: {
    steps: 60_000,
    roots: 2_000,
    maxLength: 200,
    collectEvery: 20_000,
    features: { weakrefs: true, finalizers: true, callbacks: false, resurrection: false },
  },
  jython: {
    steps: 600_000,
    roots: 20_000,
    maxLength: 100,
    collectEvery: 200_000,
    features: { weakrefs: true, finalizers: false, callbacks: false, resurrection: false },
  },
}

export interface RandomCase {
  name: string
  program: (m: Mutator) => void
}

/** The random cases of `runtime`: seeds 1..3, or 1..10 when thorough. */
export function randomCases(runtime: RandomRuntime, thorough = false): RandomCase[] {
  const seeds = thorough ? THOROUGH_RANDOM_SEEDS : RANDOM_SEEDS
  return seeds.map((seed) => ({
    name: `random-graph seed=${seed}`,
    program: randomGraphProgram({ ...SHAPES[runtime], seed }),
  }))
}
