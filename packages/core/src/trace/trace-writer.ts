/**
 * A trace writer: one method per record kind (the Mutator's ops plus their recorded results),
 * in either form. RecordingMutator is its main user; tools that generate or convert traces
 * use it directly. Each method validates what it is given and writes the whole record or
 * nothing (a rejected record is rolled back), so a trace is always well-formed.
 */
import type { CallbackSpec, GcControl, Slot, TypeId, TypeSpec } from '../types.js'
import type { TraceOp } from './trace-op.js'

export interface TraceSummary {
  /** Every record written, DEFINE_TYPE and DEFINE_GLOBALS included (the footer's count). */
  records: number
  /** Records that are ops (the manager's `ops` counter): records minus the definitions. */
  ops: number
  /**
   * Binary version 2: the running CRC-32 stored in the last chunk; version 1: the FNV-1a 32 of
   * the footer; JSON lines: the CRC-32 of the whole file (informational, not stored).
   */
  checksum: number
  /** Bytes written. */
  bytes: number
}

export type TraceFormatName = 'binary' | 'jsonl'

export interface TraceWriter {
  readonly format: TraceFormatName
  readonly records: number
  readonly ops: number
  defineType(spec: TypeSpec): void
  defineGlobals(count: number): void
  pushFrame(locals: number): void
  popFrame(): void
  alloc(dst: Slot, type: TypeId, length: number): void
  load(dst: Slot, obj: Slot, field: number): void
  store(obj: Slot, field: number, src: Slot): void
  move(dst: Slot, src: Slot): void
  clear(dst: Slot): void
  readInt(obj: Slot, index: number, expected: number): void
  writeInt(obj: Slot, index: number, value: number): void
  isNull(s: Slot, expected: boolean): void
  same(a: Slot, b: Slot, expected: boolean): void
  weakref(dst: Slot, target: Slot, callback: CallbackSpec | undefined): void
  deref(dst: Slot, weak: Slot): void
  /** `generation` -1 for the default collection. */
  collect(generation: number, result: number): void
  gcControl(action: GcControl): void
  idOf(s: Slot): void
  lengthOf(s: Slot, expected: number): void
  /** A PIN record: `pinned` true for pin, false for unpin. */
  pin(obj: Slot, pinned: boolean): void
  /** Write any record given as a TraceOp (converters, tests). */
  write(op: TraceOp): void
  /** Write the footer and close the sink. */
  finish(): TraceSummary
}
