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
 */
import { PygcError } from '../errors.js'
import type { CallbackSpec, GcControl, MemoryManager, Mutator, Slot, TypeId, TypeSpec } from '../types.js'
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
        break
      case 'free':
        tee.pendingFrees.push(e.id, e.op, oracle.bytesAllocated)
        break
      case 'finalize':
        if (e.resurrected) oracle.resurrect(tee.resurrectInto[e.typeId], e.id)
        break
    }
  })
  return { mutator: tee, oracle, flush: () => tee.flush(), detach }
}

class OracleTeeMutator implements Mutator {
  /** Global each type's finalizer resurrects into (-1: none), indexed by type id. */
  readonly resurrectInto: number[] = []
  /** Frees not yet handed to the oracle: triples (id, op, bytes allocated). */
  pendingFrees: number[] = []

  constructor(
    private readonly m: MemoryManager,
    private readonly o: ReachabilityOracle,
    private readonly onFree: ((id: number, op: number, bytesAllocated: number) => void) | undefined,
  ) {}

  flush(): void {
    const frees = this.pendingFrees
    if (frees.length === 0) return
    this.pendingFrees = []
    for (let i = 0; i < frees.length; i += 3) {
      this.o.noteFreed(frees[i])
      this.onFree?.(frees[i], frees[i + 1], frees[i + 2])
    }
  }

  defineType(spec: TypeSpec): TypeId {
    const id = this.m.defineType(spec)
    const mirrored = this.o.defineType(spec)
    if (mirrored !== id)
      throw new PygcError('INTERNAL', `manager gave type id ${id}, the oracle ${mirrored}`, { type: id })
    this.resurrectInto[id] = spec.finalizer?.resurrectInto ?? -1
    return id
  }
  defineGlobals(count: number): void {
    this.m.defineGlobals(count)
    this.o.defineGlobals(count)
  }
  pushFrame(locals: number): void {
    this.flush()
    this.m.pushFrame(locals)
    this.o.pushFrame(locals)
    this.flush()
  }
  popFrame(): void {
    this.flush()
    this.m.popFrame()
    this.o.popFrame()
    this.flush()
  }
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.flush()
    this.m.alloc(dst, type, length)
    this.o.allocAs(dst, type, length, this.m.objectId(dst))
    this.flush()
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.flush()
    this.m.load(dst, obj, field)
    this.o.load(dst, obj, field)
    this.flush()
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.flush()
    this.m.store(obj, field, src)
    this.o.store(obj, field, src)
    this.flush()
  }
  move(dst: Slot, src: Slot): void {
    this.flush()
    this.m.move(dst, src)
    this.o.move(dst, src)
    this.flush()
  }
  clear(dst: Slot): void {
    this.flush()
    this.m.clear(dst)
    this.o.clear(dst)
    this.flush()
  }
  readInt(obj: Slot, index: number): number {
    this.flush()
    const v = this.m.readInt(obj, index)
    this.o.readInt(obj, index)
    this.flush()
    return v
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.flush()
    this.m.writeInt(obj, index, value)
    this.o.writeInt(obj, index, value)
    this.flush()
  }
  isNull(slot: Slot): boolean {
    this.flush()
    const r = this.m.isNull(slot)
    this.o.isNull(slot)
    this.flush()
    return r
  }
  same(a: Slot, b: Slot): boolean {
    this.flush()
    const r = this.m.same(a, b)
    this.o.same(a, b)
    this.flush()
    return r
  }
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.flush()
    this.m.weakref(dst, target, callback)
    this.o.weakrefAs(dst, target, this.m.objectId(dst))
    this.flush()
  }
  deref(dst: Slot, weak: Slot): void {
    this.flush()
    this.m.deref(dst, weak)
    this.o.derefAs(dst, weak, this.m.objectId(dst))
    this.flush()
  }
  collect(generation?: number): number {
    this.flush()
    const r = this.m.collect(generation)
    this.o.collect(generation)
    this.flush()
    return r
  }
  gcControl(action: GcControl): boolean {
    this.flush()
    const r = this.m.gcControl(action)
    this.o.gcControl(action)
    this.flush()
    return r
  }
  idOf(slot: Slot): number {
    this.flush()
    const r = this.m.idOf(slot)
    this.o.idOf(slot)
    this.flush()
    return r
  }
  lengthOf(slot: Slot): number {
    this.flush()
    const r = this.m.lengthOf(slot)
    this.o.lengthOf(slot)
    this.flush()
    return r
  }
  pin(obj: Slot): void {
    this.flush()
    this.m.pin(obj)
    this.o.pin(obj)
    this.flush()
  }
  unpin(obj: Slot): void {
    this.flush()
    this.m.unpin(obj)
    this.o.unpin(obj)
    this.flush()
  }
}
