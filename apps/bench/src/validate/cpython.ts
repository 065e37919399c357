/**
 * `pygc validate --runtime cpython[:preset]`: the @pygc/cpython model on a preset (default
 * cpython-3.11) against the real interpreter of that version (./cpython-interpreter.ts finds it).
 *
 * Each case is a Mutator program (below). It is recorded once as a binary trace, replayed on
 * the real interpreter by benchmarks/oracles/replay.py (which performs the ops on real lists,
 * `__slots__` instances, `__del__` classes and weakrefs, allocating nothing tracked of its own in
 * its op loop), and replayed on a model started from the state the real run reported (objects
 * already in generation 2, counts, thresholds, free lists). Compared, and required IDENTICAL:
 * collections, collected and uncollectable per generation (gc.get_stats() deltas), the final
 * gc.get_count(), and the sequence of `__del__` calls (op index, object id) and weakref callbacks
 * (op index, tag). Residuals, if any, are explained in packages/cpython/FIDELITY.md.
 *
 * The real run is replayed under benchmarks/oracles/cpython/mallocstats.py, which also reads
 * `sys._debugmallocstats()` at the start and end of the op loop: what the trace added to the
 * blocks of each size class is compared with what it added to the model's pymalloc in every
 * validation of the case set, pools per class and arenas too with `pymalloc: true`
 * (`--pymalloc`; ./cpython-pymalloc.ts, FIDELITY.md "pymalloc" says where the model is outside
 * the tolerance there).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import {
  fileSink,
  fileSource,
  type GcEvent,
  globalSlot,
  type Mutator,
  RecordingMutator,
  replayTrace,
} from '@pygc/core'
import { CPythonManager, type FreeListEntries, type MallocStats, type VersionPolicy } from '@pygc/cpython'
import { REPLAY_PY_CPYTHON, requireCapabilities, traceNeeds } from './capabilities.js'
import { findInterpreter, type Interpreter, presetPolicy } from './cpython-interpreter.js'
import { comparePymalloc, pymallocStartOf, type RealMallocStats } from './cpython-pymalloc.js'
import { ReplayInts } from './cpython-replay-ints.js'
import { parseOracleJson, REPLAY_PY, REPO, runOracle, slug } from './oracles.js'
import { bottomUpTree, buildRing, finalizerAllocations, TREE_NODE } from './programs.js'
import { randomCases } from './random-cases.js'
import { buildReport } from './residuals.js'
import { selectCases } from './selection.js'
import type {
  TraceValidateOptions,
  TraceValidator,
  ValidateOptions,
  ValidationReport,
  ValidationRow,
  Validator,
} from './types.js'

export interface CpythonCase {
  name: string
  program: (m: Mutator) => void
}

// ---- the programs -----------------------------------------------------------------------------
//
// The tree and ring builders are shared with the other validators (./programs.ts). The programs
// stay here because they are CPython's: pyperformance shapes compared event by event on what
// refcounting and the cycle GC show (which objects die by refcount, which in cycles, __del__ and
// weakref-callback order, the trashcan, gc.disable/freeze, inline-values instances). The
// same-named programs of Jython and IronPython keep objects alive in other places and are
// sized for a heap geometry (eden, gen0 budget, LOH threshold) instead.

/** Return register for the recursive programs: a callee leaves its result here. */
const RET = globalSlot(0)

/**
 * The benchmarks-game binary-trees: a stretch tree, a long-lived tree, then many short-lived
 * ones. CPython's own, not ./programs.ts's longAndShortLivedTrees: it keeps the program's
 * item_check walk, which consumes each tree (under refcounting a tree dies node by node during
 * its walk, as in the real program), and its stretch tree, keeps the long-lived tree in a frame local, and caps the
 * iterations so the case stays short on the real interpreter.
 */
