/**
 * The cycle collector of CPython 3.11 (Modules/gcmodule.c), phase by phase, over the object
 * heap's real generation lists. Each function is the function of gcmodule.c with the same name
 * (camel-cased) and the same list discipline, because the order of the lists decides the order
 * in which finalizers and weakref callbacks run, and that order is compared with the real
 * runtime. Everything is reached through the one state record (gc-state.ts), as gcmodule.c
 * reaches it through `struct _gc_runtime_state`; the bookkeeping of the collection (gc-start /
 * gc-end, the pause price, counts by generation and reason, freed bytes) is core's
 * CollectionCycle.
 */
import { PygcError } from '@pygc/core'
import { NUM_GENERATIONS } from './constants.js'
import type { GcState } from './gc-state.js'
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
import type { IncrementalCollector } from './incremental.js'
import { clearInstanceDict, detachInstanceDict, instanceDictOf, untrackDicts } from './instance-dict.js'
import { Kind } from './layout.js'

const GEN_HEADS = [GEN0, GEN1, GEN2]

/**
 * The kinds and flags the reachability scans test per object and per reference, as this
 * module's own constants: V8 folds a module's own constants into optimized code, but re-reads an
 * imported binding (and Kind's property) and checks it at every use (as dealloc.ts's own).
 */
const {
  DictInstance: DICT_INSTANCE,
  List: LIST,
  ListSub: LIST_SUB,
  Static: STATIC,
  Tuple: TUPLE,
  Weakref: WEAKREF,
} = Kind
const COLLECTING = F_COLLECTING
const MARKED_UNREACHABLE = F_UNREACHABLE

// ================================================================ entry points

/**
 * gc_collect_generations: collect the oldest generation whose count passed its threshold,
 * skipping generation 2 while long_lived_pending < long_lived_total / 4 (bpo-4074).
 */
export function collectGenerations(st: GcState): number {
  // 3.14.0 _Py_RunGC: one increment, _PyGC_Collect(tstate, 1, _Py_GC_REASON_HEAP).
  if (st.incremental) return collectWithCallback(st, 1, 'allocation')
  for (let i = NUM_GENERATIONS - 1; i >= 0; i--) {
    if (st.count[i] > st.threshold[i]) {
      if (i === NUM_GENERATIONS - 1 && st.longLivedPending < Math.floor(st.longLivedTotal / 4)) continue
      return collectWithCallback(st, i, 'allocation')
    }
  }
  return 0
}

/** gc_collect_with_callback: gc.callbacks "start", the collection, "stop". Returns collected + uncollectable. */
export function collectWithCallback(st: GcState, generation: number, reason: string): number {
  invokeCallbacks(st, 'start', generation, 0, 0)
  const counted = st.generationStats[generation]
  const uncollectableBefore = counted.uncollectable
  const collected = st.incremental
    ? collectIncremental(st, st.incremental, generation, reason)
    : collectMain(st, generation, reason)
  const uncollectable = counted.uncollectable - uncollectableBefore
  invokeCallbacks(st, 'stop', generation, collected, uncollectable)
  return collected + uncollectable
}

function invokeCallbacks(
  st: GcState,
  phase: 'start' | 'stop',
  generation: number,
  collected: number,
  uncollectable: number,
): void {
  if (st.callbacks.length === 0) return
  for (const cb of [...st.callbacks]) cb(phase, { generation, collected, uncollectable })
}

/**
 * gc_collect_main: the driver. Returns the objects collected (m); the uncollectable ones (n)
 * are added to the generation's gc.get_stats() entry.
 */
function collectMain(st: GcState, generation: number, reason: string): number {
  const op = st.opIndex()
  st.settleFrees() // the deaths before the collection are the mutator's
  st.cycle.begin(generation, reason, op)
  updateCounts(st, generation)
  const young = mergeYounger(st, generation)
  const old = generation < NUM_GENERATIONS - 1 ? GEN_HEADS[generation + 1] : young

  deduceUnreachable(st, young, UNREACHABLE, old) // untrack_tuples(young) too: see moveUnreachable
  promoteSurvivors(st, generation, young, old)
  const [collected, uncollectable] = collectUnreachable(st, old)

  if (generation === NUM_GENERATIONS - 1) clearFreelists(st)

  const gs = st.generationStats[generation]
  gs.collections++
  gs.collected += collected
  gs.uncollectable += uncollectable
  st.cycle.end(op, {
    compacted: false,
    footprintAfter: st.pymalloc.footprint,
    spaces: () => st.spaces(),
  })
  return collected
}

