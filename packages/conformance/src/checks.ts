/**
 * The conformance checks: what the one interface promises, each a plain function that takes a
 * manager factory and throws a ConformanceFailure (or the manager's own error) when the
 * promise is broken. describeConformance wraps each in a vitest `it`; the kit's own tests run
 * them against deliberately broken managers and expect them to throw.
 *
 * The checks are runtime-neutral: they only force full collections with collect() (plus an op
 * after each, so finalizer queues drained at op boundaries run), they allow several rounds
 * for garbage with finalizers, and they judge reclamation with forEachLiveId, never with
 * addresses (objects may move).
 */
import {
  globalSlot,
  isPygcError,
  MAX_FINALIZER_ALLOCATIONS,
  type MemoryManager,
  type Slot,
  withOracle,
} from '@pygc/core'
import { accountingReconciles } from './accounting.js'
import { boundarySizes } from './boundary-sizes.js'
import { contractChecks } from './contract-checks.js'
import {
  ConformanceFailure,
  ensure,
  ensureEqual,
  expectCode,
  fingerprint,
  liveIds,
  recordEvents,
  releaseManager,
  releasingManagers,
  settle,
} from './helpers.js'
import { PROGRAM_GLOBALS, PROGRAM_LOCALS, runRandomProgram } from './random-program.js'
import { replayMatches } from './trace-check.js'

export interface ConformanceOptions {
  /** The manager moves objects (documentation; the checks never depend on addresses). */
  moving?: boolean
  /**
   * Random ops of the oracle stress check over all its runs (default 500,000; 1,000,000, the CI
   * size, when process.env.PYGC_TESTS is 'full'; 10,000,000 when process.env.PYGC_FUZZ is set).
   * The seeded determinism checks use 5,000.
   */
  stressOps?: number
  /**
   * Objects in the retained heap of the stress check's large-heap runs (default 50,000: 1.5-6.3
   * MB of modeled objects on the runtimes that model payloads, plus 65 byte blobs of 6.4 MB):
   * lower it for a manager configured with a heap too small to hold it.
   */
  stressRetained?: number
}

export interface ConformanceCheck {
  name: string
  run(create: () => MemoryManager, options?: ConformanceOptions): void
  /** A longer test timeout than the runner's default, for the long stress check. */
  timeoutMs?: number
}

const G0 = globalSlot(0)
const G1 = globalSlot(1)
const G2 = globalSlot(2)

/** The stress check's size in CI: the full tier of the tests (PYGC_TESTS=full), what .ci/run runs. */
const CI_STRESS_OPS = 1_000_000

/** The environment variable `name`, or undefined where there is no process (a browser). */
function env(name: string): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env[name]
}

/** Random ops of the stress check at the CI size or ten times it under PYGC_FUZZ. */
function fullStressOps(): number {
  return env('PYGC_FUZZ') ? 10 * CI_STRESS_OPS : CI_STRESS_OPS
}

/**
 * Random ops of the stress check: the CI size in the full tier (PYGC_TESTS=full) and ten times
 * that under PYGC_FUZZ; half the CI size in an everyday `npm test` (at the CI size the stress
 * tests of every package and preset took 36 s of the 533 s of test time, a default configuration
 * up to 7 s: vitest, a quiet 2-core machine, session 10). Variants keep a quarter of the CI size
 * (variantStressOps), the size their collections per generation were measured at.
 */
function stressOps(options: ConformanceOptions = {}): number {
  if (options.stressOps !== undefined) return options.stressOps
  if (env('PYGC_FUZZ') || env('PYGC_TESTS') === 'full') return fullStressOps()
  return CI_STRESS_OPS / 2
}

/**
 * Random ops of the stress check for a variant of a runtime whose default configuration runs the
 * full size in the same package (another preset or heap configuration of the same collector):
 * a quarter of it, 250,000 in CI. What a variant changes is policy (thresholds, budgets, heap and
 * nursery sizes); at this size each of the four runs still collects on every generation the
 * variant has, and allocation starts collections in the runs that leave them to it (measured: cpython-3.12 14 to 414 collections per run, gen1
 * and gen2 in each; IronPython clr 75 to 962, gen0/1/2 in each; Jython java 23 to 407, young
 * and full in each but run 1, which forces only full ones; Jython small-heap 96 to 538; PyPy's
 * minimum and tiny nurseries 107 to 4,721, minor and major in each), and each planted bug of
 * test/broken-managers.test.ts shows at 20,000 ops.
 */
export function variantStressOps(): number {
  return fullStressOps() / 4
}

/** Length of the seeded programs of the determinism checks (same seed, trace replay). */
const DETERMINISM_OPS = 5_000

/** Every kind of forced collection: collect(g) for each generation, then collect(). */
function collectEveryKind(m: MemoryManager): void {
  for (let g = 0; g < m.info.generations.length; g++) m.collect(g)
  m.collect()
}

