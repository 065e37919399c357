/**
 * pymalloc compared at the end of a validation case (`pygc validate --pymalloc`): what the
 * trace added to the real interpreter's pymalloc against what it added to the model's.
 * - real: `sys._debugmallocstats()` after the trace minus before it (read by
 *   benchmarks/oracles/cpython/mallocstats.py), minus the same difference for an empty trace
 *   (replay.py's own setup: its gc.collect() empties the free lists, its tables, its imports);
 * - model: its pymalloc after the replay minus after its starting state was built.
 * The tolerances are the run-to-run spread of the real figures (packages/cpython/VERSIONS.md
 * section 2); FIDELITY.md ("pymalloc") states them and where the model is outside them.
 */
import type { MallocStats } from '@pygc/cpython'
import type { ValidationRow } from './types.js'

/** One `sys._debugmallocstats()` report as mallocstats.py prints it. */
export interface RealMallocStats {
  arenas: { allocatedTotal: number; reclaimed: number; highwater: number; allocatedCurrent: number }
  classes: { size: number; pools: number; inUse: number; available: number }[]
  bytes: { allocatedBlocks: number; unusedPools?: number }
  /**
   * Blocks of live int objects outside the small-int cache, by size class (JSON keys): the model
   * has none (it keeps int words inside its objects), and replay.py's own (ids, its id-keyed
   * tables) are not the trace's; taken out of `inUse`. Absent with --tracemalloc.
   */
  ints?: Record<string, number>
}

/**
 * VERSIONS.md section 2: a trace's blocks in use vary by at most 3 per size class between runs
 * of the same trace, 272 bytes in all (the interpreter's own dicts and lists); pools by 1 per
 * class.
 */
export const BLOCKS_PER_CLASS_TOLERANCE = 3
export const POOLS_PER_CLASS_TOLERANCE = 1
/**
 * The real trace first fills the free space the interpreter's start-up left in its arenas
 * (0.9-1.7 MiB: available blocks plus unused pools, VERSIONS.md section 2), the model's starts
 * in its own: the model may hold up to 2 arenas more than the real delta, never fewer.
 */
export const ARENA_TOLERANCE = 2

/** Objects/obmalloc.c (3.10-3.13, 64-bit): POOL_SIZE and POOL_OVERHEAD (the pool header rounded up). */
const POOL_SIZE = 16 * 1024
const POOL_OVERHEAD = 48

/** Blocks one pool of a size class holds. */
function blocksPerPool(size: number): number {
  return Math.floor((POOL_SIZE - POOL_OVERHEAD) / size)
}

interface Sides {
  mallocAtStart: MallocStats
  mallocAtEnd: MallocStats
}

function perClass<T extends { size: number }>(
  classes: readonly T[],
  pick: (c: T) => number,
): Map<number, number> {
  return new Map(classes.map((c) => [c.size, pick(c)]))
}

function delta(end: Map<number, number>, start: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>()
  for (const size of new Set([...end.keys(), ...start.keys()])) {
    const d = (end.get(size) ?? 0) - (start.get(size) ?? 0)
    if (d !== 0) out.set(size, d)
  }
  return out
}

/** The size classes whose deltas differ by more than `tolerance`. */
function outside(model: Map<number, number>, real: Map<number, number>, tolerance: number): number[] {
  return [...new Set([...model.keys(), ...real.keys()])].filter(
    (size) => Math.abs((model.get(size) ?? 0) - (real.get(size) ?? 0)) > tolerance,
  )
}

function totalBytes(blocks: Map<number, number>): number {
  let sum = 0
  for (const [size, n] of blocks) sum += size * n
  return sum
}

type RealPick = (c: RealMallocStats['classes'][number], stats: RealMallocStats) => number

/** Per-class differences end - start of a real run, minus those of the empty trace. */
function realDelta(
  real: { atStart: RealMallocStats; atEnd: RealMallocStats },
  empty: { atStart: RealMallocStats; atEnd: RealMallocStats },
  pick: RealPick,
): Map<number, number> {
  const at = (s: RealMallocStats): Map<number, number> => perClass(s.classes, (c) => pick(c, s))
  const trace = delta(at(real.atEnd), at(real.atStart))
  return delta(trace, delta(at(empty.atEnd), at(empty.atStart)))
}

/**
 * The pools the real run adds to a size class if its blocks are the model's: the trace's blocks
 * (the model's, plus the int objects only the real run has) first fill the free blocks of the
 * class's pools at the start (the interpreter's own, partly used), the rest take new pools; and
 * the pools the model holds beyond what its blocks need (blocks scattered over partly empty
 * pools) count in both. The model starts with no pool, the real run in the interpreter's.
 */
