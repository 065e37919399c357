/**
 * CPython 3.10's frames are GC objects (3.11 made them plain interpreter memory): a Python call
 * takes its code object's "zombie" frame, else one from the frame free list (200), else a fresh
 * GC allocation, which counts toward generation 0 and may start a collection
 * (Objects/frameobject.c frame_alloc, 3.10.13 :781-829). A returning frame becomes its code
 * object's zombie if that slot is empty, else goes to the free list, else to PyObject_GC_Del
 * (frame_dealloc :581-627); a full collection empties the free list (_PyFrame_ClearFreeList
 * :1130, the first of clear_freelists, Modules/gcmodule.c :1039).
 *
 * The calls the model sees are the program's `__del__`s (replay.py's three finalizer functions,
 * one code object each, warmed before its op loop so that each has its zombie frame). A first-level
 * call reuses the zombie; a `__del__` that runs while another of the same code is still on the
 * stack (a resurrecting finalizer whose store kills an object with the same finalizer) needs a
 * frame of its own: that is the allocation this models. Frames are never tracked while they run
 * (_PyEval_Vector tracks a frame only when it outlives its call), so a collection never sees
 * them. Their pymalloc blocks are not modeled (one block of the 432-byte class per frame alive).
 */
import { FRAME_MAXFREELIST } from './constants.js'
import type { GcState } from './gc-state.js'
import type { TypeLayout } from './layout.js'

/** replay.py's finalizer code objects: make_del's two `__del__`s and make_allocating_del's. */
const PLAIN_DEL = 0
const RESURRECTING_DEL = 1
const ALLOCATING_DEL = 2

export class FrameObjects {
  /** Per code object: its zombie frame is free (replay.py's warm-up made one for each). */
  private readonly zombie = [true, true, true]
  private freeList = 0

  constructor(private readonly st: GcState) {}

  /** The code object of a type's `__del__` in replay.py. */
  static codeOf(layout: TypeLayout): number {
    if (layout.finalizerAllocs !== null) return ALLOCATING_DEL
    return layout.resurrectInto >= 0 ? RESURRECTING_DEL : PLAIN_DEL
  }

  /** frame_alloc for a call of `code`. */
  enter(code: number): void {
    if (this.zombie[code]) {
      this.zombie[code] = false
    } else if (this.freeList > 0) {
      this.freeList--
    } else {
      this.st.allocator.linkUntracked() // PyObject_GC_NewVar
    }
  }

  /** frame_dealloc when the call of `code` returns. */
  leave(code: number): void {
    if (!this.zombie[code]) {
      this.zombie[code] = true
    } else if (this.freeList < FRAME_MAXFREELIST) {
      this.freeList++
    } else if (this.st.count[0] > 0) {
      this.st.count[0]-- // PyObject_GC_Del
    }
  }

  /** _PyFrame_ClearFreeList (gc.collect(2)): each frame to PyObject_GC_Del. */
  clearFreeList(): void {
    for (; this.freeList > 0; this.freeList--) if (this.st.count[0] > 0) this.st.count[0]--
  }
}