/** Allocate and drop `n` short-lived objects (pressure that makes generational runtimes move survivors). */
function churn(m: MemoryManager, type: number, slot: Slot, n: number): void {
  for (let i = 0; i < n; i++) m.alloc(slot, type)
  m.clear(slot)
}

const survivesCollections: ConformanceCheck = {
  name: 'stored references and ints survive many forced collections of every kind',
  run(create) {
    const m = create()
    m.defineGlobals(3)
    const node = m.defineType({ name: 'node', refs: 2, ints: 2 })
    const leaf = m.defineType({ name: 'leaf', refs: 0, ints: 1, bytes: 24 })
    const vec = m.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' })
    const junk = m.defineType({ name: 'junk', refs: 1, ints: 0 })
    m.pushFrame(4)
    const N = 300
    const ids: number[] = []
    // A list built back to front in global 0: node i has ints (i, -7i) and field 1 = a leaf with int 3i.
    for (let i = N - 1; i >= 0; i--) {
      m.alloc(0, node)
      m.writeInt(0, 0, i)
      m.writeInt(0, 1, -7 * i)
      m.store(0, 0, G0)
      m.alloc(1, leaf)
      m.writeInt(1, 0, 3 * i)
      m.store(0, 1, 1)
      m.move(G0, 0)
      ids[i] = m.objectId(0)
      if (i === 10) m.move(G2, 0) // a second path to node 10
      churn(m, junk, 3, 3)
    }
    m.alloc(0, vec, 50)
    m.writeInt(0, 0, 50)
    for (let k = 0; k < 50; k++) {
      m.alloc(1, leaf)
      m.writeInt(1, 0, 1000 + k)
      m.store(0, k, 1)
    }
    m.move(G1, 0)
    m.clear(0)
    m.clear(1)

    for (let round = 0; round < 8; round++) {
      collectEveryKind(m)
      churn(m, junk, 3, 200)
    }

    const live = liveIds(m)
    m.move(0, G0)
    for (let i = 0; i < N; i++) {
      ensure(!m.isNull(0), `list node ${i} became null after collections`)
      ensureEqual(m.objectId(0), ids[i], `id of list node ${i}`)
      ensure(live.has(ids[i]), `reachable list node ${i} (id ${ids[i]}) is not live`)
      ensureEqual(m.readInt(0, 0), i, `int 0 of list node ${i}`)
      ensureEqual(m.readInt(0, 1), -7 * i, `int 1 of list node ${i}`)
      m.load(1, 0, 1)
      ensureEqual(m.readInt(1, 0), 3 * i, `int of the leaf of list node ${i}`)
      if (i === 10) ensure(m.same(0, G2), 'two paths to list node 10 no longer reach the same object')
      m.load(0, 0, 0)
    }
    ensure(m.isNull(0), 'the list does not end with null')
    m.move(0, G1)
    ensureEqual(m.lengthOf(0), 50, 'length of the 50-field vec')
    ensureEqual(m.readInt(0, 0), 50, 'int of the vec')
    for (let k = 0; k < 50; k++) {
      m.load(1, 0, k)
      ensureEqual(m.readInt(1, 0), 1000 + k, `int of vec element ${k}`)
    }
  },
}

const reclaimsUnreachable: ConformanceCheck = {
  name: 'what is unreachable is reclaimed by full collections; what is reachable is not',
  run(create) {
    const m = create()
    m.defineGlobals(2)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 })
    const big = m.defineType({ name: 'big', refs: 1, ints: 1, variable: 'bytes' })
    m.pushFrame(3)
    const garbage: number[] = []
    const kept: number[] = []
    for (let i = 0; i < 400; i++) {
      const keep = i % 4 === 0
      m.alloc(0, i % 50 === 0 ? big : node, i % 50 === 0 ? 100_000 : undefined)
      m.writeInt(0, 0, i)
      ;(keep ? kept : garbage).push(m.objectId(0))
      const list = keep ? G1 : G0
      m.store(0, 0, list)
      m.move(list, 0)
    }
    m.clear(0)
    const before = m.stats().liveObjects
    m.clear(G0)
    settle(m, G1)
    const live = liveIds(m)
    for (const id of garbage)
      ensure(!live.has(id), `unreachable object ${id} is still live after full collections`)
    for (const id of kept) ensure(live.has(id), `reachable object ${id} was reclaimed`)
    ensure(
      m.stats().liveObjects <= before - garbage.length,
      `stats().liveObjects did not drop by the ${garbage.length} reclaimed objects`,
    )
  },
}

