/**
 * The PyPy model against the real PyPy (Debian's pypy3 7.3.11): each case's program is
 * recorded once as a trace, replayed on pypy3 by benchmarks/oracles/pypy/replay_pypy.py at
 * each of its nursery sizes (PYPY_GC_NURSERY), and replayed on the model with the same nursery
 * and the interpreter's startup heap that run measured, its nursery starting with the bytes
 * the replayer itself had taken by op 0 (measured by replay_pypy.py --probe, one more pypy3
 * run: FIDELITY.md, "gcbench-median"). Compared per case and nursery size:
 * minor collections, completed major collections, major collection steps (per state), the
 * bytes surviving minor collections (median and total), gc.collect()'s results, and for the
 * order cases the __del__ calls and weakref callbacks with the op each ran in.
 *
 * The real runs are made without gc.hooks: a hook call runs interpreted Python code that
 * allocates a few KiB per call, which moves every later minor collection (measured:
 * FIDELITY.md, "The oracle"). Its counts come from PyPy's own log (PYPYLOG), which
 * costs nothing in the heap. One run per case is repeated with the hooks on, and the counts
 * the hooks report are checked against that run's own log.
 *
 * Tolerances: the real runs are deterministic (the same trace gives the same log, byte for
 * byte, run after run: FIDELITY.md, "Repeatability"), so the bounds are the model's known
 * residuals, each named in the row's note and explained in FIDELITY.md.
 */
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileSink, fileSource, RecordingMutator, replayTrace } from '@pygc/core'
import { PyPyManager } from '../manager.js'
import type { PyPyCase } from './cases.js'
import { pypyVersion, type RealRun, runRealPyPy } from './oracle.js'

export {
  NURSERY_1M,
  NURSERY_512K,
  NURSERY_MIN,
  type PyPyCase,
  pypyCases,
  type SharedPrograms,
} from './cases.js'
export { pypyVersion, REPLAY_PYPY, type RealRun, runRealPyPy } from './oracle.js'
export { randomProgram } from './random-program.js'

export interface PyPyValidationRow {
  case: string
  /** The compared figure. */
  figure: string
  model: string | number
  real: string | number
  ok: boolean
  /** The bound applied. */
  tolerance: string
  /** A residual, with the FIDELITY.md section that explains it. */
  note?: string
}

export interface PyPyValidationReport {
  realRuntime: string
  rows: PyPyValidationRow[]
  ok: boolean
  residuals: string[]
}

export interface PyPyValidateOptions {
  /** Where traces go (default: a directory under the OS temp dir). */
  cacheDir?: string
  log?: (message: string) => void
  /**
   * Also run cases once with gc.hooks on and check what they report against that run's own
   * GC log: every case (true, the default), only the first ('first'), or none (false).
   */
  hooks?: boolean | 'first'
  pypy?: string
}

const FIDELITY = 'packages/pypy/FIDELITY.md'
/** Bounds (FIDELITY.md, "Validation"). */
export const SURVIVING_TOLERANCE = 0.05
export const MINOR_TOLERANCE = 0.01
export const STEP_TOLERANCE = 1
/** Bytes of PyPy's own objects a minor collection moves besides the program's (FIDELITY.md). */
export const INTERPRETER_SURVIVORS_PER_MINOR = 96

function slug(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}

/** Steps per state they started from: "S/M/W/F" counts. */
function stepsByState(steps: readonly { from: string }[]): number[] {
  const out = [0, 0, 0, 0]
  const index: Record<string, number> = { SCANNING: 0, MARKING: 1, SWEEPING: 2, FINALIZING: 3 }
  for (const s of steps) out[index[s.from]]++
  return out
}

function record(program: PyPyCase['program'], path: string): void {
  const model = new PyPyManager()
  const recorder = new RecordingMutator(model, fileSink(path), {
    metadata: { recordedBy: 'pygc validate pypy' },
  })
  program(recorder)
  recorder.finish()
  model.release()
}

interface ModelSide {
  minors: number[]
  steps: readonly { from: string }[]
  majors: number
  order: string[]
  collects: number
}