function binaryTrees(maxDepth: number, maxIterations: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const node = m.defineType(TREE_NODE)
    const make = (depth: number): void => bottomUpTree(m, node, depth, RET)
    /** Walk the tree whose root is in RET (item_check); RET is consumed. */
    const check = (): number => {
      m.pushFrame(2)
      m.move(0, RET)
      m.clear(RET)
      m.load(1, 0, 0)
      let n = 1
      if (!m.isNull(1)) {
        m.move(RET, 1)
        n += check()
        m.load(1, 0, 1)
        m.move(RET, 1)
        n += check()
      }
      m.popFrame()
      return n
    }
    m.pushFrame(2)
    make(maxDepth + 1)
    check()
    make(maxDepth)
    m.move(1, RET) // long-lived
    m.clear(RET)
    for (let d = 4; d <= maxDepth; d += 2) {
      const iterations = Math.min(maxIterations, 2 ** (maxDepth - d + 4))
      for (let i = 0; i < iterations; i++) {
        make(d)
        check()
      }
    }
    m.move(RET, 1)
    check()
    m.popFrame()
  }
}

/**
 * pyperformance gc_collect shapes: garbage cycles of `size` lists, `count` of them, each
 * dropped at once (Jython's and IronPython's cycle churns keep some rings alive instead).
 */
function cycleChurn(size: number, count: number): (m: Mutator) => void {
  return (m) => {
    const link = m.defineType({ name: 'Link', refs: 1, ints: 1 })
    m.pushFrame(3)
    for (let i = 0; i < count; i++) {
      buildRing(m, link, size)
      m.clear(0)
      m.clear(1)
      m.clear(2)
    }
    m.popFrame()
  }
}

/** pyperformance gc_traversal: a large live graph that every full collection must traverse. */
function gcTraversal(nodes: number, collections: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const table = m.defineType({ name: 'Table', refs: 0, variable: 'refs' })
    const obj = m.defineType({ name: 'Obj', refs: 3, ints: 1 })
    m.pushFrame(3)
    m.alloc(globalSlot(0), table, nodes)
    for (let i = 0; i < nodes; i++) {
      m.alloc(0, obj)
      m.writeInt(0, 0, i)
      m.store(globalSlot(0), i, 0)
      if (i > 0) {
        m.load(1, globalSlot(0), i - 1)
        m.store(0, 0, 1)
        m.store(1, 1, 0)
        m.load(2, globalSlot(0), (i * 7919) % i)
        m.store(0, 2, 2)
      }
    }
    m.clear(0)
    m.clear(1)
    m.clear(2)
    for (let c = 0; c < collections; c++) m.collect()
    m.popFrame()
  }
}

/** A long-lived LRU cache (a ring of entries in a global table) with short-lived churn around it. */
function lruMix(capacity: number, steps: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const table = m.defineType({ name: 'Cache', refs: 0, variable: 'refs' })
    const entry = m.defineType({ name: 'Entry', refs: 2, ints: 1 })
    const temp = m.defineType({ name: 'Temp', refs: 1 })
    m.pushFrame(3)
    m.alloc(globalSlot(0), table, capacity)
    let seed = 12345
    for (let i = 0; i < steps; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      const slot = seed % capacity
      if (seed % 3 === 0) {
        // a hit: move the entry's neighbour pointer (touch) and drop a temporary
        m.load(0, globalSlot(0), slot)
        if (!m.isNull(0)) m.writeInt(0, 0, i)
        m.clear(0)
      } else {
        // a miss: a new entry evicts the old one; entries point at a random older entry
        m.alloc(0, entry)
        m.writeInt(0, 0, i)
        m.load(1, globalSlot(0), (slot * 31 + 7) % capacity)
        m.store(0, 0, 1)
        m.store(globalSlot(0), slot, 0)
        m.clear(1)
        m.clear(0)
      }
      // short-lived garbage, half of it cyclic
      m.alloc(1, temp)
      m.alloc(2, temp)
      m.store(1, 0, 2)
      if (i % 2 === 0) m.store(2, 0, 1)
      m.clear(1)
      m.clear(2)
    }
    m.popFrame()
  }
}

