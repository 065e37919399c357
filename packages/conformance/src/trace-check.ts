/**
 * The trace round trip: record a program on one manager, replay the trace on a fresh one, and
 * compare their deterministic stats. It uses the trace codec of @pygc/core (RecordingMutator,
 * MemorySink, replayTrace, bufferSource) through a namespace import, so the kit still builds
 * and its other checks still run while the codec is missing; this check then fails and says so.
 */

import type { MemoryManager, Mutator } from '@pygc/core'
import * as core from '@pygc/core'
import { ConformanceFailure, fingerprint, settle } from './helpers.js'

interface TraceCodec {
  MemorySink: new () => { bytes(): Uint8Array; write(chunk: Uint8Array): void; close(): void }
  RecordingMutator: new (
    inner: Mutator,
    sink: { write(chunk: Uint8Array): void; close(): void },
    options?: { metadata?: Record<string, unknown> },
  ) => Mutator & { finish(): { ops: number; checksum: number } }
  replayTrace(
    source: unknown,
    target: Mutator,
  ): { ops: number; nullMismatches: number; sameMismatches: number }
  bufferSource(bytes: Uint8Array): unknown
}

function traceCodec(): TraceCodec {
  const codec = core as unknown as Partial<TraceCodec>
  if (!codec.MemorySink || !codec.RecordingMutator || !codec.replayTrace || !codec.bufferSource) {
    throw new ConformanceFailure(
      'the trace codec (RecordingMutator, MemorySink, replayTrace, bufferSource) is not exported by @pygc/core yet',
    )
  }
  return codec as TraceCodec
}

export function replayMatches(
  create: () => MemoryManager,
  program: (m: Mutator, generations: number) => void,
): void {
  const codec = traceCodec()
  const original = create()
  const sink = new codec.MemorySink()
  const recorder = new codec.RecordingMutator(original, sink, { metadata: { check: 'conformance replay' } })
  program(recorder, original.info.generations.length)
  const footer = recorder.finish()
  const replayed = create()
  const result = codec.replayTrace(codec.bufferSource(sink.bytes()), replayed)
  if (result.ops !== footer.ops)
    throw new ConformanceFailure(`replay ran ${result.ops} ops, the recording ${footer.ops}`)
  if (result.nullMismatches !== 0 || result.sameMismatches !== 0) {
    throw new ConformanceFailure(
      `replay answered isNull/same differently: ${result.nullMismatches} isNull, ${result.sameMismatches} same mismatches`,
    )
  }
  const a = fingerprint(original)
  const b = fingerprint(replayed)
  if (a !== b) throw new ConformanceFailure(`replayed stats differ from the recorded run:\n${a}\n${b}`)
  settle(original)
  settle(replayed)
  if (fingerprint(original) !== fingerprint(replayed))
    throw new ConformanceFailure(
      'stats differ after the same collections on the recorded and replayed managers',
    )
}
