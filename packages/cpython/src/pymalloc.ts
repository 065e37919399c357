/**
 * pymalloc, the small-object allocator of CPython 3.11 (Objects/obmalloc.c), with its real
 * structure: 1 MiB arenas carved into 16 KiB pools, one size class per pool, a LIFO free-block
 * list threaded through the free blocks, `usedpools[class]` (partly used pools, front-linked),
 * each arena's cached free pools, and `usable_arenas` kept sorted by ascending number of free
 * pools (with the `nfp2lasta` shortcut) so that the fullest arena serves first and nearly empty
 * arenas can drain and be returned. Requests over 512 bytes go to a modeled system malloc.
 *
 * Addresses are modeled 64-bit addresses (below 2^53, exact in a double). The free-block links
 * live in one Uint16Array per arena (a block's index in its pool, +1; 0 = end of list): that is
 * the `*(block **)p` of obmalloc.c at 2 host bytes per modeled block.
 */
import * as constants from './constants.js'

/**
 * The constants as this module's own: V8 folds a module's own constants into optimized code, but
 * re-reads an imported binding and checks it at every use (workloads/src/trees.ts found it),
 * and malloc and free run at every allocation and death past the free lists.
 */
const {
  ARENA_SIZE,
  NB_SMALL_SIZE_CLASSES,
  POOL_OVERHEAD,
  POOL_SIZE,
  POOLS_PER_ARENA,
  PYMALLOC_ALIGNMENT,
  SMALL_REQUEST_THRESHOLD,
  SYSTEM_MALLOC_ALIGN,
  SYSTEM_MALLOC_OVERHEAD,
} = constants

/** Where modeled arenas live (an mmap-like region); arena slot i is at ARENA_BASE + i * ARENA_SIZE. */
const ARENA_BASE = 0x7f00_0000_0000
/** Where the modeled system malloc hands out large blocks (a brk-like region). */
const LARGE_BASE = 0x5600_0000_0000
/** Objects/obmalloc.c: INITIAL_ARENA_OBJECTS. */
const INITIAL_ARENA_OBJECTS = 16
const NONE = -1
const BLOCKS_PER_POOL_MAX = (POOL_SIZE - POOL_OVERHEAD) / PYMALLOC_ALIGNMENT

/**
 * A block's index from its offset in the pool's block area, by multiplication instead of
 * division: the offset over PYMALLOC_ALIGNMENT (below 1021 in a 16 KiB pool) times
 * ceil(2^16 / (class + 1)), shifted right 16, is the exact quotient for every size class (the
 * rounding error times the offset stays below 2^16 / 32), and a block's offset is an exact
 * multiple of its size. free ran a double division and an integer check of its result at every
 * death past the free lists: about a quarter of its time (perf annotate).
 */
const ALIGNMENT_SHIFT = Math.log2(PYMALLOC_ALIGNMENT)
const BLOCK_INDEX_MAGIC = Int32Array.from({ length: NB_SMALL_SIZE_CLASSES }, (_, c) =>
  Math.ceil(65536 / (c + 1)),
)

/** The index of the block at `offset` bytes into a pool's block area (past POOL_OVERHEAD), for size class `sizeClass`. */
export function blockIndexOf(offset: number, sizeClass: number): number {
  return ((offset >> ALIGNMENT_SHIFT) * BLOCK_INDEX_MAGIC[sizeClass]) >>> 16
}

export function sizeClassOf(nbytes: number): number {
  return (nbytes - 1) >> 4
}
export function blockSizeOf(sizeClass: number): number {
  return (sizeClass + 1) * PYMALLOC_ALIGNMENT
}
/** Bytes the modeled system malloc takes for a request (chunk header, 16-byte granules). */
export function systemChunkSize(nbytes: number): number {
  return Math.ceil((nbytes + SYSTEM_MALLOC_OVERHEAD) / SYSTEM_MALLOC_ALIGN) * SYSTEM_MALLOC_ALIGN
}