/** __del__: in garbage cycles (PEP 442), on refcount death, and a resurrecting one. */
function finalizers(rounds: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(2)
    const fin = m.defineType({ name: 'Fin', refs: 1, finalizer: {} })
    const phoenix = m.defineType({ name: 'Phoenix', refs: 1, finalizer: { resurrectInto: 1 } })
    const plain = m.defineType({ name: 'Plain', refs: 1 })
    m.pushFrame(3)
    for (let r = 0; r < rounds; r++) {
      // a cycle Fin -> Plain -> Fin, collected by the cycle GC
      m.alloc(0, fin)
      m.alloc(1, plain)
      m.store(0, 0, 1)
      m.store(1, 0, 0)
      m.clear(0)
      m.clear(1)
      // a Fin that dies by refcount
      m.alloc(0, fin)
      m.clear(0)
      // churn to trigger collections
      for (let k = 0; k < 50; k++) {
        m.alloc(2, plain)
        m.store(2, 0, 2)
        m.clear(2)
      }
      if (r % 10 === 5) {
        // a phoenix in a cycle: resurrected by its __del__, never finalized again
        m.alloc(0, phoenix)
        m.store(0, 0, 0)
        m.clear(0)
        m.collect(0)
        m.collect()
        m.clear(globalSlot(1)) // its second death: no __del__ call
      }
    }
    m.popFrame()
  }
}

/** weakref callbacks into cyclic garbage: reachable refs are called, refs in the garbage are not. */
function weakrefCallbacks(rounds: number): (m: Mutator) => void {
  return (m) => {
    m.defineGlobals(1)
    const keep = m.defineType({ name: 'Keep', refs: 0, variable: 'refs' })
    const target = m.defineType({ name: 'Target', refs: 2, shape: 'slots' })
    const plain = m.defineType({ name: 'Plain', refs: 1 })
    m.pushFrame(4)
    m.alloc(globalSlot(0), keep, 64)
    let tag = 0
    for (let r = 0; r < rounds; r++) {
      // a 2-cycle of targets; one reachable weakref with a callback to each, one inside the garbage
      m.alloc(0, target)
      m.alloc(1, target)
      m.store(0, 0, 1)
      m.store(1, 0, 0)
      m.weakref(2, 0, { tag: tag++ })
      m.store(globalSlot(0), r % 64, 2)
      m.weakref(3, 1, { tag: tag++ })
      m.store(1, 1, 3) // a weakref that is part of the cycle: cleared, its callback never runs
      m.weakref(2, 1, { tag: tag++ })
      m.weakref(3, 1, { tag: tag++ })
      m.store(globalSlot(0), (r + 32) % 64, 2)
      m.store(0, 1, 3)
      m.clear(0)
      m.clear(1)
      m.clear(2)
      m.clear(3)
      // a target dying by refcount with two callback refs (PyObject_ClearWeakRefs' tuple path)
      m.alloc(0, target)
      m.weakref(1, 0, { tag: tag++ })
      m.weakref(2, 0, { tag: tag++ })
      m.clear(0)
      m.clear(1)
      m.clear(2)
      for (let k = 0; k < 40; k++) {
        m.alloc(0, plain)
        m.store(0, 0, 0)
        m.clear(0)
      }
    }
    m.popFrame()
  }
}

/** A deep chain dropped at once: the trashcan's order shows through __del__ calls along it. */
function deepChain(length: number, finalizerEvery: number): (m: Mutator) => void {
  return (m) => {
    const link = m.defineType({ name: 'Link', refs: 1 })
    const fin = m.defineType({ name: 'FinLink', refs: 1, finalizer: {} })
    m.pushFrame(2)
    for (let i = 0; i < length; i++) {
      m.alloc(1, i % finalizerEvery === 0 ? fin : link)
      m.store(1, 0, 0)
      m.move(0, 1)
    }
    m.clear(1)
    m.clear(0)
    m.popFrame()
  }
}

/** gc.disable() / enable() / freeze() / unfreeze() phases around cycle churn. */
function gcPhases(perPhase: number): (m: Mutator) => void {
  return (m) => {
    const link = m.defineType({ name: 'Link', refs: 1 })
    const churn = (live: boolean): void => {
      for (let i = 0; i < perPhase; i++) {
        m.alloc(0, link)
        m.alloc(1, link)
        m.store(0, 0, 1)
        m.store(1, 0, 0)
        if (live && i % 10 === 0) m.move(2, 0)
        m.clear(0)
        m.clear(1)
      }
    }
    m.pushFrame(3)
    churn(false)
    m.gcControl('disable')
    churn(true)
    m.gcControl('enable')
    churn(false)
    m.gcControl('freeze')
    churn(true)
    m.collect()
    m.gcControl('unfreeze')
    churn(false)
    m.collect(1)
    m.collect()
    m.popFrame()
  }
}

