/**
 * pymalloc compared at the end of a validation case: what the trace added to the real
 * interpreter's pymalloc against what it added to the model's, blocks per size class and arenas
 * on every validation, pools per class with `--pymalloc` (FIDELITY.md "pymalloc": 3.13.0's
 * deep-chain is outside their tolerance).
 * - real: `sys._debugmallocstats()` after the trace minus before it (read by
 *   benchmarks/oracles/cpython/mallocstats.py), minus the same difference for an empty trace
 *   (replay.py's own setup: its gc.collect() empties the free lists, its tables, its imports);
 * - model: its pymalloc after the replay minus after its starting state was built, which
 *   includes the real interpreter's pools and arenas at the start of the op loop (the model
 *   starts from them: packages/cpython/src/pymalloc-start.ts).
 * The tolerances are the run-to-run spread of the real figures (packages/cpython/VERSIONS.md
 * section 2); FIDELITY.md ("pymalloc") states them and where the model is outside them.
 */
import {
  blockSizeOf,
  type FreeListEntries,
  type MallocStats,
  type PymallocStartState,
  sizeClassOf,
} from '@pygc/cpython'
import type { ValidationRow } from './types.js'

/** One `sys._debugmallocstats()` report as mallocstats.py prints it. */
export interface RealMallocStats {
  arenas: { allocatedTotal: number; reclaimed: number; highwater: number; allocatedCurrent: number }
  classes: { size: number; pools: number; inUse: number; available: number }[]
  bytes: { allocatedBlocks: number; unusedPools?: number; unusedPoolCount?: number }
  /**
   * Blocks of live int objects outside the small-int cache, by size class (JSON keys): the model
   * has none (it keeps int words inside its objects), and replay.py's own (ids, its id-keyed
   * tables) are not the trace's; taken out of `inUse`. Absent with --tracemalloc.
   */
  ints?: Record<string, number>
  /** The `N free X * S bytes each` lines: free-list entries per kind (`PyTupleObjects[n]` by size). */
  freeLists?: Record<string, { count: number; bytesEach: number }>
}

/**
 * VERSIONS.md section 2: a trace's blocks in use vary by at most 3 per size class between runs
 * of the same trace, 272 bytes in all (the interpreter's own dicts and lists); pools by 1 per
 * class.
 */
export const BLOCKS_PER_CLASS_TOLERANCE = 3
export const POOLS_PER_CLASS_TOLERANCE = 1
/**
 * The model starts from the real arenas (pymallocStartOf), but an arena mapped during the trace
 * holds 63 or 64 pools as ASLR decides (1 to 5 of 5 misaligned, VERSIONS.md section 1), and
 * where the real run's int objects sit is not modeled: arenas within 1 either way.
 */
export const ARENA_TOLERANCE = 1

/** Objects/obmalloc.c (3.10-3.13, 64-bit): POOL_SIZE and POOL_OVERHEAD (the pool header rounded up). */
const POOL_SIZE = 16 * 1024
const POOL_OVERHEAD = 48
/** Objects/obmalloc.c: MAX_POOLS_IN_ARENA (an aligned arena's). */
const POOLS_PER_ARENA = 64

/** Blocks one pool of a size class holds. */
function blocksPerPool(size: number): number {
  return Math.floor((POOL_SIZE - POOL_OVERHEAD) / size)
}

interface Sides {
  mallocAtStart: MallocStats
  mallocAtEnd: MallocStats
  /** The model's free lists at the end, for the oracle's own objects that take their entries. */
  freeListsAtEnd?: FreeListEntries
  /** replay.py's ints the model placed as the real run makes them (cpython-replay-ints.ts): 32-byte blocks alive at the end. */
  replayInts?: number
}

/** The block size of an int object (one or two 30-bit digits). */
const INT_BLOCK = 32

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