/**
 * gc_collect_region (3.13+ Python/gc.c; 3.14.0's incremental collector collects its increments
 * with it): the same phases as gc_collect_main over `region`, whose survivors are appended to
 * `survivors`. No bookkeeping (the caller's). Returns [collected, uncollectable].
 */
export function collectRegion(st: GcState, region: number, survivors: number): [number, number] {
  deduceUnreachable(st, region, UNREACHABLE, survivors) // untrack_tuples(region) too: see moveUnreachable
  st.heap.listSplice(region, survivors)
  return collectUnreachable(st, survivors)
}

/**
 * The phases after the survivors moved to `old`: legacy finalizers, weakrefs, tp_finalize,
 * the resurrection check, delete_garbage. Returns [collected, uncollectable].
 */
function collectUnreachable(st: GcState, old: number): [number, number] {
  const heap = st.heap

  // Legacy finalizers (tp_del) and everything they reach are uncollectable.
  moveLegacyFinalizers(st, UNREACHABLE, FINALIZERS)
  moveLegacyFinalizerReachable(st, FINALIZERS)

  let collected = handleWeakrefs(st, UNREACHABLE, old)
  finalizeGarbage(st, UNREACHABLE)
  handleResurrectedObjects(st, UNREACHABLE, STILL_UNREACHABLE, old)
  collected += heap.listCount[STILL_UNREACHABLE]
  deleteGarbage(st, STILL_UNREACHABLE, old)

  const uncollectable = heap.listCount[FINALIZERS]
  handleLegacyFinalizers(st, FINALIZERS, old)
  return [collected, uncollectable]
}

/**
 * 3.14.0 _PyGC_Collect: 0 -> gc_collect_young, 1 -> gc_collect_increment, 2 -> gc_collect_full
 * (incremental.ts), with the same bookkeeping as gc_collect_main; gc.get_stats() does not count
 * the MARK step of an increment (no add_stats on that path).
 */
function collectIncremental(
  st: GcState,
  inc: IncrementalCollector,
  generation: number,
  reason: string,
): number {
  const op = st.opIndex()
  st.settleFrees() // the deaths before the collection are the mutator's
  st.cycle.begin(generation, reason, op)
  const r =
    generation === 0 ? inc.collectYoung() : generation === 1 ? inc.collectIncrement() : inc.collectFull()
  if (r.counted) {
    const gs = st.generationStats[generation]
    gs.collections++
    gs.collected += r.collected
    gs.uncollectable += r.uncollectable
  }
  st.cycle.end(op, {
    compacted: false,
    footprintAfter: st.pymalloc.footprint,
    spaces: () => st.spaces(),
  })
  return r.collected
}

// ================================================================ generations

/**
 * The counts at the start of gc_collect_main. Invariant after: the next older generation
 * counts one more collection of this one; this one and the younger have count 0.
 */
function updateCounts(st: GcState, generation: number): void {
  if (generation + 1 < NUM_GENERATIONS) st.count[generation + 1] += 1
  for (let i = 0; i <= generation; i++) st.count[i] = 0
}

/**
 * gc_list_merge of the younger generations into the collected one. Invariant after: every
 * younger generation is empty; the returned list head (`young`) holds them all.
 */
function mergeYounger(st: GcState, generation: number): number {
  const young = GEN_HEADS[generation]
  for (let i = 0; i < generation; i++) st.heap.listMerge(GEN_HEADS[i], young)
  return young
}

/**
 * Move reachable objects to the next generation. Invariant after: `young` is empty (or, for the
 * oldest generation, stays where it is); long_lived_pending / long_lived_total are updated as
 * gc_collect_main does, untrack_dicts included (3.10's instance dicts; none on 3.11+).
 */
function promoteSurvivors(st: GcState, generation: number, young: number, old: number): void {
  const heap = st.heap
  if (young !== old) {
    if (generation === NUM_GENERATIONS - 2) st.longLivedPending += heap.listCount[young]
    st.stats.work.bytesPromoted += heap.listBytes[young]
    heap.listSplice(young, old) // moveUnreachable named `old` in each survivor's `where`
  } else {
    // Only full collections untrack dicts (gcmodule.c: "to avoid quadratic dict build-up").
    untrackDicts(st, young)
    st.longLivedPending = 0
    st.longLivedTotal = heap.listCount[young]
  }
}

