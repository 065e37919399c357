/**
 * replay.py's own int objects, placed in the model's pymalloc as the real run makes them, so that
 * pools and arenas compare where they pin memory. replay.py (benchmarks/oracles/replay.py, with
 * IDS_OUTSIDE as under mallocstats.py) makes, outside the small-int cache (-5..256), in its op loop:
 * - the op index: `OPI[0] = opi` at an op's start drops the previous op's int, `opi += 1` at its
 *   end makes the next one; an event (`record_event`: `EV_OP[k] = OPI[0]`) keeps its op's;
 * - `next_id`: `next_id += 1` after every alloc op makes a new int and drops the old one, unless
 *   a finalizable object took it (`IDS[id(obj)] = next_id`, which also makes the key `id(obj)`);
 * - `__del__` pops the object's entry (`IDS.pop(id(obj))`: the key is dropped, the value goes
 *   to `EV_VAL`, kept to the end);
 * - `TAGS[id(wr)] = tag - 1` for a weak reference with a callback, and `next_id += 1` after it;
 * - a `writeInt` value read from the trace (`r.svarint()`), stored in the object until another
 *   value replaces it or the object dies.
 * Allocated at the time they are, these ints pin the pools and arenas a peak leaves: deep-chain's
 * 1,004 finalizable links take their ids' pools in four arenas of the 1M-link chain, which stay
 * after the chain is freed (real +4..5 arenas; the model, with the ints placed after the trace,
 * +1). Every int is one 32-byte block (28 bytes for one 30-bit digit, 32 for two: an id()).
 */

import type { Mutator, TypeId, TypeSpec } from '@pygc/core'
import type { CPythonManager, PyMalloc } from '@pygc/cpython'

/** Objects/longobject.c: small ints -5..256 are preallocated (_PY_NSMALLNEGINTS 5, _PY_NSMALLPOSINTS 257). */
const SMALL_INT_MAX = 256
const SMALL_INT_MIN = -5
/** sizeof(PyLongObject) with one or two 30-bit digits, rounded to pymalloc's 16: 32 bytes. */
const INT_BYTES = 32

/** The Mutator methods replay.py counts as ops (every trace op but the two definitions). */
const OP_METHODS = new Set([
  'alloc',
  'load',
  'store',
  'move',
  'clear',
  'readInt',
  'writeInt',
  'pushFrame',
  'popFrame',
  'isNull',
  'same',
  'weakref',
  'deref',
  'collect',
  'gcControl',
  'idOf',
  'lengthOf',
  'pin',
  'unpin',
])

export class ReplayInts {
  private readonly pm: PyMalloc
  private readonly finalizable: boolean[] = []
  /** Op index ints: the current op's and the next's (replay.py's OPI[0] and opi). */
  private opInt = 0
  private nextOpInt = 0
  /** Op indices whose int an event keeps. */
  private readonly keptOps = new Set<number>()
  private op = 0
  private nextId = 0
  private nextIdInt = 0
  /** A finalizable object's IDS key (id(obj)) and value (its next_id) blocks, by its id. */
  private readonly idsKey = new Map<number, number>()
  private readonly idsValue = new Map<number, number>()
  /** TAGS: a callback weakref's id(obj) key and tag value blocks, by its address. */
  private readonly tags = new Map<number, { key: number; value: number }>()
  private weakrefAddress = 0
  /** Ints alive now (what the comparison takes out of the model's 32-byte blocks). */
  live = 0

  /** The trace's int values outside the small ints, by object id and int index: their blocks. */
  private readonly fieldInts = new Map<number, Map<number, number>>()
  private readonly manager: CPythonManager
  /** The previous op's index int, dropped once the op ran (a collection scheduled by it runs first). */
  private previousOpInt = 0

  constructor(manager: CPythonManager) {
    this.manager = manager
    this.pm = manager.pymalloc
    manager.on(
      (e) => {
        if (e.type === 'finalize') this.onEvent(e.op, e.id)
        else if (e.type === 'weakref-callback') this.onEvent(e.op, -1)
        else if (e.type === 'free') this.onFree(e.id)
        else if (e.type === 'alloc' && e.typeId === -1) this.weakrefAddress = e.address
      },
      ['finalize', 'weakref-callback', 'free', 'alloc'],
    )
  }

