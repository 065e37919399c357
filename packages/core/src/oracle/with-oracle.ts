/**
 * withOracle: a tee that sends every op to the manager and then to a ReachabilityOracle, so
 * the oracle mirrors exactly the graph the manager holds. The manager runs first: if it
 * rejects an op the oracle never sees it. What only the runtime can decide is taken from the
 * manager — what a deref returns (cleared or not), which finalizer resurrected what, the ids
 * of new objects, what was freed, how many bytes were allocated — through its events.
 *
 * Frees are handed to the oracle after the op that caused them has reached the oracle too:
 * a reference-counting manager frees an object inside the op that dropped its last
 * reference, and the oracle must first see that op to date the death exactly (same op, delay
 * 0) rather than mistake a prompt free for one of an object it still thinks alive. Frees that
 * happen outside the tee (a collect() called on the manager directly) are handed over at the
 * start of the next op, or by flush().
 *
 * Resurrections are applied at the moment the runtime ran the finalizer, relative to the op's
 * own reads and writes, because a resurrection stores into a global the op may read (a move
 * from it) or write. The `finalize` event says which moment:
 *  - betweenOps (a finalizer thread's turn at the op boundary, CPython 3.12's collection at the
 *    eval breaker, anything outside the tee): before the op reads its operands. The oracle has
 *    not seen the op yet (the manager runs first), so the resurrection is applied at once.
 *  - inside an allocating op (alloc, weakref), before the op's own `alloc` event: a collection
 *    the allocation started (CPython 3.11's gc_alloc, a CLR budget), after the op read its
 *    operands and before it stored the new object. Queued; applied between the oracle's read
 *    of the operands and its write.
 *  - inside the op otherwise: a reference count the op's own write dropped to zero (CPython
 *    stores the new reference, then drops the old one), or a collection started from there.
 *    Queued; applied after the oracle has applied the op.
 * If the manager rejects an op after running finalizers, what it queued is applied by the
 * next op or flush().
 *
 * A finalizer that allocates (FinalizerSpec.allocate, storeNew) has its `finalize` event first,
 * then one `alloc` event per object it makes, in the spec's order (allocate's objects, then
 * storeNew's): those alloc events are the finalizer's, not the op's. Its objects are born at the
 * finalizer's moment, placed as a resurrection is; allocate's die there, storeNew's is stored
 * into its global.
 */
import { PygcError } from '../errors.js'
import {
  type CallbackSpec,
  type FinalizerSpec,
  type GcControl,
  globalIndex,
  type MemoryManager,
  type Mutator,
  type Slot,
  type TypeId,
  type TypeSpec,
} from '../types.js'
import { type OracleOptions, ReachabilityOracle } from './reachability-oracle.js'

export interface OracleTee {
  mutator: Mutator
  oracle: ReachabilityOracle
  /** Hand the frees seen so far to the oracle now (the tee does it around every op). */
  flush(): void
  /** Stop listening to the manager's events. */
  detach(): void
}

export interface WithOracleOptions extends OracleOptions {
  /**
   * Called for every free once the oracle has dated the object's death: `op` is the op of the
   * free, `bytesAllocated` the run's allocation total when it happened.
   */
  onFree?: (id: number, op: number, bytesAllocated: number) => void
}

export function withOracle(manager: MemoryManager, options: WithOracleOptions = {}): OracleTee {
  const oracle = new ReachabilityOracle(options)
  const tee = new OracleTeeMutator(manager, oracle, options.onFree)
  const detach = manager.on((e) => {
    switch (e.type) {
      case 'alloc':
        oracle.bytesAllocated += e.bytes
        tee.noteAlloc(e.id, e.typeId)
        break
      case 'free':
        tee.pendingFrees.push(e.id, e.op, oracle.bytesAllocated)
        break
      case 'finalize':
        tee.noteFinalizer(e.typeId, e.id, e.resurrected, e.betweenOps)
        break
    }
  })
  return { mutator: tee, oracle, flush: () => tee.flush(), detach }
}

/** Where the tee is in an op, for placing a resurrection (see the header). */
const Phase = {
  /** Between ops: the oracle has applied every op the manager has run. */
  Idle: 0,
  /** Inside an allocating op whose new object the manager has not made yet. */
  BeforeAlloc: 1,
  /** Inside an op, past the point where an allocating op made its object. */
  InOp: 2,
} as const
type Phase = (typeof Phase)[keyof typeof Phase]