/** One size class of {@link PyMalloc.debugStats}: a row of `sys._debugmallocstats()`. */
export interface MallocClassStats {
  /** Block size in bytes (16..512). */
  size: number
  pools: number
  inUse: number
}

/** The figures `sys._debugmallocstats()` prints, as the model has them (names as mallocstats.py's JSON). */
export interface MallocStats {
  arenas: { allocatedTotal: number; reclaimed: number; highwater: number; allocatedCurrent: number }
  classes: MallocClassStats[]
  unusedPools: number
  allocatedBlocksBytes: number
  /** Bytes and blocks of requests over 512 bytes (glibc chunks; not in sys._debugmallocstats()). */
  systemBytes: number
  systemBlocks: number
}

export class PyMalloc {
  // ---- arenas (struct arena_object), indexed by arena slot ----
  private arenaLive = new Uint8Array(INITIAL_ARENA_OBJECTS)
  private nfreepools = new Int32Array(INITIAL_ARENA_OBJECTS)
  private ntotalpools = new Int32Array(INITIAL_ARENA_OBJECTS)
  /** Pools carved so far (pool_address as an index). */
  private poolsCarved = new Int32Array(INITIAL_ARENA_OBJECTS)
  /** Head of the arena's cached free pools (a pool node, NONE if empty). */
  private freepools = new Int32Array(INITIAL_ARENA_OBJECTS)
  private nextarena = new Int32Array(INITIAL_ARENA_OBJECTS)
  private prevarena = new Int32Array(INITIAL_ARENA_OBJECTS)
  private blockLinks: (Uint16Array | null)[] = []
  private maxArenas = INITIAL_ARENA_OBJECTS
  private unusedArenas = NONE
  private usableArenas = NONE
  /** nfp2lasta[n]: the rightmost arena in usable_arenas with n free pools. */
  private readonly nfp2lasta = new Int32Array(POOLS_PER_ARENA + 1).fill(NONE)

  // ---- pools (struct pool_header): node = NB_SMALL_SIZE_CLASSES + slot * POOLS_PER_ARENA + i;
  // nodes 0..31 are the usedpools[] sentinels ----
  private szidx = new Int8Array(0)
  private refCount = new Int32Array(0)
  /** First free block (index in the pool + 1; 0 = none). */
  private freeblock = new Int32Array(0)
  /** Next never-used block index, and the last index that fits. */
  private nextoffset = new Int32Array(0)
  private maxnext = new Int32Array(0)
  private nextpool = new Int32Array(0)
  private prevpool = new Int32Array(0)

  /** Arenas currently mapped and large-block bytes currently held. */
  arenasAllocated = 0
  peakArenas = 0
  arenasEverAllocated = 0
  arenasReleased = 0
  largeBytes = 0
  largeBlocks = 0
  private nextLargeAddress = LARGE_BASE
  /** How many of the next new arenas lose a pool to alignment (see {@link misalignNextArenas}). */
  private misalignedToCome = 0
  /** Small blocks in use, per size class (for summary()). */
  readonly blocksInUse = new Float64Array(NB_SMALL_SIZE_CLASSES)

  constructor() {
    this.growArenaTable(INITIAL_ARENA_OBJECTS, 0)
    for (let c = 0; c < NB_SMALL_SIZE_CLASSES; c++) {
      this.nextpool[c] = c
      this.prevpool[c] = c
    }
  }

  /** Modeled bytes held from the OS: arenas plus system-malloc chunks. */
  get footprint(): number {
    return this.arenasAllocated * ARENA_SIZE + this.largeBytes
  }

  /** Extra OS memory an allocation of `nbytes` would need right now (0 if it fits in held memory). */
  growthFor(nbytes: number): number {
    if (nbytes > SMALL_REQUEST_THRESHOLD || nbytes === 0) return systemChunkSize(nbytes)
    const c = sizeClassOf(nbytes)
    if (this.nextpool[c] !== c || this.usableArenas !== NONE) return 0
    return ARENA_SIZE
  }

