/**
 * Objects with finalizers: an app-level `__del__`, and the lifeline of an object with weakref
 * callbacks. PyPy registers such an object with its finalizer queue when it is made
 * (FinalizerQueue.register_finalizer -> incminimark.py:1697 register_finalizer).
 *
 *  - A minor collection keeps every young registered object alive and moves it to the old list
 *    (deal_with_young_objects_with_finalizers, incminimark.py:2836): a young object with a
 *    finalizer always survives its first minor collection.
 *  - A major collection, once marking is done, walks the old list in registration order
 *    (deal_with_objects_with_finalizers, incminimark.py:2848; pypy/doc/discussion/
 *    finalizer-order.txt). An unmarked object x is marked "to finalize" (state 1, its size
 *    counted in kept_alive_by_finalizer) with everything it reaches that is not marked yet;
 *    then all of that is marked (state 2). An object with a finalizer that another one being
 *    finalized reaches is therefore marked by then and waits for a later collection, and a
 *    state-2 object reached from a later x drops to state 3: only the objects no other dying
 *    finalizer reaches are finalized now. In a cycle of two objects with __del__, one is
 *    finalized per major collection, the first registered first; in a chain A -> B, A first.
 *    Weakrefs to anything in state 2 are cleared (weakrefs.ts). Finalized objects leave the
 *    list for good: `__del__` never runs twice, even after resurrection; nothing ever goes to
 *    gc.garbage.
 *  - The queue is run later by the interpreter (UserDelAction, pypy/interpreter/
 *    executioncontext.py:606): at the next bytecode boundary of the thread, or at the end of
 *    gc.collect(), in queue order; `__del__` of an object runs after its weakrefs are cleared.
 *    While gc.disable() holds, nothing runs (gc.collect() still runs them).
 * The queued objects are roots of the next major collections until they have run
 * (enum_pending_finalizers, in collect_nonstack_roots, incminimark.py:2632).
 */
import { IntList } from '@pygc/core'
import type { GcState } from './gc-state.js'
import type { Heap } from './heap.js'
import { FINALIZATION_ORDERING, H_EXTRA, H_WORDS, VISITED } from './objects.js'

export class Finalizers {
  /** The finalizer queue: objects found unreachable, waiting to run (FIFO). */
  readonly queue = new IntList(16)
  private readonly marked = new IntList(16)
  private readonly pending = new IntList(64)
  private readonly tmp = new IntList(64)

  constructor(
    private readonly s: GcState,
    /** Mark everything reachable from what is on objects_to_trace (the major collector's visit). */
    private readonly visitAll: () => void,
  ) {}

  /** The finalization state of an object (incminimark.py:2913 _finalization_state). */
  state(a: number): number {
    const tid = this.s.mem.w[a >> 2]
    if ((tid & VISITED) !== 0) return (tid & FINALIZATION_ORDERING) !== 0 ? 2 : 3
    return (tid & FINALIZATION_ORDERING) !== 0 ? 1 : 0
  }

  /** Push every strong reference of `a` (its fields and its lifeline) onto `stack`. */
  private pushRefs(a: number, stack: IntList): void {
    const heap: Heap = this.s.heap
    const w = this.s.mem.w
    const n = heap.tracedWords(a)
    const base = (a >> 2) + H_WORDS
    for (let i = 0; i < n; i++) {
      const v = w[base + i]
      if (v !== 0) stack.push(v)
    }
    if (heap.hasLifelineSlot(a)) {
      const l = w[(a >> 2) + H_EXTRA]
      if (l !== 0) stack.push(l)
    }
  }

  /** deal_with_objects_with_finalizers (incminimark.py:2848). */
  dealWithObjectsWithFinalizers(invalidateOldWeakrefs: () => void): void {
    const s = this.s
    const w = s.mem.w
    const list = s.oldObjectsWithFinalizers
    const survivors = new IntList(Math.max(16, list.length))
    const marked = this.marked
    const pending = this.pending
    marked.clear()
    for (let i = 0; i < list.length; i++) {
      const x = list.items[i]
      if ((w[x >> 2] & VISITED) !== 0) {
        survivors.push(x)
        continue
      }
      marked.push(x)
      pending.clear()
      pending.push(x)
      while (pending.length > 0) {
        const y = pending.pop()
        const st = this.state(y)
        if (st === 0) {
          // _bump_finalization_state_from_0_to_1: not counted as alive for the next threshold.
          w[y >> 2] |= FINALIZATION_ORDERING
          s.keptAliveByFinalizer += s.heap.sizeOf(y)
          this.pushRefs(y, pending)
        } else if (st === 2) {
          this.bumpFrom2To3(y)
        }
      }
      // _recursively_bump_finalization_state_from_1_to_2: visit_all_objects marks them.
      s.objectsToTrace.push(x)
      this.visitAll()
    }
    invalidateOldWeakrefs()
    for (let i = 0; i < marked.length; i++) {
      const x = marked.items[i]
      if (this.state(x) === 2) {
        this.queue.push(x)
        this.bumpFrom2To3(x)
      } else {
        survivors.push(x)
      }
    }
    s.oldObjectsWithFinalizers = survivors
  }

  /** _recursively_bump_finalization_state_from_2_to_3 (incminimark.py:2944). */
  private bumpFrom2To3(a: number): void {
    const w = this.s.mem.w
    const stack = this.tmp
    stack.clear()
    stack.push(a)
    while (stack.length > 0) {
      const y = stack.pop()
      if ((w[y >> 2] & FINALIZATION_ORDERING) !== 0) {
        w[y >> 2] &= ~FINALIZATION_ORDERING
        this.pushRefs(y, stack)
      }
    }
  }
}