class OracleTeeMutator implements Mutator {
  /** Global each type's finalizer resurrects into (-1: none), indexed by type id. */
  readonly resurrectInto: number[] = []
  /** Each type's finalizer spec (undefined: none), indexed by type id. */
  private readonly finalizers: (FinalizerSpec | undefined)[] = []
  /** The finalizer whose alloc events are expected next: objects still to come, and where they go. */
  private finalizerAllocs = 0
  private finalizerBetweenOps = false
  private finalizerSpec: FinalizerSpec | undefined
  /** Frees not yet handed to the oracle: triples (id, op, bytes allocated). */
  pendingFrees: number[] = []
  private phase: Phase = Phase.Idle
  /** The id of the object the current allocating op made (from its alloc event), -1 before. */
  private allocatedId = -1
  /**
   * A finalizer's effects queued inside the op, before the op's write and after it: triples
   * (global index or -1, id, type): type -1 a resurrection of `id` into the global; else a new
   * object of that type, stored into the global or (-1) dead at once.
   */
  private readonly beforeWrite: number[] = []
  private readonly afterWrite: number[] = []

  constructor(
    private readonly m: MemoryManager,
    private readonly o: ReachabilityOracle,
    private readonly onFree: ((id: number, op: number, bytesAllocated: number) => void) | undefined,
  ) {}

  flush(): void {
    this.phase = Phase.Idle
    this.resurrectQueued(this.beforeWrite)
    this.resurrectQueued(this.afterWrite)
    const frees = this.pendingFrees
    if (frees.length === 0) return
    this.pendingFrees = []
    for (let i = 0; i < frees.length; i += 3) {
      this.o.noteFreed(frees[i])
      this.onFree?.(frees[i], frees[i + 1], frees[i + 2])
    }
  }

  noteAlloc(id: number, typeId: number): void {
    if (this.finalizerAllocs > 0) {
      const f = this.finalizerSpec as FinalizerSpec
      this.finalizerAllocs--
      // allocate's objects come first; storeNew's is the last one
      const into = f.storeNew !== undefined && this.finalizerAllocs === 0 ? f.storeNew.global : -1
      this.place(this.finalizerBetweenOps, into, id, typeId)
      return
    }
    if (this.phase === Phase.BeforeAlloc) {
      this.allocatedId = id
      this.phase = Phase.InOp
    }
  }

  noteFinalizer(typeId: number, id: number, resurrected: boolean, betweenOps: boolean): void {
    if (resurrected) this.place(betweenOps, this.resurrectInto[typeId], id, -1)
    const f = this.finalizers[typeId]
    if (f === undefined) return
    this.finalizerAllocs = (f.allocate?.count ?? 0) + (f.storeNew !== undefined ? 1 : 0)
    this.finalizerSpec = f
    this.finalizerBetweenOps = betweenOps
  }

  /** Apply a finalizer's effect now or queue it for its moment in the op (see the header). */
  private place(betweenOps: boolean, into: number, id: number, type: number): void {
    if (betweenOps || this.phase === Phase.Idle) this.apply(into, id, type)
    else (this.phase === Phase.BeforeAlloc ? this.beforeWrite : this.afterWrite).push(into, id, type)
  }

  private apply(into: number, id: number, type: number): void {
    if (type < 0) this.o.resurrect(into, id)
    else this.o.finalizerAlloc(type, id, into)
  }

  private resurrectQueued(queue: number[]): void {
    if (queue.length === 0) return
    for (let i = 0; i < queue.length; i += 3) this.apply(queue[i], queue[i + 1], queue[i + 2])
    queue.length = 0
  }

  /** Start an op: hand over what happened since the last one, then place events in this one. */
  private begin(allocating: boolean): void {
    this.flush()
    this.allocatedId = -1
    this.phase = allocating ? Phase.BeforeAlloc : Phase.InOp
  }

  /** The manager ran the op: the resurrections that came before its write happen now. */
  private beforeOracleWrite(): void {
    this.phase = Phase.Idle
    this.resurrectQueued(this.beforeWrite)
  }

  /** The oracle applied the op: the resurrections that came after its write, then the frees. */
  private end(): void {
    this.flush()
  }

  /** Whether a queued resurrection stores into the global `slot` names. */
  private resurrectsInto(queue: number[], slot: Slot): boolean {
    if (slot >= 0) return false
    for (let i = 0; i < queue.length; i += 3) if (queue[i] === globalIndex(slot)) return true
    return false
  }