const reclaimsCycles: ConformanceCheck = {
  name: 'cycles are reclaimed',
  run(create) {
    const m = create()
    m.defineGlobals(1)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 })
    m.pushFrame(3)
    const ids: number[] = []
    // A self-loop.
    m.alloc(0, node)
    m.store(0, 0, 0)
    ids.push(m.objectId(0))
    // A ring of 100 with a tail hanging off it and a chord.
    m.alloc(1, node)
    ids.push(m.objectId(1))
    m.move(2, 1)
    for (let i = 0; i < 99; i++) {
      m.alloc(0, node)
      ids.push(m.objectId(0))
      m.store(0, 0, 2)
      m.move(2, 0)
    }
    m.store(1, 0, 2) // close the ring
    m.store(1, 1, 2)
    m.alloc(0, node)
    ids.push(m.objectId(0))
    m.store(2, 1, 0)
    // A two-cycle reached only through a weak reference.
    m.alloc(0, node)
    m.alloc(2, node)
    ids.push(m.objectId(0), m.objectId(2))
    m.store(0, 0, 2)
    m.store(2, 0, 0)
    m.weakref(G0, 0)
    m.clear(0)
    m.clear(1)
    m.clear(2)
    settle(m)
    const live = liveIds(m)
    for (const id of ids)
      ensure(!live.has(id), `object ${id} of an unreachable cycle is still live after full collections`)
    m.deref(0, G0)
    ensure(m.isNull(0), 'a weak reference to a reclaimed cycle does not deref to null')
  },
}

const finalizersOnce: ConformanceCheck = {
  name: 'a finalizer runs at most once and a resurrected object stays usable',
  run(create) {
    const m = create()
    m.defineGlobals(2)
    const leaf = m.defineType({ name: 'leaf', refs: 0, ints: 1 })
    const phoenix = m.defineType({ name: 'phoenix', refs: 1, ints: 1, finalizer: { resurrectInto: 1 } })
    const mortal = m.defineType({ name: 'mortal', refs: 0, ints: 1, finalizer: {} })
    m.pushFrame(2)
    const events: { id: number; resurrected: boolean }[] = []
    const off = m.on((e) => {
      if (e.type === 'finalize') events.push(e)
    })
    {
      m.alloc(0, phoenix)
      m.writeInt(0, 0, 4242)
      m.alloc(1, leaf)
      m.writeInt(1, 0, 77)
      m.store(0, 0, 1)
      const phoenixId = m.objectId(0)
      m.alloc(1, mortal)
      const mortalId = m.objectId(1)
      m.clear(0)
      m.clear(1)
      settle(m)
      const ofPhoenix = () => events.filter((e) => e.id === phoenixId)
      const ofMortal = () => events.filter((e) => e.id === mortalId)
      ensureEqual(ofPhoenix().length, 1, 'finalizer runs of the resurrecting object')
      ensure(
        ofPhoenix()[0].resurrected,
        'the finalize event of the resurrecting object says resurrected: false',
      )
      ensureEqual(ofMortal().length, 1, 'finalizer runs of the plain finalizable object')
      ensure(!m.isNull(G1), 'the finalizer did not store the object into global 1')
      ensureEqual(m.objectId(G1), phoenixId, 'id of the resurrected object')
      ensureEqual(m.readInt(G1, 0), 4242, 'int of the resurrected object')
      m.load(0, G1, 0)
      ensureEqual(m.readInt(0, 0), 77, 'int of the object the resurrected object refers to')
      m.clear(0)
      ensure(
        !liveIds(m).has(mortalId),
        'a finalized, unreachable object is still live after full collections',
      )
      m.clear(G1)
      settle(m)
      ensureEqual(ofPhoenix().length, 1, 'finalizer runs of the resurrected object after it died again')
      ensure(!liveIds(m).has(phoenixId), 'the resurrected object was not reclaimed once unreachable again')
      ensureEqual(ofMortal().length, 1, 'finalizer runs of the plain finalizable object')
    }
    off()
  },
}

/**
 * FinalizerSpec.allocate and storeNew: the finalizer's objects come after its `finalize` event
 * (allocate's, then storeNew's), allocate's are reclaimed, storeNew's stays in its global and is
 * usable; the reachability oracle, fed through withOracle, agrees on every one.
 */