function runModel(trace: string, nursery: number, real: RealRun): ModelSide {
  // the model starts as the oracle's program does: after its startup heap, with the nursery
  // bytes the replayer itself has taken by op 0 (FIDELITY.md, "gcbench-median")
  const startup = { ...real.startupHeap, nurseryUsed: real.nurseryAtStart?.bytes ?? 0 }
  const m = new PyPyManager({ nursery, startup })
  const order: string[] = []
  let collects = 0
  m.on(
    (e) => {
      if (e.type === 'finalize') order.push(`del:${e.id}@${e.op}`)
      else if (e.type === 'weakref-callback') order.push(`cb:${e.tag}@${e.op}`)
      else if (e.type === 'collect-call') collects++
    },
    ['finalize', 'weakref-callback', 'collect-call'],
  )
  replayTrace(fileSource(trace), m)
  const r = m.native.records()
  const side = {
    minors: r.minor.map((x) => x.surviving),
    steps: r.steps,
    majors: r.majors.length,
    order,
    collects,
  }
  // Its 2 GiB address space goes to the next model now, not whenever V8 collects it: a thread
  // validating many cases otherwise held a dozen of them, and fork() of a process reserving
  // more than the machine's memory fails (spawn ENOMEM when the next real pypy3 starts).
  m.release()
  return side
}

function realOrder(real: RealRun): string[] {
  return real.events.map(([op, kind, value]) =>
    kind === 'finalize' ? `del:${value}@${op}` : `cb:${value}@${op}`,
  )
}

function pct(model: number, real: number): number {
  return real === 0 ? (model === 0 ? 0 : 1) : Math.abs(model - real) / real
}

/** Whether the last major collection is still in progress at the end (steps after the last completed one). */
function majorInProgress(steps: readonly { from: string; to: string }[]): boolean {
  const last = steps.at(-1)
  return last !== undefined && !(last.from === 'FINALIZING' && last.to === 'SCANNING')
}

/**
 * Per collection (events sharing an op), the same events in the same order -- or the real batch
 * with one of the model's finalizers moved to its end: gc.collect() runs its queue while the
 * UserDelAction it fired is pending, and the first __del__ or callback whose code the JIT has
 * not compiled performs that action -- the rest of the queue -- before its own body
 * (FIDELITY.md, "Finalizers"). A run of callbacks counts as one lifeline's.
 */
export function sameOrder(model: readonly string[], real: readonly string[]): boolean {
  if (model.length !== real.length) return false
  const groups = (xs: readonly string[]): string[][] => {
    const out: string[][] = []
    for (const x of xs) {
      const op = x.slice(x.indexOf('@'))
      if (out.length === 0 || !out[out.length - 1][0].endsWith(op)) out.push([x])
      else out[out.length - 1].push(x)
    }
    return out
  }
  const a = groups(model)
  const b = groups(real)
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const want = b[i].join(' ')
    if (a[i].join(' ') === want) continue
    let found = false
    for (let j = 0; j < a[i].length && !found; j++) {
      let end = j + 1
      if (a[i][j].startsWith('cb:')) while (end < a[i].length && a[i][end].startsWith('cb:')) end++
      const moved = [...a[i].slice(0, j), ...a[i].slice(end), ...a[i].slice(j, end)]
      found = moved.join(' ') === want
    }
    if (!found) return false
  }
  return true
}

/**
 * The minor collections row: within `bound`, or within it beyond the major steps' own
 * difference when the steps row is within its bounds. Every step runs right after its own
 * minor collection, so a step more is a minor collection more; a case whose marked bytes and
 * swept pages sit at a step boundary moves both by a step per major collection, and PyPy's own
 * run does so for a nursery 0.8% smaller (FIDELITY.md, "Minor collections").
 */
export function minorCollectionsAgree(
  model: { minors: number; steps: number },
  real: { minors: number; steps: number },
  bound: number,
  stepsOk: boolean,
): boolean {
  if (Math.abs(model.minors - real.minors) <= bound) return true
  const beyondSteps = model.minors - real.minors - (model.steps - real.steps)
  return stepsOk && Math.abs(beyondSteps) <= bound
}

