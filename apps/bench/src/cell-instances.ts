/**
 * Where a cell's code comes from: its runtime's own copy of pygc's modules (runtime-instances.ts),
 * so that a model runs as fast in a thread that has run other models as alone, or, for a cell
 * too small to repay loading a copy, the thread's own modules. Either way the outcome is the
 * same (same code, same description): only the host time differs.
 */
import { type Cell, type CellDetail, type OutcomeOf, runCell } from './cell.js'
import type { cellReply } from './cell-worker.js'
import { instancePolicy, runtimeInstance } from './runtime-instances.js'
import { receiveError } from './worker-errors.js'
import { findWorkload } from './workloads.js'

/**
 * With PYGC_RUNTIME_INSTANCES=auto, a cell whose program makes fewer estimated ops per run runs
 * on the thread's own modules. A copy costs about 0.4 s of CPU to load, once per runtime per
 * thread; megamorphic call sites cost a model 5-45 ns per op (binary-trees N=14 cells, CPU time,
 * alone vs after the other four: jython 5, ironpython 11, cpython 43), so a copy repays itself
 * from a few such cells of tens of millions of ops; `--size test` and most `small` cells stay below.
 */
export const INSTANCE_MIN_OPS = 5_000_000

/** Whether `cell` runs on its runtime's own copy of the modules. */
export function runsOnInstance(cell: Cell, policy = instancePolicy()): boolean {
  if (policy !== 'auto') return policy === 'always'
  return findWorkload(cell.workload).estimateOps(cell.params) >= INSTANCE_MIN_OPS
}

/** cell-worker.ts as this file is (built .js, or .ts source under the tests). */
const CELL_WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './cell-worker.ts' : './cell-worker.js',
  import.meta.url,
).href

/**
 * runCell, on the cell's runtime's copy of the modules when runsOnInstance says so. An error the
 * cell throws is thrown here as the same typed error (it crosses as data: the copy's classes
 * are its own).
 */
export async function runCellOnItsInstance<C extends Cell>(
  cell: C,
  detail?: CellDetail,
): Promise<OutcomeOf<C>> {
  if (!runsOnInstance(cell)) return runCell(cell, detail)
  const runtime = cell.runtime.split(':', 1)[0]
  const instance = await runtimeInstance<{ cellReply: typeof cellReply }>(CELL_WORKER_URL, runtime)
  const reply = instance.cellReply(cell, detail)
  if (!reply.ok) throw receiveError(reply.error)
  return reply.outcome as OutcomeOf<C>
}
