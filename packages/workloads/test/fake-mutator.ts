/**
 * A trivial Mutator for checking the workload programs themselves, independent of any manager:
 * objects live in JS arrays and are never freed, so weakrefs never clear and finalizers never
 * run. It validates every op the way a manager must (slots, fields, null, types) so a program
 * bug shows up here as an error, and it counts ops so sizes can be estimated.
 */
import { type CallbackSpec, type Mutator, PygcError, type Slot, type TypeId, type TypeSpec } from '@pygc/core'

interface FakeObject {
  type: TypeId
  refs: number[] // 0 = null, else object handle (index + 1)
  ints: Int32Array
  weakTarget: number // for weak references: the target handle; -1 otherwise
}

/**
 * How the fake behaves where runtimes legitimately differ: `'keep'` never clears a weakref and
 * gc.collect() returns 0; `'clear'` clears a weakref as soon as its target is unreachable (what
 * CPython's reference counting does for acyclic garbage) and gc.collect() returns -2 (as Jython
 * does). A workload must issue the same op stream under both.
 */
export type FakeRuntimeBehaviour = 'keep' | 'clear'

export class FakeMutator implements Mutator {
  ops = 0
  /** A running hash of every op and its slot/field arguments: equal hashes, equal op streams. */
  streamHash = 0
  allocations = 0
  readonly types: TypeSpec[] = []
  private readonly objects: FakeObject[] = []
  private globals: number[] = []
  private readonly frames: number[][] = []
  /** Pinned handles, one entry per pin (pins nest): roots. */
  private readonly pins: number[] = []

  constructor(private readonly behaviour: FakeRuntimeBehaviour = 'keep') {}

  private mix(code: number, a = 0, b = 0, c = 0): void {
    let h = this.streamHash
    h = Math.imul(h ^ code, 0x9e3779b1)
    h = Math.imul(h ^ a, 0x85ebca6b)
    h = Math.imul(h ^ b, 0xc2b2ae35)
    h = Math.imul(h ^ c, 0x27d4eb2f)
    this.streamHash = (h ^ (h >>> 15)) >>> 0
  }

  defineType(spec: TypeSpec): TypeId {
    const home = spec.finalizer?.resurrectInto
    if (home !== undefined && (home < 0 || home >= this.globals.length)) {
      throw new PygcError('INVALID_TYPE_SPEC', `${spec.name}: resurrectInto ${home} is not a declared global`)
    }
    this.types.push(spec)
    return this.types.length - 1
  }

  defineGlobals(count: number): void {
    if (count < this.globals.length)
      throw new PygcError('VALUE_OUT_OF_RANGE', `globals may only grow: ${count}`)
    while (this.globals.length < count) this.globals.push(0)
  }

  pushFrame(locals: number): void {
    this.ops++
    this.mix(1, locals)
    this.frames.push(new Array<number>(locals).fill(0))
  }

  popFrame(): void {
    this.ops++
    this.mix(2)
    if (this.frames.length === 0) throw new PygcError('NO_FRAME', 'popFrame with no frame')
    this.frames.pop()
  }

  private cell(slot: Slot): { array: number[]; index: number } {
    if (slot < 0) {
      const index = -1 - slot
      if (index >= this.globals.length)
        throw new PygcError('INVALID_SLOT', `global ${index} not declared`, { slot })
      return { array: this.globals, index }
    }
    const frame = this.frames[this.frames.length - 1]
    if (frame === undefined) throw new PygcError('NO_FRAME', `local ${slot} with no frame`, { slot })
    if (slot >= frame.length)
      throw new PygcError('INVALID_SLOT', `local ${slot} of a ${frame.length}-local frame`, { slot })
    return { array: frame, index: slot }
  }

  private get(slot: Slot): number {
    const c = this.cell(slot)
    return c.array[c.index]
  }

  private set(slot: Slot, handle: number): void {
    const c = this.cell(slot)
    c.array[c.index] = handle
  }

