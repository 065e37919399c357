/**
 * Reference counting and deallocation: Py_INCREF / Py_DECREF and _Py_Dealloc (Objects/object.c),
 * the trashcan (object.c _PyTrash_thread_deposit_object / _PyTrash_thread_destroy_chain,
 * Include/cpython/object.h Py_TRASHCAN_BEGIN/END), the tp_deallocs of the model's types
 * (Objects/typeobject.c subtype_dealloc, listobject.c list_dealloc, tupleobject.c tupledealloc,
 * weakrefobject.c weakref_dealloc), PyObject_CallFinalizerFromDealloc (object.c) and
 * PyObject_GC_Del (Modules/gcmodule.c).
 *
 * CPython's deallocation recurses (a list's dealloc decrefs its items, whose deallocs decref
 * theirs...) and bounds the depth with the trashcan: past a nesting of 50, an object is pushed
 * on a LIFO "delete later" list that is drained when the nesting returns to zero. The model must
 * never recurse on the host, so every tp_dealloc runs as a resumable frame on an explicit stack
 * (`stk*`): the C recursion becomes a loop whose frames are the C frames, the trashcan counts the
 * same nesting, and objects die in exactly CPython's order — which is what makes finalizer and
 * weakref-callback order comparable with the real runtime.
 */

import type { FinalizerAllocations, WorkCounters } from '@pygc/core'
import { FrameObjects } from './frames.js'
import type { GcState } from './gc-state.js'
import { F_FINALIZED, F_FREELISTED, F_INTERNAL, F_LIVE, F_WEAKREFD, GEN0, type ObjectHeap } from './heap.js'
import { detachInstanceDict, instanceDictOf, makeInstanceDict } from './instance-dict.js'
import { Kind, type TypeLayout } from './layout.js'

/** Phases of a tp_dealloc frame. */
const P_BEGIN = 0
const P_LIST_ITEMS = 1
const P_AFTER_FINALIZER = 2
const P_WEAKREFS = 3
const P_LEGACY = 4
const P_AFTER_LEGACY = 5
const P_FIELDS = 6
const P_FREE = 7
/** dict_dealloc's loop over a 3.10 instance dict's values (instance-dict.ts). */
const P_DICT_VALUES = 8
/** The pseudo-frame of _PyTrash_thread_destroy_chain. */
const CHAIN = -1

/**
 * The kinds and flags the list and tuple frames test at every death, as this module's own
 * constants: V8 folds a module's own constants into optimized code, but re-reads an imported
 * binding (and Kind's property) and checks it at every use (as workloads/src/trees.ts found).
 */
const { List: LIST, Tuple: TUPLE } = Kind
const WEAKREFD = F_WEAKREFD
const INTERNAL = F_INTERNAL
const FREELISTED = F_FREELISTED

export class Deallocator {
  private stkH = new Int32Array(256)
  private stkPhase = new Int8Array(256)
  private stkIdx = new Int32Array(256)
  private sp = 0
  private trashNesting = 0
  /** The trashcan's delete-later list (LIFO, linked through gcPrev like _PyGCHead_SET_PREV). */
  private trashLater = 0
  /** Objects the trashcan deferred (native.summary()). */
  trashDeposits = 0

  /** The work counters (stats.work, never replaced), cached for the refcount paths. */
  private readonly work: WorkCounters
  /**
   * st.heap (never replaced; only its columns are), cached: a Py_DECREF then reads its count
   * through two dependent loads instead of three, at every decref of the op loop.
   */
  private readonly heap: ObjectHeap

  /** The version's trashcan rule (versions.ts): the nesting that defers, the one that drains. */
  private readonly depositAt: number
  private readonly drainAt: number

  constructor(private readonly st: GcState) {
    this.work = st.stats.work
    this.heap = st.heap
    this.depositAt = st.policy.trashcan.depositAt
    this.drainAt = st.policy.trashcan.drainAt
  }

  // ---------------------------------------------------------------- Py_INCREF / Py_DECREF

  incref(h: number): void {
    this.work.refcountOps++
    this.heap.refcnt[h]++
  }

  /** Py_DECREF from C code that is not itself a tp_dealloc: a death runs to completion here. */
  decref(h: number): void {
    this.work.refcountOps++
    if (--this.heap.refcnt[h] === 0) this.dealloc(h)
  }

