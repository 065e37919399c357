/**
 * The trace codec (TRACE_FORMAT.md): writers and streaming readers of the binary and JSON-lines
 * forms, the recording mutator and the replayer.
 */

export { createTraceWriter, type TraceWriterOptions } from './create-writer.js'
export { FORMAT_VERSION as TRACE_FORMAT_VERSION } from './format.js'
export type { TraceSink, TraceSource } from './io.js'
export { bufferSource, fileSink, fileSource, MemorySink } from './io.js'
export { RecordingMutator } from './recording-mutator.js'
export { type ReplayOptions, type ReplayResult, replayTrace } from './replay.js'
export type { TraceOp, TraceOpName } from './trace-op.js'
export { describeSlot, describeTraceOp } from './trace-op.js'
export { readTraceMetadata, TraceReader } from './trace-reader.js'
export type { TraceFormatName, TraceSummary, TraceWriter } from './trace-writer.js'
export { canonicalTypeSpec } from './type-record.js'
