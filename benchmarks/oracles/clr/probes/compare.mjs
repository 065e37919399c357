// Model vs .NET 10 on the probe programs of packages/ironpython/BUDGETS.md: each program runs
// on @pygc/ironpython (clr size mode, the validator's configuration) while its trace is
// recorded, then the trace is replayed by the .NET oracle (benchmarks/oracles/clr) with the
// same gen0 budget. Prints, per program: collections per generation, the op of the first gen0
// collection after each gc.collect(), and the median bytes a gen0 collection promoted
// (GCMemoryInfo.PromotedBytes: the condemned generations' survivors).
//
//   node scripts/turbo.mjs --quiet run build
//   node benchmarks/oracles/clr/probes/compare.mjs [--json] [--trace FILE...]
//
// --trace FILE (repeatable): also a recorded trace (pygc record WORKLOAD -o FILE), replayed on
// both. The oracle neither resurrects nor runs weakref callbacks (its README), so a trace
// that needs them is compared as the oracle can run it.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fileSink, fileSource, globalSlot, RecordingMutator, Rng, replayTrace } from '@pygc/core'
import { compareGen0Promoted, IronPythonManager } from '@pygc/ironpython'
import { oracleCacheDir } from '../../../../apps/bench/dist/validate/oracles.js'
import {
  buildClrOracle,
  IRONPYTHON_VALIDATION_CASES,
  runClrOracle,
} from '../../../../apps/bench/dist/validate/ironpython.js'

const GEN0_SIZE = 256 * 1024

/** Churn of 40-byte objects, each kept in a ring of `keep` slots; gc.collect() between phases. */
function phases({ keep, phaseLength, phasesCount, clearRing }) {
  return (m) => {
    const table = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
    const young = m.defineType({ name: 'Young', refs: 1, ints: 2 })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), table, keep)
    let at = 0
    for (let p = 0; p < phasesCount; p++) {
      // Phases of different lengths put the collect at different points of a gen0 window.
      const n = phaseLength + p * 7919
      for (let i = 0; i < n; i++) {
        m.alloc(0, young)
        m.store(globalSlot(0), at, 0)
        at = (at + 1) % keep
      }
      if (clearRing) {
        m.clear(globalSlot(0))
        m.alloc(globalSlot(0), table, keep)
      }
      m.collect()
    }
    m.popFrame()
  }
}

/** Many weak references: a weakref to every object, the weakrefs kept in a ring of `keep`. */
function weakrefs({ n, keep, every }) {
  return (m, rng) => {
    const node = m.defineType({ name: 'Node', refs: 2, ints: 2 })
    const table = m.defineType({ name: 'Table', refs: 0, variable: 'refs' })
    m.defineGlobals(2)
    m.pushFrame(3)
    m.alloc(globalSlot(0), table, keep) // weak references
    m.alloc(globalSlot(1), table, keep) // a few strong ones
    for (let i = 0; i < n; i++) {
      m.alloc(0, node)
      m.alloc(1, node)
      m.store(0, 0, 1)
      if (i % every === 0) {
        m.weakref(2, 0)
        m.store(globalSlot(0), rng.int(keep), 2)
      }
      if (rng.chance(0.02)) m.store(globalSlot(1), rng.int(keep), 0)
    }
    m.popFrame()
  }
}

const oldToYoung = IRONPYTHON_VALIDATION_CASES.find((c) => c.name.startsWith('old-to-young'))

export const PROBE_PROGRAMS = [
  { name: `${oldToYoung.name} (the validation case)`, run: oldToYoung.run },
  { name: 'phases keep=2000 (collect between phases)', run: phases({ keep: 2000, phaseLength: 60000, phasesCount: 6, clearRing: false }) },
  { name: 'phases keep=2000, ring dropped before each collect', run: phases({ keep: 2000, phaseLength: 60000, phasesCount: 6, clearRing: true }) },
  { name: 'phases keep=600 (collect between phases)', run: phases({ keep: 600, phaseLength: 45000, phasesCount: 8, clearRing: false }) },
  { name: 'weakrefs n=120000 (one per object)', run: weakrefs({ n: 120000, keep: 1000, every: 1 }) },
  { name: 'weakrefs n=120000 (one per 4 objects)', run: weakrefs({ n: 120000, keep: 3000, every: 4 }) },
]

/** The validator's start ritual (apps/bench/src/validate/ironpython.ts), on the model. */
export function startRitual(manager) {
  const clr = manager.native.clr
  clr.Collect(2, 'forced', true, true)
  clr.WaitForPendingFinalizers()
  clr.Collect(2, 'forced', true, true)
  clr.Collect(1, 'forced', true, true)
  clr.Collect(0, 'forced', true, true)
  return clr.records().length
}

