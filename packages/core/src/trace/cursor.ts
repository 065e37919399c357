/**
 * A cursor decodes a trace one record at a time into plain number registers (no object per
 * record), which is what lets replayTrace run at tens of millions of ops per second. Both
 * forms have one; `openTraceCursor` picks by the first byte ('P' of "PYGCTRC" or '{').
 */
import { TraceFormatError } from '../errors.js'
import type { OpRegisters } from './op-schema.js'

export interface OpCursor extends OpRegisters {
  readonly form: 'binary' | 'jsonl'
  /** The header's metadata object. */
  readonly metadata: Record<string, unknown>
  /** Records decoded so far (DEFINE_* included). */
  readonly records: number
  /** Op records decoded so far (DEFINE_* excluded). */
  readonly ops: number
  /** Byte offset of the last record returned. */
  readonly recordOffset: number
  /**
   * Decode the next record into the registers and return its opcode; return OP_END once the
   * footer is read and verified (and on every call after). Throws TraceFormatError.
   */
  next(): number
  /** Release the source early (a reader that stops before the end). */
  close(): void
}

/** The error of a trace that is empty or starts with neither form's first byte. */
export function unknownFormError(first: number | undefined): TraceFormatError {
  return first === undefined
    ? new TraceFormatError('empty trace (0 bytes)', 0)
    : new TraceFormatError(
        `not a pygc trace: the first byte is 0x${first.toString(16).padStart(2, '0')}, expected 0x50 ('P' of the binary magic "PYGCTRC") or 0x7b ('{' of a JSON-lines header)`,
        0,
      )
}
