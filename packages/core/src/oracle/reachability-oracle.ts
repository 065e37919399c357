/**
 * ReachabilityOracle: an exact mirror of the program's object graph, keyed by object id (the
 * allocation ordinal every manager keeps), on typed arrays. It answers two questions no
 * manager can be trusted to answer about itself:
 *
 *  - which objects are reachable from the program's roots (globals, every frame's locals and
 *    pinned objects: a pin is a strong handle)
 *    right now — objects waiting for finalization are NOT roots here: the oracle knows the
 *    program, not the runtime — so a checker can prove that nothing reachable was freed;
 *  - at which op each object died (became unreachable), for the promptness metric.
 *
 * Death tracking. A shadow reference count per object counts the references from slots and
 * from fields of live objects. When it drops to zero the object died at exactly this op, and
 * its children lose one reference each, cascading like reference counting (iteratively, an
 * explicit stack, never host recursion). Cyclic garbage never reaches zero: a full
 * reachability check (and any free of an object the oracle still thinks alive) finds it, and
 * its death op is recorded as the first op after the previous check — an upper bound on its delay,
 * too long by at most the interval between checks. A dead object can come back — a weak
 * reference deref'd before the collector found it, a finalizer resurrecting it — and then it
 * and what it reaches are revived (the inverse cascade).
 *
 * Check interval: at least `checkEvery` ops, and at least as many ops as objects the previous
 * check reached. A check costs O(reachable objects + alive list), so this keeps the total
 * cost of checks linear in the run's length (the same amortization a tracing GC's pacer
 * makes); `maxCheckInterval` reports the widest interval used, the bound on cyclic deaths.
 * Marks are epoch numbers, and only a list of the objects not yet known dead is scanned, so a
 * check never touches the ids of long-dead objects.
 *
 * Memory is O(objects allocated + reference fields allocated): about 45 bytes of typed array
 * entries per id plus 4 per reference field in an append-only pool. Ints are not mirrored
 * (readInt returns 0): the oracle is about the graph.
 */
import { PygcError } from '../errors.js'
import { RootSet } from '../root-set.js'
import { TypeRegistry } from '../type-registry.js'
import type { CallbackSpec, GcControl, Mutator, Slot, TypeId, TypeSpec } from '../types.js'

export interface OracleOptions {
  /** Run a full reachability check every this many ops to date cyclic garbage (0 = only when asked). */
  checkEvery?: number
  /**
   * Check every deref the manager answered with null: its target must be unreachable (a weak
   * reference never clears before its target is unreachable). Costs a reachability trace per
   * null deref of a target not known dead, so it is for conformance runs, not for measurements.
   */
  verifyWeakrefs?: boolean
}

const NONE = -1

export class ReachabilityOracle implements Mutator {
  /** Ops applied (defineType/defineGlobals excluded), so `ops` is the index of the op being applied. */
  ops = 0
  /** Cumulative modeled bytes allocated, fed by the owner (withOracle counts the manager's alloc events). */
  bytesAllocated = 0
  readonly checkEvery: number

