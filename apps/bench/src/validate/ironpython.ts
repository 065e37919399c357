/**
 * `pygc validate --runtime ironpython`: the @pygc/ironpython model against the real .NET GC.
 *
 * Each case is a small program against the Mutator interface. It runs once on the model
 * (`clr` size mode: one object[] per object, like the oracle) while a RecordingMutator writes
 * its trace; the C# oracle (benchmarks/oracles/clr, built once per source hash) replays the
 * trace on .NET with the workstation non-concurrent GC and the same gen0 budget
 * (DOTNET_GCgen0size). Compared: collections per generation (within ±5%, aimed exact), the
 * number of allocations placed on the LOH, and for finalizable objects, how many collections
 * after the one that found them dead their memory was reclaimed (exactly one, on both sides).
 * Residuals are explained in packages/ironpython/FIDELITY.md.
 */
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import { threadId } from 'node:worker_threads'
import {
  fileSink,
  fileSource,
  globalSlot,
  type Mutator,
  PygcError,
  RecordingMutator,
  Rng,
  replayTrace,
} from '@pygc/core'
import { compareGen0Promoted, IronPythonManager, LARGE_OBJECT_SIZE, WEAKREF_TYPE } from '@pygc/ironpython'
import { weakrefCache } from '@pygc/workloads'
import { CLR_ORACLE, requireCapabilities, traceNeeds } from './capabilities.js'
import {
  oracleCacheDir,
  parseOracleJson,
  REPO,
  rowsPerHeap,
  runOracle,
  slug,
  threadScratch,
} from './oracles.js'
import { buildRing, finalizerAllocations, longAndShortLivedTrees, TREE_NODE } from './programs.js'
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

/** gen0 budget of the validation set's first configuration: 256 KiB, small enough for many collections in a short trace. */
const GEN0_SIZE = 256 * 1024
/**
 * The gen0 budgets every case is validated at (issue 12: three heap configurations per case).
 * 256 KiB is the budget of issue 5; 512 KiB and 1 MiB move every collection.
 */
export const CLR_HEAPS: readonly HeapConfig[] = [
  { gen0size: GEN0_SIZE },
  { gen0size: 2 * GEN0_SIZE },
  { gen0size: 4 * GEN0_SIZE },
]
const ORACLE_SOURCES = join(REPO, 'benchmarks/oracles/clr')
const ORACLE_FILES = ['Program.cs', 'WeakrefCallbacks.cs', 'ClrOracle.csproj']

export interface ValidationCase {
  name: string
  run(m: Mutator, rng: Rng): void
}

// ---------------------------------------------------------------------------- the cases
//
// The tree and ring builders and the binary-trees body are shared (./programs.ts). The other
// cases stay here because their shape is the CLR's: sized against the gen0 budget (GEN0_SIZE)
// and the 85,000-byte LOH threshold, rings of random length with back links and weak
// references, LRU payloads across the small-object size range, old-to-young stores into a
// small-object table and a LOH table, finalizers (the f-reachable queue) and pinned handles.

