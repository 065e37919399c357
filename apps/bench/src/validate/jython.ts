/**
 * `pygc validate --runtime jython`: the @pygc/jython model against the real HotSpot JVM and the
 * real Jython, on any trace (validateJythonTrace) and on the validation set (./jython/cases.ts),
 * whose programs are recorded as traces and go through the same path.
 *
 * Which comparison a trace gets follows from what it contains: a trace with finalizers or
 * weakref callbacks is compared for event order under the real Jython and TraceReplay.java
 * (./jython/order.ts), not for counts (the finalizer triggers are not in the model's sizes); any
 * other trace for collection counts and heap after collection on the real JVM at each heap
 * configuration (./jython/jvm.ts). Before either runs, the trace is checked against the chosen
 * oracle's capabilities; an order trace replay.py cannot replay (byte payloads) is compared on
 * TraceReplay.java alone.
 */
import { mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileSink, type Mutator, RecordingMutator } from '@pygc/core'
import { JythonManager, type JythonOptions } from '@pygc/jython'
import {
  firstMissing,
  type OracleCapabilities,
  REPLAY_PY_JYTHON,
  requireCapabilities,
  TRACE_REPLAY_JAVA,
  type TraceNeeds,
  traceNeeds,
} from './capabilities.js'
import { JVM_CASES, type JvmCase, jvmHeap, ORDER_CASES } from './jython/cases.js'
import {
  compileJvmOracle,
  DEFAULT_JVM_HEAPS,
  type JvmContext,
  type JvmStartup,
  javaVersion,
  jvmHeapOf,
  jvmRows,
} from './jython/jvm.js'
import { jvmOrderRow, jythonVersion, orderRows } from './jython/order.js'
import { oracleCacheDir, rowsPerHeap, slug, threadScratch } from './oracles.js'
import { randomCases } from './random-cases.js'
import { buildReport } from './residuals.js'
import { selectCases } from './selection.js'
import type {
  HeapConfig,
  TraceValidateOptions,
  TraceValidator,
  ValidateOptions,
  ValidationReport,
  ValidationRow,
  Validator,
} from './types.js'

export { JVM_CASES, ORDER_CASES } from './jython/cases.js'
export { compileJvmOracle } from './jython/jvm.js'
export { parseJvmLog } from './jython/jvm-log.js'
export { sameOrderUpToThreads } from './jython/order.js'

/** Heap configurations of the random programs (three, as every JVM case has). */
const RANDOM_HEAPS: readonly HeapConfig[] = [jvmHeap(32, 8), jvmHeap(48, 16), jvmHeap(64, 24)]

/** The JVM cases with the seeded random programs (./random-cases.ts) after the fixed ones. */
function jvmCases(thorough: boolean): JvmCase[] {
  return [...JVM_CASES, ...randomCases('jython', thorough).map((c) => ({ ...c, heaps: [...RANDOM_HEAPS] }))]
}

export const JYTHON_CASE_NAMES: readonly string[] = [...jvmCases(false), ...ORDER_CASES].map((c) => c.name)

/** The cases validateJython runs when none are named (--thorough adds the random programs). */
export function jythonDefaultCases(thorough: boolean): readonly string[] {
  return [...jvmCases(thorough), ...ORDER_CASES].map((c) => c.name)
}

/** The oracles of the Jython validation, in the order a trace is offered to them. */
export const JYTHON_ORACLES: readonly OracleCapabilities[] = [TRACE_REPLAY_JAVA, REPLAY_PY_JYTHON]

/** Whether a trace is judged by event order (it has finalizers or callbacks) rather than counts. */
function wantsOrder(needs: TraceNeeds): boolean {
  return needs.finalizer !== undefined || needs['weakref-callback'] !== undefined
}

/**
 * The oracle a trace goes to (by what it contains) must be able to replay it. An order trace
 * goes to replay.py on the real Jython and to TraceReplay.java; one that replay.py cannot replay
 * (byte payloads: replay.py builds no buffer for them) is compared on TraceReplay.java alone
 * when that can replay it, and refused with replay.py's missing capability when neither can.
 */
function checkJythonTrace(needs: TraceNeeds, trace: string): void {
  if (!wantsOrder(needs)) requireCapabilities(needs, TRACE_REPLAY_JAVA, trace)
  else if (firstMissing(needs, TRACE_REPLAY_JAVA) !== null || firstMissing(needs, REPLAY_PY_JYTHON) === null)
    requireCapabilities(needs, REPLAY_PY_JYTHON, trace)
}

