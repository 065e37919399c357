import { PygcError } from '../errors.js'
import { BinaryTraceWriter, type BinaryWriterOptions } from './binary-writer.js'
import { echo } from './echo.js'
import type { TraceSink } from './io.js'
import { JsonLinesTraceWriter } from './jsonl-writer.js'
import type { TraceFormatName, TraceWriter } from './trace-writer.js'

export interface TraceWriterOptions extends BinaryWriterOptions {
  /**
   * JSON object stored in the header: workload, size, params, seed, recordedOn, pygcVersion,
   * and opsEstimate (about how many ops follow: a progress hint for replays, TRACE_FORMAT.md).
   */
  metadata?: Record<string, unknown>
  /** Default 'binary'. */
  format?: TraceFormatName
}

/**
 * A writer of either form; the header is written at once. `version` and `chunkBytes` apply to
 * the binary form only.
 */
export function createTraceWriter(sink: TraceSink, options: TraceWriterOptions = {}): TraceWriter {
  const format = options.format ?? 'binary'
  if (format === 'binary') return new BinaryTraceWriter(sink, options.metadata, options)
  if (format === 'jsonl') return new JsonLinesTraceWriter(sink, options.metadata)
  throw new PygcError('INVALID_OPTION', `unknown trace format ${echo(format)}: use 'binary' or 'jsonl'`, {
    format,
  })
}