  /**
   * Py_DECREF inside a tp_dealloc frame: a death becomes a nested frame (a leaf dies at once:
   * deallocLeaf); true if a frame was pushed.
   */
  decrefInFrame(h: number): boolean {
    this.work.refcountOps++
    if (--this.heap.refcnt[h] !== 0 || this.deallocLeaf(h)) return false
    this.pushDeallocFrame(h)
    return true
  }

  /** _Py_Dealloc of an object whose count just reached zero, run to completion. */
  dealloc(h: number): void {
    if (this.deallocLeaf(h)) return
    const base = this.sp
    this.pushDeallocFrame(h)
    this.runFrames(base)
  }

  /**
   * The whole tp_dealloc of a list or tuple whose items are all NULL (a tree's leaves), run
   * without a frame: it causes no other death, so its frame would only untrack and free it
   * between the trashcan's begin and end, and those change nothing while the nesting is below
   * the deferral level and nothing is deferred (no chain to drain at the end). Half the deaths of
   * a dropped tree; false for any other object, whose frame the caller pushes.
   */
  private deallocLeaf(h: number): boolean {
    const heap = this.heap
    const kind = heap.kind[h]
    if ((kind !== Kind.Tuple && kind !== Kind.List) || (heap.flags[h] & F_WEAKREFD) !== 0) return false
    if (this.trashLater !== 0 || this.trashNesting >= this.depositAt) return false
    const f = heap.fields
    const base = heap.fieldBase[h]
    for (let i = heap.nrefs[h] - 1; i >= 0; i--) if (f[base + i] !== 0) return false
    if (heap.gcNext[h] !== 0) heap.listRemove(h) // PyObject_GC_UnTrack
    this.freeListOrTuple(h, kind)
    return true
  }

  /** Kept small so the JIT inlines it into every Py_DECREF; the rare growth is its own method. */
  private pushDeallocFrame(h: number): void {
    if (this.sp === this.stkH.length) this.growStack()
    this.stkH[this.sp] = h
    this.stkPhase[this.sp] = P_BEGIN
    this.stkIdx[this.sp] = 0
    this.sp++
  }

  private growStack(): void {
    const n = this.sp * 2
    const h2 = new Int32Array(n)
    h2.set(this.stkH)
    const p2 = new Int8Array(n)
    p2.set(this.stkPhase)
    const i2 = new Int32Array(n)
    i2.set(this.stkIdx)
    this.stkH = h2
    this.stkPhase = p2
    this.stkIdx = i2
  }

  // ---------------------------------------------------------------- the tp_dealloc frames