/** Why replay.py on the real Jython does not judge an order trace TraceReplay.java does judge. */
function withoutRealJython(row: ValidationRow, needs: TraceNeeds): ValidationRow {
  const missing = firstMissing(needs, REPLAY_PY_JYTHON)
  if (missing === null) return row
  const why = `real Jython not run: op ${missing.op} needs '${missing.capability}', which ${REPLAY_PY_JYTHON.oracle} does not have`
  return { ...row, note: row.note === undefined ? why : `${row.note}; ${why}` }
}

interface Session {
  dir: string
  log: (s: string) => void
  cacheDir: string
  jvm?: JvmContext
}

function session(cacheDir: string | undefined, log: ((s: string) => void) | undefined): Session {
  const cache = oracleCacheDir(cacheDir)
  const dir = join(cache, threadScratch('jython'))
  mkdirSync(dir, { recursive: true })
  return { dir, log: log ?? (() => {}), cacheDir: cache }
}

async function jvmContext(s: Session): Promise<JvmContext> {
  if (s.jvm === undefined) {
    const classDir = await compileJvmOracle(s.cacheDir, s.log)
    s.jvm = { classDir, dir: s.dir, log: s.log, startups: new Map<string, JvmStartup>() }
  }
  return s.jvm
}

/** The rows of one trace: capability check first, then the comparison its contents call for. */
async function traceRows(
  s: Session,
  name: string,
  trace: string,
  heaps: readonly HeapConfig[],
): Promise<ValidationRow[]> {
  const needs = traceNeeds(trace)
  checkJythonTrace(needs, trace)
  if (wantsOrder(needs)) {
    const rows = firstMissing(needs, REPLAY_PY_JYTHON) === null ? await orderRows(name, trace, s.log) : []
    // The real JVM too, where TraceReplay.java can replay the trace (Jython-style finalizers and reaper).
    if (firstMissing(needs, TRACE_REPLAY_JAVA) !== null) return rows
    const jvmRow = await jvmOrderRow(name, trace, (await jvmContext(s)).classDir, s.log)
    return [...rows, withoutRealJython(jvmRow, needs)]
  }
  const ctx = await jvmContext(s)
  return rowsPerHeap(heaps, (heap) => jvmRows(ctx, name, trace, jvmHeapOf(heap)))
}

async function report(rows: ValidationRow[]): Promise<ValidationReport> {
  const java = await javaVersion()
  const version = await jythonVersion()
  return buildReport(
    'jython',
    `java ${java} -XX:+UseSerialGC -XX:-UseTLAB${version ? `; ${version}` : ''}`,
    rows,
  )
}

/** Record a validation program as a trace (the ops alone matter: any Jython model records them). */
export function recordProgram(
  program: (m: Mutator) => void,
  path: string,
  options: JythonOptions = {},
): void {
  const manager = new JythonManager(options)
  const recorder = new RecordingMutator(manager, fileSink(path), {
    metadata: { recordedBy: 'pygc validate jython' },
  })
  program(recorder)
  recorder.finish()
  manager.release() // its -Xmx heap goes to the next recording (core host-buffers.ts)
}

/** Any trace against the real JVM or the real Jython (see the file comment). */
export async function validateJythonTrace(
  trace: string,
  options: TraceValidateOptions = {},
): Promise<ValidationReport> {
  const s = session(options.cacheDir, options.log)
  const heaps = options.heaps ?? DEFAULT_JVM_HEAPS
  return report(await traceRows(s, options.name ?? basename(trace), trace, heaps))
}

export const validateJython: Validator = async (options: ValidateOptions): Promise<ValidationReport> => {
  const s = session(options.cacheDir, options.log)
  const thorough = options.thorough === true
  const jvm = jvmCases(thorough)
  const chosen = new Set(selectCases('jython', [...jvm, ...ORDER_CASES], options.cases).map((c) => c.name))
  const rows: ValidationRow[] = []
  for (const c of jvm.filter((jc) => chosen.has(jc.name))) {
    const trace = join(s.dir, `${slug(c.name)}.trace`)
    recordProgram(c.program, trace, { sizeMode: 'java' })
    const heaps = thorough && c.thoroughHeaps ? [...c.heaps, ...c.thoroughHeaps] : c.heaps
    rows.push(...(await traceRows(s, c.name, trace, heaps)))
  }
  for (const c of ORDER_CASES.filter((oc) => chosen.has(oc.name))) {
    const trace = join(s.dir, `${slug(c.name)}.trace`)
    recordProgram(c.program, trace)
    rows.push(...(await traceRows(s, c.name, trace, [])))
  }
  return report(rows)
}

export const JYTHON_TRACE_VALIDATOR: TraceValidator = {
  runtime: 'jython',
  oracles: JYTHON_ORACLES,
  checkTrace: checkJythonTrace,
  validateTrace: validateJythonTrace,
}
