/**
 * The writers' output buffer: one growable Uint8Array that records are encoded into in place
 * and that is handed to the sink in CHUNK_BYTES pieces, hashed (FNV-1a 32) on the way out. No
 * allocation per record: the hot path is a bounds check and byte stores.
 */
import { PygcError } from '../errors.js'
import { CHUNK_BYTES, FNV_OFFSET_BASIS, fnv1a } from './format.js'
import type { TraceSink } from './io.js'

export abstract class ChunkedOutput {
  protected buf = new Uint8Array(CHUNK_BYTES + 1024)
  protected pos = 0
  /** Where the record being encoded starts: a rejected record rolls back to it. */
  protected recordStart = 0
  private hash = FNV_OFFSET_BASIS
  private flushedBytes = 0
  protected finished = false

  constructor(private readonly sink: TraceSink) {}

  /** Bytes produced so far (flushed or buffered). */
  get byteLength(): number {
    return this.flushedBytes + this.pos
  }

  /** Start a record with room for `room` bytes; flushes only here, between records. */
  protected startRecord(room: number): void {
    if (this.finished) this.rejectFinished()
    if (this.pos >= CHUNK_BYTES) this.flush()
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

  protected flush(): void {
    if (this.pos === 0) return
    this.hash = fnv1a(this.hash, this.buf, 0, this.pos)
    this.sink.write(this.buf.subarray(0, this.pos))
    this.flushedBytes += this.pos
    this.pos = 0
    this.recordStart = 0
  }

  /** FNV-1a 32 of everything produced so far (flushed and buffered). */
  protected checksumSoFar(): number {
    return fnv1a(this.hash, this.buf, 0, this.pos)
  }

  /** Hand the rest to the sink and close it. */
  protected closeOutput(): void {
    this.finished = true
    this.flush()
    this.sink.close()
  }
}
