/**
 * A fragmentation maker: objects of mixed sizes (mostly small, some medium, a few large)
 * with interleaved lifetimes — each allocation is either long-lived (stored into a random slot
 * of a long table, replacing an older object) or short-lived (a ring buffer that drops it a
 * little later). Every `phase` allocations, every other long-lived object is dropped, leaving
 * holes between survivors that the following (differently sized) allocations may not fit.
 * Non-moving heaps fragment; compacting ones pay to slide the survivors.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const LONG = programGlobal(0)
const SHORT = programGlobal(1)
const FRESH = 0
const OLD = 1

/** Size classes in payload bytes: [upper bound of the draw in percent, min, max]. */
const SIZE_CLASSES: readonly (readonly [number, number, number])[] = [
  [70, 8, 64], // small: most Python objects
  [95, 256, 2_048], // medium: strings, small buffers
  [100, 8_192, 32_768], // large, still below the CLR's 85,000-byte LOH threshold
]

function drawSize(rng: Rng): number {
  const pick = rng.int(100)
  for (const [upTo, min, max] of SIZE_CLASSES) if (pick < upTo) return rng.range(min, max)
  return 8
}

/** Verify and drop the object in `table[slot]` if the JS side says one is there. */
function retire(m: Mutator, table: number, tags: Int32Array, slot: number): number {
  if (tags[slot] < 0) return 0
  m.load(OLD, table, slot)
  const ok = m.readInt(OLD, 0) === tags[slot] ? 1 : 0
  m.clear(OLD)
  tags[slot] = -1
  return ok
}

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const blob = m.defineType({ name: 'bytes', refs: 0, ints: 1, variable: 'bytes' })
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 2)
  m.alloc(LONG, listType, p.longSlots)
  m.alloc(SHORT, listType, p.shortSlots)
  const longTags = new Int32Array(p.longSlots).fill(-1)
  const shortTags = new Int32Array(p.shortSlots).fill(-1)
  let check = 0
  let ring = 0
  m.pushFrame(2)
  for (let serial = 0; serial < p.allocations; serial++) {
    m.alloc(FRESH, blob, drawSize(rng))
    m.writeInt(FRESH, 0, serial)
    if (rng.int(100) < p.longPercent) {
      const slot = rng.int(p.longSlots)
      check += retire(m, LONG, longTags, slot)
      m.store(LONG, slot, FRESH)
      longTags[slot] = serial
    } else {
      check += retire(m, SHORT, shortTags, ring)
      m.store(SHORT, ring, FRESH)
      shortTags[ring] = serial
      ring = (ring + 1) % p.shortSlots
    }
    m.clear(FRESH)
    if ((serial + 1) % p.phase === 0) {
      // Punch holes: drop every other long-lived object.
      for (let slot = ((serial + 1) / p.phase) & 1; slot < p.longSlots; slot += 2) {
        if (longTags[slot] < 0) continue
        check += retire(m, LONG, longTags, slot)
        m.store(LONG, slot, OLD) // OLD is null after retire
      }
    }
  }
  for (let slot = 0; slot < p.longSlots; slot++) check += retire(m, LONG, longTags, slot)
  for (let slot = 0; slot < p.shortSlots; slot++) check += retire(m, SHORT, shortTags, slot)
  m.popFrame()
  return { check, checkLabel: 'objects verified when dropped' }
}

export const fragmentation: Workload = {
  name: 'fragmentation',
  description: 'Interleaved short and long lifetimes of mixed sizes, with periodic holes punched',
  source:
    'fragmentation makers in the style of Johnstone & Wilson, "The memory fragmentation problem: solved?" (1998)',
  params: {
    allocations: { description: 'objects allocated', min: 0, max: 1_000_000_000 },
    longSlots: { description: 'slots of the long-lived table', min: 1, max: 10_000_000 },
    shortSlots: {
      description: 'slots of the short-lived ring (an object lives this many short allocations)',
      min: 1,
      max: 10_000_000,
    },
    longPercent: { description: 'percentage of allocations that are long-lived', min: 0, max: 100 },
    phase: {
      description: 'every this many allocations, every other long-lived object is dropped',
      min: 1,
      max: 1_000_000_000,
    },
  },
  sizes: {
    test: { allocations: 20_000, longSlots: 2_000, shortSlots: 200, longPercent: 30, phase: 5_000 },
    small: { allocations: 200_000, longSlots: 20_000, shortSlots: 2_000, longPercent: 30, phase: 50_000 },
    medium: {
      allocations: 3_000_000,
      longSlots: 200_000,
      shortSlots: 5_000,
      longPercent: 30,
      phase: 500_000,
    },
    // large scales the run's length, not its live set: 40 phases of medium's table and phase
    // length (~1.4×10^8 ops). The live table must fit every runtime's default heap, or the run
    // measures an out-of-memory error instead of fragmentation. At medium the run peaks at
    // (modeled live bytes, pygc run metrics.peakLiveBytes) 370 MiB on jython, whose default is
    // -Xmx512m (packages/jython options.ts: the upstream launcher's JAVA_MEM default,
    // jython/jython src/shell/jython.py; Debian's /usr/bin/jython passes no -Xmx, so there the
    // JVM takes 1/4 of RAM); 622 MiB on ironpython (the model's 2 GiB default heap limit,
    // packages/ironpython manager.ts); 407 MiB on pypy (the model's 2 GiB address space,
    // packages/pypy memory.ts MAX_ADDRESS; PYPY_GC_MAX unset); 189 MiB on cpython (the model's
    // 2 GiB default limit, packages/cpython options.ts). With 1,000,000 long slots (~1.3 KB mean
    // object, ~1.3 GB live) large ended in OutOfMemoryError on jython and MemoryError on pypy,
    // and ironpython peaked at its 2 GiB limit (benchmarks/host/SCALING.md).
    large: {
      allocations: 20_000_000,
      longSlots: 200_000,
      shortSlots: 10_000,
      longPercent: 30,
      phase: 500_000,
    },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 7.15 * p.allocations, // ~7 ops per allocation
  expectedCheck: (p) => p.allocations,
  run,
}