  /**
   * Run the tp_dealloc frames above `stackBase` to completion. Each turn of the loop is one step of
   * the frame on top, which ends (`continue frames`) whenever it pushed a nested frame or
   * finished: a loop rather than a call per step, as a tree's death takes about two per object.
   */
  private runFrames(stackBase: number): void {
    frames: while (this.sp > stackBase) {
      const top = this.sp - 1
      const h = this.stkH[top]
      if (h === CHAIN) {
        // _PyTrash_thread_destroy_chain: call each deferred object's tp_dealloc, newest first.
        if (this.trashLater !== 0) {
          const op = this.trashLater
          this.trashLater = this.st.heap.gcPrev[op]
          this.pushDeallocFrame(op)
        } else {
          this.trashNesting--
          this.sp--
        }
        continue
      }
      const st = this.st
      const heap = st.heap
      const kind = heap.kind[h]
      let phase = this.stkPhase[top]
      if (phase === P_BEGIN) {
        if (heap.gcNext[h] !== 0) heap.listRemove(h) // PyObject_GC_UnTrack
        // Py_TRASHCAN_BEGIN: past the unwind level, defer the object to the LIFO list.
        if (this.trashNesting >= this.depositAt) {
          heap.gcPrev[h] = this.trashLater
          this.trashLater = h
          this.trashDeposits++
          this.sp--
          continue
        }
        this.trashNesting++
        if (kind === Kind.Weakref) {
          // subtype_dealloc of the weakref.ref subclass, then weakref_dealloc: clear_weakref, tp_free.
          st.weakrefs.clearWeakref(h, false)
          this.gcDel(h)
          this.trashEnd()
          continue
        }
        if (kind === Kind.Dict) {
          this.stkPhase[top] = P_DICT_VALUES
          phase = P_DICT_VALUES
        } else if (kind === Kind.List || kind === Kind.Tuple) {
          this.stkIdx[top] = heap.nrefs[h]
          this.stkPhase[top] = P_LIST_ITEMS
          // Real lists and tuples are not weakly referenceable; the model lets any object be, and
          // clears its weakrefs the way weakrefable C types do, first thing after the trashcan.
          if (heap.weakrefHead(h) !== 0 && st.weakrefs.clearOnDeath(h)) continue
          phase = P_LIST_ITEMS
        } else {
          // subtype_dealloc
          const layout = st.layouts[heap.type[h]]
          if (layout.hasFinalizer) {
            heap.listAppend(h, GEN0) // _PyObject_GC_TRACK before PyObject_CallFinalizerFromDealloc
            heap.refcnt[h] = 1 // the temporary resurrection
            this.stkPhase[top] = P_AFTER_FINALIZER
            this.stkIdx[top] = 0
            if ((heap.flags[h] & F_FINALIZED) === 0) {
              heap.flags[h] |= F_FINALIZED
              this.stkIdx[top] = 1 // its Python frame returns in P_AFTER_FINALIZER
              if (this.runFinalizer(h, layout, true)) continue
            }
            continue
          }
          phase = P_WEAKREFS
        }
      }
      if (phase === P_DICT_VALUES) {
        // dict_dealloc: Py_XDECREF the values first to last, free_values, then the dict free list.
        if (this.dropFieldsFirstToLast(h, top)) continue
        this.freeItems(h)
        if (heap.fieldBase[h] !== 0) this.releaseFields(h) // the cells were the dict's alone
        if (st.freeLists.tryPushDict(h)) {
          this.noteFreed(h)
          heap.flags[h] = F_FREELISTED
        } else this.gcDel(h)
        this.trashEnd()
        continue
      }
      if (phase === P_LIST_ITEMS) {
        this.runSequenceFrames(stackBase)
        continue
      }
      if (phase === P_AFTER_FINALIZER) {
        // The __del__ call returns once the deaths its body caused are done (3.10: its frame).
        if (this.stkIdx[top] === 1 && st.frames !== undefined)
          st.frames.leave(FrameObjects.codeOf(st.layouts[heap.type[h]]))
        if (--heap.refcnt[h] > 0) {
          // The finalizer resurrected the object: it stays tracked (in generation 0).
          this.trashEnd()
          continue
        }
        heap.listRemove(h)
        phase = P_WEAKREFS
      }
      if (phase === P_WEAKREFS) {
        const layout = st.layouts[heap.type[h]]
        this.stkPhase[top] = layout.legacyFinalizer ? P_LEGACY : P_FIELDS
        this.stkIdx[top] = kind === Kind.ListSub ? heap.nrefs[h] : 0
        if (st.weakrefs.clearOnDeath(h)) continue
        phase = this.stkPhase[top]
      }
      if (phase === P_LEGACY) {
        // tp_del runs on every death (no FINALIZED flag), after the weakrefs are cleared.
        heap.listAppend(h, GEN0)
        heap.refcnt[h] = 1
        this.stkPhase[top] = P_AFTER_LEGACY
        if (this.runFinalizer(h, st.layouts[heap.type[h]], true)) continue
        phase = P_AFTER_LEGACY
      }
      if (phase === P_AFTER_LEGACY) {
        if (--heap.refcnt[h] > 0) {
          this.trashEnd()
          continue
        }
        heap.listRemove(h)
        this.stkPhase[top] = P_FIELDS
        phase = P_FIELDS
      }
      if (phase === P_FIELDS) {
        const f = heap.fields
        const base = heap.fieldBase[h]
        if (kind === Kind.ListSub) {
          // base list_dealloc (its trashcan does not apply: the type's tp_dealloc is subtype_dealloc)
          for (let i = this.stkIdx[top] - 1; i >= 0; i--) {
            const c = f[base + i]
            if (c !== 0 && this.decrefInFrame(c)) {
              this.stkIdx[top] = i
              continue frames
            }
          }
        } else if (
          kind === Kind.DictInstance &&
          heap.instanceDicts.size !== 0 &&
          instanceDictOf(heap, h) !== 0
        ) {
          // 3.10 subtype_dealloc: no slots to clear; Py_DECREF(dict), which frees the values.
          this.stkPhase[top] = P_FREE
          if (this.decrefInFrame(detachInstanceDict(heap, h))) continue
        } else {
          // clear_slots / _PyObject_FreeInstanceAttributes: first to last.
          if (this.dropFieldsFirstToLast(h, top)) continue
        }
        this.stkPhase[top] = P_FREE
        phase = P_FREE
      }
      if (phase === P_FREE) {
        this.freeItems(h)
        this.gcDel(h)
        this.trashEnd()
      }
    }
  }

