/**
 * One decoded trace record as a plain object: the `op` field is the Mutator method name and
 * the other fields are the operand names of TRACE_FORMAT.md. `TraceReader.next()` returns
 * these; `replayTrace` decodes without building them (see cursor.ts).
 */
import type { CallbackSpec, GcControl, Slot, TypeId, TypeSpec } from '../types.js'

export type TraceOp =
  | { op: 'defineType'; spec: TypeSpec }
  | { op: 'defineGlobals'; count: number }
  | { op: 'pushFrame'; locals: number }
  | { op: 'popFrame' }
  | { op: 'alloc'; dst: Slot; type: TypeId; length: number }
  | { op: 'load'; dst: Slot; obj: Slot; field: number }
  | { op: 'store'; obj: Slot; field: number; src: Slot }
  | { op: 'move'; dst: Slot; src: Slot }
  | { op: 'clear'; dst: Slot }
  | { op: 'readInt'; obj: Slot; index: number; expected: number }
  | { op: 'writeInt'; obj: Slot; index: number; value: number }
  | { op: 'isNull'; s: Slot; expected: boolean }
  | { op: 'same'; a: Slot; b: Slot; expected: boolean }
  /** `callback` absent: no callback. */
  | { op: 'weakref'; dst: Slot; target: Slot; callback?: CallbackSpec }
  | { op: 'deref'; dst: Slot; weak: Slot }
  /** `generation` -1: the default (full) collection, i.e. `collect()` with no argument. */
  | { op: 'collect'; generation: number; result: number }
  | { op: 'gcControl'; action: GcControl }
  | { op: 'idOf'; s: Slot }
  | { op: 'lengthOf'; s: Slot; expected: number }
  /** One opcode (PIN) on the wire; its u8 tells the two apart. */
  | { op: 'pin'; obj: Slot }
  | { op: 'unpin'; obj: Slot }

export type TraceOpName = TraceOp['op']

/** A slot for humans: `L3` is local 3, `G0` is global 0. */
export function describeSlot(slot: Slot): string {
  return slot >= 0 ? `L${slot}` : `G${-slot - 1}`
}

/** One line naming the op and its operands, for error messages and `pygc replay --verbose`. */
export function describeTraceOp(op: TraceOp): string {
  const s = describeSlot
  switch (op.op) {
    case 'defineType':
      return `defineType ${JSON.stringify(op.spec)}`
    case 'defineGlobals':
      return `defineGlobals count=${op.count}`
    case 'pushFrame':
      return `pushFrame locals=${op.locals}`
    case 'popFrame':
      return 'popFrame'
    case 'alloc':
      return `alloc ${s(op.dst)} = new type#${op.type}${op.length !== 0 ? ` length=${op.length}` : ''}`
    case 'load':
      return `load ${s(op.dst)} = ${s(op.obj)}.field[${op.field}]`
    case 'store':
      return `store ${s(op.obj)}.field[${op.field}] = ${s(op.src)}`
    case 'move':
      return `move ${s(op.dst)} = ${s(op.src)}`
    case 'clear':
      return `clear ${s(op.dst)}`
    case 'readInt':
      return `readInt ${s(op.obj)}.int[${op.index}] -> ${op.expected}`
    case 'writeInt':
      return `writeInt ${s(op.obj)}.int[${op.index}] = ${op.value}`
    case 'isNull':
      return `isNull ${s(op.s)} -> ${op.expected}`
    case 'same':
      return `same ${s(op.a)} ${s(op.b)} -> ${op.expected}`
    case 'weakref':
      return `weakref ${s(op.dst)} = weak(${s(op.target)})${op.callback ? ` callback tag=${op.callback.tag}` : ''}`
    case 'deref':
      return `deref ${s(op.dst)} = ${s(op.weak)}()`
    case 'collect':
      return `collect generation=${op.generation === -1 ? 'default' : op.generation} -> ${op.result}`
    case 'gcControl':
      return `gcControl ${op.action}`
    case 'idOf':
      return `idOf ${s(op.s)}`
    case 'lengthOf':
      return `lengthOf ${s(op.s)} -> ${op.expected}`
    case 'pin':
      return `pin ${s(op.obj)}`
    case 'unpin':
      return `unpin ${s(op.obj)}`
  }
}