// ================================================================ reachability

/**
 * deduce_unreachable: update_refs, subtract_refs, move_unreachable. Invariant after: `base`
 * holds the objects reachable from outside it, `unreachable` the rest (with F_UNREACHABLE).
 * With `survivors` (a collection's, not 0): untrack_tuples(base) is done too, and every object
 * left in `base` has `survivors` as its `where`, ready for heap.ts listSplice (moveUnreachable).
 */
function deduceUnreachable(st: GcState, base: number, unreachable: number, survivors: number): void {
  updateAndSubtractRefs(st, base)
  st.heap.listInit(unreachable)
  moveUnreachable(st, base, unreachable, survivors)
}

/**
 * update_refs then subtract_refs, in one walk of the list. Invariant after: every object of the
 * list is marked as being collected (PREV_MASK_COLLECTING) and its gc_refs counts only the
 * references from outside the list (its refcount less those from inside), so an object with
 * gc_refs > 0 is directly reachable from outside it.
 *
 * gcmodule.c sets every gc_refs before subtracting, and tells an inside referent by its
 * collecting mark, which update_refs sets. In one walk a referent further on is not marked
 * yet, so it is told by its list (`where`), and gc_refs is added to rather than set: it is 0
 * on entry for every object (it is 0 on a fresh row, and moveUnreachable leaves it 0 on every
 * object it scanned or moved), so it ends at the same value in any order.
 */
function updateAndSubtractRefs(st: GcState, containers: number): void {
  const heap = st.heap
  const next = heap.gcNext
  const flags = heap.flags
  const refs = heap.gcRefs
  const refcnt = heap.refcnt
  const where = heap.where
  const f = heap.fields
  let scanned = 0
  const dicts = heap.instanceDicts.size !== 0
  for (let h = next[containers]; h !== containers; h = next[h]) {
    refs[h] += refcnt[h]
    flags[h] |= COLLECTING
    const kind = heap.kind[h]
    if (dicts && kind === DICT_INSTANCE) {
      // 3.10 subtype_traverse: the instance visits its dict, whose traversal visits the values.
      const d = instanceDictOf(heap, h)
      if (d !== 0) {
        if (where[d] === containers) refs[d]--
        continue
      }
    }
    const n = kind === WEAKREF ? 0 : heap.nrefs[h]
    const base = heap.fieldBase[h]
    scanned += n
    for (let i = 0; i < n; i++) {
      const c = f[base + i]
      if (c !== 0 && where[c] === containers) refs[c]--
    }
  }
  st.stats.work.refsScanned += scanned
}

/**
 * move_unreachable: scan `young` in order; an object with gc_refs > 0 is reachable and makes
 * what it references reachable (an object already moved to `unreachable` comes back to the
 * tail of `young`); an object still at 0 when the scan reaches it moves to `unreachable`.
 * Invariant after: `young` holds exactly the objects reachable from outside the collected set
 * (no longer marked collecting), `unreachable` the rest, each with F_UNREACHABLE.
 *
 * The lists come out exactly as gcmodule.c's relinking leaves them, but are linked once, at the
 * end (linkScanned): a young object is mostly moved out and back (every child is allocated
 * before its parent), two relinks each. The scan order is the final order of `young`: the
 * objects of `young` kept where the scan meets them, then those brought back, in the order
 * they came back (gcmodule.c appends them behind the scan point), so phase 1 walks the list
 * as it was, untouched, and phase 2 the queue of those brought back; `unreachable` is the
 * moved objects, in the order they moved, less those brought back (F_UNREACHABLE cleared).
 *
 * With `survivors` (not 0), the two passes gcmodule.c makes over the survivors next are made
 * here too: untrack_tuples, and gc_list_merge's part of naming the survivors' list in `where`
 * (the merge itself is then heap.ts listSplice). The result is the same: the scan reaches every
 * survivor once, in the final order, so when it reaches a tuple, the tuples before it were
 * already untracked or kept and those after it are still tracked, exactly what untrack_tuples
 * sees walking the finished list.
 */
