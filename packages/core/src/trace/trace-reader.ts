/**
 * TraceReader: the trace as a stream of TraceOp objects, for tools (`pygc replay --verbose`,
 * converters, tests). Replaying uses the cursor directly and builds no objects.
 */
import type { OpCursor } from './cursor.js'
import { OP_END } from './format.js'
import type { TraceSource } from './io.js'
import { registersToOp, schemaOfRecord } from './op-schema.js'
import { openTraceCursor } from './open-cursor.js'
import type { TraceOp } from './trace-op.js'

export class TraceReader {
  private readonly cursor: OpCursor

  /** Reads the header at once (so a bad trace fails here); the ops are read by next(). */
  constructor(source: TraceSource) {
    this.cursor = openTraceCursor(source)
  }

  get metadata(): Record<string, unknown> {
    return this.cursor.metadata
  }

  get form(): 'binary' | 'jsonl' {
    return this.cursor.form
  }

  /** Records read so far (DEFINE_* included). */
  get records(): number {
    return this.cursor.records
  }

  /** Op records read so far (DEFINE_* excluded): the op index of the next op. */
  get ops(): number {
    return this.cursor.ops
  }

  /** Byte offset of the last record returned. */
  get offset(): number {
    return this.cursor.recordOffset
  }

  /** The next record, or null once the footer has been read and verified. */
  next(): TraceOp | null {
    const code = this.cursor.next()
    if (code === OP_END) return null
    // The cursor only returns opcodes of the table.
    return registersToOp(schemaOfRecord(code, this.cursor)!, this.cursor)
  }

  /** Stop early and release the source. */
  close(): void {
    this.cursor.close()
  }

  *[Symbol.iterator](): IterableIterator<TraceOp> {
    for (let op = this.next(); op !== null; op = this.next()) yield op
  }
}

/** The header's metadata alone (for `pygc replay` and tools); releases the source at once. */
export function readTraceMetadata(source: TraceSource): Record<string, unknown> {
  const cursor = openTraceCursor(source)
  cursor.close()
  return cursor.metadata
}
