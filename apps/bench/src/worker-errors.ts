/**
 * Errors across a worker thread's boundary. Structured cloning keeps an error's message but not
 * its class, so a PygcError (or a usage or input error) thrown inside a worker would arrive as a
 * plain Error and main.ts would report it as an internal error. The worker sends the class, code
 * and "where" as data, and the main thread throws the same typed error again.
 */
import { type ErrorCode, OutOfMemoryError, PygcError, type RuntimeOomName } from '@pygc/core'
import { InputError, UsageError } from './usage.js'

export interface SentError {
  kind: 'pygc' | 'out-of-memory' | 'usage' | 'input' | 'other'
  name: string
  message: string
  stack?: string
  code?: ErrorCode
  where?: Record<string, unknown>
  runtimeError?: RuntimeOomName
  requestedBytes?: number
}

export function sendError(e: unknown): SentError {
  if (e instanceof OutOfMemoryError)
    return {
      kind: 'out-of-memory',
      name: e.name,
      message: e.message,
      code: e.code,
      where: { ...e.where },
      runtimeError: e.runtimeError,
      requestedBytes: e.requestedBytes,
    }
  if (e instanceof PygcError)
    return { kind: 'pygc', name: e.name, message: e.message, code: e.code, where: { ...e.where } }
  if (e instanceof UsageError) return { kind: 'usage', name: e.name, message: e.message }
  if (e instanceof InputError) return { kind: 'input', name: e.name, message: e.message }
  if (e instanceof Error)
    return { kind: 'other', name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) }
  return { kind: 'other', name: 'Error', message: String(e) }
}

export function receiveError(sent: SentError): Error {
  switch (sent.kind) {
    case 'out-of-memory': {
      const e = new OutOfMemoryError(
        sent.runtimeError ?? 'MemoryError',
        sent.requestedBytes ?? 0,
        '',
        sent.where,
      )
      e.message = sent.message
      return e
    }
    case 'pygc':
      return new PygcError(sent.code ?? 'INTERNAL', sent.message, sent.where)
    case 'usage':
      return new UsageError(sent.message)
    case 'input':
      return new InputError(sent.message)
    default: {
      const e = new Error(sent.message)
      e.name = sent.name
      if (sent.stack !== undefined) e.stack = sent.stack
      return e
    }
  }
}
