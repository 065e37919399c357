/**
 * The cycle collector of CPython 3.11 (Modules/gcmodule.c), phase by phase, over the object
 * heap's real generation lists. Each method is one function of gcmodule.c with the same name
 * (camel-cased) and the same list discipline, because the order of the lists decides the order
 * in which finalizers and weakref callbacks run, and that order is compared with the real runtime.
 */
import { pauseCost, type WorkCounters } from '@pygc/core'
import { NUM_GENERATIONS } from './constants.js'
import {
  F_COLLECTING,
  F_FINALIZED,
  F_UNREACHABLE,
  FINALIZERS,
  GEN0,
  GEN1,
  GEN2,
  SEEN,
  STILL_UNREACHABLE,
  UNREACHABLE,
  WRCB_TO_CALL,
} from './heap.js'
import { Kind } from './layout.js'
import type { CPythonManager } from './manager.js'

const GEN_HEADS = [GEN0, GEN1, GEN2]

export interface GenerationStats {
  collections: number
  collected: number
  uncollectable: number
}

export type GcCallback = (
  phase: 'start' | 'stop',
  info: { generation: number; collected: number; uncollectable: number },
) => void

export class CycleCollector {
  readonly generationStats: GenerationStats[] = [0, 1, 2].map(() => ({
    collections: 0,
    collected: 0,
    uncollectable: 0,
  }))
  readonly callbacks: GcCallback[] = []
  private reason = 'allocation'

  constructor(private readonly m: CPythonManager) {}

  /**
   * gc_collect_generations: collect the oldest generation whose count passed its threshold,
   * skipping generation 2 while long_lived_pending < long_lived_total / 4 (issue #4074).
   */
  collectGenerations(): number {
    const m = this.m
    for (let i = NUM_GENERATIONS - 1; i >= 0; i--) {
      if (m.count[i] > m.threshold[i]) {
        if (i === NUM_GENERATIONS - 1 && m.longLivedPending < Math.floor(m.longLivedTotal / 4)) continue
        return this.collectWithCallback(i, 'allocation')
      }
    }
    return 0
  }

  /** gc_collect_with_callback: gc.callbacks "start", the collection, "stop". */
  collectWithCallback(generation: number, reason: string): number {
    this.reason = reason
    this.invokeCallbacks('start', generation, 0, 0)
    const [collected, uncollectable] = this.collectMain(generation)
    this.invokeCallbacks('stop', generation, collected, uncollectable)
    return collected + uncollectable
  }

  private invokeCallbacks(
    phase: 'start' | 'stop',
    generation: number,
    collected: number,
    uncollectable: number,
  ): void {
    if (this.callbacks.length === 0) return
    for (const cb of [...this.callbacks]) cb(phase, { generation, collected, uncollectable })
  }

  /** gc_collect_main: returns [collected (m), uncollectable (n)]. */
  private collectMain(generation: number): [number, number] {
    const m = this.m
    const heap = m.heap
    const s = m.s
    const workBefore: WorkCounters = { ...s.work }
    const wallStart = performance.now()
    const op = m.opIndex()
    if (m.hub.listening) m.hub.emit({ type: 'gc-start', op, generation, reason: this.reason })
    m.freedBytesInGc = 0

    // Update collection and allocation counters.
    if (generation + 1 < NUM_GENERATIONS) m.count[generation + 1] += 1
    for (let i = 0; i <= generation; i++) m.count[i] = 0

    // Merge younger generations into the one being collected.
    const young = GEN_HEADS[generation]
    for (let i = 0; i < generation; i++) heap.listMerge(GEN_HEADS[i], young)
    const old = generation < NUM_GENERATIONS - 1 ? GEN_HEADS[generation + 1] : young

    this.deduceUnreachable(young, UNREACHABLE)
    this.untrackTuples(young)
    // Move reachable objects to the next generation.
    if (young !== old) {
      if (generation === NUM_GENERATIONS - 2) m.longLivedPending += heap.listCount[young]
      s.work.bytesPromoted += heap.listBytes[young]
      heap.listMerge(young, old)
    } else {
      // untrack_dicts would run here; the model has no dict objects of its own.
      m.longLivedPending = 0
      m.longLivedTotal = heap.listCount[young]
    }

    // Legacy finalizers (tp_del) and everything they reach are uncollectable.
    this.moveLegacyFinalizers(UNREACHABLE, FINALIZERS)
    this.moveLegacyFinalizerReachable(FINALIZERS)

    let collected = this.handleWeakrefs(UNREACHABLE, old)
    this.finalizeGarbage(UNREACHABLE)
    this.handleResurrectedObjects(UNREACHABLE, STILL_UNREACHABLE, old)
    collected += heap.listCount[STILL_UNREACHABLE]
    this.deleteGarbage(STILL_UNREACHABLE, old)

    const uncollectable = heap.listCount[FINALIZERS]
    this.handleLegacyFinalizers(FINALIZERS, old)

    if (generation === NUM_GENERATIONS - 1) m.clearFreeLists()

    const st = this.generationStats[generation]
    st.collections++
    st.collected += collected
    st.uncollectable += uncollectable
    s.collections[generation]++
    s.collectionReasons[this.reason] = (s.collectionReasons[this.reason] ?? 0) + 1
    const pause = pauseCost(workBefore, s.work, m.costs)
    s.virtualTime.gc += pause
    const wall = performance.now() - wallStart
    s.wallGcMs += wall
    if (m.hub.listening) {
      const stats = m.stats()
      m.hub.emit({
        type: 'gc-end',
        op,
        generation,
        reason: this.reason,
        pauseVirtual: pause,
        pauseWallMs: wall,
        freedObjects: s.work.objectsFreed - workBefore.objectsFreed,
        freedBytes: m.freedBytesInGc,
        liveBytesAfter: stats.liveBytes,
        footprintAfter: stats.footprintBytes,
        promotedBytes: s.work.bytesPromoted - workBefore.bytesPromoted,
        copiedBytes: 0,
        compacted: false,
        spaces: stats.spaces,
      })
    }
    return [collected, uncollectable]
  }