const finalizerAllocates: ConformanceCheck = {
  name: 'a finalizer that allocates: its objects are garbage, but the one storeNew stores stays live',
  run(create) {
    const m = create()
    const { mutator, oracle, detach } = withOracle(m)
    mutator.defineGlobals(2)
    const leaf = mutator.defineType({ name: 'leaf', refs: 1, ints: 1 })
    const maker = mutator.defineType({
      name: 'maker',
      refs: 1,
      ints: 1,
      finalizer: { allocate: { type: leaf, count: 5 }, storeNew: { type: leaf, global: 1 } },
    })
    // Per maker: its finalize event, then the ids of the objects made after it.
    const made = new Map<number, number[]>()
    const order: number[] = []
    let current: number[] | undefined
    const off = m.on((e) => {
      if (e.type === 'finalize' && made.has(e.id)) {
        current = made.get(e.id)
        order.push(e.id)
      } else if (e.type === 'alloc' && e.typeId === leaf) current?.push(e.id)
      else if (e.type === 'finalize') current = undefined
    })
    mutator.pushFrame(1)
    // One maker dies by its last reference (a reference-counting runtime finalizes it inside the
    // clear), one in a self-cycle (only a collection finds it).
    mutator.alloc(0, maker)
    made.set(m.objectId(0), [])
    mutator.clear(0)
    mutator.alloc(0, maker)
    made.set(m.objectId(0), [])
    mutator.store(0, 0, 0)
    mutator.clear(0)
    for (let i = 0; i < 4; i++) {
      mutator.collect()
      mutator.isNull(G0)
    }
    ensureEqual(order.length, 2, 'finalizer runs of the two makers')
    for (const [id, ids] of made)
      ensureEqual(ids.length, 6, `objects the finalizer of ${id} made after its finalize event`)
    const stored = (made.get(order[1]) as number[])[5]
    const garbage = [...made.values()].flat().filter((id) => id !== stored)
    ensureEqual(m.objectId(G1), stored, "the id in the global storeNew names (the last finalizer's)")
    ensureEqual(oracle.idIn(G1), stored, "the oracle's id in the global storeNew names")
    mutator.writeInt(G1, 0, 31)
    ensureEqual(mutator.readInt(G1, 0), 31, 'int of the stored object')
    settle(m, G0)
    mutator.isNull(G0)
    const live = liveIds(m)
    ensure(live.has(stored), 'the object storeNew stored was reclaimed')
    for (const id of garbage) ensure(!live.has(id), `the finalizer's garbage object ${id} is still live`)
    ensure(oracle.isReachable(stored), 'the oracle lost the stored object')
    for (const id of garbage) ensure(!oracle.isReachable(id), `the oracle thinks ${id} is reachable`)
    for (const id of made.keys()) ensure(!live.has(id), `the finalized maker ${id} is still live`)
    // Many at once: their allocations (1,024 per finalizer) start collections while the rest of
    // the batch waits to be finalized; nothing may be lost, nothing reachable freed.
    const freed: number[] = []
    const offFree = m.on(
      (e) => {
        if (e.type === 'free') freed.push(e.id)
      },
      ['free'],
    )
    const burst = mutator.defineType({
      name: 'burst',
      refs: 1,
      ints: 0,
      finalizer: {
        allocate: { type: leaf, count: MAX_FINALIZER_ALLOCATIONS },
        storeNew: { type: leaf, global: 0 },
      },
    })
    order.length = 0
    mutator.popFrame()
    mutator.pushFrame(40)
    for (let i = 0; i < 40; i++) {
      mutator.alloc(i, burst)
      made.set(m.objectId(i), [])
    }
    for (let i = 0; i < 40; i++) mutator.clear(i)
    for (let i = 0; i < 6; i++) {
      mutator.collect()
      mutator.isNull(G0)
    }
    ensureEqual(order.length, 40, 'finalizer runs of 40 makers that each allocate 1,025 objects')
    const last = made.get(order[39]) as number[]
    ensureEqual(m.objectId(G0), last[last.length - 1], "the last finalizer's stored object")
    ensureEqual(oracle.idIn(G0), last[last.length - 1], "the oracle's id in global 0")
    // Between ops the oracle has seen every op: a freed object it still reaches was freed early
    // (it can only come back by a revival, which the oracle counts).
    oracle.trace()
    const early = freed.filter((id) => oracle.reachedByTrace(id))
    ensureEqual(
      early.length,
      0,
      `objects freed that the oracle still reaches (e.g. ${early.slice(0, 5).join(', ')})`,
    )
    ensureEqual(oracle.revivedAfterFree, 0, 'objects the manager freed that were reached again')
    offFree()
    off()
    detach()
  },
}

const weakrefsClear: ConformanceCheck = {
  name: 'a weakref derefs to its target while the target is reachable, to null once it is collected',
  run(create) {
    const m = create()
    m.defineGlobals(2)
    const leaf = m.defineType({ name: 'leaf', refs: 0, ints: 1 })
    const junk = m.defineType({ name: 'junk', refs: 1, ints: 0 })
    m.pushFrame(3)
    m.alloc(0, leaf)
    m.writeInt(0, 0, 99)
    const targetId = m.objectId(0)
    m.move(G0, 0)
    m.weakref(G1, G0, { tag: 7 })
    const weakId = m.objectId(G1)
    m.clear(0)
    for (let round = 0; round < 5; round++) {
      collectEveryKind(m)
      churn(m, junk, 2, 100)
      m.deref(0, G1)
      ensure(!m.isNull(0), `weakref deref'd to null in round ${round} while its target is reachable`)
      ensure(m.same(0, G0), `weakref deref'd to another object in round ${round}`)
      ensureEqual(m.readInt(0, 0), 99, 'int of the weak target')
      m.clear(0)
    }
    const callbacks = recordEvents(m, 'weakref-callback', () => {
      m.clear(G0)
      settle(m, G1)
    })
    ensure(!liveIds(m).has(targetId), 'the weak target was not reclaimed once unreachable')
    m.deref(0, G1)
    ensure(m.isNull(0), 'the weakref does not deref to null after its target was collected')
    ensure(
      callbacks.filter((e) => e.weakId === weakId).length <= 1,
      'the weakref callback ran more than once',
    )
    m.clear(G1)
    settle(m)
    ensure(!liveIds(m).has(weakId), 'an unreachable weak reference object was not reclaimed')
  },
}