function predictedPools(
  size: number,
  model: { blocks: number; pools: number },
  ints: number,
  availableAtStart: number,
): number {
  const perPool = blocksPerPool(size)
  const scattered = Math.max(0, model.pools - Math.ceil(Math.max(0, model.blocks) / perPool))
  return Math.max(0, Math.ceil((model.blocks + ints - availableAtStart) / perPool)) + scattered
}

/** Blocks in use less the int objects' (see `RealMallocStats.ints`). */
const blocksButInts: RealPick = (c, s) => c.inUse - (s.ints?.[String(c.size)] ?? 0)

export function comparePymalloc(
  name: string,
  model: Sides,
  real: { atStart: RealMallocStats; atEnd: RealMallocStats },
  empty: { atStart: RealMallocStats; atEnd: RealMallocStats },
  /** Pools and arenas too (`--pymalloc`); blocks per class are part of every validation. */
  poolsAndArenas: boolean,
): ValidationRow[] {
  const modelBlocks = delta(
    perClass(model.mallocAtEnd.classes, (c) => c.inUse),
    perClass(model.mallocAtStart.classes, (c) => c.inUse),
  )
  const realBlocks = realDelta(real, empty, blocksButInts)
  const modelPools = delta(
    perClass(model.mallocAtEnd.classes, (c) => c.pools),
    perClass(model.mallocAtStart.classes, (c) => c.pools),
  )
  const realPools = realDelta(real, empty, (c) => c.pools)
  const intsDelta = realDelta(real, empty, (c, s) => s.ints?.[String(c.size)] ?? 0)
  const availableAtStart = perClass(real.atStart.classes, (c) => c.available)
  const expectedPools = new Map<number, number>()
  for (const size of new Set([...modelBlocks.keys(), ...modelPools.keys(), ...intsDelta.keys()])) {
    const n = predictedPools(
      size,
      { blocks: modelBlocks.get(size) ?? 0, pools: modelPools.get(size) ?? 0 },
      intsDelta.get(size) ?? 0,
      availableAtStart.get(size) ?? 0,
    )
    if (n !== 0) expectedPools.set(size, n)
  }
  const blocksOff = outside(modelBlocks, realBlocks, BLOCKS_PER_CLASS_TOLERANCE)
  const poolsOff = outside(expectedPools, realPools, POOLS_PER_CLASS_TOLERANCE)
  const modelArenas = model.mallocAtEnd.arenas.allocatedCurrent - model.mallocAtStart.arenas.allocatedCurrent
  const realArenas =
    real.atEnd.arenas.allocatedCurrent -
    real.atStart.arenas.allocatedCurrent -
    (empty.atEnd.arenas.allocatedCurrent - empty.atStart.arenas.allocatedCurrent)
  const modelBytes = totalBytes(modelBlocks)
  const realBytes = totalBytes(realBlocks)
  const signed = (n: number): string => (n >= 0 ? `+${n}` : `${n}`)
  const listed = (m: Map<number, number>): string =>
    [...m]
      .sort((a, b) => a[0] - b[0])
      .map(([size, n]) => `${size}:${signed(n)}`)
      .join(' ')
  const blockRows: ValidationRow[] = [
    {
      case: name,
      metric: `pymalloc Δ blocks per class (±${BLOCKS_PER_CLASS_TOLERANCE})`,
      model: listed(modelBlocks) || 'none',
      real: listed(realBlocks) || 'none',
      ok: blocksOff.length === 0,
    },
    {
      case: name,
      metric: 'pymalloc Δ bytes in blocks',
      model: modelBytes,
      real: realBytes,
      ok: blocksOff.length === 0,
    },
  ]
  if (!poolsAndArenas) return blockRows
  return [
    ...blockRows,
    {
      case: name,
      metric: `pymalloc Δ pools per class, the model's blocks in the real pools (±${POOLS_PER_CLASS_TOLERANCE})`,
      model: `${listed(expectedPools) || 'none'} (model's own ${listed(modelPools) || 'none'})`,
      real: listed(realPools) || 'none',
      ok: poolsOff.length === 0,
    },
    {
      case: name,
      metric: `pymalloc Δ arenas (model = real..real+${ARENA_TOLERANCE})`,
      model: modelArenas,
      real: realArenas,
      ok: modelArenas >= realArenas && modelArenas <= realArenas + ARENA_TOLERANCE,
    },
  ]
}