  // ---------------------------------------------------------------- reachability

  /** deduce_unreachable: update_refs, subtract_refs, move_unreachable. */
  private deduceUnreachable(base: number, unreachable: number): void {
    this.updateRefs(base)
    this.subtractRefs(base)
    this.m.heap.listInit(unreachable)
    this.moveUnreachable(base, unreachable)
  }

  /** update_refs: gc_refs = ob_refcnt, and mark every object of the list as being collected. */
  private updateRefs(containers: number): void {
    const heap = this.m.heap
    const next = heap.gcNext
    for (let h = next[containers]; h !== containers; h = next[h]) {
      heap.gcRefs[h] = heap.refcnt[h]
      heap.flags[h] |= F_COLLECTING
    }
  }

  /** subtract_refs: remove from gc_refs every reference that comes from inside the list. */
  private subtractRefs(containers: number): void {
    const heap = this.m.heap
    const next = heap.gcNext
    const flags = heap.flags
    const refs = heap.gcRefs
    const f = heap.fields
    let scanned = 0
    for (let h = next[containers]; h !== containers; h = next[h]) {
      const n = heap.kind[h] === Kind.Weakref ? 0 : heap.nrefs[h]
      const base = heap.fieldBase[h]
      scanned += n
      for (let i = 0; i < n; i++) {
        const c = f[base + i]
        if (c !== 0 && (flags[c] & F_COLLECTING) !== 0) refs[c]--
      }
    }
    this.m.s.work.refsScanned += scanned
  }

  /**
   * move_unreachable: scan `young` in order; an object with gc_refs > 0 is reachable and makes
   * what it references reachable (an object already moved to `unreachable` comes back to the
   * tail of `young`); an object still at 0 when the scan reaches it moves to `unreachable`.
   */
  private moveUnreachable(young: number, unreachable: number): void {
    const m = this.m
    const heap = m.heap
    const next = heap.gcNext
    const flags = heap.flags
    const refs = heap.gcRefs
    let marked = 0
    let scanned = 0
    let h = next[young]
    while (h !== young) {
      if (refs[h] !== 0) {
        // tp_traverse(op, visit_reachable): lists and tuples visit their items last to first,
        // slots and instance values first to last.
        const kind = heap.kind[h]
        if (kind !== Kind.Weakref && kind !== Kind.Static) {
          const f = heap.fields
          const base = heap.fieldBase[h]
          const n = heap.nrefs[h]
          scanned += n
          if (kind === Kind.List || kind === Kind.Tuple || kind === Kind.ListSub) {
            for (let i = n - 1; i >= 0; i--) this.visitReachable(f[base + i], young)
          } else {
            for (let i = 0; i < n; i++) this.visitReachable(f[base + i], young)
          }
        }
        flags[h] &= ~F_COLLECTING
        marked++
        h = next[h]
      } else {
        const following = next[h]
        heap.listMove(h, unreachable)
        flags[h] |= F_UNREACHABLE
        h = following
      }
    }
    m.s.work.marked += marked
    m.s.work.refsScanned += scanned
  }