const popFrameReleases: ConformanceCheck = {
  name: 'popping a frame releases its roots',
  run(create) {
    const m = create()
    m.defineGlobals(1)
    const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
    m.pushFrame(1)
    m.alloc(0, node)
    const outerId = m.objectId(0)
    m.pushFrame(3)
    const innerIds: number[] = []
    for (let s = 0; s < 3; s++) {
      m.alloc(s, node)
      innerIds.push(m.objectId(s))
    }
    m.store(2, 0, 2) // a self-loop
    m.store(0, 0, 1)
    m.popFrame()
    settle(m)
    const live = liveIds(m)
    for (const id of innerIds)
      ensure(!live.has(id), `object ${id} rooted only by a popped frame is still live`)
    ensure(live.has(outerId), 'the outer frame lost its root when an inner frame was popped')
    m.popFrame()
    settle(m)
    ensure(!liveIds(m).has(outerId), 'object rooted only by the last popped frame is still live')
    expectCode('NO_FRAME', 'popFrame with no frame pushed', () => m.popFrame())
  },
}

const rejectsBadOps: ConformanceCheck = {
  name: 'bad slots, fields, types and nulls raise the right codes and leave the manager unchanged and usable',
  run(create) {
    const m = create()
    m.defineGlobals(2)
    const node = m.defineType({ name: 'node', refs: 2, ints: 1 })
    const vec = m.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' })
    expectCode('NO_FRAME', 'alloc into local 0 with no frame', () => m.alloc(0, node))
    expectCode('NO_FRAME', 'popFrame with no frame', () => m.popFrame())
    m.pushFrame(3)
    m.alloc(0, node)
    m.writeInt(0, 0, 11)
    m.move(G0, 0)
    m.weakref(1, 0)
    m.isNull(2) // an op boundary, so nothing is left pending
    const before = fingerprint(m)
    const liveBefore = [...liveIds(m)].sort((a, b) => a - b).join(',')
    const bad: [Parameters<typeof expectCode>[0], string, () => unknown][] = [
      ['INVALID_SLOT', 'alloc into local 3 of 3', () => m.alloc(3, node)],
      ['INVALID_SLOT', 'alloc into global 2 of 2', () => m.alloc(globalSlot(2), node)],
      ['INVALID_SLOT', 'move from local 99', () => m.move(2, 99)],
      ['INVALID_SLOT', 'store from local 7', () => m.store(0, 0, 7)],
      ['INVALID_SLOT', 'isNull of a fractional slot', () => m.isNull(1.5)],
      ['UNKNOWN_TYPE', 'alloc of type 99', () => m.alloc(2, 99)],
      ['UNKNOWN_TYPE', 'alloc of type -1', () => m.alloc(2, -1)],
      ['FIELD_OUT_OF_RANGE', 'load field 2 of 2', () => m.load(2, 0, 2)],
      ['FIELD_OUT_OF_RANGE', 'load field -1', () => m.load(2, 0, -1)],
      ['FIELD_OUT_OF_RANGE', 'store field 5 of 2', () => m.store(0, 5, 2)],
      ['FIELD_OUT_OF_RANGE', 'readInt 1 of 1', () => m.readInt(0, 1)],
      ['FIELD_OUT_OF_RANGE', 'writeInt 3 of 1', () => m.writeInt(0, 3, 1)],
      ['NULL_REFERENCE', 'load from a null slot', () => m.load(0, 2, 0)],
      ['NULL_REFERENCE', 'store into a null slot', () => m.store(2, 0, 0)],
      ['NULL_REFERENCE', 'readInt of a null slot', () => m.readInt(2, 0)],
      ['NULL_REFERENCE', 'writeInt into a null slot', () => m.writeInt(2, 0, 1)],
      ['NULL_REFERENCE', 'weakref to a null target', () => m.weakref(2, 2)],
      ['NULL_REFERENCE', 'deref of a null slot', () => m.deref(0, 2)],
      ['NOT_A_WEAKREF', 'deref of an ordinary object', () => m.deref(2, 0)],
      ['VALUE_OUT_OF_RANGE', 'writeInt of 2^31', () => m.writeInt(0, 0, 2 ** 31)],
      ['VALUE_OUT_OF_RANGE', 'writeInt of 1.5', () => m.writeInt(0, 0, 1.5)],
      ['VALUE_OUT_OF_RANGE', 'alloc with length -1', () => m.alloc(2, vec, -1)],
    ]
    for (const [code, what, body] of bad) {
      expectCode(code, what, body)
      ensureEqual(fingerprint(m), before, `stats after the rejected op "${what}"`)
    }
    ensureEqual(
      [...liveIds(m)].sort((a, b) => a - b).join(','),
      liveBefore,
      'live objects after the rejected ops',
    )
    // Still usable, and the slots still hold what they held.
    ensure(m.isNull(2), 'slot 2 is no longer null after rejected ops')
    ensureEqual(m.readInt(0, 0), 11, 'int of the object in slot 0 after rejected ops')
    m.alloc(2, vec, 4)
    m.store(2, 3, 0)
    m.load(2, 2, 3)
    ensure(m.same(2, G0), 'load after rejected ops gives the wrong object')
    m.deref(2, 1)
    ensure(m.same(2, 0), 'deref after rejected ops gives the wrong object')
    m.collect()
    ensureEqual(m.readInt(G0, 0), 11, 'int after a collection following rejected ops')
  },
}