/** The fixed programs; the seeded random programs follow (./random-cases.ts). */
const FIXED_CASES: readonly ValidationCase[] = [
  {
    // The benchmarks game's binary-trees: one long-lived tree, many short-lived ones.
    name: 'binary-trees d=12',
    run(m) {
      const node = m.defineType(TREE_NODE)
      m.defineGlobals(2)
      longAndShortLivedTrees(m, node, 12, { ret: globalSlot(0), longLived: globalSlot(1) })
    },
  },
  {
    // Rings of 3..8 nodes built and dropped; one in twenty kept in a global ring of 2000;
    // a weak reference to every fiftieth.
    name: 'cycle-churn n=40000',
    run(m, rng) {
      const node = m.defineType({ name: 'CycleNode', refs: 2, ints: 2 })
      const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
      m.defineGlobals(3)
      m.pushFrame(4)
      m.alloc(globalSlot(0), ring, 2000)
      m.alloc(globalSlot(1), ring, 200)
      for (let i = 0; i < 40000; i++) {
        const k = rng.range(3, 8)
        buildRing(m, node, k, true)
        if (rng.chance(0.05)) m.store(globalSlot(0), rng.int(2000), 0)
        if (i % 50 === 0) {
          m.weakref(3, 0)
          m.store(globalSlot(1), (i / 50) % 200, 3)
        }
      }
      m.popFrame()
    },
  },
  {
    // A cache of 4000 entries with payloads of 64..512 bytes: hits read, misses replace.
    name: 'lru-mix n=300000',
    run(m, rng) {
      const entry = m.defineType({ name: 'Entry', refs: 1, ints: 1, variable: 'bytes' })
      const table = m.defineType({ name: 'Table', refs: 0, variable: 'refs' })
      m.defineGlobals(1)
      m.pushFrame(3)
      m.alloc(globalSlot(0), table, 4000)
      for (let i = 0; i < 300000; i++) {
        const key = rng.chance(0.8) ? rng.int(800) : rng.int(4000)
        m.load(0, globalSlot(0), key)
        if (!m.isNull(0) && rng.chance(0.7)) {
          m.load(1, 0, 0)
          continue
        }
        m.alloc(1, entry, 64 * rng.range(1, 8))
        m.store(1, 0, 0)
        m.store(globalSlot(0), key, 1)
      }
      m.popFrame()
    },
  },
  {
    // Byte arrays just below and at/above the 85,000-byte LOH threshold (object[] of
    // 10,621 and 10,622 slots: 84,992 and 85,000 bytes), a window of 8 kept, small churn between.
    name: 'large-objects n=1200',
    run(m, rng) {
      const blob = m.defineType({ name: 'Blob', refs: 0, variable: 'bytes' })
      const small = m.defineType({ name: 'Small', refs: 1 })
      const window = m.defineType({ name: 'Window', refs: 0, variable: 'refs' })
      m.defineGlobals(1)
      m.pushFrame(2)
      m.alloc(globalSlot(0), window, 8)
      const sizes = [84968, 84976, 84960, 100000, 84976, 160000]
      for (let i = 0; i < 1200; i++) {
        m.alloc(0, blob, sizes[i % sizes.length])
        m.store(globalSlot(0), rng.int(8), 0)
        for (let j = 0; j < 100; j++) m.alloc(1, small)
      }
      m.popFrame()
    },
  },
  {
    // Every gen0 collection promotes the ring's last 2900 object[8] (255,200 bytes) into gen1,
    // spending gen1's budget (gc.cpp compute_in) until generation_to_condemn condemns gen1.
    // gc.collect() twice first: the second finds gen1 empty, so gen1's budget is its minimum,
    // whatever the process's start-up left (~4-8 MB, blended on by the first collect when gen1
    // holds a few bytes; packages/ironpython FIDELITY.md#promotion-budget).
    name: 'promotion-ring n=400000',
    run(m) {
      const arr = m.defineType({ name: 'Arr8', refs: 8 })
      const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
      m.defineGlobals(1)
      m.pushFrame(1)
      m.alloc(globalSlot(0), ring, 2900)
      m.collect()
      m.collect()
      for (let i = 0; i < 400000; i++) {
        m.alloc(0, arr)
        m.store(globalSlot(0), i % 2900, 0)
      }
      m.popFrame()
    },
  },
  {
    // An old table (promoted to gen2 by gc.collect) receiving stores of young objects.
    name: 'old-to-young n=200000',
    run(m, rng) {
      const table = m.defineType({ name: 'OldTable', refs: 0, variable: 'refs' })
      const young = m.defineType({ name: 'Young', refs: 1, ints: 2 })
      m.defineGlobals(2)
      m.pushFrame(2)
      m.alloc(globalSlot(0), table, 5000) // 40,024 bytes: small object heap
      m.alloc(globalSlot(1), table, 20000) // 160,024 bytes: LOH
      m.collect()
      for (let i = 0; i < 200000; i++) {
        m.alloc(0, young)
        if (i % 3 === 0) m.store(globalSlot(0), rng.int(5000), 0)
        else if (i % 3 === 1) m.store(globalSlot(1), rng.int(20000), 0)
      }
      m.popFrame()
    },
  },
  {
    // Finalizable objects among churn; one in ten kept for a while; gc.collect() at the end.
    name: 'finalizers n=8000',
    run(m, rng) {
      const fin = m.defineType({ name: 'WithDel', refs: 1, ints: 1, finalizer: {} })
      const small = m.defineType({ name: 'Small', refs: 1 })
      const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
      m.defineGlobals(1)
      m.pushFrame(2)
      m.alloc(globalSlot(0), ring, 500)
      for (let i = 0; i < 8000; i++) {
        m.alloc(0, fin)
        if (rng.chance(0.1)) m.store(globalSlot(0), rng.int(500), 0)
        for (let j = 0; j < 20; j++) m.alloc(1, small)
      }
      m.clear(globalSlot(0))
      m.collect()
      m.popFrame()
    },
  },
  {
    // Long-lived objects pinned amid gen0 churn (GCHandle.Alloc(o, Pinned) on the oracle): a
    // pin every 1,500 allocations, survivors kept in a ring so compactions slide objects around
    // the pinned plugs; half the pins are released midway; gc.collect() at the end.
    name: 'pinned n=60000',
    run(m, rng) {
      const node = m.defineType({ name: 'PinnedNode', refs: 2, ints: 1 })
      const small = m.defineType({ name: 'Small', refs: 1 })
      const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
      m.defineGlobals(2)
      m.pushFrame(2)
      m.alloc(globalSlot(0), ring, 64) // the pinned objects, so they can be unpinned later
      m.alloc(globalSlot(1), ring, 400) // survivors
      let pins = 0
      for (let i = 0; i < 60000; i++) {
        m.alloc(0, small)
        if (i % 1500 === 0 && pins < 40) {
          m.alloc(1, node)
          m.pin(1)
          m.store(globalSlot(0), pins++, 1)
        } else if (i % 5 === 0) {
          m.alloc(1, node)
          m.store(globalSlot(1), rng.int(400), 1)
        }
        if (i === 30000) {
          for (let k = 0; k < pins; k += 2) {
            m.load(1, globalSlot(0), k)
            m.unpin(1)
          }
        }
      }
      m.clear(1)
      m.collect()
      m.popFrame()
    },
  },
  {
    // The weakref-cache workload at size test, seed 2 (WeakValueDictionary-like: a weakref with
    // a callback to every fresh value): the oracle's WeakRefTracker is two objects, the tracker
    // and its int[1]; at 256 KiB the last context of the first gen0 window holds the tracker but
    // not its int[1], so .NET collects inside that weakref op (packages/ironpython
    // FIDELITY.md#tracker-objects). Seed 2 is fixed here, whatever seed the set passes.
    name: 'weakref-cache size=test seed=2',
    run: (m) => {
      weakrefCache.run(m, weakrefCache.sizes.test, new Rng(2))
    },
  },
]

/**
 * Finalizers that allocate (programs.ts): 300 objects per __del__ against gen0 budgets of 256 KiB
 * and up. Named only (IRONPYTHON_NAMED_ONLY_CASES): collections per generation, finalizers and
 * promoted bytes agree at every budget (gen1 too fragmented after gc.collect()'s sweeps, the
 * finalizer queue taken from its end: packages/ironpython BUDGETS.md#finalizer-thread-context);
 * the pinned objects seen still differ at 256 KiB and 1 MiB (17 | 16, 18 | 12): where the
 * runtime's pinned object goes after the gen1 collections inside a finalizer burst.
 */
const FINALIZER_ALLOCATIONS: ValidationCase = {
  name: 'finalizer-allocations n=3000',
  run: (m) => finalizerAllocations(3000, 300, 500)(m),
}

function withRandom(thorough: boolean): ValidationCase[] {
  return [
    ...FIXED_CASES,
    ...randomCases('ironpython', thorough).map((c) => ({ name: c.name, run: (m: Mutator) => c.program(m) })),
  ]
}

export const IRONPYTHON_VALIDATION_CASES: readonly ValidationCase[] = withRandom(false)

