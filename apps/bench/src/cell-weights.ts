/**
 * How heavy each cell is, for the pool's queue (heaviest first) and the progress ETA. The
 * workload's estimate of its op count (Workload.estimateOps) knows nothing of how fast each
 * runtime's model is; the wall times of the same cells in an earlier results file do. So when
 * `--out DIR` already holds a results.json with a wall time for every cell (as `npm run bench`
 * leaves in results/latest), those times are the weights; otherwise the op estimates are.
 * Weights only order and estimate: no figure depends on them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ResultsDocument } from '@pygc/report'

export interface WeighedCell {
  workload: string
  runtime: string
  params: Record<string, number>
}

function cellKey(cell: WeighedCell): string {
  return JSON.stringify([cell.workload, cell.runtime, cell.params])
}

/** The plain runs' wall times (ms) in `dir`/results.json, by cell; empty when there is none. */
export function earlierWallTimes(dir: string | undefined): Map<string, number> {
  const times = new Map<string, number>()
  const file = dir === undefined ? undefined : join(dir, 'results.json')
  if (file === undefined || !existsSync(file)) return times
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsDocument>
    for (const run of doc.wall?.runs ?? [])
      if (run.point === undefined && typeof run.totalMs === 'number' && run.totalMs > 0)
        times.set(cellKey({ ...run, params: run.params ?? {} }), run.totalMs)
  } catch {
    // An unreadable earlier file only costs a less good order; the run itself will replace it.
  }
  return times
}

/** Earlier wall times when every cell has one, else `estimate` of each cell. */
export function cellWeights<C extends WeighedCell>(
  cells: readonly C[],
  earlier: ReadonlyMap<string, number>,
  estimate: (cell: C) => number,
): number[] {
  const times = cells.map((cell) => earlier.get(cellKey(cell)))
  if (times.every((t) => t !== undefined)) return times as number[]
  return cells.map(estimate)
}
