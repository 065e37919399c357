/**
 * Helpers of the trace tests: record a program, read a trace back, and expect a format error
 * with a well-formed offset. (Not a .test.ts file: shared by the trace test files.)
 */
import { expect } from 'vitest'
import { TraceFormatError } from '../src/errors.js'
import {
  bufferSource,
  MemorySink,
  RecordingMutator,
  type TraceFormatName,
  type TraceOp,
  TraceReader,
  type TraceWriterOptions,
} from '../src/trace/index.js'
import { LoggingMutator } from './trace-fakes.js'

export function record(
  program: (m: LoggingMutator | RecordingMutator) => void,
  format: TraceFormatName = 'binary',
  metadata = { workload: 'test', seed: 7 },
  options: TraceWriterOptions = {},
) {
  const inner = new LoggingMutator()
  const sink = new MemorySink()
  const rec = new RecordingMutator(inner, sink, { ...options, metadata, format })
  program(rec)
  const summary = rec.finish()
  return { inner, bytes: sink.bytes(), summary }
}

export function readAll(bytes: Uint8Array): TraceOp[] {
  return [...new TraceReader(bufferSource(bytes))]
}

/** Drain a trace and return the error it raises (or null). */
export function errorOf(bytes: Uint8Array): unknown {
  try {
    readAll(bytes)
    return null
  } catch (e) {
    return e
  }
}

export function expectFormatError(bytes: Uint8Array, message?: RegExp): TraceFormatError {
  const e = errorOf(bytes)
  expect(e).toBeInstanceOf(TraceFormatError)
  const err = e as TraceFormatError
  expect(err.code).toBe('TRACE_FORMAT')
  expect(Number.isInteger(err.offset)).toBe(true)
  expect(err.offset).toBeGreaterThanOrEqual(0)
  expect(err.offset).toBeLessThanOrEqual(bytes.length)
  expect(err.message).toContain(`byte offset ${err.offset}`)
  if (message) expect(err.message).toMatch(message)
  return err
}

export /** Edit a copy of the bytes. */
function patched(bytes: Uint8Array, at: number, ...values: number[]): Uint8Array {
  const copy = bytes.slice()
  copy.set(values, at)
  return copy
}