/**
 * Cases run only when named (`--cases`): their comparisons show model gaps not yet closed, so
 * they stay out of the set that must pass. 'callbacks-resurrection': both sides run weakref
 * callbacks from a WeakRefTracker's finalizer now and agree on counts and promoted bytes; at
 * 256 KiB the budget after the first collection still differs by 1.8% and moves 52 callbacks'
 * clearing collection (packages/ironpython/FIDELITY.md#weakref-callbacks).
 */
export const IRONPYTHON_NAMED_ONLY_CASES: readonly ValidationCase[] = [
  FINALIZER_ALLOCATIONS,
  {
    // Weakref callbacks and a resurrecting finalizer (issue 12 item 2): a weak reference with a
    // callback to every third node, the weak references kept in a table so each callback runs
    // (IronPython skips the callback of a weakref that died with its referent); one node in ten
    // kept a while; every tenth step a finalizable object whose __del__ stores it into a global,
    // that global cleared every 500 steps so the resurrected object dies again, unfinalized.
    name: 'callbacks-resurrection n=6000',
    run(m, rng) {
      m.defineGlobals(3) // 0: kept nodes, 1: resurrection target, 2: the weak references
      const node = m.defineType({ name: 'Node', refs: 1, ints: 1 })
      const phoenix = m.defineType({ name: 'Phoenix', refs: 1, finalizer: { resurrectInto: 1 } })
      const small = m.defineType({ name: 'Small', refs: 1 })
      const table = m.defineType({ name: 'Table', refs: 0, variable: 'refs' })
      m.pushFrame(3)
      m.alloc(globalSlot(0), table, 300)
      m.alloc(globalSlot(2), table, 2000)
      let tag = 0
      for (let i = 0; i < 6000; i++) {
        m.alloc(0, node)
        if (i % 3 === 0) {
          m.weakref(1, 0, { tag })
          m.store(globalSlot(2), tag++, 1)
        }
        if (rng.chance(0.1)) m.store(globalSlot(0), rng.int(300), 0)
        if (i % 10 === 0) m.alloc(2, phoenix)
        if (i % 500 === 0) m.clear(globalSlot(1))
        for (let j = 0; j < 20; j++) m.alloc(1, small)
      }
      m.clear(globalSlot(0))
      m.clear(globalSlot(1))
      m.collect()
      m.popFrame()
    },
  },
]

export const IRONPYTHON_CASE_NAMES: readonly string[] = [
  ...IRONPYTHON_VALIDATION_CASES,
  ...IRONPYTHON_NAMED_ONLY_CASES,
].map((c) => c.name)

/** The cases validateIronPython runs when none are named (--thorough adds the random programs). */
export function ironpythonDefaultCases(thorough: boolean): readonly string[] {
  return (thorough ? withRandom(true) : IRONPYTHON_VALIDATION_CASES).map((c) => c.name)
}

// ---------------------------------------------------------------------------- the oracle

interface OracleCollection {
  index: number
  op: number
  generation: number
  /** When the oracle noticed it, ms since its op loop began (see clockWindows). */
  ms?: number
  /** How long the collection paused the program (GCMemoryInfo.PauseDurations[0]). */
  pauseMs?: number
  compacted?: boolean
  promotedBytes?: number
  heapSizeBytes?: number
  fragmentedBytes?: number
  pinnedObjectsCount?: number
  sizeAfter?: number[]
}

interface OracleResult {
  runtime: string
  startGen2Bytes: number
  collectionCount: number[]
  allocations: number
  lohAllocations: number
  lohBytes: number
  finalizable: number
  finalizersRun: number
  /** Finalizers that stored their object into a global (FinalizerSpec.resurrectInto). */
  resurrections: number
  /** Weakref callbacks in the order IronPython-style trackers ran them. */
  callbacks: CallbackRun[]
  /** Per finalizable object: [collection that found it dead, collection that reclaimed it] (0 = never). */
  finalization: [number, number][]
  collections: OracleCollection[]
}

/**
 * One weakref callback run. `cleared`: the collection that cleared its weak reference (found the
 * referent dead), counted from the case's start as `finalization` is. `gc`: the collection count
 * when the callback ran (on .NET the finalizer thread runs it after `cleared`, as late as the
 * thread gets its turn; on the model, when its modeled finalizer thread runs the WeakRefTracker: at the next op or inside gc.collect()). `op`: the op the program
 * was at then.
 */
interface CallbackRun {
  tag: number
  /**
   * The callback's ordinal: how many weakrefs with a callback the trace made before it (the
   * oracle's `weakref`). Tags need not be unique (weakref-cache gives every callback the same
   * one), so callbacks are matched across the two sides by this.
   */
  weakref: number
  cleared: number
  gc: number
  op: number
}

/** Builds under way in this thread, by cache directory: cells that start together share one. */
const building = new Map<string, Promise<string>>()

/**
 * Build the oracle once per source hash into the cache; returns the path of its dll. Each
 * builder works in a directory of its own (process and thread: the worker threads of `pygc
 * validate --jobs N` share a pid, and one's clean-up used to delete the directory another's
 * `dotnet build` ran in), and the first to finish renames its build into place.
 */
export function buildClrOracle(cacheDir: string, log: (m: string) => void): Promise<string> {
  let build = building.get(cacheDir)
  if (build === undefined) {
    build = buildClrOracleOnce(cacheDir, log).finally(() => building.delete(cacheDir))
    building.set(cacheDir, build)
  }
  return build
}