function moveUnreachable(st: GcState, young: number, unreachable: number, survivors: number): void {
  const heap = st.heap
  const next = heap.gcNext
  const flags = heap.flags
  const refs = heap.gcRefs
  const count = heap.listCount[young]
  // [0, count): the kept objects from the front, the moved ones from the back (phase 1 meets
  // each of the `count` objects once, checked below); [count, 2 count): the queue of those
  // brought back (each was moved first).
  const scratch = scanScratch(2 * count)
  let kept = 0
  let moved = 0
  const stats = { marked: 0, scanned: 0, queued: 0 }
  let walked = 0
  let h = next[young]
  while (h !== young) {
    const following = next[h]
    walked++
    if (refs[h] !== 0) {
      if (scanReachable(st, h, scratch, count, survivors, young, stats)) scratch[kept++] = h
    } else {
      flags[h] |= MARKED_UNREACHABLE
      scratch[count - 1 - moved++] = h
    }
    h = following
  }
  if (walked !== count)
    throw new PygcError('INTERNAL', `generation list ${young} holds ${walked} objects, counted ${count}`)
  for (let i = count; i < count + stats.queued; i++) {
    const c = scratch[i]
    if (!scanReachable(st, c, scratch, count, survivors, young, stats)) scratch[i] = 0
  }
  linkScanned(heap, young, unreachable, scratch, kept, count, moved, stats.queued)
  st.stats.work.marked += stats.marked
  st.stats.work.refsScanned += stats.scanned
}

/**
 * moveUnreachable's working rows, kept between collections and managers of this thread (a
 * collection never starts inside another): a fresh buffer per manager would be paid in page
 * faults on each run (heap-storage.ts). Above KEPT_SCRATCH rows a buffer is the collection's own.
 */
let scratchRows = new Int32Array(1 << 12)
const KEPT_SCRATCH = 1 << 21

/** At least `n` scratch rows (contents undefined). */
function scanScratch(n: number): Int32Array {
  if (scratchRows.length >= n) return scratchRows
  const rows = new Int32Array(Math.max(n, scratchRows.length * 2))
  if (rows.length <= KEPT_SCRATCH) scratchRows = rows
  return rows
}

/** The counts moveUnreachable's scan keeps (one record per collection). */
interface ScanCounts {
  marked: number
  scanned: number
  /** Objects brought back to `young`, queued at scratch[count...]. */
  queued: number
}

/**
 * move_unreachable's step for a reachable object `h`: tp_traverse(h, visit_reachable), then,
 * with `survivors`, untrack it if it is a tuple _PyTuple_MaybeUntrack untracks (out of
 * `young`'s totals; linkScanned leaves it out), else name `survivors` in its `where` (without,
 * its `where` stays `young`: it was never relinked). Returns false if it was untracked.
 */
function scanReachable(
  st: GcState,
  h: number,
  scratch: Int32Array,
  count: number,
  survivors: number,
  young: number,
  counts: ScanCounts,
): boolean {
  const heap = st.heap
  // tp_traverse(op, visit_reachable): lists and tuples visit their items last to first,
  // slots and instance values first to last.
  const kind = heap.kind[h]
  const d = kind === DICT_INSTANCE ? instanceDictOf(heap, h) : 0
  if (d !== 0) {
    visitReachable(st, d, scratch, count, counts) // 3.10: the instance's dict (subtype_traverse)
  } else if (kind !== WEAKREF && kind !== STATIC) {
    const f = heap.fields
    const base = heap.fieldBase[h]
    const n = heap.nrefs[h]
    counts.scanned += n
    if (kind === LIST || kind === TUPLE || kind === LIST_SUB) {
      for (let i = n - 1; i >= 0; i--) visitReachable(st, f[base + i], scratch, count, counts)
    } else {
      for (let i = 0; i < n; i++) visitReachable(st, f[base + i], scratch, count, counts)
    }
  }
  heap.flags[h] &= ~COLLECTING
  heap.gcRefs[h] = 0 // no longer read (visitReachable stops at the mark): 0 for the next updateAndSubtractRefs
  counts.marked++
  if (survivors === 0) return true
  if (kind === TUPLE && tupleMayUntrack(st, h)) {
    heap.untrackUnlinked(h, young)
    return false
  }
  heap.where[h] = survivors
  return true
}

/**
 * visit_reachable: a referent being collected becomes reachable (queued to come back to
 * `young` if it had been moved out).
 */