  private object(slot: Slot, op: string): FakeObject {
    const handle = this.get(slot)
    if (handle === 0)
      throw new PygcError('NULL_REFERENCE', `${op}: slot ${slot} is null`, { slot, op: this.ops })
    return this.objects[handle - 1]
  }

  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.ops++
    this.mix(3, dst, type, length ?? -1)
    const spec = this.types[type]
    if (spec === undefined) throw new PygcError('UNKNOWN_TYPE', `type ${type}`)
    if (spec.variable !== undefined && (length === undefined || !Number.isInteger(length) || length < 0)) {
      throw new PygcError('VALUE_OUT_OF_RANGE', `alloc ${spec.name} needs a length, got ${length}`)
    }
    this.cell(dst)
    const refs = spec.variable === 'refs' ? (length ?? 0) : spec.refs
    this.objects.push({
      type,
      refs: new Array<number>(refs).fill(0),
      ints: new Int32Array(spec.ints ?? 0),
      weakTarget: -1,
    })
    this.allocations++
    this.set(dst, this.objects.length)
  }

  private field(o: FakeObject, field: number, op: string): void {
    if (o.weakTarget >= 0) throw new PygcError('WEAKREF_FIELD', `${op} on a weak reference`)
    if (!Number.isInteger(field) || field < 0 || field >= o.refs.length) {
      throw new PygcError(
        'FIELD_OUT_OF_RANGE',
        `${op}: field ${field} of ${this.types[o.type].name} (${o.refs.length} refs)`,
      )
    }
  }

  load(dst: Slot, obj: Slot, field: number): void {
    this.ops++
    this.mix(4, dst, obj, field)
    const o = this.object(obj, 'load')
    this.field(o, field, 'load')
    this.cell(dst)
    this.set(dst, o.refs[field])
  }

  store(obj: Slot, field: number, src: Slot): void {
    this.ops++
    this.mix(5, obj, field, src)
    const o = this.object(obj, 'store')
    this.field(o, field, 'store')
    o.refs[field] = this.get(src)
  }

  move(dst: Slot, src: Slot): void {
    this.ops++
    this.mix(6, dst, src)
    const v = this.get(src)
    this.set(dst, v)
  }

  clear(dst: Slot): void {
    this.ops++
    this.mix(7, dst)
    this.set(dst, 0)
  }

  private intIndex(o: FakeObject, index: number, op: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= o.ints.length) {
      throw new PygcError(
        'FIELD_OUT_OF_RANGE',
        `${op}: int ${index} of ${this.types[o.type].name} (${o.ints.length} ints)`,
      )
    }
  }

  readInt(obj: Slot, index: number): number {
    this.ops++
    this.mix(8, obj, index)
    const o = this.object(obj, 'readInt')
    this.intIndex(o, index, 'readInt')
    return o.ints[index]
  }

  writeInt(obj: Slot, index: number, value: number): void {
    this.ops++
    this.mix(9, obj, index, value)
    const o = this.object(obj, 'writeInt')
    this.intIndex(o, index, 'writeInt')
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new PygcError('VALUE_OUT_OF_RANGE', `writeInt: ${value} is not a signed 32-bit integer`)
    }
    o.ints[index] = value
  }

  isNull(slot: Slot): boolean {
    this.ops++
    this.mix(10, slot)
    return this.get(slot) === 0
  }

  same(a: Slot, b: Slot): boolean {
    this.ops++
    this.mix(11, a, b)
    return this.get(a) === this.get(b)
  }

  weakref(dst: Slot, target: Slot, _callback?: CallbackSpec): void {
    this.ops++
    this.mix(12, dst, target, _callback?.tag ?? -1)
    const t = this.get(target)
    if (t === 0) throw new PygcError('NULL_REFERENCE', 'weakref to null')
    this.cell(dst)
    this.objects.push({ type: -1, refs: [], ints: new Int32Array(0), weakTarget: t })
    this.allocations++
    this.set(dst, this.objects.length)
  }

  deref(dst: Slot, weak: Slot): void {
    this.ops++
    this.mix(13, dst, weak)
    const w = this.object(weak, 'deref')
    if (w.weakTarget < 0) throw new PygcError('NOT_A_WEAKREF', 'deref of a non-weakref')
    this.set(dst, this.behaviour === 'clear' && !this.reachable(w.weakTarget) ? 0 : w.weakTarget)
  }

  /** Whether the object is strongly reachable from the globals, the frames and the pins (a full mark). */
  private reachable(target: number): boolean {
    const marked = new Uint8Array(this.objects.length + 1)
    const stack: number[] = [...this.globals, ...this.frames.flat(), ...this.pins].filter((h) => h !== 0)
    while (stack.length > 0) {
      const h = stack.pop()!
      if (marked[h]) continue
      marked[h] = 1
      if (h === target) return true
      for (const r of this.objects[h - 1].refs) if (r !== 0 && !marked[r]) stack.push(r)
    }
    return false
  }

  collect(_generation?: number): number {
    this.ops++
    this.mix(14, _generation ?? -1)
    return this.behaviour === 'clear' ? -2 : 0
  }

  gcControl(): boolean {
    this.ops++
    return true
  }

  idOf(slot: Slot): number {
    this.ops++
    this.mix(15, slot)
    return this.get(slot)
  }

  lengthOf(slot: Slot): number {
    this.ops++
    this.mix(16, slot)
    return this.object(slot, 'lengthOf').refs.length
  }

  pin(obj: Slot): void {
    this.ops++
    this.mix(20, obj, 1)
    this.object(obj, 'pin')
    this.pins.push(this.get(obj))
  }

  unpin(obj: Slot): void {
    this.ops++
    this.mix(20, obj, 0)
    this.object(obj, 'unpin')
    const at = this.pins.lastIndexOf(this.get(obj))
    if (at < 0)
      throw new PygcError('VALUE_OUT_OF_RANGE', `unpin: the object in slot ${obj} is not pinned`, {
        slot: obj,
      })
    this.pins.splice(at, 1)
  }

  /** Frames still pushed: a program must pop every frame it pushes. */
  get frameDepth(): number {
    return this.frames.length
  }
}
