/**
 * Semantic differences between runtimes for one workload: when each finalizer ran and each
 * weakref was cleared (op index), what gc.collect() returned, what id() values are. The same
 * program gives the same object ids (allocation ordinals) on every manager, so events can be
 * matched object by object. These differences are a result of pygc, not noise: CPython runs
 * __del__ the moment a count drops to zero, the JVM and the CLR one or more GCs later.
 */
import type { DeterministicMetrics, WorkloadResults } from './results.js'

export type DifferenceKind = 'summary' | 'collect' | 'finalizer' | 'weakref-clear' | 'weakref-callback'

export interface DifferenceRow {
  kind: DifferenceKind
  /** What the row is about, e.g. "finalizer of object #12". */
  what: string
  /** One cell per runtime, in `runtimes` order. */
  cells: string[]
  /** True when not every runtime shows the same cell. */
  differs: boolean
  /** The earliest op among the runtimes (sort key); -1 for summary rows. */
  firstOp: number
  /**
   * The object (finalizer) or weakref ids the row covers: consecutive events with the same
   * timing on every runtime are one row ("finalizers of 59 objects"), so the table shows the
   * distinct behaviours rather than thousands of identical lines.
   */
  ids?: number[]
}

export interface DifferenceTable {
  workload: string
  runtimes: string[]
  rows: DifferenceRow[]
  /** Runtimes whose event lists were cut at the metrics collector's limit. */
  truncated: string[]
}

const NEVER = 'never'
/** A cell whose event the runtime's list does not hold: cut at the collector's cap. */
const UNLISTED = 'not listed'

export function semanticDifferences(results: WorkloadResults): DifferenceTable {
  const runs = results.runs.filter((r) => r.metrics !== undefined)
  const runtimes = runs.map((r) => r.runtime)
  const metrics = runs.map((r) => r.metrics as DeterministicMetrics)
  const events = eventRows(metrics)
  const rows: DifferenceRow[] = [
    ...summaryRows(metrics),
    ...delayRows(events, 'finalizer', 'finalizers', metrics),
    ...delayRows(events, 'weakref-clear', 'weakref clears', metrics),
    ...collectRows(metrics),
    ...groupRuns(events),
  ]
  return {
    workload: results.workload,
    runtimes,
    rows,
    truncated: runs.filter((r) => r.metrics?.truncated).map((r) => r.runtime),
  }
}

function row(kind: DifferenceKind, what: string, cells: string[], firstOp: number): DifferenceRow {
  return { kind, what, cells, differs: cells.some((c) => c !== cells[0]), firstOp }
}

function summaryRows(metrics: DeterministicMetrics[]): DifferenceRow[] {
  return [
    row(
      'summary',
      'id() values are',
      metrics.map((x) => (x.runtime.idKind === 'address' ? 'addresses' : 'counters')),
      -1,
    ),
    row(
      'summary',
      'objects move',
      metrics.map((x) => (x.runtime.moving ? 'yes' : 'no')),
      -1,
    ),
    row(
      'summary',
      'finalizers run',
      metrics.map((x) => String(x.finalizers.count)),
      -1,
    ),
    row(
      'summary',
      'weakrefs cleared',
      metrics.map((x) => String(x.weakrefs.cleared)),
      -1,
    ),
    row(
      'summary',
      'gc.collect() calls',
      metrics.map((x) => String(x.collectCalls.length)),
      -1,
    ),
  ]
}

/**
 * How much later each runtime did something than the earliest runtime did the same thing:
 * "p50 0 · max 0" for CPython's immediate finalizers, thousands of ops for the JVM's queue.
 * Plus how many of those things a runtime never did by the end of the run.
 */
function delayRows(
  events: readonly DifferenceRow[],
  kind: DifferenceKind,
  noun: string,
  metrics: readonly DeterministicMetrics[],
): DifferenceRow[] {
  const mine = events.filter((e) => e.kind === kind)
  if (mine.length === 0) return []
  const runtimes = mine[0].cells.length
  const delays: number[][] = Array.from({ length: runtimes }, () => [])
  const never = new Array<number>(runtimes).fill(0)
  let compared = 0
  for (const e of mine) {
    // An event some runtime's list does not hold cannot be timed against the others.
    if (e.cells.some((c) => c.startsWith(UNLISTED))) continue
    compared++
    const ops = e.cells.map((c) => (c === NEVER ? Number.NaN : Number.parseInt(c.slice(3), 10)))
    const earliest = Math.min(...ops.filter((op) => !Number.isNaN(op)))
    ops.forEach((op, r) => {
      if (Number.isNaN(op)) never[r]++
      else delays[r].push(op - earliest)
    })
  }
  const summary = (d: number[]) => {
    if (d.length === 0) return '—'
    const sorted = [...d].sort((a, b) => a - b)
    return `p50 ${sorted[Math.ceil(sorted.length / 2) - 1]} · max ${sorted[sorted.length - 1]}`
  }
  // "Never" is only known where the runtime's list is complete.
  const cut = metrics.map((x) => cutAfterOp(x, kind) !== null)
  const partial = compared < mine.length || metrics.some((x) => idsUpTo(x, kind) !== null)
  const over = partial ? ` (${compared} listed on every runtime)` : ''
  return [
    row('summary', `${noun}: ops later than first runtime${over}`, delays.map(summary), -1),
    row(
      'summary',
      `${noun}: not by the end of the run${over}`,
      never.map((n, r) => (cut[r] ? '? (list cut)' : String(n))),
      -1,
    ),
  ]
}

