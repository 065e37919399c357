/**
 * The CPython versions the model can play, as data: one entry per preset, holding only what
 * differs between versions of the generational collector, each with the place in that
 * version's tree it comes from. Object sizes differ by version in layout.ts (chosen by `layout`);
 * everything else (refcounting, the trashcan, the collector's phases, the free lists, pymalloc)
 * is the 3.11 model, unchanged.
 *
 * Adding a version whose collector is still the 3-generation one of gcmodule.c is one entry.
 * 3.14.0-3.14.4's incremental collector is its own module (incremental.ts), chosen by `collector`.
 *
 * A preset is `validated` only when `pygc validate --runtime cpython:<preset>` agrees with the
 * real interpreter on every case; the others follow their sources and unit tests only.
 */
import { DEFAULT_THRESHOLDS, TRASH_UNWIND_LEVEL } from './constants.js'
import { INCREMENTAL_THRESHOLDS } from './incremental.js'
import type { LayoutVersion } from './layout.js'

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

export interface TrashcanRule {
  readonly depositAt: number
  readonly drainAt: number
}

/**
 * 3.10-3.12: a nesting counter, deferred past _PyTrash_UNWIND_LEVEL 50, drained back at nesting
 * 0 (3.11.7 Include/cpython/object.h, Objects/object.c _PyTrash_begin/_PyTrash_end).
 */
export const NESTING_TRASHCAN: TrashcanRule = { depositAt: TRASH_UNWIND_LEVEL, drainAt: 0 }

/**
 * 3.13.0 Include/cpython/object.h:477-494: the C recursion budget instead. BEGIN defers when
 * `c_recursion_remaining <= Py_TRASHCAN_HEADROOM (50)`, else takes one; END gives it back and
 * drains the list when `c_recursion_remaining > 2 * 50`. The budget at replay.py's op loop is
 * Py_C_RECURSION_LIMIT 10000 (Include/cpython/pystate.h:226) less the 2 units
 * (PY_EVAL_C_STACK_UNITS, Python/ceval.c:726) of the one C-level eval frame the loop runs in:
 * a chain nests 9948 deep before the first deferral, then frees in pieces of about 50.
 */
const C_RECURSION_AT_LOOP = 10_000 - 2
export const C_RECURSION_TRASHCAN: TrashcanRule = {
  depositAt: C_RECURSION_AT_LOOP - 50,
  drainAt: C_RECURSION_AT_LOOP - 101,
}

export interface VersionPolicy {
  /** The preset name users pass as `preset` ('cpython-3.12'). */
  readonly name: string
  readonly description: string
  /** gc.get_threshold() at start. */
  readonly thresholds: readonly [number, number, number]
  readonly trigger: CollectionTrigger
  /** Which cycle collector: the generational one (collector.ts) or 3.14.0's incremental one (incremental.ts). */
  readonly collector: 'generational' | 'incremental'
  /**
   * The trashcan (Py_TRASHCAN_BEGIN/END): a dealloc at this nesting or deeper is deferred to the
   * delete-later list, which is drained when an END leaves the nesting at or below `drainAt`.
   */
  readonly trashcan: TrashcanRule
  /** Python frames are GC objects that count toward generation 0 (3.10, frames.ts); 3.11+ not. */
  readonly frameObjects: boolean
  /** Whose object layouts (layout.ts): pre-header, plain instances' values. */
  readonly layout: LayoutVersion
  /** The interpreter `pygc validate --runtime cpython:<preset>` runs (python3.12, pyenv's 3.12.x). */
  readonly python: string
  /** Checked against a real interpreter by `pygc validate`. */
  readonly validated: boolean
  /** Where each policy value comes from. */
  readonly sources: readonly string[]
}