  private visitReachable(c: number, young: number): void {
    if (c === 0) return
    const heap = this.m.heap
    const flags = heap.flags
    if ((flags[c] & F_COLLECTING) === 0) return
    if ((flags[c] & F_UNREACHABLE) !== 0) {
      heap.listMove(c, young)
      flags[c] &= ~F_UNREACHABLE
      heap.gcRefs[c] = 1
    } else if (heap.gcRefs[c] === 0) {
      heap.gcRefs[c] = 1
    }
  }

  /** untrack_tuples: a surviving tuple whose items cannot be part of a cycle stops being tracked. */
  private untrackTuples(head: number): void {
    const heap = this.m.heap
    const next = heap.gcNext
    let h = next[head]
    while (h !== head) {
      const following = next[h]
      if (heap.kind[h] === Kind.Tuple && this.tupleMayUntrack(h)) heap.listRemove(h)
      h = following
    }
  }

  /** _PyTuple_MaybeUntrack: no item is a container that may be tracked. */
  private tupleMayUntrack(h: number): boolean {
    const heap = this.m.heap
    const base = heap.fieldBase[h]
    for (let i = 0; i < heap.nrefs[h]; i++) {
      const c = heap.fields[base + i]
      if (c !== 0 && (heap.kind[c] !== Kind.Tuple || heap.gcNext[c] !== 0)) return false
    }
    return true
  }

  // ---------------------------------------------------------------- legacy finalizers

  /** move_legacy_finalizers: clear the unreachable mark; objects with tp_del go to `finalizers`. */
  private moveLegacyFinalizers(unreachable: number, finalizers: number): void {
    const heap = this.m.heap
    heap.listInit(finalizers)
    const next = heap.gcNext
    let h = next[unreachable]
    while (h !== unreachable) {
      const following = next[h]
      heap.flags[h] &= ~F_UNREACHABLE
      if (this.hasLegacyFinalizer(h)) {
        heap.flags[h] &= ~F_COLLECTING
        heap.listMove(h, finalizers)
      }
      h = following
    }
  }

  private hasLegacyFinalizer(h: number): boolean {
    const heap = this.m.heap
    const t = heap.type[h]
    return t >= 0 && heap.kind[h] !== Kind.Weakref && this.m.layoutOfType(t).legacyFinalizer
  }

  /** move_legacy_finalizer_reachable: what a legacy-finalizer object reaches is uncollectable too. */
  private moveLegacyFinalizerReachable(finalizers: number): void {
    const heap = this.m.heap
    const next = heap.gcNext
    for (let h = next[finalizers]; h !== finalizers; h = next[h]) {
      if (heap.kind[h] === Kind.Weakref || heap.kind[h] === Kind.Static) continue
      const base = heap.fieldBase[h]
      const n = heap.nrefs[h]
      const reverse =
        heap.kind[h] === Kind.List || heap.kind[h] === Kind.Tuple || heap.kind[h] === Kind.ListSub
      for (let k = 0; k < n; k++) {
        const c = heap.fields[base + (reverse ? n - 1 - k : k)]
        if (c !== 0 && (heap.flags[c] & F_COLLECTING) !== 0) {
          heap.flags[c] &= ~F_COLLECTING
          heap.listMove(c, finalizers)
        }
      }
    }
  }

  /** handle_legacy_finalizers: tp_del objects are appended to gc.garbage; all go to `old`. */
  private handleLegacyFinalizers(finalizers: number, old: number): void {
    const m = this.m
    const heap = m.heap
    for (let h = heap.gcNext[finalizers]; h !== finalizers; h = heap.gcNext[h]) {
      if (this.hasLegacyFinalizer(h)) {
        m.incref(h)
        m.garbage.push(h)
      }
    }
    heap.listMerge(finalizers, old)
  }

  // ---------------------------------------------------------------- weakrefs and finalizers

