/**
 * The fill rule of benchmarks/oracles/pypy/pypy_tuples.py, for the capability check: a Python
 * program makes a tuple with its items at once (`(a, b)`), so replay_pypy.py builds a trace's
 * tuple from its `alloc` and the stores that fill it before anything could observe the heap.
 * The fill of a tuple allocated into slot d is the run of ops after the alloc that are each a
 * store into d (its source not d) or a writeInt into d, or an op that neither allocates, nor
 * collects, nor runs code, nor uses d: load, move, clear, readInt, isNull, same, lengthOf (none
 * on or into d), pushFrame, popFrame of a frame that does not hold d. Any other op ends it. A
 * store or writeInt into a tuple outside its fill needs 'tuple-store'.
 *
 * Slots are keyed as replay_pypy.py indexes them: a local by its place in the whole stack of
 * frames (>= 0), a global by its slot number (< 0), so a fill survives pushFrame.
 */
import type { TraceOp } from '@pygc/core'

/** The slot key of the tuple whose fill is open, or null when none is. */
export class TupleFill {
  open: number | null = null

  /**
   * Whether `op` (with `key` giving a slot's key, `base` the current frame's first key) keeps
   * the open fill going; false also when no fill is open.
   */
  keeps(op: TraceOp, key: (slot: number) => number, base: number): boolean {
    const d = this.open
    if (d === null) return false
    switch (op.op) {
      case 'store':
        return key(op.obj) === d && key(op.src) !== d
      case 'writeInt':
        return key(op.obj) === d
      case 'load':
        return key(op.dst) !== d && key(op.obj) !== d
      case 'move':
        return key(op.dst) !== d && key(op.src) !== d
      case 'clear':
        return key(op.dst) !== d
      case 'readInt':
        return key(op.obj) !== d
      case 'isNull':
      case 'lengthOf':
        return key(op.s) !== d
      case 'same':
        return key(op.a) !== d && key(op.b) !== d
      case 'pushFrame':
        return true
      case 'popFrame':
        return d < base
      default:
        return false
    }
  }
}