const pinnedSurvives: ConformanceCheck = {
  name: 'a pinned object survives with no other reference until its last unpin, then is reclaimed',
  run(create) {
    const m = create()
    m.defineGlobals(1)
    const node = m.defineType({ name: 'node', refs: 2, ints: 2 })
    const leaf = m.defineType({ name: 'leaf', refs: 0, ints: 1, bytes: 24 })
    const junk = m.defineType({ name: 'junk', refs: 1, ints: 0 })
    m.pushFrame(4)
    // The pinned node holds a leaf and itself (a cycle through a pinned object).
    m.alloc(0, node)
    m.writeInt(0, 0, 1234)
    m.writeInt(0, 1, -5)
    m.alloc(1, leaf)
    m.writeInt(1, 0, 77)
    m.store(0, 0, 1)
    m.store(0, 1, 0)
    const pinnedId = m.objectId(0)
    const leafId = m.objectId(1)
    // Young garbage allocated before the pin, so a compacting collector has a gap to close below it.
    churn(m, junk, 3, 50)
    m.pin(0)
    m.pin(0) // pins nest
    m.weakref(2, 0) // the only way back to it: a weak reference does not keep it alive

    m.isNull(3) // an op boundary, so nothing is left pending
    const before = fingerprint(m)
    expectCode('NULL_REFERENCE', 'pin of a null slot', () => m.pin(3))
    expectCode('NULL_REFERENCE', 'unpin of a null slot', () => m.unpin(3))
    ensureEqual(fingerprint(m), before, 'stats after a rejected pin')
    m.alloc(3, leaf)
    m.isNull(3)
    const beforeUnpin = fingerprint(m)
    expectCode('VALUE_OUT_OF_RANGE', 'unpin of an object that is not pinned', () => m.unpin(3))
    ensureEqual(fingerprint(m), beforeUnpin, 'stats after unpinning an object that is not pinned')

    m.clear(0)
    m.clear(1)
    m.clear(3)
    for (let round = 0; round < 4; round++) {
      collectEveryKind(m)
      churn(m, junk, 3, 200)
    }
    const check = (when: string): void => {
      const live = liveIds(m)
      ensure(live.has(pinnedId), `the pinned object (id ${pinnedId}) was reclaimed ${when}`)
      ensure(live.has(leafId), `the leaf of the pinned object (id ${leafId}) was reclaimed ${when}`)
      m.deref(0, 2)
      ensure(!m.isNull(0), `the weak reference to the pinned object was cleared ${when}`)
      ensureEqual(m.objectId(0), pinnedId, `id of the pinned object ${when}`)
      ensureEqual(m.readInt(0, 0), 1234, `int 0 of the pinned object ${when}`)
      ensureEqual(m.readInt(0, 1), -5, `int 1 of the pinned object ${when}`)
      m.load(1, 0, 0)
      ensureEqual(m.readInt(1, 0), 77, `int of the pinned object's leaf ${when}`)
      m.load(1, 0, 1)
      ensure(m.same(1, 0), `the pinned object's self-reference ${when}`)
    }
    check('while pinned twice')
    m.unpin(0)
    m.clear(0)
    m.clear(1)
    settle(m)
    check('while still pinned once')
    m.unpin(0)
    m.clear(0)
    m.clear(1)
    settle(m)
    const live = liveIds(m)
    ensure(
      !live.has(pinnedId),
      `the object (id ${pinnedId}) is still live after its last unpin and full collections`,
    )
    ensure(
      !live.has(leafId),
      `its leaf (id ${leafId}) is still live after the last unpin and full collections`,
    )
    m.deref(0, 2)
    ensure(m.isNull(0), 'the weak reference to the unpinned, collected object was not cleared')
  },
}

