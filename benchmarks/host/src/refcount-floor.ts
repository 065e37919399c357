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
import { type Mutator, PygcError, type Slot, type TypeId, type TypeSpec } from '@pygc/core'
import { badField, FloorMutator, grown } from './floor-mutator.js'

/** Two reference fields per object: binary-trees' `(left, right)` tuples. */
const FIELDS = 2
const isInteger = Number.isInteger

export class RefcountFloor extends FloorMutator implements Mutator {
  protected readonly floorName = 'refcount floor'
  /** Row r's fields are fields[2r], fields[2r + 1]; row 0 is null. */
  private fields: Int32Array<ArrayBuffer> = new Int32Array(2 * 1024)
  private refcnt: Int32Array<ArrayBuffer> = new Int32Array(1024)
  private freeRows: Int32Array<ArrayBuffer> = new Int32Array(1024)
  private freeCount = 0
  private nextRow = 1
  /** The rows still to free, during a death's cascade. */
  private dying: Int32Array<ArrayBuffer> = new Int32Array(256)
  objectsAllocated = 0

  defineType(spec: TypeSpec): TypeId {
    if (spec.refs !== FIELDS || (spec.ints ?? 0) !== 0)
      throw new PygcError('UNSUPPORTED', 'the refcount floor has only two-reference objects')
    return 0
  }

  alloc(dst: Slot, type: TypeId, _length?: number): void {
    const di = this.roots.index(dst)
    if (type !== 0) throw new PygcError('UNKNOWN_TYPE', `type ${String(type)} is not defined`)
    this.ops++
    this.objectsAllocated++
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
    this.storeRootOwned(di, row)
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
    if (v !== 0) this.incref(v)
    const at = 2 * row + field
    const old = this.fields[at]
    this.fields[at] = v
    if (old !== 0) this.decref(old)
  }

  protected incref(row: number): void {
    this.refcnt[row]++
  }

  protected decref(row: number): void {
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
