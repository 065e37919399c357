/**
 * The writers' output buffer: one growable Uint8Array that records are encoded into in place,
 * handed to the sink once CHUNK_BYTES have gathered. What the sink gets is the writer's
 * business (`emit`): the bytes as they are (JSON lines, binary version 1) or framed into
 * checksummed chunks (binary version 2). No allocation per record: the hot path is a bounds
 * check and byte stores.
 */
import { PygcError } from '../errors.js'
import { CHUNK_BYTES } from './format.js'
import type { TraceSink } from './io.js'

export abstract class ChunkedOutput {
  protected buf = new Uint8Array(CHUNK_BYTES + 1024)
  protected pos = 0
  /** Where the record being encoded starts: a rejected record rolls back to it. */
  protected recordStart = 0
  private written = 0
  protected finished = false

  constructor(private readonly sink: TraceSink) {}

  /** Bytes handed to the sink so far plus those still buffered (exact once finished). */
  get byteLength(): number {
    return this.written + this.pos
  }

  /** Start a record with room for `room` bytes; flushes only here, between records. */
  protected startRecord(room: number): void {
    if (this.finished) this.rejectFinished()
    if (this.pos >= CHUNK_BYTES) this.flush(false)
    if (this.pos + room > this.buf.length) this.grow(room)
    this.recordStart = this.pos
  }

  private rejectFinished(): never {
    throw new PygcError('INVALID_OPTION', 'the trace is already finished: no more ops can be recorded')
  }

  private grow(room: number): void {
    let size = this.buf.length * 2
    while (size < this.pos + room) size *= 2
    const bigger = new Uint8Array(size)
    bigger.set(this.buf.subarray(0, this.pos))
    this.buf = bigger
  }

  /**
   * Hand the buffered bytes to `emit`; what it does not take (the start of an unfinished
   * chunk) moves to the front of the buffer. `final`: the last flush, everything must go.
   */
  protected flush(final: boolean): void {
    if (this.pos === 0) return
    const taken = this.emit(this.buf.subarray(0, this.pos), final)
    if (taken < this.pos) this.buf.copyWithin(0, taken, this.pos)
    this.pos -= taken
    this.recordStart = 0
  }

  /** Write bytes to the sink (the sink copies them if it keeps them). */
  protected toSink(bytes: Uint8Array): void {
    this.sink.write(bytes)
    this.written += bytes.length
  }

  /**
   * Write bytes from the front of `pending` (through `toSink`) and return how many were taken;
   * with `final` all of them.
   */
  protected abstract emit(pending: Uint8Array, final: boolean): number

  /** Hand the rest to the sink, then `trailer` (if any), and close the sink. */
  protected closeOutput(trailer?: Uint8Array): void {
    this.finished = true
    this.flush(true)
    if (trailer !== undefined) this.toSink(trailer)
    this.sink.close()
  }
}
