/**
 * OpCounter: an instrumenting Mutator around another one that counts the ops the program
 * issues and calls `tick` after each, so the metrics collector can sample a timeline without
 * the manager knowing. defineType/defineGlobals are not ops and are not counted.
 */
import type { CallbackSpec, GcControl, Mutator, Slot, TypeId, TypeSpec } from '../types.js'

export class OpCounter implements Mutator {
  ops = 0

  constructor(
    private readonly inner: Mutator,
    private readonly tick: (ops: number) => void,
  ) {}

  defineType(spec: TypeSpec): TypeId {
    return this.inner.defineType(spec)
  }
  defineGlobals(count: number): void {
    this.inner.defineGlobals(count)
  }
  pushFrame(locals: number): void {
    this.inner.pushFrame(locals)
    this.tick(++this.ops)
  }
  popFrame(): void {
    this.inner.popFrame()
    this.tick(++this.ops)
  }
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.inner.alloc(dst, type, length)
    this.tick(++this.ops)
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.inner.load(dst, obj, field)
    this.tick(++this.ops)
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.inner.store(obj, field, src)
    this.tick(++this.ops)
  }
  move(dst: Slot, src: Slot): void {
    this.inner.move(dst, src)
    this.tick(++this.ops)
  }
  clear(dst: Slot): void {
    this.inner.clear(dst)
    this.tick(++this.ops)
  }
  readInt(obj: Slot, index: number): number {
    const v = this.inner.readInt(obj, index)
    this.tick(++this.ops)
    return v
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.inner.writeInt(obj, index, value)
    this.tick(++this.ops)
  }
  isNull(slot: Slot): boolean {
    const v = this.inner.isNull(slot)
    this.tick(++this.ops)
    return v
  }
  same(a: Slot, b: Slot): boolean {
    const v = this.inner.same(a, b)
    this.tick(++this.ops)
    return v
  }
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.inner.weakref(dst, target, callback)
    this.tick(++this.ops)
  }
  deref(dst: Slot, weak: Slot): void {
    this.inner.deref(dst, weak)
    this.tick(++this.ops)
  }
  collect(generation?: number): number {
    const v = this.inner.collect(generation)
    this.tick(++this.ops)
    return v
  }
  gcControl(action: GcControl): boolean {
    const v = this.inner.gcControl(action)
    this.tick(++this.ops)
    return v
  }
  idOf(slot: Slot): number {
    const v = this.inner.idOf(slot)
    this.tick(++this.ops)
    return v
  }
  lengthOf(slot: Slot): number {
    const v = this.inner.lengthOf(slot)
    this.tick(++this.ops)
    return v
  }
  pin(obj: Slot): void {
    this.inner.pin(obj)
    this.tick(++this.ops)
  }
  unpin(obj: Slot): void {
    this.inner.unpin(obj)
    this.tick(++this.ops)
  }
}