/** Instances of plain classes (inline dict values) and of `__slots__` classes, in cycles and trees. */
function instances(rounds: number): (m: Mutator) => void {
  return (m) => {
    const plain = m.defineType({ name: 'Plain', refs: 3, ints: 1, shape: 'dict-instance' })
    const slotted = m.defineType({ name: 'Slotted', refs: 2, ints: 1, shape: 'slots' })
    const finDict = m.defineType({ name: 'FinDict', refs: 1, shape: 'dict-instance', finalizer: {} })
    m.pushFrame(4)
    for (let r = 0; r < rounds; r++) {
      m.alloc(0, plain)
      m.alloc(1, slotted)
      m.alloc(2, finDict)
      m.store(0, 0, 1)
      m.store(1, 0, 2)
      m.store(2, 0, 0)
      m.writeInt(0, 0, r)
      m.writeInt(1, 0, -r)
      if (r % 3 === 0) m.move(3, 1) // keep one alive until the next keep
      m.clear(0)
      m.clear(1)
      m.clear(2)
      // an acyclic tree that dies by refcount
      m.alloc(0, plain)
      m.alloc(1, slotted)
      m.store(0, 2, 1)
      m.alloc(2, plain)
      m.store(1, 1, 2)
      m.clear(1)
      m.clear(2)
      m.clear(0)
    }
    m.popFrame()
  }
}

const SCALE = process.env.CI ? 0.5 : 1

/** The fixed programs; the seeded random programs follow (./random-cases.ts). */
const FIXED_CASES: readonly CpythonCase[] = [
  { name: 'binary-trees d=10', program: binaryTrees(10, 1 << 10) },
  { name: 'binary-trees d=14', program: binaryTrees(14, 8) },
  { name: 'gc-collect 2-cycles', program: cycleChurn(2, Math.round(20_000 * SCALE)) },
  { name: 'gc-collect 21-rings', program: cycleChurn(21, Math.round(2_000 * SCALE)) },
  { name: 'gc-traversal', program: gcTraversal(Math.round(50_000 * SCALE), 3) },
  { name: 'lru-mix', program: lruMix(1000, Math.round(30_000 * SCALE)) },
  { name: 'del-finalizers', program: finalizers(100) },
  { name: 'weakref-callbacks', program: weakrefCallbacks(100) },
  { name: 'finalizer-allocations', program: finalizerAllocations(300, 300, 100) },
  { name: 'deep-chain 1M', program: deepChain(1_000_000, 997) },
  { name: 'gc-phases', program: gcPhases(3_000) },
  { name: 'instances', program: instances(Math.round(3_000 * SCALE)) },
]

export const CPYTHON_CASES: readonly CpythonCase[] = [...FIXED_CASES, ...randomCases('cpython')]

export const CPYTHON_CASE_NAMES: readonly string[] = CPYTHON_CASES.map((c) => c.name)

/** The cases validateCpython runs when none are named (--thorough adds the random programs). */
export function cpythonDefaultCases(thorough: boolean): readonly string[] {
  return (thorough ? [...FIXED_CASES, ...randomCases('cpython', true)] : CPYTHON_CASES).map((c) => c.name)
}

// ---- running one case ---------------------------------------------------------------------------

interface RealRun {
  runtime: string
  start: {
    counts: [number, number, number]
    generations: [number, number, number]
    thresholds: [number, number, number]
  }
  stats: { collections: number; collected: number; uncollectable: number }[]
  finalCounts: [number, number, number]
  events: [number, string, number][]
  eventsDropped: number
  mismatches: Record<string, number>
  error?: string
}

interface ModelRun {
  stats: { collections: number; collected: number; uncollectable: number }[]
  finalCounts: [number, number, number]
  events: [number, string, number][]
  /** The model's pymalloc after its starting state was built, and after the replay. */
  mallocAtStart: MallocStats
  mallocAtEnd: MallocStats
  /** replay.py's own ints the model placed (cpython-replay-ints.ts), alive at the end: 32-byte blocks. */
  replayInts: number
  /** The model's free lists at the end (CPythonManager.freeListEntries). */
  freeListsAtEnd: FreeListEntries
}

