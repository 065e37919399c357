/**
 * pyperformance gc_traversal: for n = 0..N_LEVELS-1 a list of length n whose every slot points
 * to the previous list, so the collector traverses ~N_LEVELS²/2 references of a fully live
 * graph and collects nothing — the cost of tracing live data.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, REG_ARG, REG_RET, takeReturn } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

/** create_recursive_containers(n_levels): the outermost list in the return register. */
function createRecursiveContainers(m: Mutator, listType: number, levels: number): void {
  const CURRENT = 0
  const NEW = 1
  m.pushFrame(2)
  m.alloc(CURRENT, listType, 0)
  for (let n = 0; n < levels; n++) {
    m.alloc(NEW, listType, n)
    for (let index = 0; index < n; index++) m.store(NEW, index, CURRENT)
    m.move(CURRENT, NEW)
  }
  m.clear(NEW)
  m.move(REG_RET, CURRENT)
  m.popFrame()
}

/** Walk down from the list in the argument register; counts the slots of each list whose first and last slots agree. */
function walkLevels(m: Mutator): number {
  const LIST = 0
  const FIRST = 1
  const LAST = 2
  m.pushFrame(3)
  m.move(LIST, REG_ARG)
  m.clear(REG_ARG)
  let slots = 0
  for (let n = m.lengthOf(LIST); n > 0; n = m.lengthOf(LIST)) {
    m.load(FIRST, LIST, 0)
    m.load(LAST, LIST, n - 1)
    if (m.same(FIRST, LAST)) slots += n
    m.move(LIST, FIRST)
  }
  m.popFrame()
  return slots
}

function run(m: Mutator, p: Readonly<Record<string, number>>, _rng: Rng): WorkloadResult {
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 0)
  const ALL_CYCLES = 0
  m.pushFrame(1)
  createRecursiveContainers(m, listType, p.levels)
  takeReturn(m, ALL_CYCLES)
  let collectedSum = 0
  for (let loop = 0; loop < p.loops; loop++) {
    m.collect()
    collectedSum += m.collect() // the timed gc.collect(): finds nothing
  }
  m.move(REG_ARG, ALL_CYCLES)
  const check = walkLevels(m)
  m.popFrame()
  return { check, checkLabel: 'list slots walked', observations: { collectReturnedSum: collectedSum } }
}

export const gcTraversal: Workload = {
  name: 'gc-traversal',
  description: 'pyperformance gc_traversal: gc.collect() over a fully live graph of nested lists',
  source: 'pyperformance bm_gc_traversal (N_LEVELS = 1000)',
  params: {
    levels: { description: 'N_LEVELS: lists built, of lengths 0..N_LEVELS-1', min: 1, max: 20_000 },
    loops: { description: 'benchmark loops (two gc.collect() each)', min: 1, max: 100_000 },
  },
  sizes: {
    test: { levels: 200, loops: 2 },
    small: { levels: 1000, loops: 10 },
    medium: { levels: 1000, loops: 50 },
    large: { levels: 1000, loops: 200 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 50.5 * p.levels * p.loops, // ~50 ops per level per loop
  expectedCheck: (p) => (p.levels * (p.levels - 1)) / 2,
  run,
}
