/**
 * What the speed table's floors (refcount-floor.ts, bookkeeping-floor.ts) share: core's RootSet
 * and the ops that only touch it (frames, move, clear, isNull), the `ops` count, and the ops
 * binary-trees never makes, each throwing UNSUPPORTED. A floor supplies its objects: alloc,
 * load, store, and its Py_INCREF / Py_DECREF.
 *
 * Sharing costs a floor nothing on V8: the all-in-one table loads each floor's program with its
 * own copy of this module (host-bench.ts speedSection), so each copy's call sites see one class.
 */
import { type CallbackSpec, type GcControl, PygcError, RootSet, type Slot } from '@pygc/core'

export abstract class FloorMutator {
  /** The floor's name in UNSUPPORTED errors. */
  protected abstract readonly floorName: string
  protected readonly roots = new RootSet({ outOfMemory: 'MemoryError', int32Values: true })
  ops = 0

  /** A new reference to row `h` (not null). */
  protected abstract incref(h: number): void
  /** A reference to row `h` (not null) dropped; a death at zero. */
  protected abstract decref(h: number): void

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.roots.pushFrame(locals)
    this.ops++
  }

  /** The frame's locals released in order, as a returning Python frame clears them. */
  popFrame(): void {
    const roots = this.roots
    roots.checkPop()
    this.ops++
    const values = roots.values
    for (let i = roots.frameBase, top = roots.top; i < top; i++) {
      const old = values[i]
      if (old !== 0) {
        values[i] = 0
        this.decref(old)
      }
    }
    roots.dropFrame()
  }

  move(dst: Slot, src: Slot): void {
    const roots = this.roots
    const di = roots.index(dst)
    const v = roots.values[roots.index(src)]
    this.ops++
    this.storeRoot(di, v)
  }

  clear(dst: Slot): void {
    const values = this.roots.values
    const di = this.roots.index(dst)
    this.ops++
    const old = values[di]
    if (old !== 0) {
      values[di] = 0
      this.decref(old)
    }
  }

  isNull(slot: Slot): boolean {
    const v = this.roots.values[this.roots.index(slot)]
    this.ops++
    return v === 0
  }

  /** The object at root index `index`, or NULL_REFERENCE. */
  protected objectAt(index: number): number {
    const row = this.roots.values[index]
    if (row === 0) throw new PygcError('NULL_REFERENCE', 'field op on null')
    return row
  }

  /** A new object's one reference (the caller's) stored into a root, the old value dropped. */
  protected storeRootOwned(index: number, h: number): void {
    const values = this.roots.values
    const old = values[index]
    values[index] = h
    if (old !== 0) this.decref(old)
  }

  /** STORE_FAST's order: the new reference taken, then the old one dropped. */
  protected storeRoot(index: number, v: number): void {
    const values = this.roots.values
    if (v !== 0) this.incref(v)
    const old = values[index]
    values[index] = v
    if (old !== 0) this.decref(old)
  }

  readInt(_obj: Slot, _index: number): number {
    throw this.unsupported('readInt')
  }
  writeInt(_obj: Slot, _index: number, _value: number): void {
    throw this.unsupported('writeInt')
  }
  same(_a: Slot, _b: Slot): boolean {
    throw this.unsupported('same')
  }
  weakref(_dst: Slot, _target: Slot, _callback?: CallbackSpec): void {
    throw this.unsupported('weakref')
  }
  deref(_dst: Slot, _weak: Slot): void {
    throw this.unsupported('deref')
  }
  collect(_generation?: number): number {
    throw this.unsupported('collect')
  }
  gcControl(_action: GcControl): boolean {
    throw this.unsupported('gcControl')
  }
  idOf(_slot: Slot): number {
    throw this.unsupported('idOf')
  }
  lengthOf(_slot: Slot): number {
    throw this.unsupported('lengthOf')
  }
  pin(_obj: Slot): void {
    throw this.unsupported('pin')
  }
  unpin(_obj: Slot): void {
    throw this.unsupported('unpin')
  }

  private unsupported(op: string): PygcError {
    return new PygcError('UNSUPPORTED', `the ${this.floorName} has no ${op}: it runs binary-trees only`)
  }
}

/** The field error of a floor's load or store (both floors have only two-reference objects). */
export function badField(field: number): PygcError {
  return new PygcError('FIELD_OUT_OF_RANGE', `field ${String(field)} is not 0 or 1`)
}

/** A copy of `a`, twice as long, with its first `used` entries (a floor's rare growth). */
export function grown<A extends Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(a: A, used: number): A {
  const next = (a instanceof Int32Array ? new Int32Array(a.length * 2) : new Float64Array(a.length * 2)) as A
  next.set(a.subarray(0, used))
  return next
}