  private readonly roots = new RootSet() // values hold id + 1, 0 is null
  private readonly types = new TypeRegistry()
  private nextId = 0
  private capacity = 0
  private fieldStart = new Float64Array(0)
  private fieldCount = new Int32Array(0)
  private refCount = new Int32Array(0)
  private deathOp = new Float64Array(0)
  private deathBytes = new Float64Array(0)
  private exactDeath = new Uint8Array(0)
  private freed = new Uint8Array(0)
  private edges = new Int32Array(1024)
  private edgesUsed = 0
  private stack = new Int32Array(1024)
  /** Ops done when the last check ran (0: none yet): the first op an object it saw reachable could die in. */
  private lastCheckOp = 0
  private lastCheckBytes = 0
  private nextCheck: number
  /** The widest interval between two periodic checks so far, in ops. */
  maxCheckInterval = 0
  // Epoch marks: an id is marked in the current trace iff marks[id] === epoch.
  private marks = new Uint32Array(0)
  private epoch = 0
  /** Ids not yet known dead (may hold some that died since the last check), and membership flags. */
  private alive = new Int32Array(1024)
  private aliveCount = 0
  private inAlive = new Uint8Array(0)
  /** Objects the manager freed and the program later reached again (a manager bug). */
  revivedAfterFree = 0
  /** Derefs the manager answered with an object other than the weak reference's target (a manager bug). */
  wrongDerefs = 0
  /** Null derefs while the target was still reachable (a manager bug; counted with verifyWeakrefs). */
  prematureWeakClears = 0
  private readonly verifyWeakrefs: boolean
  /** The target of each weak reference object (by its id), -1 for ordinary objects. */
  private weakTarget = new Int32Array(0)
  /** 1 for objects a finalizer brought back (or reached from one): their weak references may be cleared. */
  private resurrected = new Uint8Array(0)
  /** Pins per id (pins nest), and the ids pinned now: roots for the reachability trace. */
  private pinCount = new Int32Array(0)
  private readonly pinnedIds: number[] = []

  constructor(options: OracleOptions = {}) {
    const every = options.checkEvery ?? 0
    if (!Number.isInteger(every) || every < 0) {
      throw new PygcError('INVALID_OPTION', `oracle checkEvery must be an integer >= 0, got ${every}`, {
        checkEvery: every,
      })
    }
    this.checkEvery = every
    this.verifyWeakrefs = options.verifyWeakrefs ?? false
    this.nextCheck = every > 0 ? every : Number.POSITIVE_INFINITY
  }

  // ---------------------------------------------------------------- queries

  /** Objects allocated so far (ids are 0..count-1). */
  get objectCount(): number {
    return this.nextId
  }

  /** 1 for every id reachable from the roots now, indexed by id. */
  reachableIds(): Uint8Array {
    this.markReachable()
    const reachable = new Uint8Array(this.nextId)
    const marks = this.marks
    const epoch = this.epoch
    for (let id = 0; id < this.nextId; id++) if (marks[id] === epoch) reachable[id] = 1
    return reachable
  }

  isReachable(id: number): boolean {
    if (!(id >= 0 && id < this.nextId)) return false
    this.markReachable()
    return this.marks[id] === this.epoch
  }

  /**
   * Trace from the roots now and return how many objects it reached; `reachedByTrace(id)` then
   * answers for this trace, in O(1), until the next op or query changes the marks. For checking
   * many ids at once without the O(objects allocated) array of reachableIds().
   */
  trace(): number {
    return this.markReachable()
  }

  reachedByTrace(id: number): boolean {
    return id >= 0 && id < this.nextId && this.marks[id] === this.epoch
  }

  /** The op at which the object died, or -1 while it is alive (as far as the oracle knows). */
  deathOpOf(id: number): number {
    return this.deathOp[id]
  }

  /** Bytes allocated in the run when the object died. */
  deathBytesOf(id: number): number {
    return this.deathBytes[id]
  }

  /** Whether the death op is exact (acyclic garbage) rather than bounded by the check interval. */
  isExactDeath(id: number): boolean {
    return this.exactDeath[id] === 1
  }

  wasFreed(id: number): boolean {
    return this.freed[id] === 1
  }

  /** The id held by a slot, -1 for null. */
  idIn(slot: Slot): number {
    return this.roots.get(slot) - 1
  }

  // ---------------------------------------------------------------- notifications from the manager

  /** The manager reclaimed `id`: if the oracle still thought it alive it died since the last check. */
  noteFreed(id: number): void {
    this.ensure(id + 1)
    this.freed[id] = 1
    if (id < this.nextId && this.deathOp[id] < 0) this.die(id, false)
  }

  /**
   * A finalizer stored its object into a global. The object and what it reaches were
   * unreachable a moment ago, so weak references to them may rightly have been cleared (the
   * JVM, the CLR and CPython's cycle collector clear them before finalizers run).
   */
  resurrect(globalIndex: number, id: number): void {
    this.setRoot(globalIndex, id)
    this.markResurrected(id)
  }