/** The op after which a runtime's list of this kind was cut, or null when it is complete. */
function cutAfterOp(x: DeterministicMetrics, kind: DifferenceKind): number | null {
  const lists = x.eventLists
  const op =
    kind === 'finalizer'
      ? lists?.finalizersCutAfterOp
      : kind === 'weakref-clear'
        ? lists?.clearsCutAfterOp
        : kind === 'weakref-callback'
          ? lists?.callbacksCutAfterOp
          : undefined
  return op ?? null
}

/** The highest id whose events the lists keep (null: every id). */
function idsUpTo(x: DeterministicMetrics, kind: DifferenceKind): number | null {
  return (kind === 'finalizer' ? x.eventLists?.finalizerIdsUpTo : x.eventLists?.weakrefIdsUpTo) ?? null
}

/** gc.collect() calls are matched by their order in the run (the program makes the same calls). */
function collectRows(metrics: DeterministicMetrics[]): DifferenceRow[] {
  const calls = Math.max(0, ...metrics.map((x) => x.collectCalls.length))
  const rows: DifferenceRow[] = []
  for (let k = 0; k < calls; k++) {
    const first = metrics.map((x) => x.collectCalls[k]).find((c) => c !== undefined)
    const cells = metrics.map((x) => {
      const call = x.collectCalls[k]
      return call === undefined ? '—' : String(call.result)
    })
    rows.push(
      row(
        'collect',
        `gc.collect(${first?.generation ?? ''}) #${k + 1} at op ${first?.op ?? '?'} returned`,
        cells,
        first?.op ?? 0,
      ),
    )
  }
  return rows
}

/** Finalizer, weakref clear and callback events, matched across runtimes by object identity. */
function eventRows(metrics: DeterministicMetrics[]): DifferenceRow[] {
  const byKey = new Map<
    string,
    { kind: DifferenceKind; what: string; ops: (string | undefined)[]; first: number; order: number }
  >()
  const note = (
    key: string,
    kind: DifferenceKind,
    what: string,
    order: number,
    runtime: number,
    op: number,
    suffix = '',
  ) => {
    let entry = byKey.get(key)
    if (!entry) {
      entry = { kind, what, ops: metrics.map(() => undefined), first: op, order }
      byKey.set(key, entry)
    }
    // A runtime may report the same object twice (never for a correct manager): keep the first.
    if (entry.ops[runtime] === undefined) entry.ops[runtime] = `op ${op}${suffix}`
    entry.first = Math.min(entry.first, op)
  }
  metrics.forEach((x, r) => {
    for (const e of x.finalizers.events) {
      note(
        `f${e.id}`,
        'finalizer',
        `finalizer of object #${e.id}`,
        e.id,
        r,
        e.op,
        e.resurrected ? ' (resurrected)' : '',
      )
    }
    for (const e of x.weakrefs.clearEvents) {
      note(
        `w${e.weakId}`,
        'weakref-clear',
        `weakref #${e.weakId} to #${e.targetId} cleared`,
        e.weakId,
        r,
        e.op,
      )
    }
    for (const e of x.weakrefs.callbackEvents) {
      note(
        `c${e.weakId}`,
        'weakref-callback',
        `weakref #${e.weakId} callback (tag ${e.tag})`,
        e.weakId,
        r,
        e.op,
      )
    }
  })
  const kindOrder: Record<DifferenceKind, number> = {
    summary: 0,
    collect: 1,
    finalizer: 2,
    'weakref-clear': 3,
    'weakref-callback': 4,
  }
  return [...byKey.values()]
    .sort((a, b) => a.first - b.first || kindOrder[a.kind] - kindOrder[b.kind] || a.order - b.order)
    .map((e) => ({
      ...row(
        e.kind,
        e.what,
        e.ops.map((c, r) => c ?? missing(metrics[r], e.kind)),
        e.first,
      ),
      ids: [e.order],
    }))
}

/** A cell without an event: "never" from a complete list, else "not listed (cut after op N)". */
function missing(x: DeterministicMetrics, kind: DifferenceKind): string {
  const cut = cutAfterOp(x, kind)
  return cut === null ? NEVER : `${UNLISTED} (cut after op ${cut})`
}

const GROUP_NOUN: Partial<Record<DifferenceKind, (n: number) => string>> = {
  finalizer: (n) => `finalizers of ${n} objects`,
  'weakref-clear': (n) => `${n} weakrefs cleared`,
  'weakref-callback': (n) => `${n} weakref callbacks`,
}

/**
 * Merge the event rows of one kind whose cells are identical on every runtime, wherever they
 * are in the run: the table then shows each distinct behaviour once ("435 finalizers: op 6777
 * on jython, op 6776 on ironpython"), ordered by when it first happened.
 */
function groupRuns(rows: DifferenceRow[]): DifferenceRow[] {
  const groups = new Map<string, DifferenceRow>()
  for (const r of rows) {
    const key = JSON.stringify([r.kind, r.cells])
    const group = groups.get(key)
    if (group) {
      group.ids?.push(...(r.ids ?? []))
      group.firstOp = Math.min(group.firstOp, r.firstOp)
    } else {
      groups.set(key, { ...r, ids: [...(r.ids ?? [])] })
    }
  }
  const out = [...groups.values()]
  for (const r of out) {
    const ids = r.ids ?? []
    const noun = GROUP_NOUN[r.kind]
    if (ids.length > 1 && noun) {
      const shown = ids.slice(0, 3).map((id) => `#${id}`)
      r.what = `${noun(ids.length)} (${shown.join(', ')}${ids.length > 3 ? ', …' : ''})`
    }
  }
  return out
}