async function buildClrOracleOnce(cacheDir: string, log: (m: string) => void): Promise<string> {
  const hash = createHash('sha256')
  for (const f of ORACLE_FILES) hash.update(readFileSync(join(ORACLE_SOURCES, f)))
  const dir = join(cacheDir, `clr-${hash.digest('hex').slice(0, 16)}`)
  const dll = join(dir, 'out', 'ClrOracle.dll')
  if (existsSync(dll)) return dll
  log(`building the .NET oracle into ${dir}`)
  const tmp = `${dir}.tmp-${process.pid}-${threadId}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(join(tmp, 'src'), { recursive: true })
  for (const f of ORACLE_FILES) cpSync(join(ORACLE_SOURCES, f), join(tmp, 'src', f))
  try {
    await runOracle('dotnet', ['build', '-c', 'Release', '-nologo', '-v', 'q', '-o', join(tmp, 'out')], {
      cwd: join(tmp, 'src'),
      env: {
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_NOLOGO: '1',
        DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      },
    })
  } catch (e) {
    throw new PygcError('INTERNAL', `dotnet build of the CLR oracle failed: ${(e as Error).message}`)
  }
  try {
    renameSync(tmp, dir)
  } catch (e) {
    // Another builder renamed its build into place first: keep that one.
    if (!existsSync(dll)) throw e
    rmSync(tmp, { recursive: true, force: true })
  }
  return dll
}

export async function runClrOracle(
  dll: string,
  trace: string,
  gen0size: number,
  flags: readonly string[] = [],
): Promise<OracleResult> {
  const { stdout } = await runOracle('dotnet', [dll, trace, ...flags], {
    env: {
      DOTNET_gcServer: '0',
      DOTNET_gcConcurrent: '0',
      DOTNET_GCgen0size: gen0size.toString(16),
      DOTNET_TieredCompilation: '0',
      // The high-memory-load threshold at its top (99%, hex; gc.cpp caps it there): above the
      // threshold .NET collects differently (large-objects at 256K: 134/133/23 collections
      // instead of 27/26/26 when the machine is short of memory, reproduced with
      // DOTNET_GCHighMemPercent=1), and the model, which has no machine around it, is the
      // runtime below it. Pinned so a loaded CI machine does not change what is measured.
      DOTNET_GCHighMemPercent: '63',
    },
  })
  return parseOracleJson<OracleResult>(stdout, 'the CLR oracle')
}

// ---------------------------------------------------------------------------- the model

interface ModelResult {
  collectionCount: number[]
  lohAllocations: number
  finalizable: number
  finalizersRun: number
  resurrections: number
  callbacks: CallbackRun[]
  finalization: [number, number][]
  /** Per collection of the case (the start ritual's excluded), like the oracle's records. */
  collections: {
    /** The op it happened in. */
    op: number
    generation: number
    fragmentedBytes: number
    pinnedObjectsCount: number
    /** Like GCMemoryInfo.PromotedBytes: the condemned generations' survivors. */
    promotedBytes: number
  }[]
}

/**
 * The oracle's start ritual, done on the model too: two full compacting collections move the
 * runtime's own objects (`runtimeLiveBytes`, measured from the oracle) to gen2, a gen1
 * collection leaves the gen0 and gen1 budgets at their minimums. Returns the counts to subtract.
 */
function startRitual(manager: IronPythonManager): number[] {
  manager.native.clr.Collect(2, 'forced', true, true)
  manager.native.clr.WaitForPendingFinalizers()
  manager.native.clr.Collect(2, 'forced', true, true)
  manager.native.clr.Collect(1, 'forced', true, true)
  manager.native.clr.Collect(0, 'forced', true, true)
  return [0, 1, 2].map((g) => manager.native.clr.CollectionCount(g))
}

/** Replay a trace on the model (started like the oracle) at this gen0 budget. */
export function runModel(
  tracePath: string,
  gen0size: number,
  runtimeLiveBytes: number,
  homeRegionCommitted: number | undefined,
): ModelResult {
  const manager = new IronPythonManager({
    preset: 'clr',
    sizeMode: 'clr',
    gen0size,
    finalizerDrain: 'next-op',
    runtimeLiveBytes,
    homeRegionCommitted,
  })
  const base = startRitual(manager)
  const collections = () => manager.native.clr.CollectionCount(0) - base[0]
  const finalizableTypes = new Set<number>()
  const finalizedAt = new Map<number, number>()
  const pairs: [number, number][] = []
  let lohAllocations = 0
  let finalizable = 0
  let finalizersRun = 0
  let resurrections = 0
  const callbacks: CallbackRun[] = []
  const clearedBy = new Map<number, number>()
  const finOrdinal = new Map<number, number>()
  // Per weakref object with a callback, its ordinal among them (see CallbackRun.weakref): the
  // weakref object is the one allocation of WEAKREF_TYPE inside a weakref() call with a callback.
  const callbackOrdinal = new Map<number, number>()
  let callbacksMade = 0
  let makingCallback = false
  // The op of each collection after the start ritual, as the oracle's records carry it.
  const collectionOps: number[] = []
  manager.on((e) => {
    if (e.type === 'gc-end') collectionOps.push(e.op)
    else if (e.type === 'alloc') {
      if (e.address >= 8 * 2 ** 30 && e.bytes >= LARGE_OBJECT_SIZE) lohAllocations++
      if (finalizableTypes.has(e.typeId)) finOrdinal.set(e.id, finalizable++)
      if (makingCallback && e.typeId === WEAKREF_TYPE) {
        callbackOrdinal.set(e.id, callbacksMade++)
        makingCallback = false
      }
    } else if (e.type === 'finalize') {
      finalizersRun++
      if (e.resurrected) resurrections++
      finalizedAt.set(e.id, collections())
    } else if (e.type === 'weakref-clear') {
      // Emitted inside the collection that cleared the weak handle, before it is counted.
      clearedBy.set(e.weakId, collections() + 1)
    } else if (e.type === 'weakref-callback') {
      // Run by the target's WeakRefTracker on the finalizer thread, after the clearing GC.
      callbacks.push({
        tag: e.tag,
        weakref: callbackOrdinal.get(e.weakId) ?? -1,
        cleared: clearedBy.get(e.weakId) ?? 0,
        gc: collections(),
        op: e.op,
      })
    } else if (e.type === 'free') {
      const ordinal = finOrdinal.get(e.id)
      if (ordinal !== undefined) {
        // Free events come from inside the collection, before it is counted.
        pairs[ordinal] = [finalizedAt.get(e.id) ?? 0, collections() + 1]
        finOrdinal.delete(e.id)
      }
    }
  })
  const wrapped: Mutator = new Proxy(manager as Mutator, {
    get(target, prop, receiver) {
      if (prop === 'defineType') {
        return (spec: Parameters<Mutator['defineType']>[0]) => {
          const id = target.defineType(spec)
          if (spec.finalizer) finalizableTypes.add(id)
          return id
        }
      }
      if (prop === 'weakref') {
        return (dst: number, targetSlot: number, callback?: Parameters<Mutator['weakref']>[2]) => {
          makingCallback = callback !== undefined
          target.weakref(dst, targetSlot, callback)
          makingCallback = false
        }
      }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  replayTrace(fileSource(tracePath), wrapped)
  for (const [id, ordinal] of finOrdinal) pairs[ordinal] = [finalizedAt.get(id) ?? 0, 0]
  const counts = [0, 1, 2].map((g) => manager.native.clr.CollectionCount(g) - base[g])
  const result: ModelResult = {
    collectionCount: counts,
    lohAllocations,
    finalizable,
    finalizersRun,
    resurrections,
    callbacks,
    finalization: pairs.slice(0, FIN_TRACKED),
    collections: manager.native.clr
      .records()
      .slice(base[0])
      .map((r, i) => ({
        op: collectionOps[i] ?? -1,
        generation: r.generation,
        fragmentedBytes: r.fragmentedBytes,
        pinnedObjectsCount: r.pinnedObjectsCount,
        promotedBytes: r.survivedBytes,
      })),
  }
  manager.release() // everything is read: its heap goes to the next model run (core host-buffers.ts)
  return result
}

/** The oracle tracks the first 10,000 finalizable objects (its arrays stay off the LOH). */
const FIN_TRACKED = 10000

/** The empty trace of each cache directory, once this thread has written it. */
const emptyTraces = new Map<string, string>()

/**
 * A trace with no ops: the oracle's start-up and nothing else. Written once per thread, into a
 * file of this process and thread, then renamed over the shared name: the cells of one thread run
 * their oracles at once (a gen0 budget each), and rewriting the file in place under a running
 * oracle truncated what it read ("not a pygc binary trace (bad magic)", seen once in `pygc
 * validate --runtime all --jobs 2`). A rename never truncates a file a reader has open, and every
 * writer writes the same bytes.
 */
function emptyTrace(cacheDir: string): string {
  let empty = emptyTraces.get(cacheDir)
  if (empty === undefined) {
    empty = join(cacheDir, 'ironpython-empty.trace')
    const scratch = join(cacheDir, `${threadScratch(`ironpython-empty-${process.pid}`)}.trace`)
    const recorder = new RecordingMutator(new IronPythonManager({ preset: 'clr' }), fileSink(scratch), {
      metadata: { case: 'empty' },
    })
    recorder.finish()
    renameSync(scratch, empty)
    emptyTraces.set(cacheDir, empty)
  }
  return empty
}

/** The bytes the real runtime holds in gen2 after the start ritual, from a run on an empty trace. */
export async function measureRuntimeLiveBytes(dll: string, cacheDir: string): Promise<number> {
  const real = await runClrOracle(dll, emptyTrace(cacheDir), GEN0_SIZE)
  return Math.floor(real.startGen2Bytes / 8) * 8
}

/**
 * How far the region gen0 allocates in is committed when the program starts, at this gen0
 * budget: the oracle's --commit-probe in a process of its own (packages/ironpython
 * BUDGETS.md#home-commit). Undefined (the model's default) if the probe saw no cut.
 */
export async function measureHomeRegionCommitted(
  dll: string,
  cacheDir: string,
  gen0size: number,
): Promise<number | undefined> {
  const probe = (await runClrOracle(dll, emptyTrace(cacheDir), gen0size, ['--commit-probe'])) as unknown as {
    homeRegionCommitted: number
  }
  return probe.homeRegionCommitted > 0 ? probe.homeRegionCommitted : undefined
}

// ---------------------------------------------------------------------------- comparison

const FIDELITY = 'packages/ironpython/FIDELITY.md'

/** ±5% (at least the exact count when the count is under 20). */
function within5(model: number, real: number): boolean {
  return Math.abs(model - real) <= Math.floor(real * 0.05)
}

/** A count held to ±5%, with its residual when it differs within the bound. */
function countRow(name: string, metric: string, m: number, r: number, section: string): ValidationRow {
  const ok = within5(m, r)
  return {
    case: name,
    metric,
    model: m,
    real: r,
    ok,
    tolerance: '±5%',
    ...(ok && m !== r
      ? {
          residual: {
            amount: Math.round((Math.abs(m - r) / Math.max(r, 1)) * 1000) / 10,
            unit: '%' as const,
            why: `${FIDELITY}#${section}`,
          },
        }
      : {}),
  }
}

