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

/** The runtime whose copy of the modules a cell runs on (presets share their runtime's manager class). */
export function cellRuntime(cell: Cell): string {
  return cell.runtime.split(':', 1)[0]
}

/**
 * Whether `cell` runs on its runtime's own copy of the modules, in a command whose cells are of
 * `runtimes` runtimes (with one, the thread's own modules only ever see that runtime).
 */
export function runsOnInstance(cell: Cell, runtimes: number, policy = instancePolicy()): boolean {
  if (policy !== 'auto') return policy === 'always'
  return runtimes > 1 && findWorkload(cell.workload).estimateOps(cell.params) >= INSTANCE_MIN_OPS
}

/** What a worker thread is sent: a cell, and whether it runs on its runtime's copy of the modules. */
export interface CellTask {
  cell: Cell
  onInstance: boolean
}

/** cell-worker.ts as this file is (built .js, or .ts source under the tests). */
const CELL_WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './cell-worker.ts' : './cell-worker.js',
  import.meta.url,
).href

/**
 * runCell, on the cell's runtime's copy of the modules when `onInstance` (runsOnInstance), else
 * on this thread's own. An error the cell throws is thrown here as the same typed error (from a
 * copy it crosses as data: the copy's classes are its own).
 */
export async function runCellOn<C extends Cell>(
  cell: C,
  onInstance: boolean,
  detail?: CellDetail,
): Promise<OutcomeOf<C>> {
  if (!onInstance) return runCell(cell, detail)
  const instance = await runtimeInstance<{ cellReply: typeof cellReply }>(CELL_WORKER_URL, cellRuntime(cell))
  const reply = instance.cellReply(cell, detail)
  if (!reply.ok) throw receiveError(reply.error)
  return reply.outcome as OutcomeOf<C>
}
