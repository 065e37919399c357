/**
 * The worker thread of the cell pool (worker-pool.ts): tinypool calls the default export with a
 * cell and sends back its outcome, or the error it threw as data (worker-errors.ts).
 */
import { type Cell, type CellOutcome, runCell } from './cell.js'
import { type SentError, sendError } from './worker-errors.js'

export type WorkerReply = { ok: true; outcome: CellOutcome } | { ok: false; error: SentError }

export default function runCellInWorker(cell: Cell): WorkerReply {
  try {
    return { ok: true, outcome: runCell(cell) }
  } catch (e) {
    return { ok: false, error: sendError(e) }
  }
}
