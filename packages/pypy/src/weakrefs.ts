/**
 * Weak references, as PyPy keeps them.
 *
 * The GC side (incminimark.py:2980 invalidate_young_weakrefs, 3027 invalidate_old_weakrefs): a
 * weakref object is young or old; a minor collection clears the young weakrefs whose young
 * target it did not reach (so a weakref to a young object is cleared at the MINOR collection
 * that finds the target dead), and turns the others old; a major collection clears the old
 * weakrefs whose target it did not mark, or marked only because a finalizer keeps it
 * (GCFLAG_FINALIZATION_ORDERING: a weakref to an object with __del__, or to anything only
 * such an object reaches, is cleared by the major collection that queues the __del__). A
 * weakref whose target was cleared is forgotten; one whose own object died is skipped.
 *
 * The app-level side (pypy/module/_weakref/interp__weakref.py): the first weak reference to an
 * object hangs a WeakrefLifeline on it (a strong reference from the object). A weakref with a
 * callback registers the lifeline with the finalizer queue (enable_callbacks); callbacks run
 * when the LIFELINE is finalized, newest weakref first (`for i in range(len(items)-1, -1, -1)`),
 * and only for weakrefs still alive then. A lifeline lives as long as its object, and a young
 * object with a finalizer always survives its first minor collection, so a callback runs at
 * the first major collection after its target died.
 *
 * The model keeps the weakrefs with callbacks in `callbackRefs` (addresses, updated when minor
 * collections move them, dropped when they die), each naming its target's lifeline by serial.
 */
import { callbackTagOf, IntList } from '@pygc/core'
import type { GcState } from './gc-state.js'
import {
  FINALIZATION_ORDERING,
  FORWARDED,
  H_ID,
  H_LEN,
  H_TID,
  LIFELINE_TYPE,
  TYPE_MASK,
  VISITED,
  VISITED_RMY,
  WR_LIFELINE,
  WR_TAG,
  WR_TARGET,
  YOUNG_RAW,
} from './objects.js'

export class Weakrefs {
  /** Weak references with a callback not yet run, by address. */
  readonly callbackRefs = new IntList(16)
  /** Cleared weakrefs of the collection in progress: (weakId, targetId) pairs, for events. */
  readonly cleared: number[] = []
  weakrefsCleared = 0
  nextLifelineSerial = 1
  /**
   * takeCallbacks' index: lifeline serial -> the addresses of its callback weakrefs, in list
   * order; null when stale (rebuilt on the next take after callbackRefs changed). Without it each
   * finalized lifeline scanned every callback weakref: O(n^2) on a cache of n weak values
   * (weakref-cache at size small spent 22 of its 24 s there).
   */
  private bySerial: Map<number, number[]> | null = null
  /** Entries takeCallbacks took, still in callbackRefs until compact() drops them. */
  private readonly taken = new Set<number>()

  constructor(private readonly s: GcState) {}

  /** The address a nursery object was moved to, or 0 if it died (it is not forwarded). */
  private forwarded(a: number): number {
    const w = this.s.mem.w
    return (w[(a >> 2) + H_TID] & FORWARDED) !== 0 ? w[(a >> 2) + H_LEN] : 0
  }

  private clear(wr: number, target: number): void {
    const w = this.s.mem.w
    w[(wr >> 2) + WR_TARGET] = 0
    this.cleared.push(w[(wr >> 2) + H_ID], w[(target >> 2) + H_ID])
    this.weakrefsCleared++
  }

  /** A weakref with a callback was made (manager.weakref): it joins callbackRefs. */
  addCallbackRef(a: number): void {
    this.callbackRefs.push(a)
    this.bySerial = null
  }

  /** Whether a weakref with a callback not yet run remains (major.ts: run invalidate_old). */
  hasCallbackRefs(): boolean {
    this.compact()
    return this.callbackRefs.length > 0
  }

  /**
   * callbackRefs without the entries takeCallbacks took, in their order: the list as if each had
   * been removed when taken. Run before anything reads or moves the list's addresses.
   */
  private compact(): void {
    if (this.taken.size === 0) return
    const cb = this.callbackRefs
    let kept = 0
    for (let i = 0; i < cb.length; i++) {
      const a = cb.items[i]
      if (!this.taken.has(a)) cb.items[kept++] = a
    }
    cb.length = kept
    this.taken.clear()
    this.bySerial = null
  }

