/**
 * A weakref cache in the manner of weakref.WeakValueDictionary: a hash table of entries
 * `(key, weakref to value)`; the values are kept alive only by whoever uses them — here a ring
 * of recently used values, the application's working set. A lookup derefs the entry's weakref.
 *
 * Whether a value nobody holds strongly is still there differs between runtimes (CPython frees
 * it at once by reference counting, a tracing runtime keeps it until a collection), so the
 * program must not branch on a deref. It keeps its own record of which values are strongly held
 * (the ring), uses the deref result only for those (certainly alive on every runtime), and for
 * the others counts what the deref saw (an observation) and rebuilds the value, as a cache
 * miss does. So the op stream is the same on every runtime and a trace replays anywhere.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const TABLE = programGlobal(0)
const RING = programGlobal(1)

// Entry fields; the key is the entry's int 0.
const CHAIN = 0
const WEAK = 1

// lookup()'s locals.
const ENTRY = 0
const VALUE = 1
const TMP = 2

/** The weakref callback tag: WeakValueDictionary's "remove the dead entry" callback. */
const REMOVE_ENTRY_TAG = 2

interface Types {
  entry: number
  value: number
  payload: number
}

/** Make a fresh value for `key` in VALUE and point the entry in ENTRY's weakref at it. */
function rebuild(m: Mutator, t: Types, key: number, payloadBytes: number): void {
  m.alloc(VALUE, t.value)
  m.writeInt(VALUE, 0, key)
  m.alloc(TMP, t.payload, payloadBytes)
  m.store(VALUE, 0, TMP)
  m.weakref(TMP, VALUE, { tag: REMOVE_ENTRY_TAG })
  m.store(ENTRY, WEAK, TMP)
  m.clear(TMP)
}

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const t: Types = {
    entry: m.defineType({ name: 'Entry', refs: 2, ints: 1, shape: 'list' }),
    value: m.defineType({ name: 'Value', refs: 1, ints: 1, shape: 'dict-instance' }),
    payload: m.defineType({ name: 'bytes', refs: 0, variable: 'bytes' }),
  }
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 2)
  const buckets = Math.max(1, p.keySpace >> 1)
  m.alloc(TABLE, listType, buckets)
  m.alloc(RING, listType, p.ringSize)
  // The program's own record of what is strongly held: per ring slot, the serial of the value
  // there; per key, the serial of its current value and how many ring slots hold that value.
  const ringSerial = new Int32Array(p.ringSize).fill(-1)
  const currentSerial = new Int32Array(p.keySpace).fill(-1)
  const heldBySerial = new Map<number, number>()
  let serial = 0
  let check = 0
  let missing = 0
  let strongHits = 0
  let weakSurvivors = 0
  for (let n = 0; n < p.lookups; n++) {
    const key = rng.int(100) < 70 ? rng.int(Math.max(1, p.keySpace >> 4)) : rng.int(p.keySpace)
    const bucket = key % buckets
    const payloadBytes = 16 + rng.int(p.maxValueBytes)
    m.pushFrame(3)
    m.load(ENTRY, TABLE, bucket)
    while (!m.isNull(ENTRY) && m.readInt(ENTRY, 0) !== key) m.load(ENTRY, ENTRY, CHAIN)
    if (m.isNull(ENTRY)) {
      missing++
      m.alloc(ENTRY, t.entry)
      m.writeInt(ENTRY, 0, key)
      m.load(TMP, TABLE, bucket)
      m.store(ENTRY, CHAIN, TMP)
      m.store(TABLE, bucket, ENTRY)
      rebuild(m, t, key, payloadBytes)
      currentSerial[key] = serial++
    } else if ((heldBySerial.get(currentSerial[key]) ?? 0) > 0) {
      strongHits++
      m.load(TMP, ENTRY, WEAK)
      m.deref(VALUE, TMP) // certainly alive: the ring holds it
    } else {
      m.load(TMP, ENTRY, WEAK)
      m.deref(VALUE, TMP)
      weakSurvivors += m.isNull(VALUE) ? 0 : 1 // observed, never branched on
      rebuild(m, t, key, payloadBytes)
      currentSerial[key] = serial++
    }
    if (m.readInt(VALUE, 0) === key) check++
    if (rng.int(100) < p.holdPercent) {
      // The application keeps using this value: it goes into the working-set ring.
      const slot = rng.int(p.ringSize)
      const old = ringSerial[slot]
      if (old >= 0) {
        const left = (heldBySerial.get(old) ?? 1) - 1
        if (left > 0) heldBySerial.set(old, left)
        else heldBySerial.delete(old)
      }
      m.store(RING, slot, VALUE)
      ringSerial[slot] = currentSerial[key]
      heldBySerial.set(currentSerial[key], (heldBySerial.get(currentSerial[key]) ?? 0) + 1)
    }
    m.popFrame()
  }
  return {
    check,
    checkLabel: 'lookups that produced the value of their key',
    observations: { missing, strongHits, weakSurvivors },
  }
}

export const weakrefCache: Workload = {
  name: 'weakref-cache',
  description: 'A WeakValueDictionary-like cache whose values live only while a working set holds them',
  source:
    'CPython Lib/weakref.py WeakValueDictionary (entries hold KeyedRef weakrefs with a remove callback)',
  params: {
    lookups: { description: 'cache lookups', min: 0, max: 1_000_000_000 },
    keySpace: {
      description: 'distinct keys (70% of lookups go to the first sixteenth)',
      min: 1,
      max: 100_000_000,
    },
    ringSize: { description: 'values the working set holds strongly', min: 1, max: 10_000_000 },
    holdPercent: { description: 'percentage of looked-up values put into the working set', min: 0, max: 100 },
    maxValueBytes: { description: 'payload of a value: 16 + [0, this) bytes', min: 1, max: 1_000_000 },
  },
  sizes: {
    test: { lookups: 5_000, keySpace: 2_000, ringSize: 100, holdPercent: 30, maxValueBytes: 128 },
    small: { lookups: 300_000, keySpace: 50_000, ringSize: 2_000, holdPercent: 30, maxValueBytes: 128 },
    medium: { lookups: 2_000_000, keySpace: 300_000, ringSize: 10_000, holdPercent: 30, maxValueBytes: 128 },
    large: {
      lookups: 20_000_000,
      keySpace: 2_000_000,
      ringSize: 50_000,
      holdPercent: 30,
      maxValueBytes: 128,
    },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 16.7 * p.lookups, // ~17 ops per lookup
  expectedCheck: (p) => p.lookups,
  run,
}