  /**
   * handle_weakrefs: clear every weakref to an unreachable object (and every unreachable
   * weakref); those that are themselves reachable and have a callback are called afterwards,
   * in the order they were found. Returns the number of those weakrefs that died right after
   * their callback (they count as collected).
   */
  private handleWeakrefs(unreachable: number, old: number): number {
    const m = this.m
    const heap = m.heap
    heap.listInit(WRCB_TO_CALL)
    let h = heap.gcNext[unreachable]
    while (h !== unreachable) {
      const following = heap.gcNext[h]
      // A weakref that is garbage itself is cleared first (so its callback never runs), not counted.
      if (heap.kind[h] === Kind.Weakref) m.clearRef(h, false)
      for (let wr = m.firstWeakref(h); wr !== 0; wr = m.firstWeakref(h)) {
        const garbage = (heap.flags[wr] & F_COLLECTING) !== 0 // the weakref is garbage too
        m.clearRef(wr, !garbage)
        if (m.callbackOf(wr) === 0) continue
        if (garbage) continue
        m.incref(wr)
        heap.listMove(wr, WRCB_TO_CALL)
      }
      h = following
    }
    let freed = 0
    while (!heap.listIsEmpty(WRCB_TO_CALL)) {
      const wr = heap.gcNext[WRCB_TO_CALL]
      m.runCallback(wr, m.callbackOf(wr))
      m.decref(wr)
      if (heap.gcNext[WRCB_TO_CALL] === wr) heap.listMove(wr, old)
      else freed++
    }
    return freed
  }

  /** finalize_garbage: call tp_finalize (PEP 442) once per object, moving each to `seen` first. */
  private finalizeGarbage(collectable: number): void {
    const m = this.m
    const heap = m.heap
    heap.listInit(SEEN)
    while (!heap.listIsEmpty(collectable)) {
      const h = heap.gcNext[collectable]
      heap.listMove(h, SEEN)
      const t = heap.type[h]
      if ((heap.flags[h] & F_FINALIZED) !== 0 || t < 0 || heap.kind[h] === Kind.Weakref) continue
      const layout = m.layoutOfType(t)
      if (!layout.hasFinalizer) continue
      heap.flags[h] |= F_FINALIZED
      m.incref(h)
      m.runFinalizer(h, layout, false)
      m.decref(h)
    }
    heap.listMerge(SEEN, collectable)
  }

  /** handle_resurrected_objects: recompute reachability inside the garbage; what a finalizer made reachable goes to `old`. */
  private handleResurrectedObjects(unreachable: number, stillUnreachable: number, old: number): void {
    const heap = this.m.heap
    for (let h = heap.gcNext[unreachable]; h !== unreachable; h = heap.gcNext[h])
      heap.flags[h] &= ~F_COLLECTING
    this.deduceUnreachable(unreachable, stillUnreachable)
    for (let h = heap.gcNext[stillUnreachable]; h !== stillUnreachable; h = heap.gcNext[h])
      heap.flags[h] &= ~F_UNREACHABLE
    heap.listMerge(unreachable, old)
  }

  /** delete_garbage: tp_clear each object, which breaks the cycles; refcounting frees them. */
  private deleteGarbage(collectable: number, old: number): void {
    const m = this.m
    const heap = m.heap
    m.inDeleteGarbage = true
    try {
      while (!heap.listIsEmpty(collectable)) {
        const h = heap.gcNext[collectable]
        m.incref(h)
        this.tpClear(h)
        m.decref(h)
        if (heap.gcNext[collectable] === h) {
          // Still alive (no tp_clear, or something else holds it): it may die later.
          heap.flags[h] &= ~F_COLLECTING
          heap.listMove(h, old)
        }
      }
    } finally {
      m.inDeleteGarbage = false
    }
  }

  /** tp_clear: _list_clear (items last to first, the list emptied first), clear_slots and the instance values (first to last), weakref gc_clear; tuples have none. */
  private tpClear(h: number): void {
    const m = this.m
    const heap = m.heap
    const kind = heap.kind[h]
    if (kind === Kind.Tuple || kind === Kind.Static) return
    if (kind === Kind.Weakref) {
      m.clearRef(h, false)
      m.takeCallback(h)
      return
    }
    const base = heap.fieldBase[h]
    const n = heap.nrefs[h]
    if (kind === Kind.List || kind === Kind.ListSub) {
      // Detach the items first (size 0, ob_item NULL), drop them last to first, then PyMem_Free.
      const items: number[] = []
      for (let i = 0; i < n; i++) items.push(heap.fields[base + i])
      heap.nrefs[h] = 0
      heap.nints[h] = 0
      const itemsAddress = heap.itemsAddress[h]
      const itemsBytes = heap.itemsBytes[h]
      heap.itemsResized(h, 0)
      for (let i = n - 1; i >= 0; i--) if (items[i] !== 0) m.decref(items[i])
      if (itemsBytes !== 0) m.pymalloc.free(itemsAddress, itemsBytes)
      return
    }
    for (let i = 0; i < n; i++) {
      const c = heap.fields[base + i]
      if (c !== 0) {
        heap.fields[base + i] = 0
        m.decref(c)
      }
    }
  }
}
