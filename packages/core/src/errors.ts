/**
 * One error family for everything pygc rejects. Each error has a stable `code` that tests and
 * tools match on, and a message that says what was wrong and where (slot, field, op index,
 * trace byte offset). Managers validate an op completely before changing any state, so an
 * error never leaves a heap half-changed.
 */

/** Which op operand gets which code, and in what order the checks run: core/src/types.ts, "The contract". */
export type ErrorCode =
  | 'INVALID_SLOT' // a slot that is not an integer naming a local of the current frame or a defined global
  | 'NO_FRAME' // a local slot or popFrame with no frame pushed
  | 'UNKNOWN_TYPE' // a type id that is not an integer naming a defined type
  | 'INVALID_TYPE_SPEC' // a TypeSpec that is malformed (unknown key, wrong kind, out of range) or one type too many
  | 'FIELD_OUT_OF_RANGE' // a reference field or int index that is not an integer inside the object
  | 'NULL_REFERENCE' // an op that needs an object found null in the slot
  | 'NOT_A_WEAKREF' // deref of something that is not a weak reference
  | 'WEAKREF_FIELD' // load/store/readInt/writeInt on a weak reference object
  | 'VALUE_OUT_OF_RANGE' // an int that is not signed 32-bit, a bad length, locals or globals count, callback; unpin of an unpinned object
  | 'INVALID_GENERATION' // collect(g) with g not an integer in 0..2 (Python's gc generations)
  | 'UNKNOWN_ACTION' // gcControl(action) with an action that is not one of GC_CONTROL_ACTIONS
  | 'INVALID_OPTION' // a manager, workload or command option that is impossible
  | 'TRACE_FORMAT' // a malformed, truncated or corrupted trace
  | 'REPLAY_MISMATCH' // a replayed op returned something other than what was recorded
  | 'OUT_OF_MEMORY' // the modeled heap cannot fit an allocation
  | 'UNSUPPORTED' // an operation this runtime does not have (e.g. Jython gc.disable)
  | 'UNKNOWN_WORKLOAD'
  | 'UNKNOWN_RUNTIME'
  | 'INVALID_PARAM'
  | 'INTERNAL' // a broken heap invariant: a bug in a manager, never the user's fault

export class PygcError extends Error {
  readonly code: ErrorCode
  /** Structured "where": slot, field, op index, byte offset... whatever applies. */
  readonly where: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message: string, where: Record<string, unknown> = {}) {
    super(message)
    this.name = 'PygcError'
    this.code = code
    this.where = where
  }
}

/**
 * The error a runtime raises when its heap is exhausted, under the runtime's own name. Open: a
 * runtime added later names its own (the three listed are the ones the models raise today).
 */
export type RuntimeOomName =
  | 'MemoryError'
  | 'java.lang.OutOfMemoryError'
  | 'System.OutOfMemoryException'
  | (string & {})

export class OutOfMemoryError extends PygcError {
  readonly runtimeError: RuntimeOomName
  readonly requestedBytes: number

  /** `requestedBytes` 0: raised where nothing was being allocated (PyPy's gc.collect() at PYPY_GC_MAX). */
  constructor(
    runtimeError: RuntimeOomName,
    requestedBytes: number,
    detail: string,
    where: Record<string, unknown> = {},
  ) {
    const request = requestedBytes > 0 ? `cannot allocate ${requestedBytes} bytes: ` : ''
    super('OUT_OF_MEMORY', `${runtimeError}: ${request}${detail}`, {
      ...where,
      requestedBytes,
    })
    this.name = 'OutOfMemoryError'
    this.runtimeError = runtimeError
    this.requestedBytes = requestedBytes
  }
}

/** The trace reader's error: always names the byte offset (and op index once known). */
export class TraceFormatError extends PygcError {
  readonly offset: number

  constructor(message: string, offset: number, where: Record<string, unknown> = {}) {
    super('TRACE_FORMAT', `trace format error at byte offset ${offset}: ${message}`, { ...where, offset })
    this.name = 'TraceFormatError'
    this.offset = offset
  }
}

/** A bad operand as a message shows it: numbers as themselves, other values with their kind (`1n (a BigInt)`, `"1" (a string)`). */
export function showValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n (a BigInt)`
  if (typeof v === 'string') return `${JSON.stringify(v)} (a string)`
  if (typeof v === 'symbol') return 'a Symbol'
  if (typeof v === 'object' && v !== null) {
    try {
      return JSON.stringify(v)
    } catch {
      return 'an object'
    }
  }
  return String(v)
}

export function isPygcError(e: unknown, code?: ErrorCode): e is PygcError {
  return e instanceof PygcError && (code === undefined || e.code === code)
}
