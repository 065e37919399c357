/**
 * A long linked chain dropped at once: `length` nodes linked by `next`, held only through the
 * head in a global, walked, then the head is dropped. CPython frees the whole chain in one
 * cascade of deallocations (its trashcan keeps the C stack flat); a tracing collector finds
 * it all dead at the next collection. The published size is a 1,000,000-long chain.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

const HEAD = programGlobal(0)
const NEXT = 0

/** Build the chain behind HEAD in a frame of its own (the Python builder function). */
function buildChain(m: Mutator, nodeType: number, length: number): void {
  const TAIL = 0
  const NODE = 1
  m.pushFrame(2)
  m.alloc(HEAD, nodeType)
  m.writeInt(HEAD, 0, 0)
  m.move(TAIL, HEAD)
  for (let i = 1; i < length; i++) {
    m.alloc(NODE, nodeType)
    m.writeInt(NODE, 0, i)
    m.store(TAIL, NEXT, NODE)
    m.move(TAIL, NODE)
  }
  m.popFrame()
}

/** Nodes reached from HEAD whose value is their position. */
function walkChain(m: Mutator): number {
  const CURSOR = 0
  m.pushFrame(1)
  m.move(CURSOR, HEAD)
  let verified = 0
  for (let i = 0; !m.isNull(CURSOR); i++) {
    if (m.readInt(CURSOR, 0) === i) verified++
    m.load(CURSOR, CURSOR, NEXT)
  }
  m.popFrame()
  return verified
}

function run(m: Mutator, p: Readonly<Record<string, number>>, _rng: Rng): WorkloadResult {
  const nodeType = m.defineType({ name: 'Node', refs: 1, ints: 1, shape: 'slots' })
  declareGlobals(m, 1)
  let check = 0
  let collectedSum = 0
  for (let round = 0; round < p.rounds; round++) {
    buildChain(m, nodeType, p.length)
    check += walkChain(m)
    m.clear(HEAD) // the whole chain becomes garbage at once
    collectedSum += m.collect()
  }
  return { check, checkLabel: 'chain nodes walked', observations: { collectReturnedSum: collectedSum } }
}

export const longChain: Workload = {
  name: 'long-chain',
  description: 'A long linked chain held by its head, walked, then dropped at once (deep deallocation)',
  source: "CPython's trashcan (Include/cpython/object.h, Py_TRASHCAN_BEGIN) exists for exactly this shape",
  params: {
    length: { description: 'nodes in the chain', min: 1, max: 100_000_000 },
    rounds: { description: 'chains built and dropped one after another', min: 1, max: 10_000 },
  },
  sizes: {
    test: { length: 10_000, rounds: 2 },
    small: { length: 200_000, rounds: 3 },
    medium: { length: 1_000_000, rounds: 3 },
    large: { length: 1_000_000, rounds: 10 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 7 * p.length * p.rounds, // ~7 ops per chain link
  expectedCheck: (p) => p.length * p.rounds,
  run,
}