  malloc(nbytes: number): number {
    if (nbytes > SMALL_REQUEST_THRESHOLD || nbytes === 0) return this.systemMalloc(nbytes)
    const c = sizeClassOf(nbytes)
    this.blocksInUse[c]++
    const pool = this.nextpool[c]
    if (pool === c) return this.allocateFromNewPool(c)
    // pymalloc_alloc: pop the pool's free list; extend or unlink the pool when it runs dry.
    const links = this.linksOf(pool)
    const block = this.freeblock[pool] - 1
    this.refCount[pool]++
    this.freeblock[pool] = links[this.linkIndex(pool, block)]
    if (this.freeblock[pool] === 0) this.extendPool(pool)
    return this.blockAddress(pool, block)
  }

  /** Free a block; `nbytes` is the size it was allocated with (the caller keeps it). */
  free(address: number, nbytes: number): void {
    if (nbytes > SMALL_REQUEST_THRESHOLD || nbytes === 0) {
      this.largeBytes -= systemChunkSize(nbytes)
      this.largeBlocks--
      return
    }
    // Arenas are ARENA_SIZE-aligned from ARENA_BASE, so the pool's number is the address's
    // POOL_SIZE unit (POOL_ADDR's mask), counted from the first arena's first pool.
    const offset = address - ARENA_BASE
    const poolNumber = Math.floor(offset / POOL_SIZE)
    const pool = NB_SMALL_SIZE_CLASSES + poolNumber
    const c = this.szidx[pool]
    const block = blockIndexOf(offset - poolNumber * POOL_SIZE - POOL_OVERHEAD, c)
    this.blocksInUse[c]--
    // pymalloc_free: push the block on the pool's free list.
    const lastfree = this.freeblock[pool]
    this.linksOf(pool)[this.linkIndex(pool, block)] = lastfree
    this.freeblock[pool] = block + 1
    this.refCount[pool]--
    if (lastfree === 0) {
      // The pool was full, so it is in no list: front-link it (LRU reuse, obmalloc insert_to_usedpool).
      this.insertToUsedpool(pool)
      return
    }
    if (this.refCount[pool] !== 0) return
    this.insertToFreepool(pool)
  }

  private systemMalloc(nbytes: number): number {
    const chunk = systemChunkSize(nbytes)
    this.largeBytes += chunk
    this.largeBlocks++
    const address = this.nextLargeAddress + SYSTEM_MALLOC_OVERHEAD
    this.nextLargeAddress += chunk
    return address
  }

  private blockAddress(pool: number, block: number): number {
    const p = pool - NB_SMALL_SIZE_CLASSES
    return ARENA_BASE + p * POOL_SIZE + POOL_OVERHEAD + block * blockSizeOf(this.szidx[pool])
  }

  private linksOf(pool: number): Uint16Array {
    return this.blockLinks[((pool - NB_SMALL_SIZE_CLASSES) / POOLS_PER_ARENA) | 0] as Uint16Array
  }

  private linkIndex(pool: number, block: number): number {
    return ((pool - NB_SMALL_SIZE_CLASSES) % POOLS_PER_ARENA) * BLOCKS_PER_POOL_MAX + block
  }

  /** pymalloc_pool_extend: carve the next never-used block, or unlink a full pool. */
  private extendPool(pool: number): void {
    if (this.nextoffset[pool] <= this.maxnext[pool]) {
      const block = this.nextoffset[pool]
      this.nextoffset[pool]++
      this.linksOf(pool)[this.linkIndex(pool, block)] = 0
      this.freeblock[pool] = block + 1
      return
    }
    const next = this.nextpool[pool]
    const prev = this.prevpool[pool]
    this.prevpool[next] = prev
    this.nextpool[prev] = next
  }

