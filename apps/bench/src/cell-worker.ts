/**
 * The worker thread of the cell pool (worker-pool.ts): tinypool calls the default export with a
 * cell (a CellTask) and sends back its outcome, or the error it threw as data (worker-errors.ts). The cell
 * runs on its runtime's copy of the modules when it is big enough (cell-instances.ts); in that
 * copy, `cellReply` is the entry point.
 */
import { type Cell, type CellDetail, type CellOutcome, runCell } from './cell.js'
import { type CellTask, runCellOn } from './cell-instances.js'
import { type SentError, sendError } from './worker-errors.js'

export type WorkerReply = { ok: true; outcome: CellOutcome } | { ok: false; error: SentError }

/** The cell run on this module graph's code, its outcome or its error as data. */
export function cellReply(cell: Cell, detail?: CellDetail): WorkerReply {
  try {
    return { ok: true, outcome: runCell(cell, detail) }
  } catch (e) {
    return { ok: false, error: sendError(e) }
  }
}

export default async function runCellInWorker(task: CellTask): Promise<WorkerReply> {
  try {
    return { ok: true, outcome: await runCellOn(task.cell, task.onInstance) }
  } catch (e) {
    return { ok: false, error: sendError(e) }
  }
}