/** What mallocstats.py --report prints: replay.py's report and pymalloc before and after the trace. */
interface RealMallocRun {
  atStart: RealMallocStats
  atEnd: RealMallocStats
  report: RealRun
}

/** The pymalloc reader around replay.py (benchmarks/oracles/cpython/mallocstats.py). */
const MALLOCSTATS_PY = join(REPO, 'benchmarks/oracles/cpython/mallocstats.py')

function record(c: CpythonCase, path: string): void {
  const recorder = new RecordingMutator(new CPythonManager(), fileSink(path), {
    metadata: { workload: c.name, recordedOn: 'cpython-3.11', purpose: 'pygc validate --runtime cpython' },
  })
  c.program(recorder)
  recorder.finish()
}

/**
 * The traces of the cases, shared by the validations running at once in this thread: a case's
 * trace does not depend on the preset (it is always recorded on the default preset's model with
 * the same metadata), so validating 3.11, 3.12 and 3.13 together records each case once instead
 * of once per preset (recording is a whole model run: validate-cpython's test records 15 traces
 * instead of 49, and its process spends 34.9 s of CPU instead of 38.7 s). Keyed
 * by the case object, not its name: --thorough's random cases are other programs of the same
 * names. A trace is deleted when no validation that selected its case still needs it, and the
 * folder when no validation is running.
 */
class SharedTraces {
  private dir: string | undefined
  private readonly traces = new Map<CpythonCase, { path: string; users: number; recorded: boolean }>()
  private running = 0

  /** A validation of `cases` starts: each case's trace is kept until this one has used it. */
  open(cases: readonly CpythonCase[], base: string): void {
    if (this.dir === undefined) {
      mkdirSync(base, { recursive: true })
      this.dir = mkdtempSync(join(base, 'pygc-validate-cpython-'))
    }
    this.running++
    for (const c of cases) {
      const entry = this.traces.get(c)
      if (entry !== undefined) entry.users++
      else this.traces.set(c, { path: this.freePath(this.dir, c), users: 1, recorded: false })
    }
  }

  /**
   * `<dir>/<case>.trace`, the name a validation has always given it (replay.py is handed the
   * path: the same length keeps the interpreter's own allocations as they were); in a folder
   * of its own when another case of the same name (a --thorough random program) holds it.
   */
  private freePath(dir: string, c: CpythonCase): string {
    const name = `${slug(c.name)}.trace`
    const taken = new Set([...this.traces.values()].map((e) => e.path))
    let path = join(dir, name)
    for (let n = 1; taken.has(path); n++) {
      mkdirSync(join(dir, String(n)), { recursive: true })
      path = join(dir, String(n), name)
    }
    return path
  }

  /** The trace of `c`, recorded by the first validation that asks for it. */
  path(c: CpythonCase, log: (s: string) => void): string {
    const entry = this.traces.get(c) as { path: string; recorded: boolean }
    if (!entry.recorded) {
      log(`${c.name}: recording`)
      record(c, entry.path)
      entry.recorded = true
    }
    return entry.path
  }

  /** A validation is done with `c` (used or not): the trace goes when no one else needs it. */
  release(c: CpythonCase): void {
    const entry = this.traces.get(c)
    if (entry === undefined) return
    if (--entry.users > 0) return
    rmSync(entry.path, { force: true })
    this.traces.delete(c)
  }