function visitReachable(
  st: GcState,
  c: number,
  scratch: Int32Array,
  count: number,
  counts: ScanCounts,
): void {
  if (c === 0) return
  const heap = st.heap
  const flags = heap.flags
  if ((flags[c] & COLLECTING) === 0) return
  if ((flags[c] & MARKED_UNREACHABLE) !== 0) {
    scratch[count + counts.queued++] = c
    flags[c] &= ~MARKED_UNREACHABLE
    heap.gcRefs[c] = 1
  } else if (heap.gcRefs[c] === 0) {
    heap.gcRefs[c] = 1
  }
}

/**
 * The end of moveUnreachable: `young` linked as the kept objects then the queued ones (0: an
 * untracked one); `unreachable` as the moved
 * objects still F_UNREACHABLE, in the order they moved; the two lists' totals (their sum is
 * `young`'s before, less the untracked tuples): `unreachable`'s counted as it is linked.
 */
function linkScanned(
  heap: GcState['heap'],
  young: number,
  unreachable: number,
  scratch: Int32Array,
  kept: number,
  count: number,
  moved: number,
  queued: number,
): void {
  const next = heap.gcNext
  const prev = heap.gcPrev
  const where = heap.where
  let last = linkAfter(heap, young, scratch, 0, kept)
  last = linkAfter(heap, last, scratch, count, count + queued)
  next[last] = young
  prev[young] = last
  const flags = heap.flags
  let gone = 0
  let goneBytes = 0
  last = unreachable
  for (let i = count - 1; i >= count - moved; i--) {
    const h = scratch[i]
    if ((flags[h] & MARKED_UNREACHABLE) === 0) continue
    next[last] = h
    prev[h] = last
    where[h] = unreachable
    last = h
    gone++
    goneBytes += heap.linkedBytes(h)
  }
  next[last] = unreachable
  prev[unreachable] = last
  heap.listCount[young] -= gone
  heap.listBytes[young] -= goneBytes
  heap.listCount[unreachable] = gone
  heap.listBytes[unreachable] = goneBytes
}

/**
 * Link scratch[from..to) after `last`, in order, skipping 0 (an untracked tuple); returns the
 * new last. The caller closes the list.
 */
function linkAfter(
  heap: GcState['heap'],
  last: number,
  scratch: Int32Array,
  from: number,
  to: number,
): number {
  const next = heap.gcNext
  const prev = heap.gcPrev
  for (let i = from; i < to; i++) {
    const h = scratch[i]
    if (h === 0) continue
    next[last] = h
    prev[h] = last
    last = h
  }
  return last
}

/**
 * untrack_tuples. Invariant after: no tuple in the list has only items that cannot be part of
 * a cycle (_PyTuple_MaybeUntrack): such tuples are untracked. The incremental collector's, on
 * generation 0; a collection's own untrack_tuples of its survivors is in moveUnreachable.
 */
export function untrackTuples(st: GcState, head: number): void {
  const heap = st.heap
  const next = heap.gcNext
  let h = next[head]
  while (h !== head) {
    const following = next[h]
    if (heap.kind[h] === TUPLE && tupleMayUntrack(st, h)) heap.listRemove(h)
    h = following
  }
}

/** _PyTuple_MaybeUntrack: no item is a container that may be tracked. */
function tupleMayUntrack(st: GcState, h: number): boolean {
  const heap = st.heap
  const base = heap.fieldBase[h]
  for (let i = 0; i < heap.nrefs[h]; i++) {
    const c = heap.fields[base + i]
    if (c !== 0 && (heap.kind[c] !== TUPLE || heap.gcNext[c] !== 0)) return false
  }
  return true
}

// ================================================================ legacy finalizers

function hasLegacyFinalizer(st: GcState, h: number): boolean {
  const heap = st.heap
  const t = heap.type[h]
  return t >= 0 && heap.kind[h] !== Kind.Weakref && st.layouts[t].legacyFinalizer
}

/**
 * move_legacy_finalizers. Invariant after: no object of `unreachable` carries F_UNREACHABLE;
 * the objects with tp_del are in `finalizers`, no longer marked collecting.
 */
function moveLegacyFinalizers(st: GcState, unreachable: number, finalizers: number): void {
  const heap = st.heap
  heap.listInit(finalizers)
  const next = heap.gcNext
  let h = next[unreachable]
  while (h !== unreachable) {
    const following = next[h]
    heap.flags[h] &= ~F_UNREACHABLE
    if (hasLegacyFinalizer(st, h)) {
      heap.flags[h] &= ~F_COLLECTING
      heap.listMove(h, finalizers)
    }
    h = following
  }
}

