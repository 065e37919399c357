/**
 * Event order under the real Jython 2.7: a trace with finalizers or weakref callbacks replayed by
 * benchmarks/oracles/replay.py on `jython` and on the model (its default `jython` sizes); the
 * ORDER of collections, finalizers and callbacks must be the same, as far as the real runtime
 * fixes it. Jython runs finalizers and callbacks on other threads, so op indices are not
 * compared.
 *
 * The real Jython runs with the Serial collector and the same heap flags as the model, TLABs
 * off: under G1 with its default small young generation the interpreter's own allocation
 * makes a young collection every ~40k ops of replay.py's loop, finalizing dropped objects
 * long before the program's gc.collect() (packages/jython/FIDELITY.md, "Order validation").
 */
import { fileSource, type GcEvent, replayTrace } from '@pygc/core'
import { JythonManager } from '@pygc/jython'
import { parseOracleJson, probeVersion, REPLAY_PY, runOracle } from '../oracles.js'
import type { ValidationRow } from '../types.js'
import { type JvmHeap, jvmFlags } from './jvm.js'

const KiB = 1024
const MiB = 1024 * KiB
const FIDELITY = 'packages/jython/FIDELITY.md'

/** Real Jython runs per trace before its order is judged different (see orderRows). */
const ORDER_ATTEMPTS = 3

/**
 * The heap of the order validation on both sides: a young generation large enough that the
 * interpreter's own allocation between the program's collections does not fill it.
 */
export const ORDER_HEAP: JvmHeap = { xms: 512 * MiB, xmx: 512 * MiB, xmn: 256 * MiB, tlab: false }

interface Timed {
  op: number
  token: string
}

interface ModelOrder {
  events: Timed[]
  /** Each callback tag's referent (the object id its weak reference pointed at). */
  referentOfTag: Map<number, number>
}

/** The model's events: collect, finalize, callback:<tag>, in order, with op indices. */
function modelOrder(trace: string, heap: JvmHeap): ModelOrder {
  const model = new JythonManager({ xms: heap.xms, xmx: heap.xmx, xmn: heap.xmn })
  const events: Timed[] = []
  const targetOfWeak = new Map<number, number>()
  const referentOfTag = new Map<number, number>()
  model.on((e: GcEvent) => {
    if (e.type === 'collect-call') events.push({ op: e.op, token: 'collect' })
    else if (e.type === 'finalize') events.push({ op: e.op, token: 'finalize' })
    else if (e.type === 'weakref-clear') targetOfWeak.set(e.weakId, e.targetId)
    else if (e.type === 'weakref-callback') {
      events.push({ op: e.op, token: `callback:${e.tag}` })
      const target = targetOfWeak.get(e.weakId)
      if (target !== undefined) referentOfTag.set(e.tag, target)
    }
  })
  replayTrace(fileSource(trace), model)
  model.release() // the events are read: its heap goes to the next model (core host-buffers.ts)
  return { events, referentOfTag }
}

/**
 * The real order: replay.py reports each __del__ and callback with the op index the main
 * thread was at when it ran; the collections are at the trace's COLLECT ops. An event at the
 * op of a collection ran after it (the collection runs first in that op).
 */
function realOrder(output: { events?: unknown }, collects: number[]): Timed[] | null {
  if (!Array.isArray(output.events)) return null
  const timed: Timed[] = collects.map((op) => ({ op, token: 'collect' }))
  for (const e of output.events as [number, string, number][]) {
    timed.push({ op: e[0], token: e[1] === 'finalize' ? 'finalize' : `callback:${e[2]}` })
  }
  const rank = (t: Timed): number => (t.token === 'collect' ? 0 : 1)
  return timed
    .map((t, i) => ({ t, i }))
    .sort((a, b) => a.t.op - b.t.op || rank(a.t) - rank(b.t) || a.i - b.i)
    .map((x) => x.t)
}

/**
 * Same order, as far as the real runtime fixes it: the same collections; between two
 * collections the same finalizers, and the same set of callbacks with each referent's
 * callbacks in the same order. Not compared: the interleaving of the finalizer thread and the
 * weakref reaper (both run right after a collection, either may go first), and the order of
 * different referents' callbacks, which Jython's reaper takes from a reference queue whose
 * order changes from run to run (FIDELITY.md, "Threads" and "Reaper order"). Without
 * `referentOfTag` every callback counts as one referent's (strict order).
 */