  /** `target` with each op bracketed as replay.py's loop brackets it. */
  wrap(target: Mutator): Mutator {
    return new Proxy(target, {
      get: (t, name, receiver) => {
        const value = Reflect.get(t, name, receiver)
        if (typeof value !== 'function') return value
        if (name === 'defineType')
          return (spec: TypeSpec): TypeId => {
            const id = t.defineType(spec)
            this.finalizable[id] = spec.finalizer !== undefined
            return id
          }
        if (typeof name !== 'string' || !OP_METHODS.has(name)) return value.bind(t)
        return (...args: unknown[]): unknown => {
          const writeTo = name === 'writeInt' ? this.manager.objectIdIn(args[0] as number) : -1
          this.startOp()
          const out = (value as (...a: unknown[]) => unknown).apply(t, args)
          if (!this.keptOps.has(this.op - 1)) this.drop(this.previousOpInt)
          if (name === 'alloc') this.afterAlloc(args[1] as TypeId, args[0] as number)
          else if (name === 'weakref')
            this.afterWeakref(args[2] as { tag: number } | undefined, args[0] as number)
          else if (writeTo >= 0) this.setField(writeTo, args[1] as number, args[2] as number)
          this.endOp()
          return out
        }
      },
    })
  }

  private make(value: number): number {
    if (value <= SMALL_INT_MAX) return 0
    this.live++
    return this.pm.malloc(INT_BYTES)
  }

  private drop(block: number): void {
    if (block === 0) return
    this.live--
    this.pm.free(block, INT_BYTES)
  }

  /**
   * `OPI[0] = opi`: the previous op's int goes unless an event kept it; dropped after the op's
   * call, since the model runs a collection the previous op scheduled at the start of this one
   * (replay.py runs it at the previous op's back edge, while OPI[0] is still that op's index).
   */
  private startOp(): void {
    this.previousOpInt = this.opInt
    this.opInt = this.nextOpInt
    this.nextOpInt = 0
  }

  /** `setattr(obj, INT_NAMES[k], value)` / `obj[k] = value`: the new value's int, the old one's dropped. */
  private setField(id: number, index: number, value: number): void {
    let fields = this.fieldInts.get(id)
    const block = value > SMALL_INT_MAX || value < SMALL_INT_MIN ? this.make(SMALL_INT_MAX + 1) : 0
    if (!fields) {
      if (block === 0) return
      fields = new Map()
      this.fieldInts.set(id, fields)
    }
    this.drop(fields.get(index) ?? 0)
    if (block === 0) fields.delete(index)
    else fields.set(index, block)
  }

  /** An object's dealloc drops its int fields' values. */
  private onFree(id: number): void {
    const fields = this.fieldInts.get(id)
    if (!fields) return
    this.fieldInts.delete(id)
    for (const block of fields.values()) this.drop(block)
  }

  /** `opi += 1`. */
  private endOp(): void {
    this.op++
    this.nextOpInt = this.make(this.op)
  }

  private afterAlloc(type: TypeId, dst: number): void {
    const id = this.manager.objectIdIn(dst)
    if (this.finalizable[type]) {
      this.idsKey.set(id, this.make(Number.MAX_SAFE_INTEGER))
      this.idsValue.set(id, this.nextIdInt)
    }
    this.advanceId(id, this.finalizable[type])
  }

  /**
   * `next_id += 1` after the object with id `id`: the new int, and the old one dropped unless an
   * IDS entry took it. (Ids follow the model's, which number the objects finalizers make too,
   * as replay.py's `ID_SHIFT` does.)
   */
  private advanceId(id: number, taken: boolean): void {
    this.nextId = id + 1
    const old = this.nextIdInt
    this.nextIdInt = this.make(this.nextId)
    if (!taken) this.drop(old)
  }

  /**
   * A weakref op: with a callback `TAGS[id(obj)] = tag - 1`, a table never emptied and keyed by
   * address; a reused address keeps its old key (insertdict drops the new equal one) and drops
   * its old value. Then `next_id += 1` (a weak reference has an id too).
   */
  private afterWeakref(callback: { tag: number } | undefined, dst: number): void {
    if (callback) {
      const key = this.make(Number.MAX_SAFE_INTEGER)
      const value = this.make(callback.tag)
      const old = this.tags.get(this.weakrefAddress)
      if (old) {
        this.drop(key)
        this.drop(old.value)
        old.value = value
      } else this.tags.set(this.weakrefAddress, { key, value })
    }
    this.advanceId(this.manager.objectIdIn(dst), false)
  }

  /** record_event: EV_OP keeps the op's int; a __del__'s IDS.pop drops the key, EV_VAL keeps the value. */
  private onEvent(op: number, id: number): void {
    if (op === this.op) this.keptOps.add(op)
    if (id < 0) return
    const key = this.idsKey.get(id)
    if (key === undefined) return
    this.idsKey.delete(id)
    this.idsValue.delete(id)
    this.drop(key)
  }
}