/**
 * move_legacy_finalizer_reachable. Invariant after: everything a tp_del object reaches in the
 * garbage is in `finalizers` too (uncollectable).
 */
function moveLegacyFinalizerReachable(st: GcState, finalizers: number): void {
  const heap = st.heap
  const next = heap.gcNext
  for (let h = next[finalizers]; h !== finalizers; h = next[h]) {
    if (heap.kind[h] === Kind.Weakref || heap.kind[h] === Kind.Static) continue
    const d = heap.kind[h] === Kind.DictInstance ? instanceDictOf(heap, h) : 0
    if (d !== 0) {
      // 3.10: the instance reaches its values through its dict.
      if ((heap.flags[d] & F_COLLECTING) !== 0) {
        heap.flags[d] &= ~F_COLLECTING
        heap.listMove(d, finalizers)
      }
      continue
    }
    const base = heap.fieldBase[h]
    const n = heap.nrefs[h]
    const reverse = heap.kind[h] === Kind.List || heap.kind[h] === Kind.Tuple || heap.kind[h] === Kind.ListSub
    for (let k = 0; k < n; k++) {
      const c = heap.fields[base + (reverse ? n - 1 - k : k)]
      if (c !== 0 && (heap.flags[c] & F_COLLECTING) !== 0) {
        heap.flags[c] &= ~F_COLLECTING
        heap.listMove(c, finalizers)
      }
    }
  }
}

/**
 * handle_legacy_finalizers. Invariant after: every tp_del object is referenced from gc.garbage;
 * `finalizers` is merged into `old`.
 */
function handleLegacyFinalizers(st: GcState, finalizers: number, old: number): void {
  const heap = st.heap
  for (let h = heap.gcNext[finalizers]; h !== finalizers; h = heap.gcNext[h]) {
    if (hasLegacyFinalizer(st, h)) {
      st.objects.incref(h)
      st.garbage.push(h)
    }
  }
  heap.listMerge(finalizers, old)
}

// ================================================================ weakrefs and finalizers

/**
 * handle_weakrefs: clear every weakref to an unreachable object (and every unreachable
 * weakref); those that are themselves reachable and have a callback are called afterwards,
 * in the order they were found. Invariant after: no weakref points into the garbage, and the
 * called weakrefs that survived their callback are in `old`. Returns the number of those
 * weakrefs that died right after their callback (gcmodule.c counts them as collected).
 */
function handleWeakrefs(st: GcState, unreachable: number, old: number): number {
  const heap = st.heap
  const weakrefs = st.weakrefs
  heap.listInit(WRCB_TO_CALL)
  let h = heap.gcNext[unreachable]
  while (h !== unreachable) {
    const following = heap.gcNext[h]
    // A weakref that is garbage itself is cleared first (so its callback never runs), not counted.
    if (heap.kind[h] === Kind.Weakref) weakrefs.clearRef(h, false)
    for (let wr = weakrefs.first(h); wr !== 0; wr = weakrefs.first(h)) {
      const garbage = (heap.flags[wr] & F_COLLECTING) !== 0 // the weakref is garbage too
      weakrefs.clearRef(wr, !garbage)
      if (weakrefs.callbackOf(wr) === 0) continue
      if (garbage) continue
      st.objects.incref(wr)
      heap.listMove(wr, WRCB_TO_CALL)
    }
    h = following
  }
  let freed = 0
  while (!heap.listIsEmpty(WRCB_TO_CALL)) {
    const wr = heap.gcNext[WRCB_TO_CALL]
    weakrefs.runCallback(wr, weakrefs.callbackOf(wr))
    st.objects.decref(wr)
    if (heap.gcNext[WRCB_TO_CALL] === wr) heap.listMove(wr, old)
    else freed++
  }
  return freed
}

/**
 * finalize_garbage: call tp_finalize (PEP 442) once per object, moving each to `seen` first.
 * Invariant after: every object of `collectable` with a __del__ carries F_FINALIZED and its
 * finalizer ran once (inside the pause); the list is in its original order.
 */
function finalizeGarbage(st: GcState, collectable: number): void {
  const heap = st.heap
  heap.listInit(SEEN)
  while (!heap.listIsEmpty(collectable)) {
    const h = heap.gcNext[collectable]
    heap.listMove(h, SEEN)
    const t = heap.type[h]
    if ((heap.flags[h] & F_FINALIZED) !== 0 || t < 0 || heap.kind[h] === Kind.Weakref) continue
    const layout = st.layouts[t]
    if (!layout.hasFinalizer) continue
    heap.flags[h] |= F_FINALIZED
    st.objects.incref(h)
    st.objects.runFinalizer(h, layout, false)
    st.objects.decref(h)
  }
  heap.listMerge(SEEN, collectable)
}

