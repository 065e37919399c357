/**
 * One error family for everything pygc rejects. Each error has a stable `code` that tests and
 * tools match on, and a message that says what was wrong and where (slot, field, op index,
 * trace byte offset). Managers validate an op completely before changing any state, so an
 * error never leaves a heap half-changed.
 */

export type ErrorCode =
  | 'INVALID_SLOT' // a slot outside the current frame's locals or the globals
  | 'NO_FRAME' // a local slot or popFrame with no frame pushed
  | 'UNKNOWN_TYPE' // a TypeId that was never defined
  | 'INVALID_TYPE_SPEC' // a TypeSpec that cannot be laid out
  | 'FIELD_OUT_OF_RANGE' // a reference field or int index outside the object
  | 'NULL_REFERENCE' // an op that needs an object found null in the slot
  | 'NOT_A_WEAKREF' // deref of something that is not a weak reference
  | 'WEAKREF_FIELD' // load/store/readInt on a weak reference object
  | 'VALUE_OUT_OF_RANGE' // an int that is not a signed 32-bit integer, a bad length
  | 'INVALID_GENERATION' // collect(g) with g outside the runtime's generations
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

/** The error a runtime raises when its heap is exhausted, under the runtime's own name. */
export type RuntimeOomName = 'MemoryError' | 'java.lang.OutOfMemoryError' | 'System.OutOfMemoryException'

export class OutOfMemoryError extends PygcError {
  readonly runtimeError: RuntimeOomName
  readonly requestedBytes: number

  constructor(runtimeError: RuntimeOomName, requestedBytes: number, detail: string, where: Record<string, unknown> = {}) {
    super('OUT_OF_MEMORY', `${runtimeError}: cannot allocate ${requestedBytes} bytes: ${detail}`, {
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

export function isPygcError(e: unknown, code?: ErrorCode): e is PygcError {
  return e instanceof PygcError && (code === undefined || e.code === code)
}
