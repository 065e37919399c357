/**
 * The floors' rows of the speed table (refcount-floor.ts, bookkeeping-floor.ts), with
 * speed-program.ts's signatures: binary-trees on a fresh floor, the same program and seed as the
 * models. The all-in-one table loads this module once per floor (as it loads speed-program.ts
 * once per model), so each floor drives its own copy of the program.
 */
import { Rng } from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'
import { BookkeepingFloor } from './bookkeeping-floor.js'
import { RefcountFloor } from './refcount-floor.js'
import { SEED } from './speed-program.js'

/** The floors by row name, in the table's order (each below the models it bounds). */
const FLOORS = {
  'refcount floor': () => new RefcountFloor(),
  'cpython bookkeeping floor': () => new BookkeepingFloor(),
} as const

export type FloorRow = keyof typeof FLOORS

/** The floors' row names, in the table's order. */
export const FLOOR_ROWS = Object.keys(FLOORS) as FloorRow[]

export function isFloorRow(name: string): name is FloorRow {
  return Object.hasOwn(FLOORS, name)
}

function create(row: string): RefcountFloor | BookkeepingFloor {
  if (!isFloorRow(row)) throw new Error(`no floor named ${row}`)
  return FLOORS[row]()
}

export function runOnce(
  row: string,
  params: Record<string, number>,
): { ops: number; allocations: number; check: number } {
  const m = create(row)
  const { check } = binaryTrees.run(m, params, new Rng(SEED))
  // A floor that keeps records must end with them consistent, else the row's check reads WRONG.
  const agree = !(m instanceof BookkeepingFloor) || m.recordsAgree()
  return { ops: m.ops, allocations: m.objectsAllocated, check: agree ? check : Number.NaN }
}

export function timedRun(row: string, params: Record<string, number>): void {
  binaryTrees.run(create(row), params, new Rng(SEED))
}