  /**
   * list_dealloc / tupledealloc (Py_XDECREF the items from the last to the first) of the frame on
   * top, and of every list or tuple frame under or over it, in one loop with the columns in
   * locals: a dropped tree's whole cascade, which the generic loop ran a step per turn (its state
   * reloaded each time). A dying item that is a list or tuple, not weakly referenced and not
   * deferred, starts its frame here (runFrames' P_BEGIN: untrack, nesting++) or, with no items
   * and no deferred chain, dies at once (deallocLeaf). Returns to runFrames, in the same order
   * of deaths, when the frame on top is any other (one pushed here for another item) or at
   * `stackBase`.
   */
  private runSequenceFrames(stackBase: number): void {
    const st = this.st
    const heap = this.heap
    const refcnt = heap.refcnt
    const kinds = heap.kind
    const flags = heap.flags
    const fields = heap.fields
    const fieldBase = heap.fieldBase
    const nrefs = heap.nrefs
    const gcNext = heap.gcNext
    const work = this.work
    // The trashcan's state in locals, the nesting written back on the way out: nothing called
    // here reads it, and only runFrames' P_BEGIN defers (trashLater never changes here).
    const depositAt = this.depositAt
    const drainAt = this.drainAt
    const chained = this.trashLater !== 0
    let nesting = this.trashNesting
    let stkH = this.stkH
    let stkIdx = this.stkIdx
    // Frames above `own` are this loop's list and tuple frames (their phase, P_LIST_ITEMS, is
    // written only if they outlive the loop: leaveFrames); the ones below, the caller's.
    let own = this.sp - 1
    let top = own
    let h = stkH[top]
    let i = stkIdx[top]
    let base = fieldBase[h]
    // noteFreed's tally of the op loop's deaths (st.unsettledFrees), kept here and added on the
    // way out: nothing reads it meanwhile (nothing here allocates, starts a collection or fires an
    // event). The deaths of a collection, or with a listener of each free, take noteFreed's way.
    const tally = !st.inDeleteGarbage && !st.cycle.collecting && !st.hub.perObject
    let frees = 0
    let freedBytes = 0
    for (;;) {
      // The object whose tp_dealloc ends now: the frame's (its items done), or an item that died
      // with no items (deallocLeaf: no frame, the frame's loop goes on after it); 0: leave.
      let dead = 0
      let leaf = false
      items: {
        while (--i >= 0) {
          const c = fields[base + i]
          if (c === 0) continue
          work.refcountOps++
          if (--refcnt[c] !== 0) continue
          const k = kinds[c]
          if ((k !== TUPLE && k !== LIST) || (flags[c] & WEAKREFD) !== 0 || nesting >= depositAt) {
            stkIdx[top] = i
            this.leaveFrames(own, top)
            this.pushDeallocFrame(c)
            break items
          }
          // Its last item that is not NULL: the frame starts there (the NULLs above it drop nothing).
          const cBase = fieldBase[c]
          let last = nrefs[c] - 1
          while (last >= 0 && fields[cBase + last] === 0) last--
          if (last < 0 && !chained) {
            dead = c // untracked by freeSequence
            leaf = true
            break items
          }
          if (gcNext[c] !== 0) heap.listRemove(c) // PyObject_GC_UnTrack
          stkIdx[top] = i
          top++
          if (top === stkH.length) {
            this.sp = top
            this.growStack()
            stkH = this.stkH
            stkIdx = this.stkIdx
          }
          stkH[top] = c
          nesting++
          h = c
          i = last + 1
          base = cBase
        }
        dead = h
      }
      if (dead === 0) break
      // One call site: V8 inlines the free path once.
      const bytes = this.freeSequence(dead, kinds[dead], tally)
      if (bytes >= 0) {
        frees++
        freedBytes += bytes
      }
      if (leaf) continue
      // Py_TRASHCAN_END (trashEnd)
      nesting--
      if (chained && nesting <= drainAt) {
        this.leaveFrames(own, top - 1)
        nesting++
        this.pushDeallocFrame(CHAIN)
        break
      }
      top--
      if (top < own) {
        if (top < stackBase || stkH[top] === CHAIN || this.stkPhase[top] !== P_LIST_ITEMS) {
          this.sp = top + 1
          break
        }
        own = top
      }
      h = stkH[top]
      i = stkIdx[top]
      base = fieldBase[h]
    }
    this.trashNesting = nesting
    if (frees !== 0) {
      st.unsettledFrees += frees
      st.unsettledFreedBytes += freedBytes
    }
  }

