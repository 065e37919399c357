/**
 * IronPython's WeakRefTracker (IronLanguages/ironpython3 Src/IronPython/Runtime/WeakRef.cs):
 * weakref callbacks do not run inside the GC. The first weak reference with a callback to an
 * object gives that object a tracker — a finalizable object reachable only through its target
 * (an instance's weakref slot, or a ConditionalWeakTable entry: a dependent handle, the model's
 * `depPrimary`/`depSecondary`) — and every such weak reference chains its callback there with
 * a short and a long weak handle to the weakref object. When the target dies the tracker is
 * found dead in the same collection, goes to the f-reachable queue like any finalizable object,
 * and its finalizer, on the finalizer thread after the GC, runs the callbacks last registered
 * first, each only if its weakref object is still alive (short and long handle agree: not dead,
 * not awaiting finalization; `~WeakRefTracker`).
 *
 * The model keeps a short weak handle per callback (owner -1: internal, no events); the long one
 * adds nothing here, since a weakref object found dead loses its short handle in that very GC.
 */
import type { ClrHeap } from './heap.js'

/** A chained callback: the short weak handle to its weakref object, the callback's tag, the weakref's id. */
interface ChainedCallback {
  weakHandle: number
  tag: number
  weakId: number
}

interface Tracker {
  dependent: number
  targetId: number
  callbacks: ChainedCallback[]
}

/** A callback the tracker's finalizer runs: its tag and the weakref object's id. */
export interface TrackerCallbackRun {
  tag: number
  weakId: number
}

/** Handle owner of the trackers' internal handles: not a program weak reference, so no events. */
export const INTERNAL_HANDLE_OWNER = -1

/** trackerOf's answer for a target without a tracker (tracker ids are -3 and below). */
export const NO_TRACKER = -1

export class WeakRefTrackers {
  /** Target object id -> its tracker's object id (until the tracker's finalizer runs). */
  private readonly byTarget = new Map<number, number>()
  private readonly trackers = new Map<number, Tracker>()

  constructor(private readonly heap: ClrHeap) {}

  /** The id of the target's tracker object, or NO_TRACKER when it has none. */
  trackerOf(targetId: number): number {
    return this.byTarget.get(targetId) ?? NO_TRACKER
  }

  /** A new tracker object (id `trackerId` at granule `trackerG`) for the target at `targetG`. */
  add(trackerId: number, trackerG: number, targetId: number, targetG: number): void {
    const dependent = this.heap.allocDependent(targetG, trackerG)
    this.trackers.set(trackerId, { dependent, targetId, callbacks: [] })
    this.byTarget.set(targetId, trackerId)
  }

  /** WeakRefTracker.ChainCallback: the weakref object at `weakG` (id `weakId`) with its callback tag (-1: none). */
  chain(trackerId: number, weakG: number, weakId: number, tag: number): void {
    const t = this.trackers.get(trackerId)
    if (t === undefined) return
    const weakHandle = this.heap.allocHandle(weakG, false, 0, INTERNAL_HANDLE_OWNER)
    t.callbacks.push({ weakHandle, tag, weakId })
  }

  /** How many callbacks the tracker has chained (0 for an unknown tracker). */
  chained(trackerId: number): number {
    return this.trackers.get(trackerId)?.callbacks.length ?? 0
  }

  /** Where the tracker object is now (the GC moves it; its dependent handle follows). */
  granuleOf(trackerId: number): number {
    const t = this.trackers.get(trackerId)
    return t === undefined ? 0 : this.heap.depSecondary[t.dependent]
  }

  /** Whether `trackerId` is a tracker object (its finalizer is `finalize`). */
  has(trackerId: number): boolean {
    return this.trackers.has(trackerId)
  }

  /**
   * ~WeakRefTracker: the callbacks to run, last registered first, those whose weakref object is
   * still alive; the tracker's handles are freed and it is forgotten.
   */
  finalize(trackerId: number): TrackerCallbackRun[] {
    const t = this.trackers.get(trackerId)
    if (t === undefined) return []
    const h = this.heap
    const runs: TrackerCallbackRun[] = []
    for (let i = t.callbacks.length - 1; i >= 0; i--) {
      const c = t.callbacks[i]
      if (c.tag >= 0 && h.handleTarget[c.weakHandle] !== 0) runs.push({ tag: c.tag, weakId: c.weakId })
      h.freeHandle(c.weakHandle)
    }
    h.freeDependent(t.dependent)
    this.trackers.delete(trackerId)
    if (this.byTarget.get(t.targetId) === trackerId) this.byTarget.delete(t.targetId)
    return runs
  }
}
