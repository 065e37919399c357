/**
 * Weak references as Objects/weakrefobject.c keeps them: every referent's tp_weaklistoffset
 * slot heads a doubly linked list of the weakref objects that point to it (here `weakrefHead`, and
 * each weakref row keeps [target, callback tag + 1, next, prev] in its fields), the new
 * reference inserted at the head (insert_head), cleared by _PyWeakref_ClearRef /
 * clear_weakref, and PyObject_ClearWeakRefs on a referent's refcount death. The cycle
 * collector's side (handle_weakrefs) is in collector.ts.
 */
import { callbackTagOf, IntList } from '@pygc/core'
import type { GcState } from './gc-state.js'

/** Weakref rows keep [target, callback tag + 1, next, prev] in their fields. */
const WR_TARGET = 0
const WR_CALLBACK = 1
const WR_NEXT = 2
const WR_PREV = 3
/** Cells of a weakref row. */
export const WEAKREF_CELLS = 4

export class WeakrefLists {
  /**
   * clearOnDeath's (ref, callback) pairs, reused so that a death is no allocation. Filled only
   * after the tuple's allocation (the one step that can start a collection and so a nested
   * clearOnDeath) and read before anything else runs.
   */
  private readonly pairRefs = new IntList(16)
  private readonly pairCallbacks = new IntList(16)

  constructor(private readonly st: GcState) {}

  /**
   * weakref___new__ for a subclass of weakref.ref (see FIDELITY.md: every op makes a new
   * reference object, so none is a shareable "basic" ref): the fresh weakref `wr` to `target`,
   * inserted at the head of the target's list. `code` is the callback tag + 1 (0: none).
   */
  insertHead(wr: number, target: number, code: number): void {
    const heap = this.st.heap
    const f = heap.fields
    const base = heap.fieldBase[wr]
    const first = heap.weakrefHead(target)
    f[base + WR_TARGET] = target
    f[base + WR_CALLBACK] = code // tag + 1 (2^31 wraps to -2^31 in the int32 cell: callbackTagOf reads it back)
    f[base + WR_NEXT] = first
    f[base + WR_PREV] = 0
    if (first !== 0) f[heap.fieldBase[first] + WR_PREV] = wr
    heap.setWeakrefHead(target, wr)
  }

  /** The referent of a weakref (0 once cleared): weakref___call__. */
  target(wr: number): number {
    return this.st.heap.fields[this.st.heap.fieldBase[wr] + WR_TARGET]
  }

  /** The first weakref to `h` (0: none). */
  first(h: number): number {
    return this.st.heap.weakrefHead(h)
  }

  /** The callback tag + 1 of a weakref (0: none). */
  callbackOf(wr: number): number {
    return this.st.heap.fields[this.st.heap.fieldBase[wr] + WR_CALLBACK]
  }

  /** The callback, detached from the weakref (the collector and PyObject_ClearWeakRefs own it then). */
  takeCallback(wr: number): number {
    const heap = this.st.heap
    const at = heap.fieldBase[wr] + WR_CALLBACK
    const cb = heap.fields[at]
    heap.fields[at] = 0
    return cb
  }

  /**
   * _PyWeakref_ClearRef: detach a weakref from its target (the callback is kept). It counts as
   * a cleared weakref (weakrefsCleared, a `weakref-clear` event) only when `referentDied` and the
   * weakref lives on: handle_weakrefs or PyObject_ClearWeakRefs clearing a live weakref because
   * its referent is dying. A weakref object that is itself being torn down (weakref_dealloc ->
   * clear_weakref when it is dropped, tp_clear or handle_weakrefs of a weakref that is garbage)
   * detaches without counting: nothing will ever see it cleared, and the other runtimes never
   * process a dead weak reference object.
   */
  clearRef(wr: number, referentDied: boolean): void {
    const st = this.st
    const heap = st.heap
    const f = heap.fields
    const base = heap.fieldBase[wr]
    const target = f[base + WR_TARGET]
    if (target === 0) return
    const prev = f[base + WR_PREV]
    const next = f[base + WR_NEXT]
    if (prev !== 0) f[heap.fieldBase[prev] + WR_NEXT] = next
    else heap.setWeakrefHead(target, next)
    if (next !== 0) f[heap.fieldBase[next] + WR_PREV] = prev
    f[base + WR_TARGET] = 0
    f[base + WR_NEXT] = 0
    f[base + WR_PREV] = 0
    if (!referentDied) return
    st.stats.weakrefsCleared++
    if (st.hub.listening)
      st.hub.emit({
        type: 'weakref-clear',
        op: st.opIndex(),
        weakId: heap.oid[wr],
        targetId: heap.oid[target],
      })
  }

  /** clear_weakref: detach and drop the callback. */
  clearWeakref(wr: number, referentDied: boolean): void {
    this.clearRef(wr, referentDied)
    this.st.heap.fields[this.st.heap.fieldBase[wr] + WR_CALLBACK] = 0
  }

  /** Call a weakref's callback (as data: the event). */
  runCallback(wr: number, tagPlusOne: number): void {
    const st = this.st
    if (st.hub.listening)
      st.hub.emit({
        type: 'weakref-callback',
        op: st.opIndex(),
        weakId: st.heap.oid[wr],
        tag: callbackTagOf(tagPlusOne),
      })
  }

  /**
   * PyObject_ClearWeakRefs on a refcount death of `h`, from inside its tp_dealloc frame:
   * callback-less refs are cleared first; one remaining ref is handled directly; several are
   * cleared all at once into a tuple of (ref, callback) pairs — a real allocation that can start
   * a collection — and then called, newest first. Returns true if the tuple's release pushed a
   * dealloc frame.
   */
  clearOnDeath(h: number): boolean {
    const st = this.st
    const heap = st.heap
    let head = heap.weakrefHead(h)
    if (head === 0) return false
    // A weakref on the list with no references left is dying itself (its dealloc deferred by
    // the trashcan): cleared, not counted.
    if (this.callbackOf(head) === 0) {
      this.clearWeakref(head, heap.refcnt[head] > 0)
      head = heap.weakrefHead(h)
      if (head !== 0 && this.callbackOf(head) === 0) this.clearWeakref(head, heap.refcnt[head] > 0)
    }
    head = heap.weakrefHead(h)
    if (head === 0) return false
    let count = 0
    for (let w = head; w !== 0; w = heap.fields[heap.fieldBase[w] + WR_NEXT]) count++
    if (count === 1) {
      const cb = this.takeCallback(head)
      this.clearWeakref(head, heap.refcnt[head] > 0)
      if (cb !== 0 && heap.refcnt[head] > 0) this.runCallback(head, cb)
      return false
    }
    const tuple = st.allocator.internalTuple(count * 2)
    const refs = this.pairRefs
    const cbs = this.pairCallbacks
    refs.clear()
    cbs.clear()
    let current = heap.weakrefHead(h)
    for (let i = 0; i < count && current !== 0; i++) {
      const next = heap.fields[heap.fieldBase[current] + WR_NEXT]
      const cb = this.takeCallback(current)
      if (heap.refcnt[current] > 0) {
        heap.refcnt[current]++
        st.stats.work.refcountOps++
        heap.fields[heap.fieldBase[tuple] + i * 2] = current
        refs.push(current)
        cbs.push(cb)
      }
      this.clearWeakref(current, heap.refcnt[current] > 0)
      current = next
    }
    for (let i = 0; i < refs.length; i++) {
      const cb = cbs.items[i]
      if (cb !== 0) this.runCallback(refs.items[i], cb)
    }
    return st.objects.decrefInFrame(tuple)
  }
}
