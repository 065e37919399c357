/**
 * The CPython versions the model can play, as data: one entry per preset, holding only what
 * differs between versions of the generational collector, each with the place in that
 * version's tree it comes from. Everything not listed here (refcounting, the trashcan, the
 * collector's phases, the free lists, pymalloc, object sizes) is the 3.11 model, unchanged.
 *
 * Adding a version whose collector is still the 3-generation one of gcmodule.c is one entry.
 * A version with a different collector (3.14.0-3.14.4's incremental GC) is not a table entry:
 * it needs its own collector (see README.md, "Later versions").
 *
 * Only cpython-3.11 is validated against a real interpreter (the python3 on our machines);
 * the later presets follow their sources and are checked by unit tests only.
 */
import { DEFAULT_THRESHOLDS } from './constants.js'

/**
 * Where the automatic collection runs once generation 0 passes its threshold.
 * - `in-allocation`: inside _PyObject_GC_Link, before the new object is tracked (3.11).
 * - `eval-breaker`: _PyObject_GC_Link only sets the eval-breaker's GC bit (_Py_ScheduleGC);
 *   the collection runs when the interpreter next checks the eval breaker (_Py_HandlePending
 *   -> _Py_RunGC). The model's eval-breaker check is the next op boundary: the collection runs
 *   before the next op, its events carry that op's index, and it sees the finished op (the new
 *   object tracked and stored). Counts are re-read then: if frees in between brought
 *   generation 0 back under its threshold, gc_collect_generations finds nothing to collect.
 */
export type CollectionTrigger = 'in-allocation' | 'eval-breaker'

export interface VersionPolicy {
  /** The preset name users pass as `preset` ('cpython-3.12'). */
  readonly name: string
  readonly description: string
  /** gc.get_threshold() at start. */
  readonly thresholds: readonly [number, number, number]
  readonly trigger: CollectionTrigger
  /** Checked against a real interpreter by `pygc validate`. */
  readonly validated: boolean
  /** Where each policy value comes from. */
  readonly sources: readonly string[]
}

export const VERSION_POLICIES: readonly VersionPolicy[] = [
  {
    name: 'cpython-3.11',
    description:
      'CPython 3.11 (refcounting, 3-generation cycle GC 700/10/10 run inside allocation, pymalloc)',
    thresholds: DEFAULT_THRESHOLDS,
    trigger: 'in-allocation',
    validated: true,
    sources: [
      '3.11 Include/internal/pycore_runtime_init.h _GC_RUNTIME_INIT: thresholds 700, 10, 10',
      '3.11 Modules/gcmodule.c _PyObject_GC_Link: gc_collect_generations() called in the allocation',
    ],
  },
  {
    name: 'cpython-3.12',
    description:
      'CPython 3.12 (as 3.11, but the collection is scheduled by the allocation and runs at the next eval-breaker check; not validated)',
    thresholds: DEFAULT_THRESHOLDS,
    trigger: 'eval-breaker',
    validated: false,
    sources: [
      '3.12 Include/internal/pycore_runtime_init.h _PyInterpreterState_INIT: thresholds still 700, 10, 10',
      '3.12 Modules/gcmodule.c _PyObject_GC_Link: same condition, then _Py_ScheduleGC(interp) instead of collecting',
      '3.12 Modules/gcmodule.c _Py_ScheduleGC: unless collecting, sets ceval.gc_scheduled and eval_breaker',
      '3.12 Modules/gcmodule.c _Py_RunGC: collecting = 1; gc_collect_generations(); collecting = 0',
      '3.12 Python/ceval_gil.c _Py_HandlePending: if gc_scheduled, clear it and call _Py_RunGC',
    ],
  },
  {
    name: 'cpython-3.13',
    description: 'CPython 3.13 (3.12 scheduling, threshold0 = 2000 with 10, 10; not validated)',
    // threshold0 from ../shared/facts/cpython.md ("3.13: threshold0 becomes 2000"); no 3.13 tree
    // was found to confirm it (the stored 3.14 pycore_runtime_init.h has young.threshold = 2000).
    thresholds: [2000, 10, 10],
    trigger: 'eval-breaker',
    validated: false,
    sources: [
      '3.13 Include/internal/pycore_runtime_init.h: generations thresholds 2000, 10, 10 (facts file; not confirmed from a stored 3.13 tree)',
      '3.13 Python/gc.c _PyObject_GC_Link -> _Py_ScheduleGC(tstate) (eval-breaker bit _PY_GC_SCHEDULED_BIT); _Py_RunGC -> gc_collect_main(GENERATION_AUTO)',
      '3.13 Python/ceval_gil.c _Py_HandlePending: _PY_GC_SCHEDULED_BIT -> _Py_RunGC',
    ],
  },
]

export const DEFAULT_PRESET = 'cpython-3.11'

/** The presets as the runtime descriptor lists them. */
export const PRESETS: readonly { name: string; description: string }[] = VERSION_POLICIES.map((p) => ({
  name: p.name,
  description: p.description,
}))

/** The policy of a preset name, or undefined for an unknown one. */
export function policyOf(preset: string): VersionPolicy | undefined {
  return VERSION_POLICIES.find((p) => p.name === preset)
}