  /** allocate_from_new_pool: a cached free pool of the head usable arena, else a newly carved one. */
  private allocateFromNewPool(c: number): number {
    if (this.usableArenas === NONE) {
      const a = this.newArena()
      this.usableArenas = a
      this.nextarena[a] = NONE
      this.prevarena[a] = NONE
      this.nfp2lasta[this.nfreepools[a]] = a
    }
    const arena = this.usableArenas
    if (this.nfp2lasta[this.nfreepools[arena]] === arena) this.nfp2lasta[this.nfreepools[arena]] = NONE
    if (this.nfreepools[arena] > 1) this.nfp2lasta[this.nfreepools[arena] - 1] = arena
    let pool = this.freepools[arena]
    if (pool !== NONE) {
      this.freepools[arena] = this.nextpool[pool]
    } else {
      pool = NB_SMALL_SIZE_CLASSES + arena * POOLS_PER_ARENA + this.poolsCarved[arena]
      this.poolsCarved[arena]++
      this.szidx[pool] = -1
    }
    this.nfreepools[arena]--
    if (this.nfreepools[arena] === 0) {
      this.usableArenas = this.nextarena[arena]
      if (this.usableArenas !== NONE) this.prevarena[this.usableArenas] = NONE
    }
    // Front-link to the (empty) usedpools[c] list.
    this.nextpool[pool] = c
    this.prevpool[pool] = c
    this.nextpool[c] = pool
    this.prevpool[c] = pool
    this.refCount[pool] = 1
    const links = this.linksOf(pool)
    if (this.szidx[pool] === c) {
      // The pool last held this size class: its free list is already set up.
      const block = this.freeblock[pool] - 1
      this.freeblock[pool] = links[this.linkIndex(pool, block)]
      if (this.freeblock[pool] === 0) this.extendPool(pool)
      return this.blockAddress(pool, block)
    }
    const size = blockSizeOf(c)
    this.szidx[pool] = c
    this.nextoffset[pool] = 2
    this.maxnext[pool] = Math.floor((POOL_SIZE - POOL_OVERHEAD) / size) - 1
    this.freeblock[pool] = 2 // block 1, +1
    links[this.linkIndex(pool, 1)] = 0
    return this.blockAddress(pool, 0)
  }

  private insertToUsedpool(pool: number): void {
    const c = this.szidx[pool]
    const next = this.nextpool[c]
    this.nextpool[pool] = next
    this.prevpool[pool] = c
    this.prevpool[next] = pool
    this.nextpool[c] = pool
  }

  /** insert_to_freepool plus the four cases of arena management that follow it. */
  private insertToFreepool(pool: number): void {
    const next = this.nextpool[pool]
    const prev = this.prevpool[pool]
    this.prevpool[next] = prev
    this.nextpool[prev] = next
    const ao = ((pool - NB_SMALL_SIZE_CLASSES) / POOLS_PER_ARENA) | 0
    this.nextpool[pool] = this.freepools[ao]
    this.freepools[ao] = pool
    let nf = this.nfreepools[ao]
    const lastnf = nf === 0 ? NONE : this.nfp2lasta[nf]
    if (lastnf === ao) {
      const p = this.prevarena[ao]
      this.nfp2lasta[nf] = p !== NONE && this.nfreepools[p] === nf ? p : NONE
    }
    this.nfreepools[ao] = ++nf
    if (nf === this.ntotalpools[ao] && this.nextarena[ao] !== NONE) {
      // Case 1: wholly free and not the last usable arena: return it to the OS.
      if (this.prevarena[ao] === NONE) this.usableArenas = this.nextarena[ao]
      else this.nextarena[this.prevarena[ao]] = this.nextarena[ao]
      if (this.nextarena[ao] !== NONE) this.prevarena[this.nextarena[ao]] = this.prevarena[ao]
      this.releaseArena(ao)
      return
    }
    if (nf === 1) {
      // Case 2: it had no free pool, so it was not usable: put it at the head.
      this.nextarena[ao] = this.usableArenas
      this.prevarena[ao] = NONE
      if (this.usableArenas !== NONE) this.prevarena[this.usableArenas] = ao
      this.usableArenas = ao
      if (this.nfp2lasta[1] === NONE) this.nfp2lasta[1] = ao
      return
    }
    if (this.nfp2lasta[nf] === NONE) this.nfp2lasta[nf] = ao
    if (ao === lastnf) return // Case 4: still in order.
    // Case 3: slide it right, after the rightmost arena that had its old count.
    if (this.prevarena[ao] !== NONE) this.nextarena[this.prevarena[ao]] = this.nextarena[ao]
    else this.usableArenas = this.nextarena[ao]
    this.prevarena[this.nextarena[ao]] = this.prevarena[ao]
    this.prevarena[ao] = lastnf
    this.nextarena[ao] = this.nextarena[lastnf]
    if (this.nextarena[ao] !== NONE) this.prevarena[this.nextarena[ao]] = ao
    this.nextarena[lastnf] = ao
  }