  /** The id the current allocating op gave its object: from its alloc event, else from the slot. */
  private newId(dst: Slot): number {
    return this.allocatedId >= 0 ? this.allocatedId : this.m.objectId(dst)
  }

  defineType(spec: TypeSpec): TypeId {
    const id = this.m.defineType(spec)
    const mirrored = this.o.defineType(spec)
    if (mirrored !== id)
      throw new PygcError('INTERNAL', `manager gave type id ${id}, the oracle ${mirrored}`, { type: id })
    this.resurrectInto[id] = spec.finalizer?.resurrectInto ?? -1
    this.finalizers[id] =
      spec.finalizer?.allocate !== undefined || spec.finalizer?.storeNew !== undefined
        ? spec.finalizer
        : undefined
    return id
  }
  defineGlobals(count: number): void {
    this.m.defineGlobals(count)
    this.o.defineGlobals(count)
  }
  pushFrame(locals: number): void {
    this.begin(false)
    this.m.pushFrame(locals)
    this.o.pushFrame(locals)
    this.end()
  }
  popFrame(): void {
    this.begin(false)
    this.m.popFrame()
    this.o.popFrame()
    this.end()
  }
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.begin(true)
    this.m.alloc(dst, type, length)
    const id = this.newId(dst)
    this.beforeOracleWrite()
    this.o.allocAs(dst, type, length, id)
    this.end()
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.begin(false)
    this.m.load(dst, obj, field)
    this.o.load(dst, obj, field)
    this.end()
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.begin(false)
    this.m.store(obj, field, src)
    this.o.store(obj, field, src)
    this.end()
  }
  move(dst: Slot, src: Slot): void {
    this.begin(false)
    this.m.move(dst, src)
    this.o.move(dst, src)
    this.end()
  }
  clear(dst: Slot): void {
    this.begin(false)
    this.m.clear(dst)
    this.o.clear(dst)
    this.end()
  }
  readInt(obj: Slot, index: number): number {
    this.begin(false)
    const r = this.m.readInt(obj, index)
    this.o.readInt(obj, index)
    this.end()
    return r
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.begin(false)
    this.m.writeInt(obj, index, value)
    this.o.writeInt(obj, index, value)
    this.end()
  }
  isNull(slot: Slot): boolean {
    this.begin(false)
    const r = this.m.isNull(slot)
    this.o.isNull(slot)
    this.end()
    return r
  }
  same(a: Slot, b: Slot): boolean {
    this.begin(false)
    const r = this.m.same(a, b)
    this.o.same(a, b)
    this.end()
    return r
  }
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.begin(true)
    this.m.weakref(dst, target, callback)
    const id = this.newId(dst)
    // The operand as the runtime read it: after the op-boundary resurrections, before the
    // ones the allocation's collection ran.
    const targetId = this.o.idIn(target)
    this.beforeOracleWrite()
    this.o.weakrefToId(dst, targetId, id)
    this.end()
  }
  deref(dst: Slot, weak: Slot): void {
    this.begin(false)
    this.m.deref(dst, weak)
    // The manager's answer is what it left in dst, unless the old value's finalizer stored into
    // dst after the deref did: then the answer is gone, and the oracle's own stands in.
    if (this.resurrectsInto(this.afterWrite, dst)) this.o.deref(dst, weak)
    else this.o.derefAs(dst, weak, this.m.objectId(dst))
    this.end()
  }
  collect(generation?: number): number {
    this.begin(false)
    const r = this.m.collect(generation)
    this.o.collect(generation)
    this.end()
    return r
  }
  gcControl(action: GcControl): boolean {
    this.begin(false)
    const r = this.m.gcControl(action)
    this.o.gcControl(action)
    this.end()
    return r
  }
  idOf(slot: Slot): number {
    this.begin(false)
    const r = this.m.idOf(slot)
    this.o.idOf(slot)
    this.end()
    return r
  }
  lengthOf(slot: Slot): number {
    this.begin(false)
    const r = this.m.lengthOf(slot)
    this.o.lengthOf(slot)
    this.end()
    return r
  }
  pin(obj: Slot): void {
    this.begin(false)
    this.m.pin(obj)
    this.o.pin(obj)
    this.end()
  }
  unpin(obj: Slot): void {
    this.begin(false)
    this.m.unpin(obj)
    this.o.unpin(obj)
    this.end()
  }
}