function runModel(program, tracePath, runtimeLiveBytes) {
  const manager = new IronPythonManager({ preset: 'clr', sizeMode: 'clr', gen0size: GEN0_SIZE, finalizerDrain: 'next-op', runtimeLiveBytes })
  const base = startRitual(manager)
  const ops = []
  const collectOps = []
  manager.on((e) => {
    // The oracle notes a collection after the op that triggered it (op + 1), and a
    // gc.collect()'s collections at the collect op itself.
    if (e.type === 'gc-start') ops.push(e.reason === 'gc.collect' ? e.op : e.op + 1)
    else if (e.type === 'collect-call') collectOps.push(e.op)
  })
  const recorder = new RecordingMutator(manager, fileSink(tracePath), { metadata: { case: program.name, recordedOn: 'ironpython/clr' } })
  program.run(recorder, new Rng(20260501))
  recorder.finish()
  const records = manager.native.clr.records().slice(base)
  return {
    collections: records.map((r, i) => ({ op: ops[i], generation: r.generation, promotedBytes: r.survivedBytes })),
    collectOps,
  }
}

/** The op of the first gen0 (allocation) collection after each gc.collect(). */
function firstAfterCollects(collections, collectOps) {
  return collectOps.map((c) => collections.find((r) => r.op > c && r.generation === 0)?.op ?? null)
}

function counts(collections) {
  const c = [0, 0, 0]
  for (const r of collections) for (let g = 0; g <= r.generation; g++) c[g]++
  return c
}

async function main() {
  const json = process.argv.includes('--json')
  const cacheDir = oracleCacheDir(undefined)
  const dll = await buildClrOracle(cacheDir, (m) => console.error(m))
  const empty = join(cacheDir, 'probe-empty.trace')
  const rec = new RecordingMutator(new IronPythonManager({ preset: 'clr' }), fileSink(empty), { metadata: { case: 'empty' } })
  rec.finish()
  const runtimeLiveBytes = Math.floor((await runClrOracle(dll, empty, GEN0_SIZE)).startGen2Bytes / 8) * 8
  const out = []
  const traces = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--trace' ? [a] : []))
  const programs = [
    ...PROBE_PROGRAMS,
    ...traces.map((t) => ({ name: `trace ${t}`, run: (m) => replayTrace(fileSource(t), m) })),
  ]
  for (const p of programs) {
    const trace = join(cacheDir, `probe-${p.name.replace(/[^a-z0-9]+/gi, '-')}.trace`)
    const model = runModel(p, trace, runtimeLiveBytes)
    const real = await runClrOracle(dll, trace, GEN0_SIZE)
    const realCollections = real.collections.filter((c) => c.generation >= 0)
    const realCollectOps = [...new Set(real.collections.filter((c) => c.generation === 2).map((c) => c.op))]
    const promoted = compareGen0Promoted(
      model.collections.filter((c) => c.generation === 0).map((c) => c.promotedBytes),
      realCollections.filter((c) => c.generation === 0).map((c) => c.promotedBytes ?? 0),
    )
    out.push({
      program: p.name,
      model: { counts: counts(model.collections), firstGen0AfterCollect: firstAfterCollects(model.collections, model.collectOps), gen0PromotedMedian: promoted.model },
      real: { counts: real.collectionCount, firstGen0AfterCollect: firstAfterCollects(realCollections, realCollectOps), gen0PromotedMedian: promoted.real },
      promotedOk: promoted.ok,
    })
  }
  if (json) {
    console.log(JSON.stringify(out, null, 2))
    return
  }
  for (const r of out) {
    console.log(`── ${r.program}`)
    console.log(`  collections gen0/1/2   model ${r.model.counts.join('/')}   .NET ${r.real.counts.join('/')}`)
    console.log(`  first gen0 after each gc.collect (op)\n    model ${r.model.firstGen0AfterCollect.join(', ')}\n    .NET  ${r.real.firstGen0AfterCollect.join(', ')}`)
    console.log(`  gen0 promoted bytes (median)   model ${r.model.gen0PromotedMedian}   .NET ${r.real.gen0PromotedMedian}   ${r.promotedOk ? 'within 5%' : 'NOT within 5%'}`)
  }
}

// Run as a script, not when address-log.mjs imports the start ritual.
if (import.meta.url === pathToFileURL(process.argv[1]).href) await main()
