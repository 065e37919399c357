/**
 * binary-trees, the Computer Language Benchmarks Game program (itself from Boehm's GCBench):
 * a stretch tree of depth max+1 built, checked and dropped; a long-lived tree of depth max kept
 * alive throughout; for d = min, min+2, ..., max, 2^(max-d+min) trees of depth d built,
 * checked and dropped. Nodes are `(left, right)` tuples, leaves `(None, None)`, as in the
 * CLBG Python program.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal, REG_ARG, takeReturn } from './program.js'
import { buildBottomUp, countNodes, treeSize } from './trees.js'
import type { Workload, WorkloadResult } from './types.js'

const LONG_LIVED = programGlobal(0)
const TREE = 0 // main's local `tree`

/** CLBG: max_depth = max(min_depth + 2, n). */
function effectiveMaxDepth(p: Readonly<Record<string, number>>): number {
  return Math.max(p.minDepth + 2, p.maxDepth)
}

/** 2^(max - d + min) trees of depth d (CLBG). */
function iterations(maxDepth: number, minDepth: number, depth: number): number {
  return 2 ** (maxDepth - depth + minDepth)
}

function expectedCheck(p: Readonly<Record<string, number>>): number {
  const max = effectiveMaxDepth(p)
  let total = treeSize(max + 1) + treeSize(max)
  for (let d = p.minDepth; d <= max; d += 2) total += iterations(max, p.minDepth, d) * treeSize(d)
  return total
}

/** Build a tree of `depth` into main's local, count it, drop it. */
function buildCheckDrop(m: Mutator, node: number, depth: number): number {
  buildBottomUp(m, node, depth)
  takeReturn(m, TREE)
  m.move(REG_ARG, TREE)
  const count = countNodes(m)
  m.clear(REG_ARG)
  m.clear(TREE)
  return count
}

function run(m: Mutator, p: Readonly<Record<string, number>>, _rng: Rng): WorkloadResult {
  const node = m.defineType({ name: 'TreeNode', refs: 2, shape: 'tuple' })
  declareGlobals(m, 1)
  const max = effectiveMaxDepth(p)
  m.pushFrame(1)
  let check = buildCheckDrop(m, node, max + 1)
  buildBottomUp(m, node, max)
  takeReturn(m, LONG_LIVED)
  for (let d = p.minDepth; d <= max; d += 2) {
    const n = iterations(max, p.minDepth, d)
    for (let i = 0; i < n; i++) check += buildCheckDrop(m, node, d)
  }
  m.move(REG_ARG, LONG_LIVED)
  check += countNodes(m)
  m.clear(REG_ARG)
  m.popFrame()
  return { check, checkLabel: 'tree nodes checked' }
}

export const binaryTrees: Workload = {
  name: 'binary-trees',
  description: 'CLBG binary-trees: many short-lived complete binary trees beside one long-lived tree',
  source: 'Computer Language Benchmarks Game, binary-trees (Python 3 #2); Boehm GCBench',
  params: {
    maxDepth: { description: 'N: the long-lived tree depth (CLBG uses max(min + 2, N))', min: 1, max: 30 },
    minDepth: { description: 'depth of the smallest trees (CLBG: 4)', min: 1, max: 20 },
  },
  sizes: {
    // test: ~38k nodes; small: ~0.6 M nodes (a few seconds on a model; CLBG's correctness size is N = 10).
    test: { maxDepth: 8, minDepth: 4 },
    small: { maxDepth: 12, minDepth: 4 },
    medium: { maxDepth: 16, minDepth: 4 },
    // N = 20 (~300 M allocations, ~3.1×10^9 ops), one below CLBG's performance size N = 21: at
    // N = 21 the stretch tree (depth 22: 8.4 M nodes of 72 bytes, 604 MB) alone is past jython's
    // default -Xmx512m (packages/jython options.ts), so the run measured
    // java.lang.OutOfMemoryError ("cannot allocate 72 bytes: Java heap space"), not the collector.
    // At N = 20 the stretch tree is 302 MB and the long-lived tree 151 MB. CLBG's size:
    // `--param maxDepth=21 --heap-limit jython=1000000000`.
    large: { maxDepth: 20, minDepth: 4 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 10.5 * expectedCheck(p), // ~10.5 ops per tree node checked
  expectedCheck,
  run,
}
