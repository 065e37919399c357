/**
 * The refcount floor: the least any reference-counting manager does on the Mutator interface,
 * as a second anchor of the speed table. It keeps the root set every manager keeps (core's
 * RootSet, with its slot checks), one refcount and two reference fields per object in typed
 * arrays, a free list of rows, and frees a dead object's children on an explicit stack — and
 * nothing else: no addresses, no allocator, no collector, no statistics, no events, no type
 * layouts. A refcounting model (the CPython one) does all of that and more per op, so its ratio
 * to V8 cannot fall below this one's; the gap between the two rows is what the modeling costs.
 *
 * It runs the same workload program (binary-trees from @pygc/workloads, the same ops in the same
 * order) and supports only the ops that program makes: the others throw UNSUPPORTED.
 */
import {
  type CallbackSpec,
  type GcControl,
  type Mutator,
  PygcError,
  RootSet,
  type Slot,
  type TypeId,
  type TypeSpec,
} from '@pygc/core'

/** Two reference fields per object: binary-trees' `(left, right)` tuples. */
const FIELDS = 2
const isInteger = Number.isInteger

export class RefcountFloor implements Mutator {
  private readonly roots = new RootSet({ outOfMemory: 'MemoryError', int32Values: true })
  /** Row r's fields are fields[2r], fields[2r + 1]; row 0 is null. */
  private fields: Int32Array<ArrayBuffer> = new Int32Array(2 * 1024)
  private refcnt: Int32Array<ArrayBuffer> = new Int32Array(1024)
  private freeRows: Int32Array<ArrayBuffer> = new Int32Array(1024)
  private freeCount = 0
  private nextRow = 1
  /** The rows still to free, during a death's cascade. */
  private dying: Int32Array<ArrayBuffer> = new Int32Array(256)
  ops = 0
  allocations = 0

  defineType(spec: TypeSpec): TypeId {
    if (spec.refs !== FIELDS || (spec.ints ?? 0) !== 0)
      throw new PygcError('UNSUPPORTED', 'the refcount floor has only two-reference objects')
    return 0
  }

  defineGlobals(count: number): void {
    this.roots.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.roots.pushFrame(locals)
    this.ops++
  }

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

  alloc(dst: Slot, type: TypeId, _length?: number): void {
    const di = this.roots.index(dst)
    if (type !== 0) throw new PygcError('UNKNOWN_TYPE', `type ${String(type)} is not defined`)
    this.ops++
    this.allocations++
    let row: number
    if (this.freeCount > 0) {
      row = this.freeRows[--this.freeCount]
      this.fields[2 * row] = 0
      this.fields[2 * row + 1] = 0
    } else {
      if (this.nextRow === this.refcnt.length) this.grow()
      row = this.nextRow++
    }
    this.refcnt[row] = 1
    const values = this.roots.values
    const old = values[di]
    values[di] = row
    if (old !== 0) this.decref(old)
  }

  load(dst: Slot, obj: Slot, field: number): void {
    const roots = this.roots
    const di = roots.index(dst)
    const row = this.objectAt(roots.index(obj))
    if (!(isInteger(field) && field >= 0 && field < FIELDS)) throw badField(field)
    this.ops++
    this.storeRoot(di, this.fields[2 * row + field])
  }

  store(obj: Slot, field: number, src: Slot): void {
    const roots = this.roots
    const row = this.objectAt(roots.index(obj))
    const v = roots.values[roots.index(src)]
    if (!(isInteger(field) && field >= 0 && field < FIELDS)) throw badField(field)
    this.ops++
    if (v !== 0) this.refcnt[v]++
    const at = 2 * row + field
    const old = this.fields[at]
    this.fields[at] = v
    if (old !== 0) this.decref(old)
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

  readInt(_obj: Slot, _index: number): number {
    throw unsupported('readInt')
  }
  writeInt(_obj: Slot, _index: number, _value: number): void {
    throw unsupported('writeInt')
  }
  same(_a: Slot, _b: Slot): boolean {
    throw unsupported('same')
  }
  weakref(_dst: Slot, _target: Slot, _callback?: CallbackSpec): void {
    throw unsupported('weakref')
  }
  deref(_dst: Slot, _weak: Slot): void {
    throw unsupported('deref')
  }
  collect(_generation?: number): number {
    throw unsupported('collect')
  }
  gcControl(_action: GcControl): boolean {
    throw unsupported('gcControl')
  }
  idOf(_slot: Slot): number {
    throw unsupported('idOf')
  }
  lengthOf(_slot: Slot): number {
    throw unsupported('lengthOf')
  }
  pin(_obj: Slot): void {
    throw unsupported('pin')
  }
  unpin(_obj: Slot): void {
    throw unsupported('unpin')
  }

  private objectAt(index: number): number {
    const row = this.roots.values[index]
    if (row === 0) throw new PygcError('NULL_REFERENCE', 'field op on null')
    return row
  }

  private storeRoot(index: number, v: number): void {
    const values = this.roots.values
    if (v !== 0) this.refcnt[v]++
    const old = values[index]
    values[index] = v
    if (old !== 0) this.decref(old)
  }

  private decref(row: number): void {
    if (--this.refcnt[row] === 0) this.free(row)
  }

  /** A death and the deaths it causes, on an explicit stack (never host recursion). */
  private free(row: number): void {
    const fields = this.fields
    const refcnt = this.refcnt
    let dying = this.dying
    let sp = 0
    dying[sp++] = row
    while (sp > 0) {
      const r = dying[--sp]
      for (let f = 2 * r + FIELDS - 1; f >= 2 * r; f--) {
        const child = fields[f]
        if (child !== 0 && --refcnt[child] === 0) {
          if (sp === dying.length) dying = this.dying = grown(dying, sp)
          dying[sp++] = child
        }
      }
      if (this.freeCount === this.freeRows.length) this.freeRows = grown(this.freeRows, this.freeCount)
      this.freeRows[this.freeCount++] = r
    }
  }

  private grow(): void {
    this.refcnt = grown(this.refcnt, this.nextRow)
    this.fields = grown(this.fields, 2 * this.nextRow)
  }
}

function grown(a: Int32Array<ArrayBuffer>, used: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2)
  next.set(a.subarray(0, used))
  return next
}

function badField(field: number): PygcError {
  return new PygcError('FIELD_OUT_OF_RANGE', `field ${String(field)} is not 0 or 1`)
}

function unsupported(op: string): PygcError {
  return new PygcError('UNSUPPORTED', `the refcount floor has no ${op}: it runs binary-trees only`)
}