function subtract(m: Map<number, number>, size: number, n: number): void {
  const v = (m.get(size) ?? 0) - n
  if (v === 0) m.delete(size)
  else m.set(size, v)
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
 * Objects replay.py holds from the loop's end through mallocstats.py's reading, by free list:
 * `counts_now = gc.get_count()`, a tuple of 3 (benchmarks/oracles/replay.py, after the loop).
 */
const ORACLE_HELD_AT_READING: Readonly<Record<string, number>> = { 'PyTupleObjects[3]': 1 }
/** sizeof(PyGC_Head) on 64-bit: the GC header every free-listed kind has before its object. */
const GC_HEAD = 16

/** The model's entries of the free list `name` (as `sys._debugmallocstats()` names it). */
function modelEntries(name: string, fl: FreeListEntries): number {
  if (name === 'PyListObjects') return fl.list
  if (name === 'PyDictObjects') return fl.dict
  const size = /^PyTupleObjects\[(\d+)\]$/.exec(name)
  return size ? (fl.tuple[Number(size[1]) - 1] ?? 0) : 0
}

/**
 * The blocks the empty trace's run made for the oracle's own objects after the loop (a full
 * collection cleared the free lists just before it), which a trace's run takes from the free
 * lists the trace filled instead: per size class, min(the model's entries, those objects).
 * Those objects are the entries the empty run's reading found (made and dropped by the end of
 * the loop and by the reading itself) plus the ones replay.py still holds
 * (ORACLE_HELD_AT_READING). Without this a trace that ends with a full list free list was
 * one 64-byte block above the real figure (binary-trees, lru-mix, deep-chain), and one that
 * ends with 3-item tuples in theirs three.
 */
function blocksFromModelFreeLists(fl: FreeListEntries, emptyAtEnd: RealMallocStats): Map<number, number> {
  const taken = new Map<number, number>()
  const lists = emptyAtEnd.freeLists ?? {}
  const names = new Set([...Object.keys(lists), ...Object.keys(ORACLE_HELD_AT_READING)])
  for (const name of names) {
    const oracle = (lists[name]?.count ?? 0) + (ORACLE_HELD_AT_READING[name] ?? 0)
    const n = Math.min(modelEntries(name, fl), oracle)
    const bytesEach = lists[name]?.bytesEach
    if (n === 0 || bytesEach === undefined) continue
    const block = blockSizeOf(sizeClassOf(bytesEach + GC_HEAD))
    taken.set(block, (taken.get(block) ?? 0) + n)
  }
  return taken
}

/** The real interpreter's pymalloc at the start of the op loop, as the model starts from it. */
export function pymallocStartOf(atStart: RealMallocStats): PymallocStartState {
  return {
    arenas: atStart.arenas.allocatedCurrent,
    unusedPools: atStart.bytes.unusedPoolCount ?? Math.round((atStart.bytes.unusedPools ?? 0) / POOL_SIZE),
    classes: atStart.classes.map((c) => ({ size: c.size, pools: c.pools, inUse: c.inUse })),
  }
}

/**
 * The pools the int objects only the real run has (see `RealMallocStats.ints`) add to the
 * model's: they fill the free slots the model's pools of their class have at the end, the rest
 * take new pools (as if allocated after the trace; the real run makes them along the way).
 */
function intPools(size: number, ints: number, modelEnd: MallocStats): number {
  const cls = modelEnd.classes.find((c) => c.size === size)
  const free = cls ? cls.pools * blocksPerPool(size) - cls.inUse : 0
  return Math.max(0, Math.ceil((ints - free) / blocksPerPool(size)))
}

/** Blocks in use less the int objects' (see `RealMallocStats.ints`). */
const blocksButInts: RealPick = (c, s) => c.inUse - (s.ints?.[String(c.size)] ?? 0)

export function comparePymalloc(
  name: string,
  model: Sides,
  real: { atStart: RealMallocStats; atEnd: RealMallocStats },
  empty: { atStart: RealMallocStats; atEnd: RealMallocStats },
  /** Pools per class too (`--pymalloc`); blocks per class and arenas are part of every validation. */
  pools: boolean,
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
  // replay.py's ints the model placed: not the trace's blocks, and no longer to be added.
  const placed = model.replayInts ?? 0
  const realInts = intsDelta.get(INT_BLOCK) ?? 0
  subtract(modelBlocks, INT_BLOCK, placed)
  // The oracle's own objects after the loop: new blocks in the empty run, free-list entries here.
  if (model.freeListsAtEnd)
    for (const [size, n] of blocksFromModelFreeLists(model.freeListsAtEnd, empty.atEnd))
      subtract(modelBlocks, size, n)
  subtract(intsDelta, INT_BLOCK, Math.min(placed, intsDelta.get(INT_BLOCK) ?? 0))
  // The model started from the real pools (pymallocStartOf): its own pools and arenas are
  // compared, with the pools the real run's int objects need on top.
  const expectedPools = new Map(modelPools)
  let poolsForInts = 0
  for (const [size, ints] of intsDelta) {
    const n = intPools(size, ints, model.mallocAtEnd)
    poolsForInts += n
    if (n !== 0) expectedPools.set(size, (expectedPools.get(size) ?? 0) + n)
  }
  const blocksOff = outside(modelBlocks, realBlocks, BLOCKS_PER_CLASS_TOLERANCE)
  const poolsOff = outside(expectedPools, realPools, POOLS_PER_CLASS_TOLERANCE)
  const arenasForInts = Math.max(
    0,
    Math.ceil((poolsForInts - model.mallocAtEnd.unusedPools) / POOLS_PER_ARENA),
  )
  const modelArenas =
    model.mallocAtEnd.arenas.allocatedCurrent - model.mallocAtStart.arenas.allocatedCurrent + arenasForInts
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
  const arenaRow: ValidationRow = {
    case: name,
    metric: `pymalloc Δ arenas (±${ARENA_TOLERANCE})`,
    model: modelArenas,
    real: realArenas,
    ok: Math.abs(modelArenas - realArenas) <= ARENA_TOLERANCE,
  }
  if (!pools) return [...blockRows, arenaRow]
  return [
    ...blockRows,
    {
      case: name,
      metric: `pymalloc Δ pools per class (±${POOLS_PER_CLASS_TOLERANCE})`,
      model: `${listed(expectedPools) || 'none'} (model's own ${listed(modelPools) || 'none'}; replay.py ints placed ${placed} of the real ${realInts})`,
      real: listed(realPools) || 'none',
      ok: poolsOff.length === 0,
    },
    arenaRow,
  ]
}
