/**
 * What both collectors work on besides the heap itself: the roots, the JVM's reference
 * bookkeeping (registered finalizers, the finalizer queue, weak references) and the work
 * counters. The manager owns it; a collection reads and rewrites it.
 */
import type { IntList, RootSet, WorkCounters } from '@pygc/core'
import { FLAG_FINALIZABLE, FLAG_FINALIZED, H_ID, H_KLASS, H_WORDS, type JvmHeap } from './heap.js'

export interface GcContext {
  heap: JvmHeap
  roots: RootSet
  /** Objects the JVM itself keeps alive (its startup data): strong roots the program cannot see. */
  hiddenRoots: IntList
  /**
   * JNI global references made by `pin` (one entry per pin; pins nest): strong roots, updated
   * like any root when their object moves. HotSpot's Serial GC cannot pin an object (JNI code
   * that needs a stable address uses GetPrimitiveArrayCritical, which holds the GC off through
   * GCLocker instead), so a pinned object still moves here. See FIDELITY.md#pinning.
   */
  jniGlobalRefs: IntList
  /**
   * Objects found unreachable and waiting for the finalizer thread (java.lang.ref.Finalizer's
   * queue): strong roots until their finalizer has run.
   */
  finalizeQueue: IntList
  /** Objects with a `__del__` not yet found unreachable (their FinalizeTrigger is registered). */
  finalizable: IntList
  /** Every live weak reference object (the referent field is not a strong reference). */
  weakrefs: IntList
  /**
   * How many leading entries of `weakrefs` are old weak references whose referent is old or
   * cleared: a young collection leaves those untouched, so it starts after them (a walk of
   * every weak reference per young collection made weakref-cache's cost grow with the cache,
   * issue 11). A full collection moves old objects and drops dead ones anywhere: it resets this to 0.
   */
  quietWeakrefs: number
  work: WorkCounters
  /** Per collection: cleared weak references as (weakId, targetId) pairs, for events. */
  cleared: number[]
  /** Callbacks waiting for the weakref reaper: (weakId, tag) pairs. */
  pendingCallbacks: number[]
  /** Called for each program object a collection finds dead (ids, events); null when nobody needs it. */
  onFree: ((address: number) => void) | null
}

/**
 * How a collector answers the reference processor's questions. Young collections copy, so an
 * object's "current" address is its forwardee; mark-compact only marks here, so it is itself.
 */
export interface ReferenceHooks {
  /** Is the address in the part of the heap this collection reclaims? */
  collected(a: number): boolean
  /** Was it reached by the trace so far? (only asked for collected addresses) */
  alive(a: number): boolean
  /** Its address once this phase is over. */
  current(a: number): number
  /** Make it and all it references reachable (finalizer keep-alive); returns its current address. */
  keepAlive(a: number): number
  /** A weak reference at `w` keeps referent `r` (young collections dirty the card if needed). */
  referentKept(w: number, r: number): void
}

/**
 * ReferenceProcessor's order (gc/shared/referenceProcessor.cpp): weak references whose
 * referent the strong trace did not reach are cleared first; then every unreachable object
 * with a finalizer is kept alive with all it references and queued for the finalizer thread;
 * weak reference objects that only the keep-alive trace reached are processed last. So a weak
 * reference to an object with `__del__` is cleared at the same collection that queues its
 * finalizer, as on a real JVM.
 */
export function processReferences(ctx: GcContext, hooks: ReferenceHooks, pending: IntList, quiet = 0): void {
  pending.clear()
  const weak = ctx.weakrefs
  let kept = quiet
  for (let i = quiet; i < weak.length; i++) {
    const w = weak.items[i]
    if (hooks.collected(w) && !hooks.alive(w)) {
      pending.push(w)
      continue
    }
    const cw = hooks.current(w)
    processReferent(ctx, hooks, cw)
    weak.items[kept++] = cw
  }
  weak.length = kept

  const fin = ctx.finalizable
  const firstQueued = ctx.finalizeQueue.length
  let live = 0
  for (let i = 0; i < fin.length; i++) {
    const f = fin.items[i]
    if (!hooks.collected(f) || hooks.alive(f)) {
      fin.items[live++] = hooks.current(f)
    } else {
      ctx.finalizeQueue.push(f)
    }
  }
  fin.length = live
  for (let i = firstQueued; i < ctx.finalizeQueue.length; i++) {
    const f = hooks.keepAlive(ctx.finalizeQueue.items[i])
    ctx.finalizeQueue.items[i] = f
    const words = ctx.heap.words
    const k = (f >> 2) + H_KLASS
    words[k] = (words[k] & ~FLAG_FINALIZABLE) | FLAG_FINALIZED
  }

  for (let i = 0; i < pending.length; i++) {
    const w = pending.items[i]
    if (!hooks.alive(w)) continue // the weak reference object itself is garbage: no callback
    const cw = hooks.current(w)
    processReferent(ctx, hooks, cw)
    weak.push(cw)
  }
}

/**
 * The new length of the quiet prefix of `ctx.weakrefs` (see GcContext.quietWeakrefs) after a
 * young collection, extended from `from` over old weak references whose referent is old or
 * cleared; each entry is passed once while it stays in the prefix.
 */
export function extendQuietWeakrefs(ctx: GcContext, from: number, oldStart: number): number {
  const weak = ctx.weakrefs
  const words = ctx.heap.words
  let i = from
  while (i < weak.length) {
    const w = weak.items[i]
    if (w < oldStart) break
    const r = words[(w >> 2) + H_WORDS]
    if (r !== 0 && r < oldStart) break
    i++
  }
  return i
}

function processReferent(ctx: GcContext, hooks: ReferenceHooks, w: number): void {
  const words = ctx.heap.words
  const field = (w >> 2) + H_WORDS
  const r = words[field]
  if (r === 0 || !hooks.collected(r)) return
  if (hooks.alive(r)) {
    const cr = hooks.current(r)
    words[field] = cr
    hooks.referentKept(w, cr)
    return
  }
  words[field] = 0
  const weakId = words[(w >> 2) + H_ID]
  ctx.cleared.push(weakId, words[(r >> 2) + H_ID])
  const tag = words[field + 1]
  if (tag !== 0) ctx.pendingCallbacks.push(weakId, tag - 1)
}