export const VERSION_POLICIES: readonly VersionPolicy[] = [
  {
    name: 'cpython-3.10',
    description:
      'CPython 3.10 (the 3.11 collector: 700/10/10 inside the allocation; plain instances with a dict object of their own, frames as GC objects; 3.10 object layouts; validated against 3.10.13)',
    thresholds: DEFAULT_THRESHOLDS,
    trigger: 'in-allocation',
    collector: 'generational',
    trashcan: NESTING_TRASHCAN,
    frameObjects: true,
    layout: '3.10',
    python: '3.10',
    validated: true,
    sources: [
      '3.10.13 Modules/gcmodule.c:146-150 _PyGC_InitState: thresholds 700, 10, 10',
      '3.10.13 Modules/gcmodule.c _PyObject_GC_Alloc: count++, collect_generations() inside the allocation, as 3.11',
      '3.10.13 Modules/gcmodule.c:1252 gc_collect_main: untrack_dicts(young) on full collections',
      '3.10.13 Objects/dictobject.c _PyObjectDict_SetItem (:5014), new_dict (:647): an instance dict per plain instance, from the dict free list or PyObject_GC_New (instance-dict.ts)',
      '3.10.13 Objects/frameobject.c frame_alloc (:781), frame_dealloc (:581): frames are GC objects, a nested call of the same function allocates one (frames.ts)',
    ],
  },
  {
    name: 'cpython-3.11',
    description:
      'CPython 3.11 (refcounting, 3-generation cycle GC 700/10/10 run inside allocation, pymalloc)',
    thresholds: DEFAULT_THRESHOLDS,
    trigger: 'in-allocation',
    collector: 'generational',
    trashcan: NESTING_TRASHCAN,
    frameObjects: false,
    layout: '3.11',
    python: '3.11',
    validated: true,
    sources: [
      '3.11 Include/internal/pycore_runtime_init.h _GC_RUNTIME_INIT: thresholds 700, 10, 10',
      '3.11 Modules/gcmodule.c _PyObject_GC_Link: gc_collect_generations() called in the allocation',
    ],
  },
  {
    name: 'cpython-3.12',
    description:
      'CPython 3.12 (as 3.11, but the collection is scheduled by the allocation and runs at the eval-breaker check; 3.12 object layouts; validated against 3.12.1)',
    thresholds: DEFAULT_THRESHOLDS,
    trigger: 'eval-breaker',
    collector: 'generational',
    trashcan: NESTING_TRASHCAN,
    frameObjects: false,
    layout: '3.12',
    python: '3.12',
    validated: true,
    sources: [
      '3.12 Include/internal/pycore_runtime_init.h _PyInterpreterState_INIT: thresholds still 700, 10, 10',
      '3.12 Modules/gcmodule.c _PyObject_GC_Link: same condition, then _Py_ScheduleGC(interp) instead of collecting',
      '3.12 Modules/gcmodule.c _Py_ScheduleGC: unless collecting, sets ceval.gc_scheduled and eval_breaker',
      '3.12.1 Python/bytecodes.c: the eval breaker is checked at RESUME, JUMP_BACKWARD (:2150-2153) and the end of CALL (:2734): in replay.py, at the end of the op, or before the store for a class instance or weakref (VERSIONS.md section 3)',
      '3.12 Modules/gcmodule.c _Py_RunGC: collecting = 1; gc_collect_generations(); collecting = 0',
      '3.12 Python/ceval_gil.c _Py_HandlePending: if gc_scheduled, clear it and call _Py_RunGC',
    ],
  },
  {
    name: 'cpython-3.13',
    description:
      'CPython 3.13 (3.12 scheduling, threshold0 = 2000 with 10, 10; inline values; validated against 3.13.0)',
    thresholds: [2000, 10, 10],
    trigger: 'eval-breaker',
    collector: 'generational',
    trashcan: C_RECURSION_TRASHCAN,
    frameObjects: false,
    layout: '3.13',
    python: '3.13',
    validated: true,
    sources: [
      '3.13.0 gc.get_threshold() == (2000, 10, 10), measured (benchmarks/oracles/cpython/measured/eval-breaker.json: a collection at allocation 2001)',
      '3.13 Python/gc.c _PyObject_GC_Link -> _Py_ScheduleGC(tstate) (eval-breaker bit _PY_GC_SCHEDULED_BIT); _Py_RunGC -> gc_collect_main(GENERATION_AUTO)',
      '3.13 Python/ceval_gil.c _Py_HandlePending: _PY_GC_SCHEDULED_BIT -> _Py_RunGC',
      '3.13.0 Include/cpython/object.h:477-494 Py_TRASHCAN_BEGIN/END: the C recursion budget (defer at <= 50 left, drain above 100), not a nesting of 50 (VERSIONS.md section 6)',
    ],
  },
  {
    name: 'cpython-3.14.0',
    description:
      'CPython 3.14.0-3.14.4 (incremental cycle GC: young + two old spaces, one increment per automatic collection, 2000/10/0; no interpreter here, not validated)',
    thresholds: INCREMENTAL_THRESHOLDS,
    trigger: 'eval-breaker',
    collector: 'incremental',
    trashcan: NESTING_TRASHCAN,
    frameObjects: false,
    layout: '3.13',
    python: '3.14',
    validated: false,
    sources: [
      'python/cpython Python/gc.c at ca21a0a1 (3.14.0-era incremental GC, by function; VERSIONS.md section 4a): assess_work_to_do, gc_collect_increment, mark_at_start, expand_region_transitively_reachable, completed_scavenge',
      '3.15.0a5 Include/internal/pycore_runtime_init.h:137-140: young.threshold 2000, old[0].threshold 10, old[1].threshold 0',
      '3.15.0a5 Python/gc.c:2337-2341 _Py_RunGC: _PyGC_Collect(tstate, 1, _Py_GC_REASON_HEAP), one increment',
      '3.15.0a5 Modules/gcmodule.c:195-213 gc.get_count(): (young, old[visited], old[pending])',
    ],
  },
  {
    name: 'cpython-3.14.5',
    description:
      'CPython 3.14.5+ (the 3.13 generational collector restored by python/cpython#148726: 2000/10/10 at the eval breaker; no interpreter here, not validated)',
    thresholds: [2000, 10, 10],
    trigger: 'eval-breaker',
    collector: 'generational',
    trashcan: NESTING_TRASHCAN,
    frameObjects: false,
    // No 3.14 interpreter was measured: 3.13's layouts (obmalloc's constants are unchanged in 3.14.7).
    layout: '3.13',
    python: '3.14',
    validated: false,
    sources: [
      'python/cpython#148726 (2026-04-18): revert the incremental GC, forward-port the 3.13 generational GC',
      '3.14.7 Include/internal/pycore_interp_structs.h:271-273: thresholds 2000, 10, 10',
      '3.14.7 Python/gc.c:1855-1873 _PyObject_GC_Link counts at allocation and schedules (_Py_ScheduleGC) as 3.13',
      '3.14.7 Python/gc.c:1877-1884 _Py_RunGC: returns if disabled, else gc_collect_main(GENERATION_AUTO)',
      '3.14.7 Python/gc.c:1258-1300 gc_select_generation: the 3.13 generation choice and 25 % long-lived rule',
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