  /** A validation ends (done or failed) having released its cases. */
  close(): void {
    if (--this.running > 0 || this.dir === undefined) return
    rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}

const sharedTraces = new SharedTraces()

/** replay.py alone (a trace validated at given thresholds): the report, no pymalloc figures. */
async function runReal(python: Interpreter, path: string, thresholds?: readonly number[]): Promise<RealRun> {
  const args = thresholds ? ['--thresholds', thresholds.join(','), path] : [path]
  const { stdout } = await runOracle(python.command, [REPLAY_PY, ...args])
  const out = parseOracleJson<RealRun>(stdout, 'replay.py')
  if (out.error) throw new Error(`replay.py: ${out.error}`)
  return out
}

/** replay.py under mallocstats.py --report: the report and pymalloc before and after the trace, one process. */
async function runRealWithMalloc(python: Interpreter, path: string): Promise<RealMallocRun> {
  const { stdout } = await runOracle(python.command, [MALLOCSTATS_PY, '--report', path])
  const out = parseOracleJson<RealMallocRun>(stdout, 'mallocstats.py')
  if (out.report.error) throw new Error(`replay.py: ${out.report.error}`)
  return out
}

/** pymalloc before and after replay.py's setup on an empty trace: its own share of a delta. */
async function runEmpty(python: Interpreter): Promise<Omit<RealMallocRun, 'report'>> {
  const { stdout } = await runOracle(python.command, [MALLOCSTATS_PY, '--empty'])
  return parseOracleJson<Omit<RealMallocRun, 'report'>>(stdout, 'mallocstats.py --empty')
}

/** Replay the trace on a model of `preset` started from the state the real run reported. */
export function runModel(
  path: string,
  real: Pick<RealRun, 'start'>,
  preset = 'cpython-3.11',
  realMallocAtStart?: RealMallocStats,
): ModelRun {
  const m = new CPythonManager({
    preset,
    thresholds: real.start.thresholds,
    start: {
      counts: real.start.counts,
      generations: real.start.generations,
      pymalloc: realMallocAtStart && pymallocStartOf(realMallocAtStart),
    },
  })
  const mallocAtStart = m.debugMallocStats()
  const ints = realMallocAtStart ? new ReplayInts(m) : undefined
  const events: [number, string, number][] = []
  const off = m.on((e: GcEvent) => {
    if (e.type === 'finalize') events.push([e.op, 'finalize', e.id])
    else if (e.type === 'weakref-callback') events.push([e.op, 'callback', e.tag])
  })
  replayTrace(fileSource(path), ints ? ints.wrap(m) : m)
  off()
  return {
    stats: m.native.get_stats(),
    finalCounts: m.native.get_count(),
    events,
    mallocAtStart,
    mallocAtEnd: m.debugMallocStats(),
    replayInts: ints?.live ?? 0,
    freeListsAtEnd: m.freeListEntries(),
  }
}

function compareCase(name: string, model: ModelRun, real: RealRun): ValidationRow[] {
  const rows: ValidationRow[] = []
  const row = (metric: string, a: string | number, b: string | number): void => {
    rows.push({ case: name, metric, model: a, real: b, ok: a === b, tolerance: 'equal' })
  }
  for (let g = 0; g < 3; g++) {
    row(`gen${g} collections`, model.stats[g].collections, real.stats[g].collections)
    row(`gen${g} collected`, model.stats[g].collected, real.stats[g].collected)
    row(`gen${g} uncollectable`, model.stats[g].uncollectable, real.stats[g].uncollectable)
  }
  row('final counts', model.finalCounts.join(','), real.finalCounts.join(','))
  const finM = model.events.filter((e) => e[1] === 'finalize').length
  const finR = real.events.filter((e) => e[1] === 'finalize').length
  const cbM = model.events.length - finM
  const cbR = real.events.length - finR
  row('__del__ calls', finM, finR)
  row('weakref callbacks', cbM, cbR)
  const mismatch = firstMismatch(model.events, real.events)
  rows.push({
    case: name,
    metric: 'event order (op, kind, id|tag)',
    model: mismatch === null ? `${model.events.length} same` : mismatch.model,
    real: mismatch === null ? `${real.events.length} same` : mismatch.real,
    ok: mismatch === null && real.eventsDropped === 0,
    tolerance: 'equal',
  })
  const bad = Object.entries(real.mismatches).filter(([, n]) => n > 0)
  if (bad.length > 0) {
    rows.push({
      case: name,
      metric: 'replay semantics',
      model: 0,
      real: bad.map(([k, n]) => `${k}:${n}`).join(' '),
      ok: false,
      tolerance: 'no mismatch',
    })
  }
  return rows
}

function firstMismatch(
  a: [number, string, number][],
  b: [number, string, number][],
): { model: string; real: string } | null {
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x === undefined || y === undefined || x[0] !== y[0] || x[1] !== y[1] || x[2] !== y[2]) {
      const show = (e: [number, string, number] | undefined): string =>
        e ? `#${i}: op ${e[0]} ${e[1]} ${e[2]}` : `#${i}: none`
      return { model: show(x), real: show(y) }
    }
  }
  return null
}

