import { BinaryTraceCursor } from './binary-reader.js'
import { type OpCursor, unknownFormError } from './cursor.js'
import { HEADER_MAGIC } from './format.js'
import type { TraceSource } from './io.js'
import { JsonLinesTraceCursor } from './jsonl-reader.js'

/** Open a cursor on either form, told apart by the first byte. */
export function openTraceCursor(source: TraceSource): OpCursor {
  const first = new Uint8Array(1)
  const n = source.read(first, 0)
  if (n === 1 && first[0] === HEADER_MAGIC[0]) return new BinaryTraceCursor(source)
  if (n === 1 && first[0] === 0x7b) return new JsonLinesTraceCursor(source)
  source.close?.()
  throw unknownFormError(n === 1 ? first[0] : undefined)
}