function compare(name: string, model: ModelSide, real: RealRun, order: boolean): PyPyValidationRow[] {
  const rows: PyPyValidationRow[] = []
  const realMinors = real.log.minor.map((x) => x.surviving)
  const realMajors = real.log.majors.length
  const minorDiff = Math.abs(model.minors.length - realMinors.length)
  const ms = stepsByState(model.steps)
  const rs = stepsByState(real.log.steps)
  // Marking: about a step per major collection (the interpreter's own heap is marked a few per
  // cent short of its arena + raw bytes); sweeping: up to two (the model's one block per object
  // against PyPy's parts, in pages). FIDELITY.md, "Major steps".
  const bounds = [1, STEP_TOLERANCE, 2 * STEP_TOLERANCE, 1].map((k) => k * (realMajors + 1))
  const stepsOk = ms.every((v, i) => Math.abs(v - rs[i]) <= bounds[i])
  const minorBound = Math.max(1, Math.round(realMinors.length * MINOR_TOLERANCE)) + realMajors
  rows.push({
    case: name,
    figure: 'minor collections',
    model: model.minors.length,
    real: realMinors.length,
    ok: minorCollectionsAgree(
      { minors: model.minors.length, steps: model.steps.length },
      { minors: realMinors.length, steps: real.log.steps.length },
      minorBound,
      stepsOk,
    ),
    tolerance: `±${minorBound} (1% + 1 per major collection) beyond the major steps' own difference`,
    ...(minorDiff > 0 ? { note: `${FIDELITY}, "Minor collections"` } : {}),
  })
  const majorDiff = model.majors - realMajors
  const majorOk =
    majorDiff === 0 ||
    (majorDiff === -1 && majorInProgress(model.steps as { from: string; to: string }[])) ||
    (majorDiff === 1 && majorInProgress(real.log.steps))
  rows.push({
    case: name,
    figure: 'major collections',
    model: model.majors,
    real: realMajors,
    ok: majorOk,
    tolerance: 'equal, or one less where the last one is still in progress at the end',
    ...(majorDiff !== 0 ? { note: `${FIDELITY}, "Major steps"` } : {}),
  })
  rows.push({
    case: name,
    figure: 'major steps (SCANNING/MARKING/SWEEPING/FINALIZING)',
    model: `${model.steps.length} (${ms.join('/')})`,
    real: `${real.log.steps.length} (${rs.join('/')})`,
    ok: stepsOk,
    tolerance: `±${bounds.join('/')} per state (1/1/2/1 per major collection)`,
    ...(ms.some((v, i) => v !== rs[i]) ? { note: `${FIDELITY}, "Major steps"` } : {}),
  })
  const mm = median(model.minors)
  const rm = median(realMinors)
  rows.push({
    case: name,
    figure: 'bytes surviving a minor collection (median)',
    model: mm,
    real: rm,
    ok: pct(mm, rm) <= SURVIVING_TOLERANCE,
    tolerance: '5%',
    note: `${(pct(mm, rm) * 100).toFixed(1)}%`,
  })
  const mt = sum(model.minors)
  const rt = sum(realMinors)
  // PyPy's own objects alive at a minor collection (the interpreter's, not the program's:
  // measured 56 B a minor collection in a program that only allocates, 89 B on average in the
  // finalizer case); and a minor collection more or less moves what survives by up to a
  // nursery (FIDELITY.md, "Bytes surviving").
  const slack = INTERPRETER_SURVIVORS_PER_MINOR * realMinors.length + minorDiff * real.baseline.nurserySize
  rows.push({
    case: name,
    figure: 'bytes surviving minor collections (total)',
    model: mt,
    real: rt,
    ok: Math.abs(mt - rt) <= SURVIVING_TOLERANCE * rt + slack,
    tolerance: `5% + ${INTERPRETER_SURVIVORS_PER_MINOR} B per minor collection + a nursery per minor collection more or less`,
    note: `${(pct(mt, rt) * 100).toFixed(1)}%${pct(mt, rt) > SURVIVING_TOLERANCE ? ` (${FIDELITY}, "Bytes surviving")` : ''}`,
  })
  rows.push({
    case: name,
    figure: 'gc.collect() results',
    model: model.collects === 0 ? '-' : `None x${model.collects}`,
    real: real.collectResults.length === 0 ? '-' : summarizeResults(real.collectResults),
    ok:
      real.collectResults.every((r) => r === 'None') &&
      real.collectResults.length === Math.min(model.collects, 4096),
    tolerance: 'equal',
  })
  if (order) {
    const ro = realOrder(real)
    const exact = model.order.join(' ') === ro.join(' ')
    rows.push({
      case: name,
      figure: '__del__ and callback order (id or tag @ op)',
      model: model.order.length === 0 ? '-' : model.order.join(' '),
      real: ro.length === 0 ? '-' : ro.join(' '),
      ok: real.eventsDropped === 0 && sameOrder(model.order, ro),
      tolerance: "equal, op indices included; a gc.collect()'s first finalizer may run last",
      ...(exact ? {} : { note: `${FIDELITY}, "Finalizers"` }),
    })
  }
  const nullsOk = real.mismatches.isNull === 0 || minorDiff > 0
  rows.push({
    case: name,
    figure: 'isNull after deref: differences from the model',
    model: 0,
    real: real.mismatches.isNull,
    ok: nullsOk && real.mismatches.readInt === 0 && real.mismatches.lengthOf === 0,
    tolerance: 'none while the minor collections agree',
    ...(real.mismatches.isNull > 0 ? { note: `${FIDELITY}, "Weak references"` } : {}),
  })
  return rows
}