const sameSeedSameStats: ConformanceCheck = {
  name: 'the same seed gives the same stats',
  run(create, options) {
    const run = (): string => {
      const m = create()
      runRandomProgram(m, {
        seed: 1234,
        ops: Math.min(DETERMINISM_OPS, stressOps(options)),
        generations: m.info.generations.length,
      })
      settle(m)
      const print = fingerprint(m)
      releaseManager(m) // its heap goes to the second run (helpers.ts)
      return print
    }
    const first = run()
    const second = run()
    ensure(first === second, `two runs with the same seed differ:\n${first}\n${second}`)
  },
}

const replayGivesSameStats: ConformanceCheck = {
  name: 'a recorded trace replayed on a fresh manager gives the same stats',
  run(create, options) {
    replayMatches(create, (m, generations) => {
      runRandomProgram(m, { seed: 99, ops: Math.min(DETERMINISM_OPS, stressOps(options)), generations })
    })
  },
}

/**
 * One run of the stress check: its seed, whether it first builds the large retained heap, its
 * share of the ops, and the share of steps that force a collection (random-program.ts: 0.01
 * makes nearly every collection a forced one, 0.0002 leaves them to allocation).
 */
interface StressRun {
  seed: number
  retained: boolean
  share: number
  collectRate: number
}

const STRESS_RUNS: readonly StressRun[] = [
  { seed: 7, retained: false, share: 0.35, collectRate: 0.01 },
  { seed: 1_000_003, retained: false, share: 0.35, collectRate: 0.0002 },
  { seed: 31_337, retained: true, share: 0.15, collectRate: 0.001 },
  { seed: 271_828, retained: true, share: 0.15, collectRate: 0.0002 },
]

const DEFAULT_STRESS_RETAINED = 50_000

/**
 * A seeded random program through the reachability oracle. After every op: the manager's slots
 * (the current frame's locals and the globals) hold what the program's own semantics, kept by
 * the oracle, say they hold. After every op that ran a collection (exact reachability: one
 * trace of the oracle's graph): no object freed since the previous such check is reachable,
 * and no deref so far gave another object than its target, or null while the target was
 * reachable. At the end: everything unreachable is reclaimed by full collections, and nothing
 * is left once every root is dropped. What this schedule misses is in README.md.
 */
function stressRun(create: () => MemoryManager, run: StressRun, ops: number, retained: number): void {
  const m = create()
  const { mutator, oracle, detach } = withOracle(m, { verifyWeakrefs: true })
  const where = `seed ${run.seed}, ${run.retained ? retained : 0} retained objects`
  /**
   * Frees since the last check, pairs (id, the manager's op index of the free). An object
   * checked unreachable once can only become reachable through a revival, which the oracle counts.
   */
  const freed: number[] = []
  let collections = 0
  let checkedAt = 0
  const offEvents = m.on(
    (e) => {
      if (e.type === 'free') freed.push(e.id, e.op)
      else if (e.type === 'gc-end') collections++
    },
    ['free', 'gc-end'],
  )
  const failAt = (what: string): never => {
    throw new ConformanceFailure(`${what} (op ${oracle.ops}, collection ${collections}, ${where})`)
  }
  /** The globals, and the locals of the current frame when there is one. */
  const slotsAgree = (withLocals: boolean): void => {
    for (let s = withLocals ? 0 : PROGRAM_LOCALS; s < PROGRAM_LOCALS + PROGRAM_GLOBALS; s++) {
      const slot = s < PROGRAM_LOCALS ? s : globalSlot(s - PROGRAM_LOCALS)
      if (m.objectId(slot) !== oracle.idIn(slot)) {
        failAt(
          `slot ${slot} holds object ${m.objectId(slot)}, the program's semantics say ${oracle.idIn(slot)}`,
        )
      }
    }
  }
  /**
   * An object whose count the oracle saw reach zero (and that nothing revived since) is
   * unreachable now without a trace: its count holds every reference from a root or a live
   * object. So a trace, O(live objects), runs only when a free is of an object the counts do not
   * explain, e.g. cyclic garbage. The answer is the trace's, at a fraction of the cost on
   * collectors that free a little garbage very often (PyPy's tiny nursery: a minor collection
   * every few allocations).
   */
  const deadByCount = (id: number): boolean => oracle.deathOpOf(id) >= 0 && oracle.isExactDeath(id)
  const check = (): void => {
    checkedAt = collections
    let traced = false
    for (let i = 0; i < freed.length; i += 2) {
      if (deadByCount(freed[i])) continue
      if (!traced) {
        oracle.trace()
        traced = true
      }
      if (oracle.reachedByTrace(freed[i]))
        failAt(`object ${freed[i]}, freed at the manager's op ${freed[i + 1]}, is reachable`)
    }
    if (freed.length > 0) freed.length = 0
    if (oracle.revivedAfterFree > 0) failAt('an object the manager freed was reached again')
    if (oracle.wrongDerefs > 0) failAt('a deref gave an object other than the weak target')
    if (oracle.prematureWeakClears > 0) failAt('a deref gave null while the target was reachable')
  }
  const result = runRandomProgram(mutator, {
    seed: run.seed,
    ops,
    retained: run.retained ? retained : 0,
    collectRate: run.collectRate,
    generations: m.info.generations.length,
    idOf: (s) => m.objectId(s),
    // After the op has reached the oracle too.
    afterOp: () => {
      slotsAgree(true)
      if (collections !== checkedAt) check()
    },
  })
  check()
  ensure(collections > 0, `the stress program ran no collection (${where})`)
  ensure(result.intChecks > 0, `the stress program checked no int (${where})`)

  // Enough full collections reclaim everything unreachable.
  for (let round = 0; round < 3; round++) {
    settle(m)
    slotsAgree(true)
    check()
  }
  const reachable = oracle.reachableIds()
  m.forEachLiveId((id) => {
    if (reachable[id] !== 1)
      throw new ConformanceFailure(`unreachable object ${id} is still live after full collections (${where})`)
  })
  // Drop every root: nothing may stay.
  for (let d = 0; d < result.depth; d++) mutator.popFrame()
  for (let g = 0; g < PROGRAM_GLOBALS; g++) mutator.clear(globalSlot(g))
  for (let round = 0; round < 3; round++) {
    settle(m)
    for (let g = 0; g < PROGRAM_GLOBALS; g++) mutator.clear(globalSlot(g)) // finalizers may have resurrected into a global
  }
  settle(m)
  slotsAgree(false)
  check()
  const left = liveIds(m)
  ensureEqual(
    left.size,
    0,
    `objects still live with no roots at all (e.g. ${[...left].slice(0, 5).join(', ')}; ${where})`,
  )
  offEvents()
  detach()
  releaseManager(m) // its heap goes to the next run's manager (helpers.ts)
}