  /**
   * A finalizer made `id`, a fixed-size object of `type` (FinalizerSpec.allocate, storeNew):
   * stored into global `into`, or (-1) garbage the moment it is made.
   */
  finalizerAlloc(type: TypeId, id: number, into: number): void {
    this.createObject(id, this.types.shapeOf(type, undefined).refs)
    if (into >= 0) this.setRoot(into, id)
    else this.die(id, true)
  }

  /** Run the periodic check now: date every unreachable object the reference counts missed. */
  detectCyclicGarbage(): void {
    const reached = this.markReachable()
    const marks = this.marks
    const epoch = this.epoch
    const deathOp = this.deathOp
    const alive = this.alive
    const newlyDead: number[] = []
    let kept = 0
    for (let i = 0; i < this.aliveCount; i++) {
      const id = alive[i]
      if (deathOp[id] >= 0) {
        this.inAlive[id] = 0 // died by its count since the last check
      } else if (marks[id] !== epoch) {
        deathOp[id] = this.lastCheckOp
        this.deathBytes[id] = this.lastCheckBytes
        this.exactDeath[id] = 0
        this.inAlive[id] = 0
        newlyDead.push(id)
      } else {
        alive[kept++] = id
      }
    }
    this.aliveCount = kept
    for (const id of newlyDead) this.releaseChildren(id)
    this.lastCheckOp = this.ops
    this.lastCheckBytes = this.bytesAllocated
    if (this.checkEvery > 0) {
      const interval = Math.max(this.checkEvery, reached)
      this.nextCheck = this.ops + interval
      if (interval > this.maxCheckInterval) this.maxCheckInterval = interval
    }
  }

  // ---------------------------------------------------------------- Mutator

  defineType(spec: TypeSpec): TypeId {
    return this.types.define(spec, this.roots.globalCount)
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.roots.pushFrame(locals)
    this.endOp()
  }

