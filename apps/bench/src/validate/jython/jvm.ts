/**
 * Collection counts and heap after collection: a trace replayed on `java -XX:+UseSerialGC` by
 * benchmarks/oracles/jvm/TraceReplay.java (compiled once per source hash into the cache) with
 * -Xlog:gc and -Xlog:gc+heap (KiB precision), and on the model in its `java` size mode (one
 * Object[] per object, as TraceReplay allocates) at the same heap configuration. Compared:
 * young and full collection counts (young within ±1, full equal), the heap used after the
 * collections (median after young and after full collections, within 5%), and the causes.
 *
 * The real JVM allocates objects of its own before the first op (class loading, the launcher,
 * TraceReplay's first pass). That baseline is measured per heap configuration with an empty
 * trace ending in one System.gc() (the full collection's "before" is everything the JVM
 * allocated, its "after" what stays live) and given to the model as `jvmStartup`, so both start
 * from the same heap. TLABs are off on the real run, its start-up measurement and the model
 * (which allocates in eden directly) unless the configuration turns them on. See
 * packages/jython/FIDELITY.md.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { fileSink, fileSource, RecordingMutator, replayTrace } from '@pygc/core'
import { JythonManager, type JythonOptions } from '@pygc/jython'
import { parseOracleJson, probeVersion, REPO, runOracle, slug } from '../oracles.js'
import type { HeapConfig, ValidationRow } from '../types.js'
import { collectionsUntil, exactHeapBytes, parseJvmLog, type RealCollection } from './jvm-log.js'
import { levelsWithin, measureStartupLevels, PROBE_HEAP } from './startup-levels.js'

const MiB = 1024 * 1024
const KiB = 1024
const ORACLE_SOURCE = join(REPO, 'benchmarks/oracles/jvm/TraceReplay.java')
const FIDELITY = 'packages/jython/FIDELITY.md'

/** Bounds of issue 4. */
const YOUNG_TOLERANCE = 1
const HEAP_AFTER_TOLERANCE = 0.05
/** Below 1 MiB heap-after is judged in absolute terms: within this many KiB (FIDELITY.md, "Heap after"). */
const SMALL_HEAP_KIB = 1024
const SMALL_HEAP_SLACK_KIB = 64

/**
 * The heap configurations of the JVM validation when the caller gives none: small young
 * generations (4, 8 and 16 MiB), so that a workload at size small makes young collections to
 * compare; a trace whose live data does not fit needs --xmx/--xmn of its own.
 */
export const DEFAULT_JVM_HEAPS: readonly HeapConfig[] = [
  { xms: 24 * MiB, xmx: 24 * MiB, xmn: 4 * MiB },
  { xms: 32 * MiB, xmx: 32 * MiB, xmn: 8 * MiB },
  { xms: 64 * MiB, xmx: 64 * MiB, xmn: 16 * MiB },
]

/** A heap configuration with every JVM field filled in: -Xms defaults to -Xmx, TLAB off. */
export interface JvmHeap {
  xms: number
  xmx: number
  xmn: number
  tlab: boolean
}

export function jvmHeapOf(heap: HeapConfig): JvmHeap {
  const xmx = heap.xmx ?? 64 * MiB
  return { xms: heap.xms ?? xmx, xmx, xmn: heap.xmn ?? Math.floor(xmx / 4), tlab: heap.tlab ?? false }
}

/** "-Xmx24m/4m" (plus -Xms when it differs, and "+TLAB" when on): the heap in a case name. */
export function heapLabel(h: JvmHeap): string {
  const mib = (b: number): string => (b % MiB === 0 ? `${b / MiB}m` : `${Math.round(b / KiB)}k`)
  return `-Xmx${mib(h.xmx)}/${mib(h.xmn)}${h.xms !== h.xmx ? ` -Xms${mib(h.xms)}` : ''}${h.tlab ? ' +TLAB' : ''}`
}