export function sameOrderUpToThreads(
  model: string[],
  real: string[],
  referentOfTag: ReadonlyMap<number, number> = new Map(),
): boolean {
  const segments = (tokens: string[]): string[][] => {
    const out: string[][] = [[]]
    for (const t of tokens) {
      if (t === 'collect') out.push([])
      else out[out.length - 1].push(t)
    }
    return out
  }
  const referent = (token: string): number => referentOfTag.get(Number(token.slice('callback:'.length))) ?? -1
  const perReferent = (tokens: string[]): string => {
    const groups = new Map<number, string[]>()
    for (const t of tokens) {
      const r = referent(t)
      groups.set(r, [...(groups.get(r) ?? []), t])
    }
    return [...groups.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([r, ts]) => `${r}:${ts.join(' ')}`)
      .join('; ')
  }
  const a = segments(model)
  const b = segments(real)
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const fa = a[i].filter((t) => t === 'finalize').join(' ')
    const fb = b[i].filter((t) => t === 'finalize').join(' ')
    if (fa !== fb) return false
    if (
      perReferent(a[i].filter((t) => t !== 'finalize')) !== perReferent(b[i].filter((t) => t !== 'finalize'))
    )
      return false
  }
  return true
}

/**
 * `jython --version`, probed once per process: the installed Jython does not change while it
 * runs, and each probe is a JVM start (~0.4 s of CPU) that every order case and the report's
 * heading would otherwise repeat.
 */
export function jythonVersion(): Promise<string | null> {
  probedVersion ??= probeVersion(
    'jython',
    ['--version'],
    ({ stdout, stderr }) => `${stdout}${stderr}`.trim().split('\n')[0],
  )
  return probedVersion
}

let probedVersion: Promise<string | null> | undefined

/** The JVM options of the real Jython: the model's collector and heap (see the file comment). */
function jythonJavaOptions(heap: JvmHeap): string {
  return [
    '-XX:+UseSerialGC',
    '-XX:-UseAdaptiveSizePolicy',
    heap.tlab ? '-XX:+UseTLAB' : '-XX:-UseTLAB',
    `-Xms${Math.round(heap.xms / KiB)}k`,
    `-Xmx${Math.round(heap.xmx / KiB)}k`,
    `-Xmn${Math.round(heap.xmn / KiB)}k`,
  ].join(' ')
}

/** Whether a real order agrees with the model's (sameOrderUpToThreads, callbacks grouped by referent). */
function agreesWith(model: ModelOrder, real: Timed[] | null): boolean {
  return (
    real !== null &&
    sameOrderUpToThreads(
      model.events.map((t) => t.token),
      real.map((t) => t.token),
      model.referentOfTag,
    )
  )
}

/** The order row: `real` is the real order, or why there is none; `attempt` the run that was judged. */
function orderRow(
  name: string,
  metric: string,
  modelText: string,
  real: Timed[] | string,
  agrees: boolean,
  attempt: number,
): ValidationRow {
  const realText = typeof real === 'string' ? real : real.map((t) => t.token).join(' ')
  return {
    case: name,
    metric,
    model: modelText,
    real: realText,
    ok: agrees,
    tolerance: 'per collection: finalizers, callback set, each referent’s callbacks in order',
    ...(agrees && realText !== modelText
      ? {
          residual: {
            amount: null,
            unit: 'count' as const,
            why: `finalizer thread, weakref reaper or referents interleaved differently (${FIDELITY}, "Threads")`,
          },
        }
      : {}),
    ...(attempt > 1
      ? { note: `run ${attempt} of ${ORDER_ATTEMPTS} (earlier runs: a thread had not run yet)` }
      : {}),
  }
}

