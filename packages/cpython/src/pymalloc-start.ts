/**
 * pymalloc as a real interpreter has it when a program starts (StartingState.pymalloc): its
 * arenas, and per size class the pools in use and the blocks in them, as
 * `sys._debugmallocstats()` reports them. The interpreter's own blocks (its strings, code,
 * dicts, ints) never die during the program, so they only matter for where the program's blocks
 * go: first into the free slots of the interpreter's partly used pools (usedpools), then into
 * the arenas' unused pools, then into new arenas. Without this the model started from empty
 * pools and its pools and arenas could only be predicted, not compared (FIDELITY.md "pymalloc").
 *
 * What `sys._debugmallocstats()` does not say is how the free slots are spread over a class's
 * pools and where the unused pools are; the model spreads the free slots evenly over the pools
 * (a full collection just ran: the garbage it freed was scattered) and puts the unused pools in
 * the last arena (the arenas were carved in order during start-up), or in a wholly free arena
 * after it when the arenas are more than the pools fill.
 */
import { PygcError } from '@pygc/core'
import { NB_SMALL_SIZE_CLASSES, POOL_OVERHEAD, POOL_SIZE, POOLS_PER_ARENA } from './constants.js'
import { blockSizeOf, type PyMalloc, sizeClassOf } from './pymalloc.js'

/** The interpreter's pymalloc at the start (mallocstats.py's `atStart`: arenas, classes, unused pools). */
export interface PymallocStartState {
  /** `# arenas allocated current`. */
  arenas: number
  /** `N unused pools`: free pools of the arenas in use. */
  unusedPools: number
  /** Per size class (block size 16..512): pools in use and blocks in use. */
  classes: readonly { size: number; pools: number; inUse: number }[]
}

/** Objects/obmalloc.c: the blocks a pool of a class holds, (POOL_SIZE - POOL_OVERHEAD) / size. */
function blocksPerPool(size: number): number {
  return Math.floor((POOL_SIZE - POOL_OVERHEAD) / size)
}

/**
 * Lay out `start` in an empty allocator. `reserved[c]` blocks of class c are left free for the
 * model's own start-up objects (the generations' stand-ins, free-list entries), which the caller
 * allocates next, so that with them the class holds `inUse` blocks in `pools` pools.
 */
export function seedPymalloc(pm: PyMalloc, start: PymallocStartState, reserved: Float64Array): void {
  let pools = 0
  for (const c of start.classes) {
    if (
      !Number.isInteger(c.size) ||
      c.size < 16 ||
      c.size > 512 ||
      c.size % 16 !== 0 ||
      !(c.pools >= 0 && c.inUse >= 0 && c.inUse <= c.pools * blocksPerPool(c.size))
    )
      throw new PygcError(
        'INVALID_OPTION',
        `start.pymalloc.classes: size ${c.size} with ${c.pools} pools and ${c.inUse} blocks is not a pymalloc size class's`,
      )
    pools += c.pools
  }
  // Arenas that lost a pool to alignment: the real pool total is 64 per arena less one for each.
  const misaligned = start.arenas * POOLS_PER_ARENA - pools - start.unusedPools
  pm.misalignNextArenas(Math.max(0, Math.min(start.arenas, misaligned)))
  for (const c of start.classes) seedClass(pm, c.size, c.pools, c.inUse, reserved[sizeClassOf(c.size)] ?? 0)
  // An arena beyond those the pools fill is held wholly free (3.13.0 starts with 5 arenas of 63
  // pools, 240 pools in use and 75 unused: the fifth holds none).
  while (pm.arenasAllocated < start.arenas) pm.mapEmptyArena()
}

/** `pools` full pools of one class, then free slots taken out evenly across them, pool by pool. */
function seedClass(pm: PyMalloc, size: number, pools: number, inUse: number, reserved: number): void {
  if (pools === 0) return
  const perPool = blocksPerPool(size)
  const blocks = new Float64Array(pools * perPool)
  for (let i = 0; i < blocks.length; i++) blocks[i] = pm.malloc(size)
  // Every pool keeps at least one block, or it would be unused, not in use.
  const free = Math.max(0, Math.min(pools * perPool - inUse + reserved, pools * (perPool - 1)))
  for (let i = 0; i < free; i++) {
    const pool = i % pools
    const slot = perPool - 1 - Math.floor(i / pools)
    pm.free(blocks[pool * perPool + slot], size)
  }
}

/** Count `n` blocks of a request of `nbytes` in `reserved` (by size class; larger requests take none). */
export function reserveBlock(reserved: Float64Array, nbytes: number, n: number): void {
  if (nbytes > 0 && nbytes <= blockSizeOf(NB_SMALL_SIZE_CLASSES - 1)) reserved[sizeClassOf(nbytes)] += n
}