/** Compile TraceReplay.java once per source hash into the cache; returns the class directory. */
export async function compileJvmOracle(cacheDir: string, log: (s: string) => void): Promise<string> {
  const source = readFileSync(ORACLE_SOURCE)
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16)
  const dir = join(cacheDir, `jvm-${hash}`)
  if (existsSync(join(dir, 'TraceReplay.class'))) return dir
  // Compiled beside the cache entry and renamed into place, so a validation running at the same
  // time (another test file, another pygc) never loads a half-written class.
  const tmp = `${dir}.tmp-${process.pid}-${threadId}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  log(`javac TraceReplay.java -> ${dir}`)
  await runOracle('javac', ['-d', tmp, ORACLE_SOURCE])
  if (existsSync(join(dir, 'TraceReplay.class'))) rmSync(tmp, { recursive: true, force: true })
  else {
    rmSync(dir, { recursive: true, force: true }) // a partial entry an older pygc left
    renameSync(tmp, dir)
  }
  return dir
}

/** The real run's flags: the model's collector and geometry, no adaptive sizing, TLAB as configured. */
export function jvmFlags(heap: JvmHeap): string[] {
  return [
    '-XX:+UseSerialGC',
    '-XX:-UseAdaptiveSizePolicy',
    '-XX:-DoEscapeAnalysis',
    heap.tlab ? '-XX:+UseTLAB' : '-XX:-UseTLAB',
    `-Xms${Math.round(heap.xms / KiB)}k`,
    `-Xmx${Math.round(heap.xmx / KiB)}k`,
    `-Xmn${Math.round(heap.xmn / KiB)}k`,
  ]
}

/** TraceReplay on `trace`: the GC log's collections up to the end of the op loop. */
async function runJvm(
  classDir: string,
  heap: JvmHeap,
  trace: string,
  logFile: string,
  extra: string[] = [],
  heapLevel: 'info' | 'debug' = 'info',
): Promise<RealCollection[]> {
  const { stdout } = await runOracle('java', [
    ...extra,
    ...jvmFlags(heap),
    `-Xlog:gc,gc+heap=${heapLevel}:file=${logFile}:uptime,level,tags`,
    '-cp',
    classDir,
    'TraceReplay',
    trace,
  ])
  const report = parseOracleJson<{ collectionsAtLoopEnd?: number }>(stdout, 'TraceReplay')
  const all = parseJvmLog(readFileSync(logFile, 'utf8'))
  return report.collectionsAtLoopEnd === undefined ? all : collectionsUntil(all, report.collectionsAtLoopEnd)
}

export interface JvmStartup {
  liveBytes: number
  garbageBytes: number
}

/** `java -version`'s version string ('unknown' when java says nothing recognizable). */
export async function javaVersion(): Promise<string> {
  const version = await probeVersion(
    'java',
    ['-version'],
    ({ stderr }) => /version "([^"]+)"/.exec(stderr)?.[1] ?? null,
  )
  return version ?? 'unknown'
}

/** The JVM's start-up levels (./startup-levels.ts), measured or read once per context. */
function startupLevels(ctx: JvmContext): Promise<number[]> {
  ctx.startupLevels ??= (async () =>
    measureStartupLevels(
      ctx.classDir,
      ctx.dir,
      await javaVersion(),
      (trace, logFile) => runJvm(ctx.classDir, PROBE_HEAP, trace, logFile),
      ctx.log,
    ))()
  return ctx.startupLevels
}

/** What the JVM allocates itself before the first op, at this heap configuration (see the file comment). */
async function measureStartup(classDir: string, dir: string, heap: JvmHeap): Promise<JvmStartup> {
  const trace = join(dir, 'baseline.trace')
  if (!existsSync(trace)) {
    const recorder = new RecordingMutator(new JythonManager({ sizeMode: 'java' }), fileSink(trace), {
      metadata: { recordedBy: 'pygc validate jython (JVM start-up baseline)' },
    })
    recorder.pushFrame(1)
    recorder.collect()
    recorder.popFrame()
    recorder.finish()
  }
  const logFile = join(dir, `baseline-${slug(heapLabel(heap))}.log`)
  const real = await runJvm(classDir, heap, trace, logFile, [], 'debug')
  const full = real.find((r) => r.kind === 'full')
  if (full === undefined) return { liveBytes: 0, garbageBytes: 0 }
  // In bytes where the log has the heap printouts: KiB figures lose up to 1 KiB each, and a
  // few hundred bytes decide whether a large object still fits eden (FIDELITY.md, "Heap after").
  const exact = exactHeapBytes(readFileSync(logFile, 'utf8'), full.id)
  if (exact !== null) return { liveBytes: exact.after, garbageBytes: Math.max(0, exact.before - exact.after) }
  return { liveBytes: full.afterKiB * KiB, garbageBytes: Math.max(0, full.beforeKiB - full.afterKiB) * KiB }
}

// ---- the two sides ---------------------------------------------------------------------------

interface Side {
  young: number
  full: number
  /** Median heap used after young / full collections, KiB (NaN when there were none). */
  youngAfterKiB: number
  fullAfterKiB: number
  causes: string
}

/**
 * The median: one young collection that happens to land inside a deep tree under
 * construction copies hundreds of KiB more than its neighbours, and the real JVM itself
 * moves its collections by a few objects from run to run, so the mean would judge luck
 * (FIDELITY.md, "Heap after").
 */
function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function causesOf(list: readonly { kind: string; cause: string }[]): string {
  const counts = new Map<string, number>()
  for (const c of list) {
    const key = `${c.kind === 'young' ? 'Young' : 'Full'} (${c.cause})`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts.keys()].sort().join(', ')
}

function modelSide(m: JythonManager): Side {
  const recs = m.native.records()
  const printed = recs.filter((r) => r.heapChangePrinted)
  return {
    young: recs.filter((r) => r.kind === 'young').length,
    full: recs.filter((r) => r.kind === 'full').length,
    youngAfterKiB: median(printed.filter((r) => r.kind === 'young').map((r) => r.usedAfter / KiB)),
    fullAfterKiB: median(printed.filter((r) => r.kind === 'full').map((r) => r.usedAfter / KiB)),
    causes: causesOf(recs),
  }
}

function realSide(real: RealCollection[]): Side {
  const printed = real.filter((r) => r.heapPrinted)
  return {
    young: real.filter((r) => r.kind === 'young').length,
    full: real.filter((r) => r.kind === 'full').length,
    youngAfterKiB: median(printed.filter((r) => r.kind === 'young').map((r) => r.afterKiB)),
    fullAfterKiB: median(printed.filter((r) => r.kind === 'full').map((r) => r.afterKiB)),
    causes: causesOf(real),
  }
}

/** The model's collections as -Xlog:gc lines plus a KiB heap line each (kept next to the JVM's log). */
function modelLog(m: JythonManager): string {
  const lines = m.native.gcLogLines()
  const recs = m.native.records()
  return `${lines
    .map((l, i) =>
      i === 0
        ? l
        : `${l}  [after ${Math.round(recs[i - 1].usedAfter / KiB)}K${recs[i - 1].heapChangePrinted ? '' : ', not printed'}, ${recs[i - 1].reason}]`,
    )
    .join('\n')}\n`
}

/** A heap-after row: KiB rounded; ok within 5%, or within 64 KiB below 1 MiB. */
function heapAfterRow(name: string, metric: string, mv: number, rv: number): ValidationRow {
  const rel = Math.abs(mv - rv) / Math.max(rv, 1)
  // Below 1 MiB the JVM's own live data (class mirrors, interned strings) dominates and
  // moves with class loading: judged in absolute terms there (FIDELITY.md, "Heap after").
  const small = Math.max(mv, rv) < SMALL_HEAP_KIB
  const ok =
    !Number.isNaN(mv) &&
    !Number.isNaN(rv) &&
    (rel <= HEAP_AFTER_TOLERANCE || (small && Math.abs(mv - rv) <= SMALL_HEAP_SLACK_KIB))
  const row: ValidationRow = {
    case: name,
    metric,
    model: Number.isNaN(mv) ? 'none' : Math.round(mv),
    real: Number.isNaN(rv) ? 'none' : Math.round(rv),
    unit: 'KiB',
    ok,
    tolerance: small ? `5% or ${SMALL_HEAP_SLACK_KIB} KiB` : '5%',
  }
  if (ok && Math.round(mv) !== Math.round(rv))
    row.residual = {
      amount: Math.round(rel * 1000) / 10,
      unit: '%',
      why: `${FIDELITY}, "Heap after"`,
    }
  return row
}

function compareSides(name: string, model: Side, real: Side): ValidationRow[] {
  const rows: ValidationRow[] = []
  const youngOk = Math.abs(model.young - real.young) <= YOUNG_TOLERANCE
  rows.push({
    case: name,
    metric: 'young collections',
    model: model.young,
    real: real.young,
    ok: youngOk,
    tolerance: '±1',
    ...(youngOk && model.young !== real.young
      ? {
          residual: {
            amount: Math.abs(model.young - real.young),
            unit: 'count' as const,
            why: `${FIDELITY}, "Young collections"`,
          },
        }
      : {}),
  })
  rows.push({
    case: name,
    metric: 'full collections',
    model: model.full,
    real: real.full,
    ok: model.full === real.full,
    tolerance: 'equal',
  })
  for (const [metric, mv, rv] of [
    ['heap after young GC (median)', model.youngAfterKiB, real.youngAfterKiB],
    ['heap after full GC (median)', model.fullAfterKiB, real.fullAfterKiB],
  ] as const) {
    // No collection of that kind on either side: nothing to compare. On one side only: the
    // count rows judge that (a ±1 young count with zero on one side has no heap-after pair).
    if (Number.isNaN(mv) && Number.isNaN(rv)) continue
    if (Number.isNaN(mv) !== Number.isNaN(rv) && metric.includes('young') && youngOk) continue
    rows.push(heapAfterRow(name, metric, mv, rv))
  }
  rows.push({
    case: name,
    metric: 'causes',
    model: model.causes,
    real: real.causes,
    ok: model.causes === real.causes,
    tolerance: 'equal',
  })
  return rows
}

// ---- one trace at one heap configuration ------------------------------------------------------

export interface JvmContext {
  classDir: string
  /** Where logs go (per trace and heap). */
  dir: string
  log: (s: string) => void
  /** Start-up baselines measured so far, by heap label. */
  startups: Map<string, JvmStartup>
  /** Where the start-up data lies in the JVM's object graph (one measurement for every heap). */
  startupLevels?: Promise<number[]>
}

/** The model's side of one replay, its log and resolved options; the manager is released once read. */
function replayOnModel(
  trace: string,
  options: JythonOptions,
): { side: Side; log: string; resolved: JythonManager['options'] } {
  const model = new JythonManager(options)
  replayTrace(fileSource(trace), model)
  const run = { side: modelSide(model), log: modelLog(model), resolved: model.options }
  model.release() // its heap goes to the next replay at this -Xmx (core host-buffers.ts)
  return run
}

/**
 * The rows of `trace` at one heap configuration. When heap-after-full fails, both sides run
 * again with dead wood off (MarkSweepDeadRatio=0): if the live data agrees then and the default
 * run's difference is within the dead-wood allowance, the row is accepted with that residual.
 */
export async function jvmRows(
  ctx: JvmContext,
  name: string,
  trace: string,
  heap: JvmHeap,
): Promise<ValidationRow[]> {
  const label = heapLabel(heap)
  let startup = ctx.startups.get(label)
  if (startup === undefined) {
    startup = await measureStartup(ctx.classDir, ctx.dir, heap)
    ctx.startups.set(label, startup)
    ctx.log(
      `JVM baseline at ${label}: ${startup.liveBytes} bytes live, ${startup.garbageBytes} bytes garbage`,
    )
  }
  const options: JythonOptions = {
    sizeMode: 'java',
    xms: heap.xms,
    xmx: heap.xmx,
    xmn: heap.xmn,
    jvmStartup: { ...startup, liveByLevel: levelsWithin(await startupLevels(ctx), startup.liveBytes) },
  }
  const caseName = `${name} ${label}`
  const base = join(ctx.dir, slug(caseName))
  ctx.log(`${caseName}: model`)
  const model = replayOnModel(trace, options)
  writeFileSync(`${base}.model.log`, model.log)
  ctx.log(`${caseName}: java`)
  const real = await runJvm(ctx.classDir, heap, trace, `${base}.log`)
  const rows = compareSides(caseName, model.side, realSide(real))
  const fullRow = rows.find((r) => r.metric === 'heap after full GC (median)')
  if (fullRow === undefined || fullRow.ok) return rows
  // Dead wood (MarkSweepDeadRatio): how much garbage a full GC may leave at the bottom of the
  // old generation depends on where objects lie there (FIDELITY.md, "Dead wood").
  ctx.log(`${caseName}: again with -XX:MarkSweepDeadRatio=0`)
  const strict = replayOnModel(trace, { ...options, markSweepDeadRatio: 0 }).side
  const realStrict = realSide(
    await runJvm(ctx.classDir, heap, trace, `${base}-deadratio0.log`, ['-XX:MarkSweepDeadRatio=0']),
  )
  const strictRow = heapAfterRow(
    caseName,
    'heap after full GC (median), MarkSweepDeadRatio=0',
    strict.fullAfterKiB,
    realStrict.fullAfterKiB,
  )
  rows.push(strictRow)
  const allowanceKiB =
    (model.resolved.geometry.oldInitialBytes * model.resolved.markSweepDeadRatio) / 100 / KiB
  const diffKiB =
    typeof fullRow.model === 'number' && typeof fullRow.real === 'number'
      ? Math.abs(fullRow.real - fullRow.model)
      : Number.POSITIVE_INFINITY
  if (strictRow.ok && diffKiB <= allowanceKiB) {
    fullRow.ok = true
    fullRow.tolerance = `5%, or dead wood up to ${Math.round(allowanceKiB)} KiB`
    fullRow.residual = {
      amount: diffKiB,
      unit: 'KiB',
      why: `the JVM left dead wood the model compacted (${FIDELITY}, "Dead wood")`,
    }
  }
  return rows
}