/**
 * How many collections after the one that found it dead each finalizable object was reclaimed,
 * summarized: "n objects: +min..+max (mean m)", plus the objects never finalized or reclaimed.
 */
function extraCollections(pairs: readonly [number, number][]): string {
  let n = 0
  let min = Number.POSITIVE_INFINITY
  let max = 0
  let sum = 0
  let pending = 0
  for (const p of pairs) {
    if (p === undefined) continue
    const [found, reclaimed] = p
    if (found === 0 || reclaimed === 0) {
      pending++
      continue
    }
    const gap = reclaimed - found
    n++
    sum += gap
    min = Math.min(min, gap)
    max = Math.max(max, gap)
  }
  const range = n === 0 ? 'none reclaimed' : `${n}: +${min}..+${max} (mean ${(sum / n).toFixed(1)})`
  return pending > 0 ? `${range}, ${pending} pending` : range
}

function compareCase(
  name: string,
  pinsObjects: boolean,
  model: ModelResult,
  real: OracleResult,
): ValidationRow[] {
  const rows: ValidationRow[] = []
  for (let g = 0; g < 3; g++) {
    rows.push(
      countRow(
        name,
        `gen${g} collections`,
        model.collectionCount[g],
        real.collectionCount[g],
        'collection-counts',
      ),
    )
  }
  rows.push({
    case: name,
    metric: 'LOH allocations',
    model: model.lohAllocations,
    real: real.lohAllocations,
    ok: model.lohAllocations === real.lohAllocations,
    tolerance: 'equal',
  })
  if (real.finalizable > 0 || model.finalizable > 0) {
    rows.push({
      case: name,
      metric: 'finalizers run',
      model: model.finalizersRun,
      real: real.finalizersRun,
      ok: model.finalizersRun === real.finalizersRun,
      tolerance: 'equal',
    })
    const m = extraCollections(model.finalization)
    const r = extraCollections(real.finalization)
    // Required: a finalizable object survives the collection that found it dead (it is
    // f-reachable then), so its memory goes in a later collection of its new generation.
    // Summarized as the range of (reclaiming collection - finding collection).
    const survivesTheFindingCollection = (pairs: readonly [number, number][]) =>
      pairs.every((p) => p === undefined || p[0] === 0 || p[1] === 0 || p[1] > p[0])
    rows.push({
      case: name,
      metric: 'finalizable: GCs from found dead to reclaimed',
      model: m,
      real: r,
      ok:
        survivesTheFindingCollection(model.finalization) &&
        survivesTheFindingCollection(real.finalization) &&
        (m === r || model.finalizersRun === real.finalizersRun),
      tolerance: 'never reclaimed in the GC that found it dead',
      ...(m !== r
        ? {
            residual: {
              amount: null,
              unit: 'count' as const,
              why: `later timing differs (${FIDELITY}#finalization)`,
            },
          }
        : {}),
    })
  }
  rows.push(...compareCallbacks(name, model, real))
  if (model.resurrections > 0 || real.resurrections > 0) {
    rows.push({
      case: name,
      metric: 'finalizers that resurrected',
      model: model.resurrections,
      real: real.resurrections,
      ok: model.resurrections === real.resurrections,
      tolerance: 'equal',
    })
  }
  rows.push(...comparePinning(name, pinsObjects, model, real))
  rows.push(comparePromoted(name, model, real))
  return rows
}