  /**
   * runSequenceFrames leaves with its frames above `own` up to `top` still to run (under a frame
   * it pushed for another object): they get the phase it did not write as it pushed them.
   */
  private leaveFrames(own: number, top: number): void {
    for (let f = own + 1; f <= top; f++) this.stkPhase[f] = P_LIST_ITEMS
    this.sp = top + 1
  }

  /**
   * Clear and Py_DECREF the reference fields of the frame on top from its index on, first to
   * last; true when a death pushed a nested frame (the index then says where to resume).
   */
  private dropFieldsFirstToLast(h: number, top: number): boolean {
    const heap = this.heap
    const f = heap.fields
    const base = heap.fieldBase[h]
    const n = heap.nrefs[h]
    for (let i = this.stkIdx[top]; i < n; i++) {
      const c = f[base + i]
      if (c !== 0) {
        f[base + i] = 0
        if (this.decrefInFrame(c)) {
          this.stkIdx[top] = i + 1
          return true
        }
      }
    }
    return false
  }

  /** Py_TRASHCAN_END: leave the nesting; at the outermost level drain the deferred objects. */
  private trashEnd(): void {
    this.sp--
    this.trashNesting--
    if (this.trashLater !== 0 && this.trashNesting <= this.drainAt) {
      this.trashNesting++
      this.pushDeallocFrame(CHAIN)
    }
  }

  // ---------------------------------------------------------------- __del__

  /**
   * PyObject_CallFinalizer: call an object's __del__ (as data): emit the event and, for a
   * resurrecting finalizer, store the object into its global (`G[g] = self`: the new reference
   * first, then the old value dropped). Returns true if that drop pushed a dealloc frame (inFrame).
   *
   * Where its work is charged (core/collection-cycle.ts, the one rule): a __del__ run by a
   * refcount death outside a collection is mutator time, because CPython runs it inline in the
   * Py_DECREF that killed the object (Objects/typeobject.c subtype_dealloc ->
   * PyObject_CallFinalizerFromDealloc, on the mutator's own thread and stack); one run by
   * finalize_garbage (Modules/gcmodule.c) is inside gc_collect_main, so part of the pause.
   */
  runFinalizer(h: number, layout: TypeLayout, inFrame: boolean): boolean {
    const st = this.st
    // 3.10: the call takes a frame (frames.ts); with inFrame the caller's frame returns it.
    const code = st.frames !== undefined && !layout.legacyFinalizer ? FrameObjects.codeOf(layout) : -1
    if (code >= 0) st.frames?.enter(code)
    const pushed = this.finalizerBody(h, layout, inFrame)
    if (code >= 0 && !inFrame) st.frames?.leave(code)
    return pushed
  }

