/**
 * pyperformance gc_collect: CYCLES rings of LINKS + 1 `Node` objects linked both ways
 * (next/prev), kept in a list, dropped at once, then `gc.collect()` — the cycle collector's
 * best case of pure cyclic garbage. Each ring is walked before the drop (the self-check);
 * what gc.collect() returned differs between runtimes and is an observation.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, REG_ARG, REG_RET, takeReturn } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const NEXT = 0
const PREV = 1

/** create_cycle(node, n_links): a ring starting at the node in the argument register. */
function createCycle(m: Mutator, nodeType: number, links: number): void {
  const NODE = 0
  const CURRENT = 1
  const NEXT_NODE = 2
  m.pushFrame(3)
  m.move(NODE, REG_ARG)
  m.clear(REG_ARG)
  m.move(CURRENT, NODE)
  for (let i = 0; i < links; i++) {
    m.alloc(NEXT_NODE, nodeType)
    // link_nodes(current, next_node), inlined
    m.store(CURRENT, NEXT, NEXT_NODE)
    m.store(NEXT_NODE, PREV, CURRENT)
    m.move(CURRENT, NEXT_NODE)
  }
  m.store(CURRENT, NEXT, NODE)
  m.store(NODE, PREV, CURRENT)
  m.popFrame()
}

/** create_gc_cycles(n_cycles, n_links): returns the list of rings in the return register. */
function createGcCycles(m: Mutator, nodeType: number, listType: number, cycles: number, links: number): void {
  const CYCLES = 0
  const NODE = 1
  m.pushFrame(2)
  m.alloc(CYCLES, listType, cycles)
  for (let c = 0; c < cycles; c++) {
    m.alloc(NODE, nodeType)
    m.store(CYCLES, c, NODE)
    m.move(REG_ARG, NODE)
    createCycle(m, nodeType, links)
  }
  m.move(REG_RET, CYCLES)
  m.popFrame()
}

/**
 * Walk every ring of the list in the argument register by `next` and back by `prev`; returns
 * the nodes of rings that close both ways.
 */
function walkRings(m: Mutator, cycles: number): number {
  const START = 0
  const CURSOR = 1
  const ALL_CYCLES = 2
  m.pushFrame(3)
  m.move(ALL_CYCLES, REG_ARG)
  m.clear(REG_ARG)
  let nodes = 0
  for (let c = 0; c < cycles; c++) {
    m.load(START, ALL_CYCLES, c)
    m.move(CURSOR, START)
    let forward = 0
    do {
      m.load(CURSOR, CURSOR, NEXT)
      forward++
    } while (!m.same(CURSOR, START))
    let backward = 0
    do {
      m.load(CURSOR, CURSOR, PREV)
      backward++
    } while (!m.same(CURSOR, START))
    if (forward === backward) nodes += forward
  }
  m.popFrame()
  return nodes
}

function run(m: Mutator, p: Readonly<Record<string, number>>, _rng: Rng): WorkloadResult {
  const nodeType = m.defineType({ name: 'Node', refs: 2, shape: 'dict-instance' })
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 0)
  const ALL_CYCLES = 0
  m.pushFrame(1)
  let check = 0
  let collectedSum = 0
  for (let loop = 0; loop < p.loops; loop++) {
    m.collect()
    createGcCycles(m, nodeType, listType, p.cycles, p.links)
    takeReturn(m, ALL_CYCLES)
    m.move(REG_ARG, ALL_CYCLES)
    check += walkRings(m, p.cycles)
    m.clear(ALL_CYCLES) // del all_cycles
    collectedSum += m.collect() // the timed gc.collect()
  }
  m.popFrame()
  return {
    check,
    checkLabel: 'ring nodes walked both ways',
    observations: { collectReturnedSum: collectedSum },
  }
}

export const gcCollect: Workload = {
  name: 'gc-collect',
  description: 'pyperformance gc_collect: rings of doubly linked nodes dropped, then gc.collect()',
  source: 'pyperformance bm_gc_collect (CYCLES = 100, LINKS = 20)',
  params: {
    cycles: { description: 'CYCLES: rings per loop', min: 1, max: 1_000_000 },
    links: {
      description: 'LINKS: nodes added to each ring (a ring has LINKS + 1 nodes)',
      min: 1,
      max: 1_000_000,
    },
    loops: { description: 'benchmark loops (each builds, drops and collects)', min: 1, max: 1_000_000 },
  },
  sizes: {
    test: { cycles: 100, links: 20, loops: 3 },
    small: { cycles: 100, links: 20, loops: 100 },
    medium: { cycles: 100, links: 20, loops: 500 },
    large: { cycles: 100, links: 20, loops: 2000 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 8.8 * p.loops * p.cycles * p.links, // ~9 ops per cycle link
  expectedCheck: (p) => p.loops * p.cycles * (p.links + 1),
  run,
}