/**
 * Weakref callbacks, only for a trace that has them: how many ran (equal); for each callback
 * (matched by its ordinal, CallbackRun.weakref), the collection that cleared its weak reference (equal for every callback); and on .NET, that each
 * callback ran no earlier than that collection. IronPython runs callbacks from the referent's
 * WeakRefTracker finalizer, so the finalizer thread runs them some time after the clearing
 * collection (on a loaded machine, collections later): that time is the thread's, not the
 * collector's, and is not compared. Nor is the order within a collection: the f-reachable
 * queue's order among trackers is not the model's handle-table order.
 */
function compareCallbacks(name: string, model: ModelResult, real: OracleResult): ValidationRow[] {
  if (model.callbacks.length === 0 && real.callbacks.length === 0) return []
  const clearedAt = new Map(real.callbacks.map((c) => [c.weakref, c.cleared]))
  let same = 0
  for (const c of model.callbacks) if (clearedAt.get(c.weakref) === c.cleared) same++
  const early = real.callbacks.filter((c) => c.cleared === 0 || c.gc < c.cleared).length
  return [
    {
      case: name,
      metric: 'weakref callbacks run',
      model: model.callbacks.length,
      real: real.callbacks.length,
      ok: model.callbacks.length === real.callbacks.length,
      tolerance: 'equal',
    },
    {
      case: name,
      metric: 'weakref callbacks cleared by the same GC',
      model: model.callbacks.length,
      real: same,
      ok: same === model.callbacks.length && same === real.callbacks.length,
      tolerance: "every callback (real: those whose clearing GC is the model's)",
    },
    {
      case: name,
      metric: 'weakref callbacks run before their clearing GC (.NET)',
      model: 0,
      real: early,
      ok: early === 0,
      tolerance: 'none',
    },
  ]
}

/**
 * Bytes promoted per gen0 collection (GCMemoryInfo.PromotedBytes), the medians within 5%
 * (@pygc/ironpython compareGen0Promoted): what finalization and weak references keep alive.
 */
function comparePromoted(name: string, model: ModelResult, real: OracleResult): ValidationRow {
  // Pairs gen0-only on both sides: the oracle labels the last of several collections it read at
  // once with the highest generation among them, so only a real gen0 label is that collection's.
  const { modelSide, realSide } = readByOracle(model, real)
  const pairs = realSide
    .map((c, i) => [modelSide[i], c] as const)
    .filter(([m, c]) => m.generation === 0 && c.generation === 0)
  const p = compareGen0Promoted(
    pairs.map(([m]) => m.promotedBytes),
    pairs.map(([, c]) => c.promotedBytes ?? 0),
  )
  return {
    case: name,
    metric: 'promoted bytes per gen0 GC (median)',
    model: p.model,
    real: p.real,
    unit: 'B',
    ok: p.ok,
    tolerance: p.held ? '5%' : 'shown',
    ...(p.held ? {} : { note: 'shown, not held: under 5 gen0-only GCs (FIDELITY.md#promoted-bytes)' }),
  }
}

/**
 * The collections whose figures the oracle read, and the model's collections of the same
 * indices. The oracle reads GCMemoryInfo after an op, so when several collections happen within
 * one op (a finalizer thread's allocations inside gc.collect(), or right after a collection) it
 * has the figures of the last one only, and the others' records carry generation -1 and no
 * figures; counting those as 0 made finalizer-allocations' "pinned objects seen" 74 | 18 and its
 * promoted median 184 | 1,816 B at 256 KiB. Cases without such bursts read every collection.
 */
function readByOracle(
  model: ModelResult,
  real: OracleResult,
): { modelSide: ModelResult['collections']; realSide: OracleCollection[] } {
  const realSide = real.collections.filter(
    (c) => c.generation >= 0 && model.collections[c.index - 1] !== undefined,
  )
  return { modelSide: realSide.map((c) => model.collections[c.index - 1]), realSide }
}

/**
 * GCMemoryInfo.PinnedObjectsCount per collection, summed (over the collections the oracle read), side by side for every case. Without
 * pins of the program's own, the only pinned object is the runtime's own 104-byte gen0 object
 * (FIDELITY.md#runtime-pinned): the sums must agree within 5%, which checks that
 * object's promotion rule independently of the collection counts it was measured from.
 * A case that pins objects itself also shows FragmentedBytes (mean after a collection); there
 * neither figure is held to 5%: .NET 10 (regions) demotes a region with little pinned survival to
 * gen0, so its pinned objects are condemned again by every gen0 GC and the space around them is
 * reused by gen0 allocation, while the model (segments-style) promotes pinned plugs with their
 * generation and keeps the gaps as gen1/gen2 free space (FIDELITY.md#pinning). Collection counts
 * per generation are compared like every other case's.
 */