const stressWithOracle: ConformanceCheck = {
  name: 'random-program stress: nothing reachable is ever freed, everything unreachable is reclaimed',
  // A safety net, not a budget: the CI size takes seconds to a minute per manager.
  timeoutMs: typeof process !== 'undefined' && process.env.PYGC_FUZZ ? 4 * 3_600_000 : 600_000,
  run(create, options) {
    const total = stressOps(options)
    const retained = options?.stressRetained ?? DEFAULT_STRESS_RETAINED
    for (const run of STRESS_RUNS)
      stressRun(create, run, Math.max(1, Math.round(total * run.share)), retained)
  },
}

/** Every check, in the order describeConformance runs them. */
const eventFilterHonoured: ConformanceCheck = {
  name: 'a listener that names event types receives only those; an unfiltered one also gets alloc and free',
  run(create) {
    const m = create()
    const node = m.defineType({ name: 'node', refs: 1, ints: 0 })
    const filtered: string[] = []
    const all: string[] = []
    const offFiltered = m.on((e) => filtered.push(e.type), ['gc-end'])
    m.pushFrame(1)
    for (let i = 0; i < 100; i++) {
      m.alloc(0, node)
      m.store(0, 0, 0) // a self-cycle, so every runtime frees it only by collecting
    }
    m.clear(0)
    m.collect()
    const offAll = m.on((e) => all.push(e.type))
    m.alloc(0, node)
    m.clear(0)
    m.collect()
    m.collect()
    offAll()
    offFiltered()
    m.popFrame()
    ensure(filtered.length > 0, 'a gc-end listener saw no gc-end event after collect()')
    const stray = filtered.find((t) => t !== 'gc-end')
    ensure(stray === undefined, `a listener subscribed to ['gc-end'] received a '${stray}' event`)
    ensure(all.includes('alloc'), 'an unfiltered listener saw no alloc event')
    ensure(all.includes('free'), 'an unfiltered listener saw no free event after full collections')
  },
}

export const conformanceChecks: readonly ConformanceCheck[] = [
  survivesCollections,
  reclaimsUnreachable,
  reclaimsCycles,
  finalizersOnce,
  finalizerAllocates,
  weakrefsClear,
  popFrameReleases,
  rejectsBadOps,
  pinnedSurvives,
  eventFilterHonoured,
  sameSeedSameStats,
  replayGivesSameStats,
  stressWithOracle,
  boundarySizes,
  accountingReconciles,
  ...contractChecks,
]

/** Run every check (or the named ones); throws the first failure. */
export function runConformance(
  create: () => MemoryManager,
  options?: ConformanceOptions,
  names?: readonly string[],
): void {
  for (const check of conformanceChecks) {
    if (names && !names.includes(check.name)) continue
    try {
      releasingManagers(create, (made) => check.run(made, options))
    } catch (e) {
      if (e instanceof ConformanceFailure || isPygcError(e)) {
        e.message = `[${check.name}] ${e.message}`
      }
      throw e
    }
  }
}
