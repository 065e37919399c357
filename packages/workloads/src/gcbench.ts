/**
 * GCBench (Hans Boehm, John Ellis, Paul Wilson...): a stretch tree, a long-lived tree plus a
 * long-lived array of doubles, then for each depth NumIters(d) trees built top-down (Populate:
 * parents before children) and as many bottom-up (MakeTree: children before parents), each
 * dropped at once. The array is an `array('d')` of 8-byte doubles (a raw buffer, no references).
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal, REG_ARG, takeReturn } from './program.js'
import { buildBottomUp, countNodes, populateTopDown, treeSize } from './trees.js'
import type { Workload, WorkloadResult } from './types.js'

const LONG_LIVED_TREE = programGlobal(0)
const LONG_LIVED_ARRAY = programGlobal(1)
const TEMP_TREE = 0 // TimeConstruction's local `tempTree`
/** Bytes per element of the double array (Java double[], Python array('d')). */
const DOUBLE_BYTES = 8

/** GCBench: NumIters(i) = 2 * TreeSize(kStretchTreeDepth) / TreeSize(i). */
function numIters(stretchDepth: number, depth: number): number {
  return Math.floor((2 * treeSize(stretchDepth)) / treeSize(depth))
}

/** The stretch tree and the long-lived tree are counted node by node. */
function expectedCheck(p: Readonly<Record<string, number>>): number {
  return treeSize(p.stretchDepth) + treeSize(p.longLivedDepth)
}

function timeConstruction(m: Mutator, node: number, stretchDepth: number, depth: number): void {
  const iters = numIters(stretchDepth, depth)
  m.pushFrame(1)
  for (let i = 0; i < iters; i++) {
    m.alloc(TEMP_TREE, node)
    m.move(REG_ARG, TEMP_TREE)
    populateTopDown(m, node, depth)
    m.clear(REG_ARG)
    m.clear(TEMP_TREE)
  }
  for (let i = 0; i < iters; i++) {
    buildBottomUp(m, node, depth)
    takeReturn(m, TEMP_TREE)
    m.clear(TEMP_TREE)
  }
  m.popFrame()
}

function run(m: Mutator, p: Readonly<Record<string, number>>, _rng: Rng): WorkloadResult {
  const node = m.defineType({ name: 'Node', refs: 2, ints: 2, shape: 'dict-instance' })
  const doubles = m.defineType({ name: 'array.d', refs: 0, variable: 'bytes' })
  declareGlobals(m, 2)
  m.pushFrame(1)
  // Stretch the heap with a tree of the stretch depth, counted, then dropped.
  buildBottomUp(m, node, p.stretchDepth)
  takeReturn(m, TEMP_TREE)
  m.move(REG_ARG, TEMP_TREE)
  let check = countNodes(m)
  m.clear(REG_ARG)
  m.clear(TEMP_TREE)

  m.alloc(LONG_LIVED_TREE, node)
  m.move(REG_ARG, LONG_LIVED_TREE)
  populateTopDown(m, node, p.longLivedDepth)
  m.clear(REG_ARG)
  m.alloc(LONG_LIVED_ARRAY, doubles, p.arraySize * DOUBLE_BYTES)

  for (let d = p.minDepth; d <= p.maxDepth; d += 2) timeConstruction(m, node, p.stretchDepth, d)

  // GCBench's final check: the long-lived data must have survived every collection.
  m.move(REG_ARG, LONG_LIVED_TREE)
  check += countNodes(m)
  m.clear(REG_ARG)
  m.popFrame()
  return { check, checkLabel: 'stretch + long-lived tree nodes counted' }
}

export const gcbench: Workload = {
  name: 'gcbench',
  description:
    "Boehm's GCBench: top-down and bottom-up trees of many depths beside a long-lived tree and array",
  source:
    'Boehm, Ellis, Wilson: GCBench.java (kStretchTreeDepth 18, kLongLivedTreeDepth 16, kArraySize 500000)',
  params: {
    stretchDepth: { description: 'kStretchTreeDepth: depth of the stretch tree', min: 1, max: 24 },
    longLivedDepth: { description: 'kLongLivedTreeDepth: depth of the long-lived tree', min: 0, max: 22 },
    arraySize: { description: 'kArraySize: doubles in the long-lived array', min: 0, max: 50_000_000 },
    minDepth: { description: 'kMinTreeDepth: first depth of the temporary trees', min: 0, max: 22 },
    maxDepth: { description: 'kMaxTreeDepth: last depth of the temporary trees (step 2)', min: 0, max: 22 },
  },
  sizes: {
    test: { stretchDepth: 10, longLivedDepth: 8, arraySize: 10_000, minDepth: 4, maxDepth: 8 },
    small: { stretchDepth: 14, longLivedDepth: 12, arraySize: 100_000, minDepth: 4, maxDepth: 12 },
    medium: { stretchDepth: 16, longLivedDepth: 14, arraySize: 250_000, minDepth: 4, maxDepth: 14 },
    large: { stretchDepth: 18, longLivedDepth: 16, arraySize: 500_000, minDepth: 4, maxDepth: 16 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) =>
    5 * (treeSize(p.stretchDepth) * (1 + 2 * (p.maxDepth - p.minDepth + 2)) + treeSize(p.longLivedDepth)) +
    0.85 * p.arraySize, // ~5 ops per tree node
  expectedCheck,
  run,
}