function summarizeResults(results: readonly string[]): string {
  const counts = new Map<string, number>()
  for (const r of results) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ')
}

/** What gc.hooks reported in a run with them on, against that run's own GC log. */
function hookRows(name: string, real: RealRun): PyPyValidationRow[] {
  const h = real.hooks
  if (h === null) return []
  const total = (xs: number[][]): number => sum(xs.map((x) => x[1]))
  const reported = [total(h.minor), total(h.step), total(h.major)]
  const logged = [real.log.minor.length, real.log.steps.length, real.log.majors.length]
  return [
    {
      case: name,
      figure: 'gc.hooks minor/step/major counts vs the GC log (hooks run)',
      model: logged.join('/'),
      real: reported.join('/'),
      ok: reported.every((v, i) => v === logged[i]),
      tolerance: "equal (the model column is the same run's PYPYLOG)",
    },
  ]
}

/** The label of one trace's rows at one nursery size: "NAME nursery=512K". */
function nurseryLabel(name: string, nursery: number): string {
  return `${name} nursery=${Math.round(nursery / 1024)}K`
}

/** One trace's rows at each nursery size: the real run, then the model with its startup heap. */
async function traceRows(
  trace: string,
  name: string,
  nurseries: readonly number[],
  order: boolean,
  options: PyPyValidateOptions,
): Promise<PyPyValidationRow[]> {
  const log = options.log ?? (() => {})
  const rows: PyPyValidationRow[] = []
  for (const nursery of nurseries) {
    const label = nurseryLabel(name, nursery)
    log(`${label}: pypy3`)
    const real = await runRealPyPy(trace, { nursery, hooks: false, probe: true, pypy: options.pypy })
    log(`${label}: model`)
    const model = runModel(trace, nursery, real)
    rows.push(...compare(label, model, real, order))
  }
  return rows
}

function reportOf(version: string, rows: PyPyValidationRow[]): PyPyValidationReport {
  const residuals = rows
    .filter((r) => r.ok && r.note?.includes('FIDELITY'))
    .map((r) => `${r.case}: ${r.figure} ${r.model} vs ${r.real} (${r.note})`)
  return { realRuntime: version, rows, ok: rows.every((r) => r.ok), residuals }
}

async function requirePyPy(pypy: string | undefined): Promise<string> {
  const version = await pypyVersion(pypy)
  if (version === null) throw new Error('pypy3 is not installed (Debian: apt-get install pypy3)')
  return version
}

/**
 * Validate one recorded trace (any program, not only the cases) against the real pypy3 at each
 * nursery size, with the cases' comparisons and bounds; `order` adds the __del__ and callback
 * order row. Throws if pypy3 cannot be run.
 */
export async function validatePyPyTrace(
  trace: string,
  name: string,
  nurseries: readonly number[],
  order: boolean,
  options: PyPyValidateOptions = {},
): Promise<PyPyValidationReport> {
  const version = await requirePyPy(options.pypy)
  return reportOf(version, await traceRows(trace, name, nurseries, order, options))
}

/** Validate the cases against the real pypy3. Throws if pypy3 cannot be run. */
export async function validatePyPy(
  cases: readonly PyPyCase[],
  options: PyPyValidateOptions = {},
): Promise<PyPyValidationReport> {
  const log = options.log ?? (() => {})
  const dir = options.cacheDir ?? join(tmpdir(), 'pygc-validate-pypy')
  mkdirSync(dir, { recursive: true })
  const version = await requirePyPy(options.pypy)
  const rows: PyPyValidationRow[] = []
  for (const c of cases) {
    const trace = join(dir, `${slug(c.name)}.trace`)
    log(`${c.name}: recording`)
    record(c.program, trace)
    rows.push(...(await traceRows(trace, c.name, c.nurseries, c.order === true, options)))
    if (
      options.hooks === true ||
      options.hooks === undefined ||
      (options.hooks === 'first' && c === cases[0])
    ) {
      const nursery = c.nurseries[0]
      log(`${c.name}: pypy3 with gc.hooks`)
      const real = await runRealPyPy(trace, { nursery, hooks: true, pypy: options.pypy })
      rows.push(...hookRows(nurseryLabel(c.name, nursery), real))
    }
  }
  return reportOf(version, rows)
}
