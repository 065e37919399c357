/**
 * RecordingMutator: a Mutator that forwards every op to `inner` first and records it only if
 * the op succeeded, so a trace is always a valid program (an op the manager rejected is not in
 * it). Managers check every op against the contract (types.ts) before they change anything,
 * and every value the contract accepts is one the format can hold, so an op the manager accepted
 * is always recorded and one it rejected never is: manager and trace agree on every op (the
 * conformance kit's contract table checks both). Results that are program semantics (readInt,
 * lengthOf) or worth comparing (isNull, same, collect) are recorded with the op. The header is written at construction and every
 * definition is an in-stream record, so types may be defined at any time.
 */
import { PygcError } from '../errors.js'
import type { CallbackSpec, GcControl, Mutator, Slot, TypeId, TypeSpec } from '../types.js'
import { createTraceWriter, type TraceWriterOptions } from './create-writer.js'
import type { TraceSink } from './io.js'
import type { TraceWriter } from './trace-writer.js'

export class RecordingMutator implements Mutator {
  private readonly writer: TraceWriter
  private summary: { ops: number; records: number; checksum: number; bytes: number } | null = null

  constructor(
    private readonly inner: Mutator,
    sink: TraceSink,
    options: TraceWriterOptions = {},
  ) {
    this.writer = createTraceWriter(sink, options)
  }

  /** Ops recorded so far (DEFINE_* excluded): equals the inner manager's stats().ops. */
  get ops(): number {
    return this.writer.ops
  }

  /**
   * Write the footer and close the sink. `ops` excludes the definitions (like a manager's
   * stats().ops); `records` includes them (the footer's count).
   */
  finish(): { ops: number; checksum: number; records: number; bytes: number } {
    if (this.summary !== null)
      throw new PygcError('INVALID_OPTION', 'RecordingMutator.finish() was already called')
    this.summary = this.writer.finish()
    return this.summary
  }

  defineType(spec: TypeSpec): TypeId {
    const id = this.inner.defineType(spec)
    this.writer.defineType(spec)
    return id
  }

  defineGlobals(count: number): void {
    this.inner.defineGlobals(count)
    this.writer.defineGlobals(count)
  }

  pushFrame(locals: number): void {
    this.inner.pushFrame(locals)
    this.writer.pushFrame(locals)
  }

  popFrame(): void {
    this.inner.popFrame()
    this.writer.popFrame()
  }

  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.inner.alloc(dst, type, length)
    // An omitted length and length 0 are the same allocation (TypeRegistry.shapeOf).
    this.writer.alloc(dst, type, length ?? 0)
  }

  load(dst: Slot, obj: Slot, field: number): void {
    this.inner.load(dst, obj, field)
    this.writer.load(dst, obj, field)
  }

  store(obj: Slot, field: number, src: Slot): void {
    this.inner.store(obj, field, src)
    this.writer.store(obj, field, src)
  }

  move(dst: Slot, src: Slot): void {
    this.inner.move(dst, src)
    this.writer.move(dst, src)
  }

  clear(dst: Slot): void {
    this.inner.clear(dst)
    this.writer.clear(dst)
  }

  readInt(obj: Slot, index: number): number {
    const value = this.inner.readInt(obj, index)
    this.writer.readInt(obj, index, value)
    return value
  }

  writeInt(obj: Slot, index: number, value: number): void {
    this.inner.writeInt(obj, index, value)
    this.writer.writeInt(obj, index, value)
  }

  isNull(slot: Slot): boolean {
    const result = this.inner.isNull(slot)
    this.writer.isNull(slot, result)
    return result
  }

  same(a: Slot, b: Slot): boolean {
    const result = this.inner.same(a, b)
    this.writer.same(a, b, result)
    return result
  }

  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.inner.weakref(dst, target, callback)
    this.writer.weakref(dst, target, callback)
  }

  deref(dst: Slot, weak: Slot): void {
    this.inner.deref(dst, weak)
    this.writer.deref(dst, weak)
  }

  collect(generation?: number): number {
    const result = generation === undefined ? this.inner.collect() : this.inner.collect(generation)
    // -1 stands for "no argument" (the default, full collection) in the trace.
    this.writer.collect(generation ?? -1, result)
    return result
  }

  gcControl(action: GcControl): boolean {
    const result = this.inner.gcControl(action)
    this.writer.gcControl(action)
    return result
  }

  idOf(slot: Slot): number {
    const id = this.inner.idOf(slot)
    this.writer.idOf(slot)
    return id
  }

  lengthOf(slot: Slot): number {
    const length = this.inner.lengthOf(slot)
    this.writer.lengthOf(slot, length)
    return length
  }

  pin(obj: Slot): void {
    this.inner.pin(obj)
    this.writer.pin(obj, true)
  }

  unpin(obj: Slot): void {
    this.inner.unpin(obj)
    this.writer.pin(obj, false)
  }
}
