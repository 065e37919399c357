/**
 * Large arrays across the CLR's large-object threshold: byte buffers and reference arrays
 * whose sizes are drawn on both sides of 85,000 bytes, some kept in a long-lived table (and
 * replaced at random), the rest dropped at once. Reference arrays hold a few fresh small
 * objects, so old large arrays point at young objects. Every array carries a tag (its
 * allocation serial) checked when it is dropped or at the end.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

/**
 * The CLR allocates objects of 85,000 bytes or more in the large object heap
 * (dotnet/runtime gc.cpp, LARGE_OBJECT_SIZE = 85000).
 */
export const LOH_THRESHOLD_BYTES = 85_000
/** A reference takes 8 bytes on a 64-bit CLR, so a reference array of N slots is ~8N bytes. */
const CLR_REFERENCE_BYTES = 8

const TABLE = programGlobal(0)

// Locals of the loop's frame.
const ARRAY = 0
const SMALL = 1
const OLD = 2

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const byteArray = m.defineType({ name: 'bytearray', refs: 0, ints: 1, variable: 'bytes' })
  const refArray = m.defineType({ name: 'TaggedList', refs: 0, ints: 1, variable: 'refs', shape: 'list' })
  const small = m.defineType({ name: 'Item', refs: 0, ints: 1, shape: 'slots' })
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 1)
  m.alloc(TABLE, listType, p.live)
  const tags = new Int32Array(p.live).fill(-1)
  const minBytes = Math.min(p.minBytes, p.maxBytes)
  let check = 0
  let aboveThreshold = 0
  m.pushFrame(3)
  for (let serial = 0; serial < p.arrays; serial++) {
    const bytes = rng.range(minBytes, p.maxBytes)
    if (bytes >= LOH_THRESHOLD_BYTES) aboveThreshold++
    if (rng.int(2) === 0) {
      m.alloc(ARRAY, byteArray, bytes)
    } else {
      const length = Math.max(1, Math.floor(bytes / CLR_REFERENCE_BYTES))
      m.alloc(ARRAY, refArray, length)
      for (let i = 0; i < length; i += p.fillStride) {
        m.alloc(SMALL, small)
        m.writeInt(SMALL, 0, i)
        m.store(ARRAY, i, SMALL)
      }
      m.clear(SMALL)
    }
    m.writeInt(ARRAY, 0, serial)
    if (rng.int(100) < p.keepPercent) {
      const slot = rng.int(p.live)
      if (tags[slot] >= 0) {
        m.load(OLD, TABLE, slot)
        if (m.readInt(OLD, 0) === tags[slot]) check++
        m.clear(OLD)
      }
      m.store(TABLE, slot, ARRAY)
      tags[slot] = serial
    } else if (m.readInt(ARRAY, 0) === serial) {
      check++ // a temporary: used once and dropped
    }
    m.clear(ARRAY)
  }
  for (let slot = 0; slot < p.live; slot++) {
    if (tags[slot] < 0) continue
    m.load(OLD, TABLE, slot)
    if (m.readInt(OLD, 0) === tags[slot]) check++
  }
  m.popFrame()
  return { check, checkLabel: 'arrays allocated and verified', observations: { aboveThreshold } }
}

export const largeObjects: Workload = {
  name: 'large-objects',
  description: 'Byte and reference arrays on both sides of the 85,000-byte LOH threshold, some long-lived',
  source: 'CLR large object heap (LARGE_OBJECT_SIZE = 85000, dotnet/runtime gc.cpp)',
  params: {
    arrays: { description: 'arrays allocated', min: 0, max: 100_000_000 },
    live: { description: 'slots of the long-lived table', min: 1, max: 1_000_000 },
    keepPercent: {
      description: 'percentage of arrays stored in the long-lived table (replacing one)',
      min: 0,
      max: 100,
    },
    minBytes: { description: 'smallest array in (CLR) bytes', min: 8, max: 100_000_000 },
    maxBytes: { description: 'largest array in (CLR) bytes', min: 8, max: 100_000_000 },
    fillStride: {
      description: 'a reference array gets a fresh small object every this many slots',
      min: 1,
      max: 1_000_000,
    },
  },
  sizes: {
    test: { arrays: 60, live: 8, keepPercent: 30, minBytes: 40_000, maxBytes: 160_000, fillStride: 256 },
    small: { arrays: 2_000, live: 32, keepPercent: 30, minBytes: 40_000, maxBytes: 160_000, fillStride: 128 },
    medium: {
      arrays: 10_000,
      live: 64,
      keepPercent: 30,
      minBytes: 40_000,
      maxBytes: 160_000,
      fillStride: 64,
    },
    large: {
      arrays: 50_000,
      live: 128,
      keepPercent: 30,
      minBytes: 40_000,
      maxBytes: 160_000,
      fillStride: 64,
    },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => p.arrays * (5 + (p.minBytes + p.maxBytes) / (10 * p.fillStride)), // the fill writes dominate
  expectedCheck: (p) => p.arrays,
  run,
}