  /** new_arena: reuse an unused arena_object (LIFO), growing the table by doubling. */
  private newArena(): number {
    if (this.unusedArenas === NONE) this.growArenaTable(this.maxArenas * 2, this.maxArenas)
    const a = this.unusedArenas
    this.unusedArenas = this.nextarena[a]
    this.arenaLive[a] = 1
    // Modeled arenas are ARENA_SIZE-aligned, so all 64 pools fit, unless the arena stands for a
    // real one whose mmap address was not pool-aligned (new_arena: `if (excess != 0)
    // --arenaobj->nfreepools`, 3.11.7 Objects/obmalloc.c:1670-1672, 3.13.0 :1806-1808).
    const pools = this.misalignedToCome > 0 ? POOLS_PER_ARENA - 1 : POOLS_PER_ARENA
    if (this.misalignedToCome > 0) this.misalignedToCome--
    this.nfreepools[a] = pools
    this.ntotalpools[a] = pools
    this.poolsCarved[a] = 0
    this.freepools[a] = NONE
    this.blockLinks[a] = new Uint16Array(POOLS_PER_ARENA * BLOCKS_PER_POOL_MAX)
    this.arenasAllocated++
    this.arenasEverAllocated++
    if (this.arenasAllocated > this.peakArenas) this.peakArenas = this.arenasAllocated
    return a
  }

  private releaseArena(a: number): void {
    this.nextarena[a] = this.unusedArenas
    this.unusedArenas = a
    this.arenaLive[a] = 0
    this.blockLinks[a] = null
    this.arenasAllocated--
    this.arenasReleased++
  }

  private growArenaTable(size: number, from: number): void {
    const grow = <T extends Int32Array | Uint8Array | Int8Array>(
      old: T,
      n: number,
      make: (n: number) => T,
    ): T => {
      const next = make(n)
      next.set(old)
      return next
    }
    if (size !== this.arenaLive.length) {
      this.arenaLive = grow(this.arenaLive, size, (n) => new Uint8Array(n))
      this.nfreepools = grow(this.nfreepools, size, (n) => new Int32Array(n))
      this.ntotalpools = grow(this.ntotalpools, size, (n) => new Int32Array(n))
      this.poolsCarved = grow(this.poolsCarved, size, (n) => new Int32Array(n))
      this.freepools = grow(this.freepools, size, (n) => new Int32Array(n))
      this.nextarena = grow(this.nextarena, size, (n) => new Int32Array(n))
      this.prevarena = grow(this.prevarena, size, (n) => new Int32Array(n))
    }
    const nodes = NB_SMALL_SIZE_CLASSES + size * POOLS_PER_ARENA
    if (nodes !== this.szidx.length) {
      this.szidx = grow(this.szidx, nodes, (n) => new Int8Array(n))
      this.refCount = grow(this.refCount, nodes, (n) => new Int32Array(n))
      this.freeblock = grow(this.freeblock, nodes, (n) => new Int32Array(n))
      this.nextoffset = grow(this.nextoffset, nodes, (n) => new Int32Array(n))
      this.maxnext = grow(this.maxnext, nodes, (n) => new Int32Array(n))
      this.nextpool = grow(this.nextpool, nodes, (n) => new Int32Array(n))
      this.prevpool = grow(this.prevpool, nodes, (n) => new Int32Array(n))
    }
    // New arena_objects are chained in ascending order onto unused_arena_objects.
    for (let i = from; i < size; i++) this.nextarena[i] = i + 1 < size ? i + 1 : this.unusedArenas
    this.unusedArenas = from
    this.maxArenas = size
  }

