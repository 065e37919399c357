/**
 * The op contract's argument checks (core/src/types.ts, "The contract"), written once so that
 * every manager rejects a bad call with the same code and the same message shape. Slots are
 * checked by RootSet.index, type ids and lengths by TypeRegistry.allocLength, type specs by
 * validateTypeSpec; the rest is here.
 *
 * The checks are on the op loop's hot path: each is a small function over its arguments (no
 * allocation, nothing built unless it throws) that V8 inlines, and every test starts with
 * Number.isInteger, which is false for anything that is not a number — a BigInt, a string, null,
 * a Symbol — so no later comparison or arithmetic can throw a raw TypeError. Building the
 * error is kept out of line.
 */
import { PygcError, showValue as show } from './errors.js'
import {
  type CallbackSpec,
  GC_CONTROL_ACTIONS,
  INT32_MAX,
  INT32_MIN,
  MAX_CALLBACK_TAG,
  PYTHON_GENERATIONS,
  type Slot,
} from './types.js'

/** load/store: `field` must be an integer in 0..refs-1 of the object in `slot`. */
export function checkRefField(op: string, opIndex: number, slot: Slot, field: number, refs: number): void {
  if (!(Number.isInteger(field) && field >= 0 && field < refs))
    throw refFieldError(op, opIndex, slot, field, refs)
}

/**
 * checkRefField's error, for a manager that makes the test in place: `isInteger(field) && field
 * >= 0 && field < refs` is a few bytes of bytecode, where a call of checkRefField also builds
 * its five arguments on every load and store (V8 inlines an op into the workload by bytecode size).
 */
export function refFieldError(
  op: string,
  opIndex: number,
  slot: Slot,
  field: unknown,
  refs: number,
): PygcError {
  return outOfObject(op, opIndex, slot, field, refs, 'reference field')
}

/** readInt/writeInt: `index` must be an integer in 0..ints-1 of the object in `slot`. */
export function checkIntIndex(op: string, opIndex: number, slot: Slot, index: number, ints: number): void {
  if (!(Number.isInteger(index) && index >= 0 && index < ints))
    throw outOfObject(op, opIndex, slot, index, ints, 'int')
}

function outOfObject(
  op: string,
  opIndex: number,
  slot: Slot,
  at: unknown,
  count: number,
  what: string,
): PygcError {
  const key = what === 'int' ? 'index' : 'field'
  return new PygcError(
    'FIELD_OUT_OF_RANGE',
    `${op} at op ${opIndex}: ${what} ${show(at)} is outside the ${count} ${what}s of the object in slot ${slot}`,
    { op: opIndex, slot, [key]: at },
  )
}

/** writeInt: the value must be a signed 32-bit integer. */
export function checkInt32(op: string, opIndex: number, value: number): void {
  if (!(Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX)) {
    throw new PygcError(
      'VALUE_OUT_OF_RANGE',
      `${op} at op ${opIndex}: ${show(value)} is not a signed 32-bit integer`,
      {
        op: opIndex,
        value,
      },
    )
  }
}

/**
 * weakref: the callback as the managers store it, 0 for none or tag + 1 (1..2^31, so it also
 * fits a uint32; {@link callbackTagOf} turns it back). Anything but undefined or `{ tag }` with
 * tag in 0..MAX_CALLBACK_TAG is VALUE_OUT_OF_RANGE.
 */
export function callbackCode(opIndex: number, callback: CallbackSpec | undefined): number {
  if (callback === undefined) return 0
  if (typeof callback === 'object' && callback !== null) {
    const tag = callback.tag
    if (Number.isInteger(tag) && tag >= 0 && tag <= MAX_CALLBACK_TAG && onlyKey(callback, 'tag'))
      return tag + 1
  }
  throw new PygcError(
    'VALUE_OUT_OF_RANGE',
    `weakref at op ${opIndex}: callback must be absent or { tag } with tag an integer in 0..${MAX_CALLBACK_TAG}, got ${show(callback)}`,
    { op: opIndex },
  )
}

function onlyKey(o: object, key: string): boolean {
  for (const k in o) if (k !== key) return false
  return true
}

/** The tag of a callback code stored in an int32 cell (tag + 1 = 2^31 reads back as -2^31). */
export function callbackTagOf(code: number): number {
  return (code - 1) >>> 0
}

/** collect: absent, or a Python gc generation 0..2 (types.ts PYTHON_GENERATIONS says why -1 is not one). */
export function checkGeneration(opIndex: number, generation: number | undefined): void {
  if (
    generation === undefined ||
    (Number.isInteger(generation) && generation >= 0 && generation < PYTHON_GENERATIONS)
  )
    return
  throw new PygcError(
    'INVALID_GENERATION',
    `collect at op ${opIndex}: ValueError: invalid generation ${show(generation)} (a Python gc generation is 0, 1 or 2)`,
    { op: opIndex, generation },
  )
}

/** gcControl: one of GC_CONTROL_ACTIONS. */
export function checkGcAction(opIndex: number, action: unknown): void {
  if (action === 'disable' || action === 'enable' || action === 'freeze' || action === 'unfreeze') return
  throw new PygcError(
    'UNKNOWN_ACTION',
    `gcControl at op ${opIndex}: unknown action ${show(action)}; actions: ${GC_CONTROL_ACTIONS.join(', ')}`,
    { op: opIndex, action },
  )
}

/** An op that needs an object found null in `slot`. */
export function nullReference(op: string, opIndex: number, slot: Slot): PygcError {
  return new PygcError('NULL_REFERENCE', `${op} at op ${opIndex}: slot ${slot} is null`, {
    op: opIndex,
    slot,
  })
}

/** load/store/readInt/writeInt on a weak reference object. */
export function weakrefHasNoFields(op: string, opIndex: number, slot: Slot): PygcError {
  return new PygcError(
    'WEAKREF_FIELD',
    `${op} at op ${opIndex}: slot ${slot} holds a weak reference, which has no fields or ints`,
    { op: opIndex, slot },
  )
}

/**
 * A field op's error for an object that has no fields: `address` 0 is a null slot, anything else
 * a weak reference. Built out of line, so that a manager's field test is one compound test (V8
 * inlines an op into the workload by bytecode size).
 */
export function noFieldsError(op: string, opIndex: number, slot: Slot, address: number): PygcError {
  return address === 0 ? nullReference(op, opIndex, slot) : weakrefHasNoFields(op, opIndex, slot)
}

/** deref of an ordinary object. */
export function notAWeakref(opIndex: number, slot: Slot): PygcError {
  return new PygcError(
    'NOT_A_WEAKREF',
    `deref at op ${opIndex}: slot ${slot} holds an object that is not a weak reference`,
    {
      op: opIndex,
      slot,
    },
  )
}

/** unpin of an object that holds no pin. */
export function notPinned(opIndex: number, slot: Slot): PygcError {
  return new PygcError(
    'VALUE_OUT_OF_RANGE',
    `unpin at op ${opIndex}: the object in slot ${slot} is not pinned`,
    {
      op: opIndex,
      slot,
    },
  )
}