/** The event-order rows of one trace (a trace with finalizers or callbacks). */
export async function orderRows(
  name: string,
  trace: string,
  log: (s: string) => void,
  heap: JvmHeap = ORDER_HEAP,
): Promise<ValidationRow[]> {
  const version = await jythonVersion()
  const model = modelOrder(trace, heap)
  const modelTokens = model.events.map((t) => t.token)
  const modelText = modelTokens.join(' ')
  if (version === null) {
    return [
      {
        case: name,
        metric: 'event order',
        model: modelText,
        real: 'jython not installed',
        ok: false,
        note: 'the real Jython is the judge: install it (apt-get install jython)',
      },
    ]
  }
  // The finalizer thread and the weakref reaper are scheduled by the OS, not by the program:
  // on a loaded machine one of them may not get to run before the program ends, so an event
  // is missing rather than misplaced. The real JVM stays the judge, but a run is repeated (up
  // to ORDER_ATTEMPTS times) until its order agrees; the row says which run agreed.
  let real: Timed[] | null = null
  let nullMismatches = -1
  let problem = ''
  let attempt = 0
  let agrees = false
  while (!agrees && attempt < ORDER_ATTEMPTS) {
    attempt++
    log(`jython replay.py ${name}${attempt > 1 ? ` (run ${attempt} of ${ORDER_ATTEMPTS})` : ''}`)
    real = null
    problem = ''
    try {
      const { stdout } = await runOracle('jython', [REPLAY_PY, trace], {
        timeoutMs: 300_000,
        env: { JAVA_TOOL_OPTIONS: jythonJavaOptions(heap) },
      })
      const output = parseOracleJson<{ error?: string; events?: unknown; mismatches?: { isNull?: number } }>(
        stdout,
        'jython replay.py',
      )
      if (output.error !== undefined) problem = `replay.py: ${output.error}`
      else {
        real = realOrder(
          output,
          model.events.filter((t) => t.token === 'collect').map((t) => t.op),
        )
        nullMismatches = output.mismatches?.isNull ?? -1
        if (real === null) problem = 'replay.py printed no event list'
      }
    } catch (e) {
      problem = `replay.py failed: ${(e as Error).message.split('\n')[0]}`
    }
    agrees = agreesWith(model, real)
    if (problem !== '') break // a broken replay is not a scheduling accident
  }
  return [
    orderRow(name, 'event order', modelText, real === null ? problem : real, agrees, attempt),
    {
      case: name,
      metric: 'isNull/deref mismatches',
      model: 0,
      real: nullMismatches,
      ok: nullMismatches === 0,
      tolerance: 'equal',
      note: 'weakrefs clear at the collection; a resurrected object is there after __del__',
    },
  ]
}

/**
 * The same order check against TraceReplay.java on the real JVM (Serial GC, the model's heap
 * flags): finalizers through a FinalizeTrigger's Object.finalize, callbacks through one
 * GlobalRef per referent on a ReferenceQueue and a reaper thread, as Jython does (the file
 * comment of benchmarks/oracles/jvm/TraceReplay.java). No interpreter allocates between the ops
 * here, so a young collection comes only from the program's own allocation. Same tolerance and
 * retries as replay.py's row.
 */
export async function jvmOrderRow(
  name: string,
  trace: string,
  classDir: string,
  log: (s: string) => void,
  heap: JvmHeap = ORDER_HEAP,
): Promise<ValidationRow> {
  const model = modelOrder(trace, heap)
  const modelTokens = model.events.map((t) => t.token)
  const collects = model.events.filter((t) => t.token === 'collect').map((t) => t.op)
  let real: Timed[] | null = null
  let problem = ''
  let attempt = 0
  let agrees = false
  while (!agrees && attempt < ORDER_ATTEMPTS) {
    attempt++
    log(`TraceReplay.java ${name}${attempt > 1 ? ` (run ${attempt} of ${ORDER_ATTEMPTS})` : ''}`)
    try {
      const { stdout } = await runOracle('java', [...jvmFlags(heap), '-cp', classDir, 'TraceReplay', trace])
      const output = parseOracleJson<{ events?: unknown; eventsDropped?: number }>(stdout, 'TraceReplay')
      real = realOrder(output, collects)
      if (real === null) problem = 'TraceReplay printed no event list'
      else if ((output.eventsDropped ?? 0) > 0) problem = `TraceReplay dropped ${output.eventsDropped} events`
    } catch (e) {
      problem = `TraceReplay failed: ${(e as Error).message.split('\n')[0]}`
    }
    if (problem !== '') {
      real = null
      break
    }
    agrees = agreesWith(model, real)
  }
  const modelText = modelTokens.join(' ')
  return orderRow(
    name,
    'event order (TraceReplay.java)',
    modelText,
    real === null ? problem : real,
    agrees,
    attempt,
  )
}
