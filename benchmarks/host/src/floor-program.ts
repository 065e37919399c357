/**
 * The refcount floor's row of the speed table (refcount-floor.ts), with speed-program.ts's
 * signatures: binary-trees on a fresh RefcountFloor, the same program and seed as the models.
 */
import { Rng } from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'
import { RefcountFloor } from './refcount-floor.js'
import { SEED } from './speed-program.js'

/** The row's name in the speed table. */
export const FLOOR_ROW = 'refcount floor'

export function runOnce(
  _runtime: string,
  params: Record<string, number>,
): { ops: number; allocations: number; check: number } {
  const m = new RefcountFloor()
  const { check } = binaryTrees.run(m, params, new Rng(SEED))
  return { ops: m.ops, allocations: m.allocations, check }
}

export function timedRun(_runtime: string, params: Record<string, number>): void {
  binaryTrees.run(new RefcountFloor(), params, new Rng(SEED))
}
