/**
 * The reachability oracle behind the CLR's finalizer thread: the model drains the f-reachable
 * queue at the start of an op, before the op reads its operands, so an op reading the global a
 * finalizer stores into sees the resurrected object. The oracle's slots must stay the manager's.
 */
import { resurrectionBeforeAnOp } from '@pygc/conformance'
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'

describe('withOracle on IronPython', () => {
  it('applies a finalizer the finalizer thread runs at an op boundary before the op reads global 1', () => {
    // GC.Collect() between ops queues the finalizer (gc.collect(), an op, would run it inside
    // itself); the drain runs at the start of the move, then the move reads global 1.
    const seen = resurrectionBeforeAnOp(new IronPythonManager(), (_, m) => m.native.clr.Collect())
    expect(seen).toEqual({
      beforeTheMove: 0,
      finalized: [[1, true]],
      local0: [1, 1],
      global1: [1, 1],
      leafReachable: false,
    })
  })
})