  private finalizerBody(h: number, layout: TypeLayout, inFrame: boolean): boolean {
    const st = this.st
    const heap = st.heap
    st.cycle.finalized()
    if (st.hub.listening) {
      st.hub.emit({
        type: 'finalize',
        op: st.opIndex(),
        id: heap.oid[h],
        typeId: heap.type[h],
        resurrected: layout.resurrectInto >= 0,
        betweenOps: st.atOpBoundary,
      })
    }
    const allocs = layout.finalizerAllocs
    if (allocs !== null) {
      // The body goes on after its first store: every death it causes runs to completion
      // here, as the C stack of a __del__ that keeps going does.
      if (layout.resurrectInto >= 0) {
        heap.refcnt[h]++
        st.stats.work.refcountOps++
        this.storeGlobal(layout.resurrectInto, h, false)
      }
      this.finalizerAllocate(allocs)
      return false
    }
    if (layout.resurrectInto < 0) return false
    heap.refcnt[h]++
    st.stats.work.refcountOps++
    return this.storeGlobal(layout.resurrectInto, h, inFrame)
  }

  /** `G[g] = h` with h's new reference taken: the old value dropped last. True if that pushed a frame. */
  private storeGlobal(gi: number, h: number, inFrame: boolean): boolean {
    const roots = this.st.roots
    const old = roots.values[gi]
    roots.values[gi] = h
    if (old === 0) return false
    if (inFrame) return this.decrefInFrame(old)
    this.decref(old)
    return false
  }

  /**
   * A __del__ that allocates (FinalizerSpec.allocate, storeNew): `for _ in range(count): T()`,
   * each instance dropped as soon as it is made, then `G[g] = S()`. Each allocation is
   * _PyObject_GC_Link's: it counts in generation 0 and may start a collection (3.11) or schedule
   * one (3.12+) unless one is running, exactly as the program's own allocations do.
   */
  private finalizerAllocate(a: FinalizerAllocations): void {
    for (let k = 0; k < a.count; k++) this.decref(this.newInstance(a.type))
    if (a.storeType >= 0) this.storeGlobal(a.storeGlobal, this.newInstance(a.storeType), false)
  }

  /** A new instance of a fixed-size type, held by the caller (reference count 1). */
  private newInstance(type: number): number {
    const st = this.st
    const layout = st.layouts[type]
    const refs = layout.fixedRefs
    const made = st.instancesMade[type]
    const steady = made >= layout.fixedWarmup
    const objBytes = steady ? layout.fixedObjectBytes : layout.objectBytes(refs + layout.ints, made)
    const itemsBytes = steady ? layout.fixedItemsBytes : layout.itemsBytes(refs + layout.ints, made)
    const fromFreeList =
      (layout.kind === LIST && st.freeLists.hasList()) ||
      (layout.kind === TUPLE && st.freeLists.hasTuple(refs + layout.ints))
    if (layout.kind === Kind.DictInstance) st.instancesMade[type] = made + 1
    const h = st.allocator.newObject(layout.kind, objBytes, fromFreeList)
    st.allocator.initObject(
      h,
      type,
      layout.kind,
      refs,
      layout.ints,
      objBytes,
      itemsBytes,
      false,
      layout.payloadBytes,
    )
    const items = refs + layout.ints
    if (layout.kind === Kind.DictInstance) {
      const valuesBytes = layout.dictValuesBytes(items)
      if (valuesBytes !== 0) makeInstanceDict(st, h, valuesBytes)
    }
    return h
  }

  // ---------------------------------------------------------------- freeing

  /** End of list_dealloc / tupledealloc: to the type's free list if there is room, else PyObject_GC_Del. */
  private freeListOrTuple(h: number, kind: number): void {
    this.freeItems(h)
    const heap = this.heap
    const size = heap.fieldCells(h)
    const freeLists = this.st.freeLists
    if (kind === LIST) {
      if (freeLists.tryPushList(h)) {
        this.noteFreed(h)
        this.releaseFields(h) // the next list from the free list may have any length
        heap.flags[h] = FREELISTED
        return
      }
    } else if (freeLists.tryPushTuple(h, size)) {
      // A tuple's free list is per size, so the next tuple from it has this many cells: it keeps
      // them (host storage only; allocation.ts initObject zeroes them).
      this.noteFreed(h)
      heap.flags[h] = FREELISTED
      return
    }
    this.gcDel(h)
  }