function comparePinning(
  name: string,
  pinsObjects: boolean,
  model: ModelResult,
  real: OracleResult,
): ValidationRow[] {
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0)
  const { modelSide, realSide } = readByOracle(model, real)
  const modelPinned = sum(modelSide.map((c) => c.pinnedObjectsCount))
  const realPinned = sum(realSide.map((c) => c.pinnedObjectsCount ?? 0))
  const rows: ValidationRow[] = [
    {
      case: name,
      metric: 'pinned objects seen by GCs (sum)',
      model: modelPinned,
      real: realPinned,
      ok: pinsObjects || within5(modelPinned, realPinned),
      tolerance: pinsObjects ? 'shown only' : '±5%',
      ...(pinsObjects && !within5(modelPinned, realPinned)
        ? { note: 'shown, not held to ±5%: .NET demotes pinned plugs to gen0 (FIDELITY.md#pinning)' }
        : {}),
    },
  ]
  if (!pinsObjects) return rows
  const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : Math.round(sum(xs) / xs.length))
  const modelFrag = mean(model.collections.map((c) => c.fragmentedBytes))
  const realFrag = mean(real.collections.map((c) => c.fragmentedBytes ?? 0))
  rows.push({
    case: name,
    metric: 'fragmented bytes after a GC (mean)',
    model: modelFrag,
    real: realFrag,
    unit: 'B',
    ok: true,
    tolerance: 'shown only',
    ...(within5(modelFrag, realFrag)
      ? {}
      : {
          note: 'shown, not held to ±5%: gaps before pinned plugs are gen0 space on .NET (FIDELITY.md#pinning)',
        }),
  })
  return rows
}

interface ClrSession {
  dll: string
  log: (m: string) => void
  cacheDir: string
  /** The runtime's own gen2 bytes after the start ritual, measured once per session. */
  runtimeLiveBytes?: number
  /** The home region's committed end at the start, per gen0 budget, measured once per session. */
  homeRegionCommitted?: Map<number, number | undefined>
  realRuntime: string
}

async function clrSession(
  cacheDir: string | undefined,
  log: ((m: string) => void) | undefined,
): Promise<ClrSession> {
  const cache = oracleCacheDir(cacheDir)
  const say = log ?? (() => {})
  return { dll: await buildClrOracle(cache, say), log: say, cacheDir: cache, realRuntime: '.NET' }
}

/** "GCgen0size=256K": the heap configuration in a case name. */
function clrHeapLabel(gen0size: number): string {
  return `GCgen0size=${gen0size >= 1024 * 1024 && gen0size % (1024 * 1024) === 0 ? `${gen0size / 1024 / 1024}M` : `${gen0size / 1024}K`}`
}

/** The rows of one trace at each gen0 budget: capability check first, then model and oracle. */
async function clrTraceRows(
  s: ClrSession,
  name: string,
  trace: string,
  heaps: readonly HeapConfig[],
): Promise<ValidationRow[]> {
  const needs = traceNeeds(trace)
  requireCapabilities(needs, CLR_ORACLE, trace)
  if (s.runtimeLiveBytes === undefined) {
    s.runtimeLiveBytes = await measureRuntimeLiveBytes(s.dll, s.cacheDir)
    s.log(`the runtime holds ${s.runtimeLiveBytes} bytes in gen2 at the start`)
  }
  const runtimeLiveBytes = s.runtimeLiveBytes
  return rowsPerHeap(heaps, async (heap) => {
    const gen0size = heap.gen0size ?? GEN0_SIZE
    const caseName = `${name} ${clrHeapLabel(gen0size)}`
    s.homeRegionCommitted ??= new Map()
    if (!s.homeRegionCommitted.has(gen0size)) {
      const committed = await measureHomeRegionCommitted(s.dll, s.cacheDir, gen0size)
      s.homeRegionCommitted.set(gen0size, committed)
      s.log(
        `${clrHeapLabel(gen0size)}: gen0's region committed to ${committed ?? 'the default'} at the start`,
      )
    }
    s.log(`${caseName}: model`)
    const model = runModel(trace, gen0size, runtimeLiveBytes, s.homeRegionCommitted.get(gen0size))
    s.log(`${caseName}: .NET oracle`)
    let real = await runClrOracle(s.dll, trace, gen0size)
    for (let attempt = 2; clockWindows(real) > 0 && attempt <= CLOCK_ATTEMPTS; attempt++) {
      s.log(
        `${caseName}: a gen0 window of the real run took over 1 s (gc.cpp's wall-clock rule); again (${attempt} of ${CLOCK_ATTEMPTS})`,
      )
      real = await runClrOracle(s.dll, trace, gen0size)
    }
    s.realRuntime = `${real.runtime} (workstation, non-concurrent)`
    return [
      ...excuseClockWindows(compareCase(caseName, needs.pin !== undefined, model, real), clockWindows(real)),
      ...compareBeforeClock(caseName, model, real),
    ]
  })
}

/**
 * When the real run had a window over 1 s (clockWindows), the collections before the first such
 * window were ended by the budget alone, as the model's are: each must be the model's, at the same
 * op within OP_SLACK or WINDOW_SLACK and of the same generation (where the oracle read it). Held, never excused:
 * weakref-cache --size small's gen0 windows are millions of ops, which the oracle's replay takes
 * about a second of its own to run even on an idle core, so the clock ends its later windows
 * every time, and this row is what is compared of them.
 */
