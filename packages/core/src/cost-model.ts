/**
 * The virtual-time cost model. Wall time on a shared machine is noise; virtual time is a
 * deterministic price list applied to the work each manager counts, so the same run gives the
 * same pause figures on any machine. Units are virtual nanoseconds. The defaults are round
 * figures of the order a 2020s x86-64 core shows for each unit of work (a cache-missing
 * pointer visit costs more than a sequential byte copy); they are documented so that a
 * reader can reprice a run with `--cost name=value`, never hidden in the models.
 */
import { PygcError } from './errors.js'
import type { ManagerStats, WorkCounters } from './types.js'

export interface CostModel {
  /** Any mutator op: decode, slot checks, the op itself. */
  op: number
  /** One allocation (header write, free-list pop or bump). */
  allocObject: number
  /** Per allocated byte (zeroing). */
  allocByte: number
  /** One reference count increment or decrement. */
  refcountOp: number
  /** One write-barrier execution (card mark or remembered check). */
  barrierOp: number
  /** Fixed cost of a collection (safepoint, root setup, bookkeeping). */
  gcFixed: number
  /** Marking one object (a likely cache miss). */
  markObject: number
  /** Examining one reference field. */
  scanRef: number
  /** Copying one byte (evacuation). */
  copyByte: number
  /** Sliding one byte (compaction). */
  compactByte: number
  /** Visiting one object in a sweep. */
  sweepObject: number
  /** Scanning one card. */
  cardScan: number
  /** Freeing one object (refcount dealloc or free-list insertion). */
  freeObject: number
  /** Running one finalizer. */
  finalizer: number
}

export const DEFAULT_COSTS: Readonly<CostModel> = Object.freeze({
  op: 2,
  allocObject: 12,
  allocByte: 0.05,
  refcountOp: 1,
  barrierOp: 1.5,
  gcFixed: 2000,
  markObject: 8,
  scanRef: 2,
  copyByte: 0.3,
  compactByte: 0.4,
  sweepObject: 3,
  cardScan: 20,
  freeObject: 6,
  finalizer: 200,
})

export const COST_NAMES = Object.keys(DEFAULT_COSTS) as (keyof CostModel)[]

export function resolveCosts(overrides: Partial<CostModel> = {}): CostModel {
  const costs = { ...DEFAULT_COSTS }
  for (const [name, value] of Object.entries(overrides)) {
    if (!(name in DEFAULT_COSTS)) {
      throw new PygcError('INVALID_OPTION', `unknown cost '${name}'; known costs: ${COST_NAMES.join(', ')}`, {
        cost: name,
      })
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new PygcError('INVALID_OPTION', `cost '${name}' must be a finite number >= 0, got ${value}`, {
        cost: name,
      })
    }
    costs[name as keyof CostModel] = value
  }
  return costs
}

export function emptyWork(): WorkCounters {
  return {
    marked: 0,
    refsScanned: 0,
    bytesCopied: 0,
    bytesCompacted: 0,
    bytesPromoted: 0,
    objectsSwept: 0,
    refcountOps: 0,
    barrierOps: 0,
    cardsScanned: 0,
    objectsFreed: 0,
    finalizersRun: 0,
  }
}

/** A copy of the counters, to take a delta over one collection. */
export function snapshotWork(w: WorkCounters): WorkCounters {
  return { ...w }
}

/**
 * The virtual cost of the collector work done between two snapshots (`after - before`),
 * plus the fixed cost of one collection. Refcount and barrier work are mutator costs and
 * are not part of a pause.
 */
export function pauseCost(before: WorkCounters, after: WorkCounters, c: CostModel): number {
  return (
    c.gcFixed +
    (after.marked - before.marked) * c.markObject +
    (after.refsScanned - before.refsScanned) * c.scanRef +
    (after.bytesCopied - before.bytesCopied) * c.copyByte +
    (after.bytesCompacted - before.bytesCompacted) * c.compactByte +
    (after.objectsSwept - before.objectsSwept) * c.sweepObject +
    (after.cardsScanned - before.cardsScanned) * c.cardScan +
    (after.objectsFreed - before.objectsFreed) * c.freeObject +
    (after.finalizersRun - before.finalizersRun) * c.finalizer
  )
}

/**
 * Mutator virtual time from whole-run counters: ops, allocation, refcounting and barriers.
 * Frees done by refcounting outside a collection are mutator time too (CPython pays them
 * inline), so the caller passes those separately.
 */
export function mutatorCost(
  s: Pick<ManagerStats, 'ops' | 'objectsAllocated' | 'bytesAllocated'>,
  work: WorkCounters,
  freesOutsideGc: number,
  c: CostModel,
): number {
  return (
    s.ops * c.op +
    s.objectsAllocated * c.allocObject +
    s.bytesAllocated * c.allocByte +
    work.refcountOps * c.refcountOp +
    work.barrierOps * c.barrierOp +
    freesOutsideGc * c.freeObject
  )
}