  /**
   * freeListOrTuple for runSequenceFrames: for a list or tuple that owns no items block or payload
   * (a tree's nodes) each column is read once, and with `tally` its death's bytes are returned
   * for the caller's tally of noteFreed's; -1 when there is nothing to tally (noted here, or an
   * internal object).
   */
  private freeSequence(h: number, kind: number, tally: boolean): number {
    const heap = this.heap
    if (heap.blockRow[h] !== 0) {
      if (heap.gcNext[h] !== 0) heap.listRemove(h)
      this.freeListOrTuple(h, kind)
      return -1
    }
    const bytes = heap.objBytes[h]
    if (heap.gcNext[h] !== 0) heap.listRemoveBytes(h, bytes) // a leaf's PyObject_GC_UnTrack (no items block: its bytes are its own)
    const freeLists = this.st.freeLists
    if (
      kind === LIST ? !freeLists.tryPushList(h) : !freeLists.tryPushTuple(h, heap.nrefs[h] + heap.nintsOf(h))
    ) {
      this.gcDel(h)
      return -1
    }
    const flags = heap.flags[h]
    heap.flags[h] = FREELISTED
    if (kind === LIST) this.releaseFields(h)
    if ((flags & INTERNAL) !== 0) return -1
    if (tally) return bytes
    this.noteFreedBytes(h, bytes)
    return -1
  }

  /** The items block, and the payload's `bytes` object the items referenced (its bytes stay counted until noteFreed). */
  private freeItems(h: number): void {
    const heap = this.heap
    if (heap.blockRow[h] === 0) return // owns neither an items block nor a payload (most objects)
    const itemsBytes = heap.itemsBytesOf(h)
    if (itemsBytes !== 0) {
      this.st.pymalloc.free(heap.itemsAddressOf(h), itemsBytes)
      heap.itemsResized(h, 0)
    }
    const payloadAddress = heap.payloadAddressOf(h)
    if (payloadAddress !== 0) {
      this.st.pymalloc.free(payloadAddress, heap.payloadBytesOf(h))
      heap.payloadFreed(h)
    }
  }

  private releaseFields(h: number): void {
    const heap = this.heap
    heap.freeFields(heap.fieldBase[h], heap.fieldCells(h))
    heap.fieldBase[h] = 0
  }

  /** PyObject_GC_Del: untrack, generation 0's count--, and the block back to pymalloc. */
  gcDel(h: number): void {
    const st = this.st
    const heap = st.heap
    if (heap.gcNext[h] !== 0) heap.listRemove(h)
    if (st.count[0] > 0) st.count[0]--
    if ((heap.flags[h] & F_LIVE) !== 0) this.noteFreed(h)
    st.pymalloc.free(heap.address[h], heap.objBytes[h])
    if (heap.fieldBase[h] !== 0) this.releaseFields(h)
    heap.releaseHandle(h)
  }

  /**
   * A program object died (to pymalloc or to a free list): counted once, under the cycle
   * collector when delete_garbage's tp_clear started the death, else under refcounting (a
   * Py_DECREF to zero, also one the collector made: a weakref dropped after its callback, a
   * value a resurrecting finalizer overwrote).
   */
  private noteFreed(h: number): void {
    const st = this.st
    const heap = st.heap
    const flags = heap.flags[h]
    heap.flags[h] = flags & ~F_LIVE
    if ((flags & F_INTERNAL) !== 0) return
    const bytes =
      heap.blockRow[h] === 0
        ? heap.objBytes[h]
        : heap.objBytes[h] + heap.itemsAtAllocOf(h) + heap.payloadBytesOf(h)
    this.noteFreedBytes(h, bytes)
  }

  /** noteFreed's count of a program object's death of `bytes`. */
  private noteFreedBytes(h: number, bytes: number): void {
    const st = this.st
    const cause = st.inDeleteGarbage ? 'cycle' : 'refcount'
    if (cause === 'refcount' && !st.cycle.collecting) {
      // A death of the op loop: tallied, added to the figures by settleFrees (gc-state.ts).
      st.unsettledFrees++
      st.unsettledFreedBytes += bytes
    } else st.cycle.freed(bytes, cause)
    if (st.hub.perObject) emitFree(st, h, bytes, cause)
  }
}

/** The `free` event of a dead program object, built out of line (noteFreed runs at every death). */
function emitFree(st: GcState, h: number, bytes: number, cause: 'cycle' | 'refcount'): void {
  st.hub.emit({ type: 'free', op: st.opIndex(), id: st.heap.oid[h], bytes, cause })
}