  /** invalidate_young_weakrefs: after a minor collection moved every survivor out. */
  invalidateYoung(): void {
    this.compact()
    this.bySerial = null
    const s = this.s
    const mem = s.mem
    const young = s.youngObjectsWithWeakrefs
    while (young.length > 0) {
      const y = young.pop()
      const wr = this.forwarded(y)
      if (wr === 0) continue // the weakref itself dies
      const w = mem.w
      const target = w[(wr >> 2) + WR_TARGET]
      if (target === 0) continue
      if (mem.inNursery(target)) {
        const moved = this.forwarded(target)
        if (moved === 0) {
          this.clear(wr, target)
          continue // no need to remember this weakref any longer
        }
        w[(wr >> 2) + WR_TARGET] = moved
      } else if ((w[(target >> 2) + H_TID] & YOUNG_RAW) !== 0) {
        if ((w[(target >> 2) + H_TID] & VISITED_RMY) === 0) {
          this.clear(wr, target)
          continue
        }
      }
      s.oldObjectsWithWeakrefs.push(wr)
    }
    // Callback weakrefs that moved are followed; those that died are forgotten.
    const cb = this.callbackRefs
    let kept = 0
    for (let i = 0; i < cb.length; i++) {
      const a = cb.items[i]
      if (!mem.inNursery(a)) cb.items[kept++] = a
      else {
        const moved = this.forwarded(a)
        if (moved !== 0) cb.items[kept++] = moved
      }
    }
    cb.length = kept
  }

  /** invalidate_old_weakrefs: at the end of a major collection's marking. */
  invalidateOld(): void {
    this.compact()
    this.bySerial = null
    const s = this.s
    const w = s.mem.w
    const next = new IntList(Math.max(16, s.oldObjectsWithWeakrefs.length))
    const list = s.oldObjectsWithWeakrefs
    for (let i = list.length - 1; i >= 0; i--) {
      const wr = list.items[i]
      if ((w[(wr >> 2) + H_TID] & VISITED) === 0) continue // the weakref itself dies
      const target = w[(wr >> 2) + WR_TARGET]
      if (target === 0) continue
      const tid = w[(target >> 2) + H_TID]
      if ((tid & (VISITED | FINALIZATION_ORDERING)) === VISITED) next.push(wr)
      else this.clear(wr, target)
    }
    s.oldObjectsWithWeakrefs = next
    // The lifeline reaches its weakrefs through RPython weakrefs too (WRefShrinkList): one
    // whose weakref object is dead, or alive only because a finalizer keeps it, is cleared.
    const cb = this.callbackRefs
    let kept = 0
    for (let i = 0; i < cb.length; i++) {
      const a = cb.items[i]
      if ((w[(a >> 2) + H_TID] & (VISITED | FINALIZATION_ORDERING)) === VISITED) cb.items[kept++] = a
    }
    cb.length = kept
  }

  /**
   * The callbacks a finalized lifeline runs: the live weakrefs with callbacks that named it,
   * newest first, as (weakId, tag) pairs; they are forgotten (w_callable = None).
   */
  takeCallbacks(lifeline: number, out: number[]): void {
    const w = this.s.mem.w
    if ((w[(lifeline >> 2) + H_TID] & TYPE_MASK) !== LIFELINE_TYPE) return
    const serial = w[(lifeline >> 2) + H_ID]
    if (this.bySerial === null) this.bySerial = this.indexBySerial()
    const matched = this.bySerial.get(serial)
    if (matched === undefined) return
    this.bySerial.delete(serial)
    for (const a of matched) this.taken.add(a)
    // Newest first: weakref ids are allocation ordinals.
    matched.sort((x, y) => w[(y >> 2) + H_ID] - w[(x >> 2) + H_ID])
    for (const a of matched) {
      out.push(w[(a >> 2) + H_ID], callbackTagOf(w[(a >> 2) + WR_TAG]))
      w[(a >> 2) + WR_TAG] = 0
    }
  }

  /** The callback weakrefs not yet taken, grouped by the serial of the lifeline they name. */
  private indexBySerial(): Map<number, number[]> {
    const w = this.s.mem.w
    const cb = this.callbackRefs
    const index = new Map<number, number[]>()
    for (let i = 0; i < cb.length; i++) {
      const a = cb.items[i]
      if (this.taken.has(a)) continue
      const serial = w[(a >> 2) + WR_LIFELINE]
      const list = index.get(serial)
      if (list === undefined) index.set(serial, [a])
      else list.push(a)
    }
    return index
  }
}