/**
 * Which interpreter and preset a validation compares, and the empty-trace pymalloc baseline:
 * blocks per size class are compared in every validation of the case set, pools and arenas
 * with `--pymalloc` (`pymalloc`).
 */
interface Target {
  python: Interpreter
  policy: VersionPolicy
  empty?: Omit<RealMallocRun, 'report'>
  pymalloc?: boolean
}

/** Compare one recorded trace: capability check, the interpreter, then the model from the real start state. */
async function traceRows(
  name: string,
  path: string,
  log: (s: string) => void,
  target: Target,
  thresholds?: readonly number[],
): Promise<ValidationRow[]> {
  requireCapabilities(traceNeeds(path), REPLAY_PY_CPYTHON, path)
  log(`${name}: replaying on ${target.python.label}`)
  if (thresholds) {
    const real = await runReal(target.python, path, thresholds)
    log(`${name}: replaying on the model (${target.policy.name})`)
    return compareCase(name, runModel(path, real, target.policy.name), real)
  }
  const real = await runRealWithMalloc(target.python, path)
  log(`${name}: replaying on the model (${target.policy.name})`)
  const model = runModel(path, real.report, target.policy.name, real.atStart)
  const rows = compareCase(name, model, real.report)
  if (target.empty) rows.push(...comparePymalloc(name, model, real, target.empty, target.pymalloc === true))
  return rows
}

function cpythonReport(target: Target, rows: ValidationRow[]): ValidationReport {
  return { ...buildReport('cpython', target.python.label, rows), preset: target.policy.name }
}

/**
 * Any trace against the default preset's Python, once per heap configuration that sets
 * thresholds (default: the interpreter's own, with pymalloc's blocks per size class and arenas).
 */
export async function validateCpythonTrace(
  trace: string,
  options: TraceValidateOptions = {},
): Promise<ValidationReport> {
  const log = options.log ?? (() => {})
  const name = options.name ?? basename(trace)
  const policy = presetPolicy(undefined)
  const python = await findInterpreter(policy)
  const heaps = options.heaps?.filter((h) => h.thresholds !== undefined) ?? []
  // At the interpreter's own thresholds the run is under mallocstats.py: blocks per size class
  // and arenas are compared as in the case set (the empty trace's run is replay.py's own share).
  const target: Target = { python, policy, empty: heaps.length === 0 ? await runEmpty(python) : undefined }
  const rows: ValidationRow[] = []
  if (heaps.length === 0) rows.push(...(await traceRows(name, trace, log, target)))
  for (const h of heaps)
    rows.push(
      ...(await traceRows(`${name} thresholds=${h.thresholds!.join(',')}`, trace, log, target, h.thresholds)),
    )
  return cpythonReport(target, rows)
}

export const validateCpython: Validator = async (options: ValidateOptions): Promise<ValidationReport> => {
  const log = options.log ?? (() => {})
  const policy = presetPolicy(options.preset)
  const all = options.thorough ? [...FIXED_CASES, ...randomCases('cpython', true)] : CPYTHON_CASES
  const selected = selectCases('cpython', all, options.cases)
  // Before the first await: validations started together (the presets of one test) all hold
  // their cases before any of them finishes one, so each case is recorded once.
  const shared = options.cacheDir === undefined ? sharedTraces : new SharedTraces()
  shared.open(selected, options.cacheDir ?? tmpdir())
  const rows: ValidationRow[] = []
  let done = 0
  try {
    const python = await findInterpreter(policy, options.python)
    const target: Target = {
      python,
      policy,
      empty: await runEmpty(python),
      pymalloc: options.pymalloc === true,
    }
    for (const c of selected) {
      const path = shared.path(c, log)
      rows.push(...(await traceRows(c.name, path, log, target)))
      shared.release(c)
      done++
    }
    return cpythonReport(target, rows)
  } finally {
    for (const c of selected.slice(done)) shared.release(c)
    shared.close()
  }
}

export const CPYTHON_TRACE_VALIDATOR: TraceValidator = {
  runtime: 'cpython',
  oracles: [REPLAY_PY_CPYTHON],
  checkTrace: (needs, trace) => requireCapabilities(needs, REPLAY_PY_CPYTHON, trace),
  validateTrace: validateCpythonTrace,
}