/**
 * handle_resurrected_objects: recompute reachability inside the garbage. Invariant after:
 * `stillUnreachable` holds what no finalizer made reachable again; the rest is in `old`.
 */
function handleResurrectedObjects(
  st: GcState,
  unreachable: number,
  stillUnreachable: number,
  old: number,
): void {
  const heap = st.heap
  for (let h = heap.gcNext[unreachable]; h !== unreachable; h = heap.gcNext[h]) heap.flags[h] &= ~F_COLLECTING
  deduceUnreachable(st, unreachable, stillUnreachable, 0)
  for (let h = heap.gcNext[stillUnreachable]; h !== stillUnreachable; h = heap.gcNext[h])
    heap.flags[h] &= ~F_UNREACHABLE
  heap.listMerge(unreachable, old)
}

/**
 * delete_garbage: tp_clear each object, which breaks the cycles; refcounting frees them (as
 * cycle frees). Invariant after: `collectable` is empty; what survived its tp_clear is in `old`.
 */
function deleteGarbage(st: GcState, collectable: number, old: number): void {
  const heap = st.heap
  st.inDeleteGarbage = true
  try {
    while (!heap.listIsEmpty(collectable)) {
      const h = heap.gcNext[collectable]
      st.objects.incref(h)
      tpClear(st, h)
      st.objects.decref(h)
      if (heap.gcNext[collectable] === h) {
        // Still alive (no tp_clear, or something else holds it): it may die later.
        heap.flags[h] &= ~F_COLLECTING
        heap.listMove(h, old)
      }
    }
  } finally {
    st.inDeleteGarbage = false
  }
}

/** tp_clear: _list_clear (items last to first, the list emptied first), clear_slots and the instance values (first to last), weakref gc_clear; tuples have none. */
function tpClear(st: GcState, h: number): void {
  const heap = st.heap
  const kind = heap.kind[h]
  if (kind === Kind.Tuple || kind === Kind.Static) return
  if (kind === Kind.Weakref) {
    st.weakrefs.clearRef(h, false)
    st.weakrefs.takeCallback(h)
    return
  }
  if (kind === Kind.Dict) {
    clearInstanceDict(st, h)
    return
  }
  if (kind === Kind.DictInstance) {
    // 3.10 subtype_clear: Py_CLEAR(the instance's dict); its values go with it.
    const d = detachInstanceDict(heap, h)
    if (d !== 0) {
      st.objects.decref(d)
      return
    }
  }
  const base = heap.fieldBase[h]
  const n = heap.nrefs[h]
  if (kind === Kind.List || kind === Kind.ListSub) {
    // Detach the items first (size 0, ob_item NULL), drop them last to first, then PyMem_Free.
    const items: number[] = []
    for (let i = 0; i < n; i++) items.push(heap.fields[base + i])
    // The emptied list's cells go back with its items (it has none left to hold).
    heap.freeFields(base, heap.fieldCells(h))
    heap.fieldBase[h] = 0
    heap.nrefs[h] = 0
    heap.setNints(h, 0)
    const itemsAddress = heap.itemsAddressOf(h)
    const itemsBytes = heap.itemsBytesOf(h)
    heap.itemsResized(h, 0)
    for (let i = n - 1; i >= 0; i--) if (items[i] !== 0) st.objects.decref(items[i])
    if (itemsBytes !== 0) st.pymalloc.free(itemsAddress, itemsBytes)
    return
  }
  for (let i = 0; i < n; i++) {
    const c = heap.fields[base + i]
    if (c !== 0) {
      heap.fields[base + i] = 0
      st.objects.decref(c)
    }
  }
}

/**
 * clear_freelists (gc.collect(2) only). Invariant after: every per-type free list is empty, its
 * blocks back to pymalloc through PyObject_GC_Del (a dict's counted down from generation 0).
 */
export function clearFreelists(st: GcState): void {
  st.frames?.clearFreeList() // 3.10: frames first (gcmodule.c clear_freelists)
  st.freeLists.clear(
    (h) => st.objects.gcDel(h),
    () => {
      if (st.count[0] > 0) st.count[0]--
    },
  )
}
