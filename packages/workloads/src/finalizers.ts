/**
 * `__del__` objects holding resources: each Resource owns a Handle (a buffer standing for a
 * file or socket) and has a finalizer. Most are dropped at once, some are kept in a pool and
 * later replaced, some are dropped as two-object cycles (collectable since PEP 442), and some
 * are watched by weak references with callbacks. One Phoenix object resurrects itself from its
 * finalizer into a global. `gc.collect()` runs after every round.
 *
 * When each finalizer runs and each weakref clears differs between runtimes — CPython at once
 * by reference counting (cycles at the next collection), the JVM and the CLR after a collection
 * found them, from a finalizer queue — so the program never branches on it: it only counts what
 * it sees (observations) and its self-check uses strongly held objects only.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal, programGlobalIndex } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const POOL = programGlobal(0)
const WEAKS = programGlobal(1)
const PHOENIX_HOME = 2 // program global the Phoenix resurrects into

// Resource fields.
const HANDLE = 0
const PEER = 1

// Locals.
const RESOURCE = 0
const HANDLE_LOCAL = 1
const PARTNER = 2
const TMP = 3

/** The weakref callback tag: "a watched resource was collected". */
const RESOURCE_GONE_TAG = 1

interface Types {
  resource: number
  handle: number
  phoenix: number
}

/** Open a resource into RESOURCE: a finalizable object owning a handle tagged `tag`. */
function openResource(m: Mutator, t: Types, tag: number, handleBytes: number): void {
  m.alloc(RESOURCE, t.resource)
  m.alloc(HANDLE_LOCAL, t.handle, handleBytes)
  m.writeInt(HANDLE_LOCAL, 0, tag)
  m.store(RESOURCE, HANDLE, HANDLE_LOCAL)
  m.writeInt(RESOURCE, 0, tag)
  m.clear(HANDLE_LOCAL)
}

/** The resource in `slot` still owns its handle with the right tag. */
function verifyResource(m: Mutator, slot: number, tag: number): boolean {
  m.load(TMP, slot, HANDLE)
  const ok = m.readInt(slot, 0) === tag && m.readInt(TMP, 0) === tag
  m.clear(TMP)
  return ok
}

/** Count the watched resources whose weakref still derefs: never branched on. */
function countAlive(m: Mutator, weakCount: number, watched: Uint8Array): number {
  let alive = 0
  for (let i = 0; i < weakCount; i++) {
    if (watched[i] === 0) continue
    m.load(TMP, WEAKS, i)
    m.deref(PARTNER, TMP)
    alive += m.isNull(PARTNER) ? 0 : 1
    m.clear(PARTNER)
  }
  m.clear(TMP)
  return alive
}

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  // Globals first: the Phoenix type names the global it resurrects into.
  declareGlobals(m, 3)
  const t: Types = {
    resource: m.defineType({ name: 'Resource', refs: 2, ints: 1, shape: 'dict-instance', finalizer: {} }),
    handle: m.defineType({ name: 'Handle', refs: 0, ints: 1, variable: 'bytes' }),
    phoenix: m.defineType({
      name: 'Phoenix',
      refs: 1,
      ints: 1,
      shape: 'dict-instance',
      finalizer: { resurrectInto: programGlobalIndex(PHOENIX_HOME) },
    }),
  }
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  m.alloc(POOL, listType, p.poolSize)
  m.alloc(WEAKS, listType, p.weakCount)
  const poolTags = new Int32Array(p.poolSize)
  const watched = new Uint8Array(p.weakCount)
  let tag = 0
  let check = 0
  let aliveAfterCollect = 0
  let collectedSum = 0
  m.pushFrame(4)
  for (let i = 0; i < p.poolSize; i++) {
    openResource(m, t, tag, p.handleBytes)
    if (verifyResource(m, RESOURCE, tag)) check++
    m.store(POOL, i, RESOURCE)
    poolTags[i] = tag++
  }
  m.clear(RESOURCE)
  for (let round = 0; round < p.rounds; round++) {
    if (round === 0) {
      // The one resurrecting object: dropped at once, its finalizer stores it into a global.
      m.alloc(RESOURCE, t.phoenix)
      m.writeInt(RESOURCE, 0, -1)
      m.clear(RESOURCE)
    }
    for (let i = 0; i < p.perRound; i++) {
      // One step: open a resource and give it a fate; the step counts once if every resource
      // it touched verified.
      openResource(m, t, tag, p.handleBytes)
      let ok = verifyResource(m, RESOURCE, tag)
      if (rng.int(100) < p.weakPercent) {
        const w = rng.int(p.weakCount)
        m.weakref(TMP, RESOURCE, { tag: RESOURCE_GONE_TAG })
        m.store(WEAKS, w, TMP)
        m.clear(TMP)
        watched[w] = 1
      }
      const fate = rng.int(100)
      if (fate < p.poolPercent) {
        // Replace a pooled resource: the old one becomes garbage (verified first).
        const slot = rng.int(p.poolSize)
        m.load(PARTNER, POOL, slot)
        ok = verifyResource(m, PARTNER, poolTags[slot]) && ok
        m.clear(PARTNER)
        m.store(POOL, slot, RESOURCE)
        poolTags[slot] = tag
      } else if (fate < p.poolPercent + p.cyclePercent) {
        // A pair that refers to each other: only the cycle collector / a tracing GC frees it.
        tag++
        m.move(PARTNER, RESOURCE)
        openResource(m, t, tag, p.handleBytes)
        ok = verifyResource(m, RESOURCE, tag) && ok
        m.store(RESOURCE, PEER, PARTNER)
        m.store(PARTNER, PEER, RESOURCE)
        m.clear(PARTNER)
      }
      m.clear(RESOURCE) // whatever is not pooled is dropped here
      tag++
      if (ok) check++
    }
    collectedSum += m.collect()
    aliveAfterCollect += countAlive(m, p.weakCount, watched)
  }
  for (let i = 0; i < p.poolSize; i++) {
    m.load(PARTNER, POOL, i)
    if (verifyResource(m, PARTNER, poolTags[i])) check++
  }
  m.clear(PARTNER)
  m.popFrame()
  collectedSum += m.collect()
  // Whether the Phoenix is back depends on when the runtime ran its finalizer: observed only.
  const resurrected = m.isNull(programGlobal(PHOENIX_HOME)) ? 0 : 1
  return {
    check,
    checkLabel: 'resources verified while strongly held',
    observations: {
      collectReturnedSum: collectedSum,
      weakrefsAliveAfterCollect: aliveAfterCollect,
      resurrected,
    },
  }
}