  popFrame(): void {
    this.roots.checkPop()
    const values = this.roots.values
    for (let i = this.roots.frameBase; i < this.roots.top; i++) {
      const v = values[i]
      values[i] = 0
      if (v !== 0) this.decRef(v - 1)
    }
    this.roots.dropFrame()
    this.endOp()
  }

  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.allocAs(dst, type, length, this.nextId)
  }

  /** alloc with the id the manager gave the object (ids are allocation ordinals on both sides). */
  allocAs(dst: Slot, type: TypeId, length: number | undefined, id: number): void {
    const di = this.roots.index(dst)
    const refs = this.types.shapeOf(type, length).refs
    this.createObject(id, refs)
    this.setRoot(di, id)
    this.endOp()
  }

  load(dst: Slot, obj: Slot, field: number): void {
    const di = this.roots.index(dst)
    const e = this.edgeIndex(obj, field, 'load')
    this.setRoot(di, this.edges[e])
    this.endOp()
  }

  store(obj: Slot, field: number, src: Slot): void {
    const e = this.edgeIndex(obj, field, 'store')
    const v = this.roots.get(src) - 1
    const old = this.edges[e]
    // The object stored into is live (a slot holds it), so its fields count.
    if (v !== NONE) this.incRef(v)
    this.edges[e] = v
    if (old !== NONE) this.decRef(old)
    this.endOp()
  }

  move(dst: Slot, src: Slot): void {
    const di = this.roots.index(dst)
    this.setRoot(di, this.roots.get(src) - 1)
    this.endOp()
  }

  clear(dst: Slot): void {
    this.setRoot(this.roots.index(dst), NONE)
    this.endOp()
  }

  readInt(obj: Slot, _index: number): number {
    this.requireObject(obj, 'readInt')
    this.endOp()
    return 0
  }

  writeInt(obj: Slot, _index: number, _value: number): void {
    this.requireObject(obj, 'writeInt')
    this.endOp()
  }

  isNull(slot: Slot): boolean {
    const v = this.roots.get(slot)
    this.endOp()
    return v === 0
  }

  same(a: Slot, b: Slot): boolean {
    const r = this.roots.get(a) === this.roots.get(b)
    this.endOp()
    return r
  }

  weakref(dst: Slot, target: Slot, _callback?: CallbackSpec): void {
    this.weakrefAs(dst, target, this.nextId)
  }

  /** weakref with the id the manager gave the weak reference object. It has no strong fields. */
  weakrefAs(dst: Slot, target: Slot, id: number): void {
    this.roots.index(dst)
    this.weakrefToId(dst, this.requireObject(target, 'weakref'), id)
  }

  /**
   * weakref to the object `targetId`, read from the target slot earlier in the op: a runtime
   * reads its operands before it allocates, and a collection that allocation starts can run a
   * finalizer that overwrites the target slot before the new reference is stored.
   */
  weakrefToId(dst: Slot, targetId: number, id: number): void {
    const di = this.roots.index(dst)
    if (!(targetId >= 0 && targetId < this.nextId)) {
      throw new PygcError('INTERNAL', `weakref to object ${targetId}, which the oracle never saw`, {
        id: targetId,
      })
    }
    this.createObject(id, 0)
    this.weakTarget[id] = targetId
    this.setRoot(di, id)
    this.endOp()
  }

  /**
   * Standalone, the oracle plays an ideal collector: the target while it is not known dead,
   * null after. Behind a manager the tee uses derefAs with the manager's answer.
   */
  deref(dst: Slot, weak: Slot): void {
    const t = this.weakTarget[this.requireObject(weak, 'deref')]
    this.derefAs(dst, weak, t >= 0 && this.deathOp[t] < 0 ? t : NONE)
  }

  /** deref with the manager's answer: the id it put in dst, or -1 once the reference was cleared. */
  derefAs(dst: Slot, weak: Slot, id: number): void {
    const di = this.roots.index(dst)
    const w = this.requireObject(weak, 'deref')
    const target = this.weakTarget[w]
    if (target < 0) {
      throw new PygcError(
        'NOT_A_WEAKREF',
        `deref: slot ${weak} holds an ordinary object, not a weak reference`,
        { slot: weak },
      )
    }
    // A target the oracle knows dead is unreachable without a trace: its count reached zero,
    // a check found it unreachable, or the manager freed it (whether that free was of a
    // reachable object is the free check's question, not this one's).
    if (id !== NONE && id !== target) this.wrongDerefs++
    else if (
      id === NONE &&
      this.verifyWeakrefs &&
      this.resurrected[target] === 0 &&
      this.deathOp[target] < 0 &&
      this.isReachable(target)
    ) {
      this.prematureWeakClears++
    }
    this.setRoot(di, id)
    this.endOp()
  }

  collect(_generation?: number): number {
    this.endOp()
    return 0
  }

  gcControl(_action: GcControl): boolean {
    this.endOp()
    return true
  }

  idOf(slot: Slot): number {
    const v = this.roots.get(slot)
    this.endOp()
    return v - 1
  }

  lengthOf(slot: Slot): number {
    const id = this.requireObject(slot, 'lengthOf')
    this.endOp()
    return this.fieldCount[id]
  }

  /** A pin is a strong reference from outside the program's slots: it counts like one. */
  pin(obj: Slot): void {
    const id = this.requireObject(obj, 'pin')
    if (this.pinCount[id]++ === 0) this.pinnedIds.push(id)
    this.incRef(id)
    this.endOp()
  }

  unpin(obj: Slot): void {
    const id = this.requireObject(obj, 'unpin')
    if (this.pinCount[id] === 0) {
      throw new PygcError('VALUE_OUT_OF_RANGE', `unpin: the object in slot ${obj} is not pinned`, {
        slot: obj,
      })
    }
    if (--this.pinCount[id] === 0) {
      const at = this.pinnedIds.indexOf(id)
      this.pinnedIds[at] = this.pinnedIds[this.pinnedIds.length - 1]
      this.pinnedIds.pop()
    }
    this.decRef(id)
    this.endOp()
  }

  // ---------------------------------------------------------------- internals

  /** Count an op; run the periodic check when it is due. */
  private endOp(): void {
    this.ops++
    if (this.ops >= this.nextCheck) this.detectCyclicGarbage()
  }

  private requireObject(slot: Slot, what: string): number {
    const v = this.roots.get(slot)
    if (v === 0) throw new PygcError('NULL_REFERENCE', `${what}: slot ${slot} is null`, { slot })
    return v - 1
  }

  private edgeIndex(obj: Slot, field: number, what: string): number {
    const id = this.requireObject(obj, what)
    const n = this.fieldCount[id]
    if (!(field >= 0 && field < n && Number.isInteger(field))) {
      throw new PygcError('FIELD_OUT_OF_RANGE', `${what}: field ${field} outside ${n} fields (slot ${obj})`, {
        slot: obj,
        field,
      })
    }
    return this.fieldStart[id] + field
  }

  private createObject(id: number, refs: number): void {
    if (id < this.nextId) {
      throw new PygcError(
        'INTERNAL',
        `object id ${id} allocated twice (the oracle is at id ${this.nextId})`,
        { id },
      )
    }
    this.ensure(id + 1)
    for (let skipped = this.nextId; skipped < id; skipped++) this.deathOp[skipped] = Number.NaN // ids the manager never used
    this.nextId = id + 1
    if (this.edgesUsed + refs > this.edges.length) {
      let size = this.edges.length
      while (size < this.edgesUsed + refs) size *= 2
      const next = new Int32Array(size)
      next.set(this.edges.subarray(0, this.edgesUsed))
      this.edges = next
    }
    this.fieldStart[id] = this.edgesUsed
    this.fieldCount[id] = refs
    this.edges.fill(NONE, this.edgesUsed, this.edgesUsed + refs)
    this.edgesUsed += refs
    this.refCount[id] = 0
    this.deathOp[id] = -1
    this.weakTarget[id] = NONE
    this.addAlive(id)
  }

  private addAlive(id: number): void {
    if (this.inAlive[id] === 1) return
    if (this.aliveCount === this.alive.length) {
      const next = new Int32Array(this.alive.length * 2)
      next.set(this.alive)
      this.alive = next
    }
    this.alive[this.aliveCount++] = id
    this.inAlive[id] = 1
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return
    let size = Math.max(1024, this.capacity)
    while (size < n) size *= 2
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (k: number) => T): T => {
      const next = make(size)
      next.set(old as never)
      return next
    }
    this.fieldStart = grow(this.fieldStart, (k) => new Float64Array(k))
    this.fieldCount = grow(this.fieldCount, (k) => new Int32Array(k))
    this.refCount = grow(this.refCount, (k) => new Int32Array(k))
    this.deathOp = grow(this.deathOp, (k) => new Float64Array(k))
    this.deathBytes = grow(this.deathBytes, (k) => new Float64Array(k))
    this.exactDeath = grow(this.exactDeath, (k) => new Uint8Array(k))
    this.freed = grow(this.freed, (k) => new Uint8Array(k))
    this.inAlive = grow(this.inAlive, (k) => new Uint8Array(k))
    this.weakTarget = grow(this.weakTarget, (k) => new Int32Array(k))
    this.resurrected = grow(this.resurrected, (k) => new Uint8Array(k))
    this.pinCount = grow(this.pinCount, (k) => new Int32Array(k))
    const marks = new Uint32Array(size)
    marks.set(this.marks)
    this.marks = marks
    this.capacity = size
  }

  /** Point the root at values[index] to `id` (or NONE), counting references. */
  private setRoot(index: number, id: number): void {
    const values = this.roots.values
    const old = values[index] - 1
    if (id !== NONE) this.incRef(id)
    values[index] = id + 1
    if (old !== NONE) this.decRef(old)
  }

  private incRef(id: number): void {
    this.refCount[id]++
    if (this.deathOp[id] >= 0) this.revive(id)
  }

  private decRef(id: number): void {
    if (--this.refCount[id] === 0 && this.deathOp[id] < 0) this.die(id, true)
  }

  /** The object died at this op: record it, then cascade to children whose count reaches zero. */
  private die(id: number, exact: boolean): void {
    if (exact) {
      this.deathOp[id] = this.ops
      this.deathBytes[id] = this.bytesAllocated
      this.exactDeath[id] = 1
    } else {
      this.deathOp[id] = this.lastCheckOp
      this.deathBytes[id] = this.lastCheckBytes
      this.exactDeath[id] = 0
    }
    this.releaseChildren(id)
  }

  /** A dead object's fields stop counting; children that reach zero die at this op (iteratively). */
  private releaseChildren(root: number): void {
    let sp = 0
    this.push(sp++, root)
    while (sp > 0) {
      const id = this.stack[--sp]
      const start = this.fieldStart[id]
      const end = start + this.fieldCount[id]
      for (let e = start; e < end; e++) {
        const c = this.edges[e]
        if (c !== NONE && --this.refCount[c] === 0 && this.deathOp[c] < 0) {
          this.deathOp[c] = this.ops
          this.deathBytes[c] = this.bytesAllocated
          this.exactDeath[c] = 1
          this.push(sp++, c)
        }
      }
    }
  }

  /** A dead object is reachable again: it and the dead objects it reaches come back (iteratively). */
  private revive(root: number): void {
    let sp = 0
    this.push(sp++, root)
    while (sp > 0) {
      const id = this.stack[--sp]
      this.deathOp[id] = -1
      this.addAlive(id)
      if (this.freed[id] === 1) this.revivedAfterFree++
      const start = this.fieldStart[id]
      const end = start + this.fieldCount[id]
      for (let e = start; e < end; e++) {
        const c = this.edges[e]
        if (c === NONE) continue
        this.refCount[c]++
        if (this.deathOp[c] >= 0) {
          this.deathOp[c] = -1 // claimed now so it is pushed once
          this.push(sp++, c)
        }
      }
    }
  }

  private push(at: number, id: number): void {
    if (at === this.stack.length) {
      const next = new Int32Array(this.stack.length * 2)
      next.set(this.stack)
      this.stack = next
    }
    this.stack[at] = id
  }

  /**
   * Flag a resurrected object and everything it reaches now (iteratively). The walk goes
   * through objects flagged before: a flag says an object was unreachable once, not that what
   * it reaches today was, and fields stored since then may lead to objects flagged never.
   */
  private markResurrected(root: number): void {
    const flags = this.resurrected
    const epoch = ++this.epoch
    const marks = this.marks
    marks[root] = epoch
    flags[root] = 1
    let sp = 0
    this.push(sp++, root)
    while (sp > 0) {
      const id = this.stack[--sp]
      const start = this.fieldStart[id]
      const end = start + this.fieldCount[id]
      for (let e = start; e < end; e++) {
        const c = this.edges[e]
        if (c !== NONE && marks[c] !== epoch) {
          marks[c] = epoch
          flags[c] = 1
          this.push(sp++, c)
        }
      }
    }
  }

  /** Mark everything reachable from the roots with a fresh epoch; returns how many objects it reached. */
  private markReachable(): number {
    const epoch = ++this.epoch
    const marks = this.marks
    const values = this.roots.values
    let reached = 0
    let sp = 0
    for (let i = 0; i < this.roots.top; i++) {
      const v = values[i]
      if (v !== 0 && marks[v - 1] !== epoch) {
        marks[v - 1] = epoch
        reached++
        this.push(sp++, v - 1)
      }
    }
    for (const id of this.pinnedIds) {
      if (marks[id] !== epoch) {
        marks[id] = epoch
        reached++
        this.push(sp++, id)
      }
    }
    while (sp > 0) {
      const id = this.stack[--sp]
      const start = this.fieldStart[id]
      const end = start + this.fieldCount[id]
      for (let e = start; e < end; e++) {
        const c = this.edges[e]
        if (c !== NONE && marks[c] !== epoch) {
          marks[c] = epoch
          reached++
          this.push(sp++, c)
        }
      }
    }
    return reached
  }
}
