/**
 * Old-to-young stores, the generational worst case: a long-lived array (aged by two full
 * collections, as a warmed-up application's tables are) whose slots are overwritten over and
 * over with fresh objects, some of which point at further fresh objects. Every store puts a
 * young object into an old one (card marking, remembered sets); every overwritten object is
 * garbage that a young collection can only see as dead after the old array is scanned.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const OLD_ARRAY = programGlobal(0)
const FRESH = 0
const CHILD = 1
const PREVIOUS = 2

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  const item = m.defineType({ name: 'Item', refs: 1, ints: 1, shape: 'slots' })
  declareGlobals(m, 1)
  const tags = new Int32Array(p.slots)
  let serial = 0
  m.pushFrame(3)
  m.alloc(OLD_ARRAY, listType, p.slots)
  for (let i = 0; i < p.slots; i++) {
    m.alloc(FRESH, item)
    m.writeInt(FRESH, 0, serial)
    m.store(OLD_ARRAY, i, FRESH)
    tags[i] = serial++
  }
  m.clear(FRESH)
  m.collect()
  m.collect()
  let check = 0
  for (let n = 0; n < p.stores; n++) {
    const slot = rng.int(p.slots)
    m.load(PREVIOUS, OLD_ARRAY, slot)
    if (m.readInt(PREVIOUS, 0) === tags[slot]) check++
    m.alloc(FRESH, item)
    m.writeInt(FRESH, 0, serial)
    if (rng.int(100) < p.childPercent) {
      m.alloc(CHILD, item)
      m.store(FRESH, 0, CHILD)
      m.clear(CHILD)
    }
    m.store(OLD_ARRAY, slot, FRESH)
    tags[slot] = serial++
    m.clear(PREVIOUS)
  }
  for (let i = 0; i < p.slots; i++) {
    m.load(PREVIOUS, OLD_ARRAY, i)
    if (m.readInt(PREVIOUS, 0) === tags[i]) check++
  }
  m.popFrame()
  return { check, checkLabel: 'overwritten and final slots verified' }
}

export const oldToYoung: Workload = {
  name: 'old-to-young',
  description: 'A long-lived array whose slots are overwritten with fresh objects (old-to-young stores)',
  source: 'the generational worst case (Ungar 1984; Jones, Hosking & Moss, The GC Handbook, ch. 11)',
  params: {
    slots: { description: 'length of the long-lived array', min: 1, max: 50_000_000 },
    stores: { description: 'fresh objects stored into random slots', min: 0, max: 1_000_000_000 },
    childPercent: {
      description: 'percentage of fresh objects that point at another fresh object',
      min: 0,
      max: 100,
    },
  },
  sizes: {
    test: { slots: 2_000, stores: 20_000, childPercent: 25 },
    small: { slots: 50_000, stores: 600_000, childPercent: 25 },
    medium: { slots: 500_000, stores: 5_000_000, childPercent: 25 },
    large: { slots: 2_000_000, stores: 20_000_000, childPercent: 25 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 7.2 * p.stores, // ~7 ops per store
  expectedCheck: (p) => p.stores + p.slots,
  run,
}
