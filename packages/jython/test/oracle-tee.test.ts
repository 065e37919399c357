/**
 * The reachability oracle behind Jython's finalizer thread: the model drains the queue at the
 * start of an op, before the op reads its operands, so an op reading the global a __del__
 * stores into sees the resurrected object. The oracle's slots must stay the manager's slots.
 */
import { resurrectionBeforeAnOp } from '@pygc/conformance'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

describe('withOracle on Jython', () => {
  it('applies a __del__ the finalizer thread runs at an op boundary before the op reads global 1', () => {
    // collect() finds the phoenix unreachable and queues its finalizer; the drain runs at the
    // start of the move (global 1 := the phoenix, the leaf dropped), then the move reads global 1.
    const seen = resurrectionBeforeAnOp(new JythonManager(), (mutator) => mutator.collect())
    expect(seen).toEqual({
      beforeTheMove: 0,
      finalized: [[1, true]],
      local0: [1, 1],
      global1: [1, 1],
      leafReachable: false,
    })
  })
})
