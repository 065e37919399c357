/**
 * A small scene for a runtime package's tests of the oracle tee: the manager behind withOracle
 * (verifying weak references), a log of its finalize events, two globals, a leaf type, a holder
 * (one reference field), a phoenix whose finalizer stores it into global 1, and one frame of
 * three locals. The tests then run a finalizer at the runtime's own moment in an op and compare
 * the oracle's slots with the manager's.
 */
import { type GcEvent, globalSlot, type MemoryManager, type Mutator, withOracle } from '@pygc/core'

export function oracleScene<M extends MemoryManager>(m: M) {
  const { mutator, oracle } = withOracle(m, { verifyWeakrefs: true })
  const finalized: Extract<GcEvent, { type: 'finalize' }>[] = []
  m.on((e) => {
    if (e.type === 'finalize') finalized.push(e)
  })
  mutator.defineGlobals(2)
  const leaf = mutator.defineType({ name: 'leaf', refs: 0, ints: 1 })
  const holder = mutator.defineType({ name: 'holder', refs: 1, ints: 1 })
  const phoenix = mutator.defineType({ name: 'phoenix', refs: 1, ints: 1, finalizer: { resurrectInto: 1 } })
  mutator.pushFrame(3)
  return { m, mutator, oracle, finalized, leaf, holder, phoenix }
}

/**
 * A finalizer run by a finalizer thread at an op boundary: global 1 holds a leaf (id 0), a
 * phoenix (id 1) dies, `queueFinalizer` runs a collection that queues its finalizer, then
 * `move(local 0, global 1)`. A runtime that drains its queue at the start of an op runs the
 * finalizer (global 1 := the phoenix) before the move reads global 1. Returns the finalize
 * events before and after the move, and what the manager and the oracle hold then.
 */
export function resurrectionBeforeAnOp<M extends MemoryManager>(
  m: M,
  queueFinalizer: (mutator: Mutator, m: M) => void,
) {
  const { mutator, oracle, finalized, leaf, phoenix } = oracleScene(m)
  const G1 = globalSlot(1)
  mutator.alloc(G1, leaf)
  mutator.alloc(0, phoenix)
  mutator.clear(0)
  queueFinalizer(mutator, m)
  const beforeTheMove = finalized.length
  mutator.move(0, G1)
  return {
    beforeTheMove,
    finalized: finalized.map((e) => [e.id, e.betweenOps]),
    local0: [m.objectId(0), oracle.idIn(0)],
    global1: [m.objectId(G1), oracle.idIn(G1)],
    leafReachable: oracle.isReachable(0),
  }
}