/** The initial pool, one per step, and the final pool. */
function expectedCheck(p: Readonly<Record<string, number>>): number {
  return 2 * p.poolSize + p.rounds * p.perRound
}

export const finalizers: Workload = {
  name: 'finalizers',
  description:
    '__del__ objects holding resources (one resurrecting), cycles of them, weakrefs with callbacks',
  source: 'PEP 442 (safe object finalization); java.lang.Object.finalize; CLR finalization queue',
  params: {
    poolSize: { description: 'resources kept in a long-lived pool', min: 1, max: 1_000_000 },
    rounds: { description: 'rounds, each ending with gc.collect()', min: 1, max: 100_000 },
    perRound: { description: 'resources opened per round', min: 0, max: 10_000_000 },
    handleBytes: { description: 'bytes of the buffer each resource owns', min: 0, max: 10_000_000 },
    poolPercent: { description: 'percentage of new resources that replace a pooled one', min: 0, max: 100 },
    cyclePercent: { description: 'percentage dropped as a two-resource cycle', min: 0, max: 100 },
    weakPercent: { description: 'percentage watched by a weakref with a callback', min: 0, max: 100 },
    weakCount: { description: 'slots of the table of weakrefs', min: 1, max: 1_000_000 },
  },
  sizes: {
    test: {
      poolSize: 50,
      rounds: 5,
      perRound: 400,
      handleBytes: 64,
      poolPercent: 20,
      cyclePercent: 20,
      weakPercent: 20,
      weakCount: 50,
    },
    small: {
      poolSize: 1_000,
      rounds: 20,
      perRound: 10_000,
      handleBytes: 256,
      poolPercent: 20,
      cyclePercent: 20,
      weakPercent: 20,
      weakCount: 1_000,
    },
    medium: {
      poolSize: 5_000,
      rounds: 50,
      perRound: 40_000,
      handleBytes: 256,
      poolPercent: 20,
      cyclePercent: 20,
      weakPercent: 20,
      weakCount: 5_000,
    },
    large: {
      poolSize: 20_000,
      rounds: 100,
      perRound: 100_000,
      handleBytes: 1_024,
      poolPercent: 20,
      cyclePercent: 20,
      weakPercent: 20,
      weakCount: 20_000,
    },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 16.3 * p.rounds * p.perRound, // ~16 ops per object made
  expectedCheck,
  run,
}