export function compareBeforeClock(
  name: string,
  model: Pick<ModelResult, 'collections'>,
  real: Pick<OracleResult, 'collections'>,
): ValidationRow[] {
  const first = firstClockWindow(real)
  if (first < 0) return []
  const before = real.collections.slice(0, first)
  const same = before.filter((c, i) => {
    const m = model.collections[i]
    const window = c.op - (i > 0 ? before[i - 1].op : 0)
    const slack = Math.max(OP_SLACK, Math.ceil(window * WINDOW_SLACK))
    return (
      m !== undefined && Math.abs(m.op - c.op) <= slack && (c.generation < 0 || m.generation === c.generation)
    )
  }).length
  return [
    {
      case: name,
      metric: "collections before .NET's first clock-ended window",
      model: same,
      real: before.length,
      ok: same === before.length,
      tolerance: `each the model's: op ±max(${OP_SLACK}, ${WINDOW_SLACK * 100}% of its window), same generation`,
    },
  ]
}

/**
 * The same collection on both sides: within the ops of one allocation context (8 KB of small
 * objects), or 1% of its window. The model's known residuals are a few hundred bytes per window
 * (BUDGETS.md#host-records, #runtime-pinned-layout): tens of ops in weakref-cache --size small's
 * windows of millions (1 MiB: ops 71,203 | 71,173 and 786,600 | 786,670, promoted 598,448 |
 * 598,480 B), 0.3% in old-to-young's first window after its collect (14,322 | 14,275,
 * BUDGETS.md#gen0-after-older); a missing or extra collection is a window off.
 */
const OP_SLACK = 16
const WINDOW_SLACK = 0.01

/** The index of the first real collection whose window took over a second, or -1. */
function firstClockWindow(real: Pick<OracleResult, 'collections'>): number {
  return clockWindowEnds(real)[0] ?? -1
}

/**
 * How many of the real run's gen0 windows took over a second of wall time. WKS gc.cpp
 * new_allocation_allowed: once more than gen0's minimum budget has been allocated since the last
 * check and `(ctime - allocation_running_time) > 1000` ms since the last GC, the next allocation
 * context refill triggers a gen0 GC before the budget is spent. The model has no clock, so such a
 * window ends early on a slow or loaded machine only (packages/ironpython/FIDELITY.md, lru-mix).
 * The clock starts when a collection ends (garbage_collect sets `allocation_running_time` after
 * gc1()) and the rule is checked before the next one starts, so a window is from one collection's
 * notice to the next one's start: its notice less its pause (weakref-cache --size small at 256 KiB
 * has 10 MB gen1 collections pausing ~375 ms on a loaded machine, which are no part of a window).
 */
export function clockWindows(real: Pick<OracleResult, 'collections'>): number {
  return clockWindowEnds(real).length
}

/** The indexes of the real collections that ended a window over a second. */
function clockWindowEnds(real: Pick<OracleResult, 'collections'>): number[] {
  const ends: number[] = []
  let last = 0
  real.collections.forEach((c, i) => {
    if (c.ms === undefined) return
    if (c.ms - (c.pauseMs ?? 0) - last > CLOCK_WINDOW_MS) ends.push(i)
    last = c.ms
  })
  return ends
}

/** gc.cpp new_allocation_allowed's 1-second rule. */
const CLOCK_WINDOW_MS = 1000
/** Real runs tried before a case's figures are taken with clock-ended windows in them. */
const CLOCK_ATTEMPTS = 3

/**
 * Rows of a real run that still had clock-ended windows after CLOCK_ATTEMPTS runs: a row that
 * differs is accepted with that reason as its residual (each such window can add a collection and
 * move every figure after it), never silently. What the real run was is in the row.
 */
export function excuseClockWindows(rows: ValidationRow[], windows: number): ValidationRow[] {
  if (windows === 0) return rows
  return rows.map((r) =>
    r.ok
      ? r
      : {
          ...r,
          ok: true,
          residual: {
            amount:
              typeof r.model === 'number' && typeof r.real === 'number' ? Math.abs(r.model - r.real) : null,
            unit: r.unit === 'B' || r.unit === 'KiB' ? r.unit : 'count',
            why: `the real run had ${windows} gen0 window(s) over 1 s in ${CLOCK_ATTEMPTS} tries: gc.cpp's wall-clock rule (new_allocation_allowed) ended them, which the model, having no clock, does not (${FIDELITY}, lru-mix)`,
          },
        },
  )
}

function clrReport(s: ClrSession, rows: ValidationRow[]): ValidationReport {
  return buildReport('ironpython', s.realRuntime, rows)
}

/** Any trace against .NET (default: the validation set's first gen0 budget). */
export async function validateIronPythonTrace(
  trace: string,
  options: TraceValidateOptions = {},
): Promise<ValidationReport> {
  const s = await clrSession(options.cacheDir, options.log)
  const heaps = options.heaps ?? CLR_HEAPS
  return clrReport(s, await clrTraceRows(s, options.name ?? basename(trace), trace, heaps))
}

/** Record a validation case's program (seeded as the validation set always was). */
function recordCase(c: ValidationCase, path: string): void {
  const recorder = new RecordingMutator(
    new IronPythonManager({ preset: 'clr', sizeMode: 'clr' }),
    fileSink(path),
    {
      metadata: { case: c.name, recordedOn: 'ironpython/clr' },
    },
  )
  c.run(recorder, new Rng(20260501))
  recorder.finish()
}

export const validateIronPython: Validator = async (options: ValidateOptions): Promise<ValidationReport> => {
  const s = await clrSession(options.cacheDir, options.log)
  const all = options.thorough ? withRandom(true) : IRONPYTHON_VALIDATION_CASES
  const selected =
    options.cases === undefined
      ? all
      : selectCases('ironpython', [...all, ...IRONPYTHON_NAMED_ONLY_CASES], options.cases)
  const rows: ValidationRow[] = []
  for (const c of selected) {
    const trace = join(s.cacheDir, `ironpython-${slug(c.name)}.trace`)
    recordCase(c, trace)
    rows.push(...(await clrTraceRows(s, c.name, trace, CLR_HEAPS)))
  }
  return clrReport(s, rows)
}

export const IRONPYTHON_TRACE_VALIDATOR: TraceValidator = {
  runtime: 'ironpython',
  oracles: [CLR_ORACLE],
  checkTrace: (needs, trace) => requireCapabilities(needs, CLR_ORACLE, trace),
  validateTrace: validateIronPythonTrace,
}