  /**
   * What _PyObject_DebugMallocStats prints of this allocator (3.11.7 Objects/obmalloc.c:2958):
   * per size class the pools in use (carved pools holding at least one block) and blocks in use,
   * the arena counters, the unused (free) pools of live arenas, and the system allocator's share.
   */
  debugStats(): MallocStats {
    const pools = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0)
    let unusedPools = 0
    for (let a = 0; a < this.maxArenas; a++) {
      if (this.arenaLive[a] === 0) continue
      unusedPools += this.nfreepools[a]
      for (let i = 0; i < this.poolsCarved[a]; i++) {
        const pool = NB_SMALL_SIZE_CLASSES + a * POOLS_PER_ARENA + i
        if (this.refCount[pool] > 0) pools[this.szidx[pool]]++
      }
    }
    const classes: MallocClassStats[] = []
    for (let c = 0; c < NB_SMALL_SIZE_CLASSES; c++) {
      if (pools[c] > 0 || this.blocksInUse[c] > 0)
        classes.push({ size: blockSizeOf(c), pools: pools[c], inUse: this.blocksInUse[c] })
    }
    return {
      arenas: {
        allocatedTotal: this.arenasEverAllocated,
        reclaimed: this.arenasReleased,
        highwater: this.peakArenas,
        allocatedCurrent: this.arenasAllocated,
      },
      classes,
      unusedPools,
      allocatedBlocksBytes: classes.reduce((sum, c) => sum + c.size * c.inUse, 0),
      systemBytes: this.largeBytes,
      systemBlocks: this.largeBlocks,
    }
  }

  /**
   * The next `n` arenas this allocator maps hold 63 pools instead of 64, as a real arena does
   * when mmap returns an address that is not 16 KiB-aligned (ASLR decides; 1 to 5 of 5 measured,
   * VERSIONS.md section 1): used to start the model from a real interpreter's arenas.
   */
  misalignNextArenas(n: number): void {
    this.misalignedToCome = n
  }

  /**
   * new_arena for an arena held wholly free: the one a real interpreter keeps as the last usable
   * arena instead of returning it (insert_to_freepool case 1, bpo-37257). usable_arenas is
   * sorted by ascending free pools, so it goes to the tail.
   */
  mapEmptyArena(): void {
    const a = this.newArena()
    let tail = NONE
    for (let x = this.usableArenas; x !== NONE; x = this.nextarena[x]) tail = x
    this.prevarena[a] = tail
    this.nextarena[a] = NONE
    if (tail === NONE) this.usableArenas = a
    else this.nextarena[tail] = a
    this.nfp2lasta[this.nfreepools[a]] = a
  }

  /** Usable arenas in list order with their free-pool counts (for tests and summary()). */
  usableArenaOrder(): { slot: number; freePools: number }[] {
    const out: { slot: number; freePools: number }[] = []
    for (let a = this.usableArenas; a !== NONE; a = this.nextarena[a])
      out.push({ slot: a, freePools: this.nfreepools[a] })
    return out
  }
}
