/**
 * Where a cell's code comes from: its runtime's own copy of pygc's modules (runtime-instances.ts),
 * so that a model runs as fast in a thread that has run other models as alone, or, for a runtime
 * with too little work in the command to repay loading a copy (or the first runtime to run in the
 * thread), the thread's own modules. Either way the outcome is the same (same code, same
 * description): only the host time differs.
 */
import { type Cell, type CellDetail, type OutcomeOf, runCell } from './cell.js'
import type { cellReply } from './cell-worker.js'
import { instancePolicy, runtimeInstance } from './runtime-instances.js'
import { receiveError } from './worker-errors.js'
import { allWorkloads } from './workloads.js'

/**
 * With PYGC_RUNTIME_INSTANCES=auto, a runtime runs its cells on its own copy of the modules when
 * the command's cells of that runtime make at least this many estimated ops in all (and the
 * command runs more than one runtime). Per runtime, not per cell: a runtime whose cells ran in
 * two copies would warm both up.
 *
 * A copy costs about 1-1.5 s of CPU per runtime per thread: 0.3-0.5 s to load, the rest V8's
 * background compiler optimizing the copy's code afresh, with the manager's ops now inlined (the
 * costlier compile of faster code). Megamorphic call sites cost a model 5-45 ns per op
 * (binary-trees N=14 cells, CPU time, alone vs after the other four: jython 5, ironpython 11,
 * cpython 43). Measured with /usr/bin/time, --jobs 1, user + sys CPU: `pygc run binary-trees
 * weakref-cache btree gcbench --size small` (24 M ops per runtime, 4 runtimes) took 21.6-24.4 s
 * on shared modules and 26.5-28.6 s on copies, though less wall time; so below ~10^8 ops per
 * runtime (the `small` suite: ~5*10^7) the thread's own modules serve every runtime.
 */
export const INSTANCE_MIN_OPS = 100_000_000

/** The runtime whose copy of the modules a cell runs on (presets share their runtime's manager class). */
export function cellRuntime(cell: Cell): string {
  return cell.runtime.split(':', 1)[0]
}

/**
 * About how many ops a cell makes: its program's estimate times its runs (a sweep's multiples;
 * its search adds some). 0 for an unknown workload: the cell itself reports it when it runs.
 */
function cellOps(cell: Cell): number {
  const workload = allWorkloads().find((w) => w.name === cell.workload)
  const runs = cell.kind === 'run' ? cell.repeat : cell.multiples.length
  return workload === undefined ? 0 : workload.estimateOps(cell.params) * runs
}

/**
 * For each of a command's cells, whether it runs on its runtime's own copy of the modules (with
 * one runtime in the command, the thread's own modules only ever see that runtime).
 */
export function cellsOnInstances(cells: readonly Cell[], policy = instancePolicy()): boolean[] {
  if (policy !== 'auto') return cells.map(() => policy === 'always')
  const opsByRuntime = new Map<string, number>()
  for (const cell of cells)
    opsByRuntime.set(cellRuntime(cell), (opsByRuntime.get(cellRuntime(cell)) ?? 0) + cellOps(cell))
  if (opsByRuntime.size <= 1) return cells.map(() => false)
  return cells.map((cell) => (opsByRuntime.get(cellRuntime(cell)) ?? 0) >= INSTANCE_MIN_OPS)
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

/** The runtimes whose cells ran on this thread's own modules. */
const ranOnOwnModules = new Set<string>()

/**
 * runCell, on the cell's runtime's copy of the modules when `onInstance` (cellsOnInstances), else
 * on this thread's own. With PYGC_RUNTIME_INSTANCES=auto, the first runtime to run here keeps
 * the thread's own modules (they have seen no other runtime: a copy would only cost). An error
 * the cell throws is thrown here as the same typed error (from a copy it crosses as data: the
 * copy's classes are its own).
 */
export async function runCellOn<C extends Cell>(
  cell: C,
  onInstance: boolean,
  detail?: CellDetail,
): Promise<OutcomeOf<C>> {
  const runtime = cellRuntime(cell)
  const ownModulesAlone =
    ranOnOwnModules.size === 0 || (ranOnOwnModules.size === 1 && ranOnOwnModules.has(runtime))
  if (!onInstance || (ownModulesAlone && instancePolicy() === 'auto')) {
    ranOnOwnModules.add(runtime)
    return runCell(cell, detail)
  }
  const instance = await runtimeInstance<{ cellReply: typeof cellReply }>(CELL_WORKER_URL, runtime)
  const reply = instance.cellReply(cell, detail)
  if (!reply.ok) throw receiveError(reply.error)
  return reply.outcome as OutcomeOf<C>
}
