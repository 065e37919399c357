/**
 * minimarkpage.py's ArenaCollection: where small old objects live. Memory is taken from malloc
 * in 512 KiB arenas, cut into 8 KiB pages; a page holds blocks of one size class (one class per
 * 8 bytes up to 280). Old objects never move: a block is freed in place by the sweep and reused.
 *
 * Followed line by line (minimarkpage.py at release-pypy3.9-v7.3.11): malloc (154), the page of
 * a size class and its full-page list, allocate_new_page (197), the current arena and the
 * arenas_lists indexed by free page count with the arena of fewest free pages picked first
 * (259 _pick_next_arena, 278 allocate_new_arena), mass_free_prepare (326) and the incremental
 * mass_free_incremental (347) that walks at most `max_pages` pages per call, walk_page (507)
 * rebuilding each page's free list in address order, free_page (491), and _rehash_arenas_lists
 * (387) returning empty arenas to the OS.
 *
 * The page headers and free lists are in the model's memory at the pages' addresses, as in
 * PyPy: a page starts with (nextpage, arena, nfree, freeblock); a free page's first word and a
 * free block's second word link to the next one (a free block's first word is FREE_TID).
 */
import { ARENA_BYTES, PAGE_BYTES, PAGE_HEADER_BYTES, SIZE_CLASSES, WORD } from './constants.js'
import type { Memory } from './memory.js'
import { FREE_TID } from './objects.js'

const P_NEXT = 0
const P_ARENA = 1
const P_NFREE = 2
const P_FREEBLOCK = 3
/** A free block links to the next one in its word 1 (word 0 is FREE_TID). */
const B_NEXT = 1

const MAX_PAGES_PER_ARENA = ARENA_BYTES / PAGE_BYTES

/** An ArenaCollection's state as a copy that shares nothing with it (startup-image.ts); the pages are in the memory. */
export interface ArenaState {
  readonly pageForSize: Int32Array
  readonly fullPageForSize: Int32Array
  readonly oldPageForSize: Int32Array
  readonly oldFullPageForSize: Int32Array
  readonly base: Int32Array
  readonly nfreepages: Int32Array
  readonly totalpages: Int32Array
  readonly freepages: Int32Array
  readonly nextarena: Int32Array
  readonly arenaSlots: number
  readonly freeSlots: readonly number[]
  readonly arenasLists: Int32Array
  readonly oldArenasLists: Int32Array
  readonly currentArena: number
  readonly minEmptyNfreepages: number
  readonly numUninitializedPages: number
  readonly sizeClassWithOldPages: number
  readonly arenasCount: number
  readonly totalMemoryUsed: number
  readonly peakMemoryUsed: number
  readonly totalMemoryAlloced: number
  readonly peakMemoryAlloced: number
}

export class ArenaCollection {
  /** Per size class: a page with room, and the chain of full pages (0 = none). */
  readonly pageForSize = new Int32Array(SIZE_CLASSES + 1)
  readonly fullPageForSize = new Int32Array(SIZE_CLASSES + 1)
  readonly oldPageForSize = new Int32Array(SIZE_CLASSES + 1)
  readonly oldFullPageForSize = new Int32Array(SIZE_CLASSES + 1)
  /** (page_size - hdrsize) // (WORD * i) (minimarkpage.py:114). */
  readonly nblocksForSize = new Int32Array(SIZE_CLASSES + 1)

  // Arena records (ARENA structs), indexed; freed indices are reused.
  private base: Int32Array = new Int32Array(16)
  private nfreepages: Int32Array = new Int32Array(16)
  private totalpages: Int32Array = new Int32Array(16)
  private freepages: Int32Array = new Int32Array(16)
  private nextarena: Int32Array = new Int32Array(16)
  private arenaSlots = 0
  private readonly freeSlots: number[] = []

  private arenasLists = new Int32Array(MAX_PAGES_PER_ARENA).fill(-1)
  private oldArenasLists = new Int32Array(MAX_PAGES_PER_ARENA).fill(-1)
  private currentArena = -1
  private minEmptyNfreepages = MAX_PAGES_PER_ARENA
  private numUninitializedPages = 0
  private sizeClassWithOldPages = -1

  arenasCount = 0
  /** Bytes of every block in use (minimarkpage's total_memory_used). */
  totalMemoryUsed = 0
  peakMemoryUsed = 0
  /** Bytes of the arenas malloc'ed (total_memory_alloced). */
  totalMemoryAlloced = 0
  peakMemoryAlloced = 0

  constructor(private readonly mem: Memory) {
    for (let i = 1; i <= SIZE_CLASSES; i++) {
      this.nblocksForSize[i] = Math.floor((PAGE_BYTES - PAGE_HEADER_BYTES) / (WORD * i))
    }
  }

  /** A copy of the state (the arenas' pages themselves are in the memory's image). */
  state(): ArenaState {
    return {
      pageForSize: this.pageForSize.slice(),
      fullPageForSize: this.fullPageForSize.slice(),
      oldPageForSize: this.oldPageForSize.slice(),
      oldFullPageForSize: this.oldFullPageForSize.slice(),
      base: this.base.slice(),
      nfreepages: this.nfreepages.slice(),
      totalpages: this.totalpages.slice(),
      freepages: this.freepages.slice(),
      nextarena: this.nextarena.slice(),
      arenaSlots: this.arenaSlots,
      freeSlots: this.freeSlots.slice(),
      arenasLists: this.arenasLists.slice(),
      oldArenasLists: this.oldArenasLists.slice(),
      currentArena: this.currentArena,
      minEmptyNfreepages: this.minEmptyNfreepages,
      numUninitializedPages: this.numUninitializedPages,
      sizeClassWithOldPages: this.sizeClassWithOldPages,
      arenasCount: this.arenasCount,
      totalMemoryUsed: this.totalMemoryUsed,
      peakMemoryUsed: this.peakMemoryUsed,
      totalMemoryAlloced: this.totalMemoryAlloced,
      peakMemoryAlloced: this.peakMemoryAlloced,
    }
  }

  /** Take on a copy of `state` (over a memory restored from the same image). */
  restore(state: ArenaState): void {
    this.pageForSize.set(state.pageForSize)
    this.fullPageForSize.set(state.fullPageForSize)
    this.oldPageForSize.set(state.oldPageForSize)
    this.oldFullPageForSize.set(state.oldFullPageForSize)
    this.base = state.base.slice()
    this.nfreepages = state.nfreepages.slice()
    this.totalpages = state.totalpages.slice()
    this.freepages = state.freepages.slice()
    this.nextarena = state.nextarena.slice()
    this.arenaSlots = state.arenaSlots
    this.freeSlots.length = 0
    this.freeSlots.push(...state.freeSlots)
    this.arenasLists = state.arenasLists.slice()
    this.oldArenasLists = state.oldArenasLists.slice()
    this.currentArena = state.currentArena
    this.minEmptyNfreepages = state.minEmptyNfreepages
    this.numUninitializedPages = state.numUninitializedPages
    this.sizeClassWithOldPages = state.sizeClassWithOldPages
    this.arenasCount = state.arenasCount
    this.totalMemoryUsed = state.totalMemoryUsed
    this.peakMemoryUsed = state.peakMemoryUsed
    this.totalMemoryAlloced = state.totalMemoryAlloced
    this.peakMemoryAlloced = state.peakMemoryAlloced
  }

  /** Allocate a block of `nsize` bytes (a multiple of WORD, at most 280); 0 if out of memory. */
  malloc(nsize: number): number {
    this.totalMemoryUsed += nsize
    const sizeClass = nsize / WORD
    let page = this.pageForSize[sizeClass]
    if (page === 0) {
      page = this.allocateNewPage(sizeClass)
      if (page === 0) {
        this.totalMemoryUsed -= nsize
        return 0
      }
    }
    const w = this.mem.w
    const hp = page >> 2
    const result = w[hp + P_FREEBLOCK]
    let freeblock: number
    if (w[hp + P_NFREE] > 0) {
      w[hp + P_NFREE]--
      freeblock = w[(result >> 2) + B_NEXT]
    } else {
      freeblock = result + nsize
    }
    w[hp + P_FREEBLOCK] = freeblock
    if (freeblock - page > PAGE_BYTES - nsize) {
      // The last free block: move the page to the full list.
      this.pageForSize[sizeClass] = w[hp + P_NEXT]
      w[hp + P_NEXT] = this.fullPageForSize[sizeClass]
      this.fullPageForSize[sizeClass] = page
    }
    return result
  }

  private allocateNewPage(sizeClass: number): number {
    if (this.currentArena < 0 && !this.allocateNewArena()) return 0
    const arena = this.currentArena
    const result = this.freepages[arena]
    let freepages: number
    if (this.nfreepages[arena] > 0) {
      this.nfreepages[arena]--
      freepages = this.mem.w[result >> 2]
    } else {
      this.numUninitializedPages--
      freepages = this.numUninitializedPages > 0 ? result + PAGE_BYTES : 0
    }
    this.freepages[arena] = freepages
    if (freepages === 0) {
      // The last page: the arena goes to arenas_lists[0].
      this.nextarena[arena] = this.arenasLists[0]
      this.arenasLists[0] = arena
      this.currentArena = -1
    }
    const w = this.mem.w
    const hp = result >> 2
    w[hp + P_ARENA] = arena
    w[hp + P_NFREE] = 0
    w[hp + P_FREEBLOCK] = result + PAGE_HEADER_BYTES
    w[hp + P_NEXT] = 0
    this.pageForSize[sizeClass] = result
    return result
  }

  private pickNextArena(): boolean {
    for (let i = this.minEmptyNfreepages; i < MAX_PAGES_PER_ARENA; i++) {
      const a = this.arenasLists[i]
      if (a >= 0) {
        this.currentArena = a
        this.arenasLists[i] = this.nextarena[a]
        return true
      }
      this.minEmptyNfreepages = i + 1
    }
    return false
  }

  private allocateNewArena(): boolean {
    if (this.pickNextArena()) return true
    this.rehashArenasLists()
    if (this.pickNextArena()) return true
    const base = this.mem.malloc(ARENA_BYTES)
    if (base === 0) return false
    this.totalMemoryAlloced += ARENA_BYTES
    this.peakMemoryAlloced = Math.max(this.peakMemoryAlloced, this.totalMemoryAlloced)
    const firstpage = Math.ceil(base / PAGE_BYTES) * PAGE_BYTES
    const npages = Math.floor((base + ARENA_BYTES - firstpage) / PAGE_BYTES)
    const arena = this.newArenaSlot()
    this.base[arena] = base
    this.nfreepages[arena] = 0
    this.totalpages[arena] = npages
    this.freepages[arena] = firstpage
    this.nextarena[arena] = -1
    this.numUninitializedPages = npages
    this.currentArena = arena
    this.arenasCount++
    return true
  }

  private newArenaSlot(): number {
    const reused = this.freeSlots.pop()
    if (reused !== undefined) return reused
    if (this.arenaSlots === this.base.length) {
      const grow = (a: Int32Array): Int32Array => {
        const b = new Int32Array(a.length * 2)
        b.set(a)
        return b
      }
      this.base = grow(this.base)
      this.nfreepages = grow(this.nfreepages)
      this.totalpages = grow(this.totalpages)
      this.freepages = grow(this.freepages)
      this.nextarena = grow(this.nextarena)
    }
    return this.arenaSlots++
  }

  /** Start a sweep: every page list becomes an "old" list to walk (minimarkpage.py:326). */
  massFreePrepare(): void {
    this.peakMemoryUsed = Math.max(this.peakMemoryUsed, this.totalMemoryUsed)
    this.totalMemoryUsed = 0
    this.sizeClassWithOldPages = SIZE_CLASSES
    for (let sc = SIZE_CLASSES; sc >= 1; sc--) {
      this.oldPageForSize[sc] = this.pageForSize[sc]
      this.oldFullPageForSize[sc] = this.fullPageForSize[sc]
      this.pageForSize[sc] = 0
      this.fullPageForSize[sc] = 0
    }
  }

  /**
   * Walk at most `maxPages` old pages, from the largest size class down, freeing the blocks
   * `dies` says are dead. True when every old page was walked (minimarkpage.py:347).
   */
  massFreeIncremental(dies: (a: number) => boolean, maxPages: number): boolean {
    let sizeClass = this.sizeClassWithOldPages
    let left = maxPages
    while (sizeClass >= 1) {
      left = this.massFreeInPages(sizeClass, dies, left)
      if (left <= 0) {
        this.sizeClassWithOldPages = sizeClass
        return false
      }
      sizeClass--
    }
    if (sizeClass >= 0) {
      this.rehashArenasLists()
      this.sizeClassWithOldPages = -1
    }
    return true
  }

  private massFreeInPages(sizeClass: number, dies: (a: number) => boolean, maxPages: number): number {
    const w = this.mem.w
    const nblocks = this.nblocksForSize[sizeClass]
    const blockSize = sizeClass * WORD
    let partial = this.pageForSize[sizeClass]
    let full = this.fullPageForSize[sizeClass]
    let left = maxPages
    let step = 0
    while (step < 2) {
      let page: number
      if (step === 0) {
        page = this.oldFullPageForSize[sizeClass]
        this.oldFullPageForSize[sizeClass] = 0
      } else {
        page = this.oldPageForSize[sizeClass]
        this.oldPageForSize[sizeClass] = 0
      }
      let stopped = false
      while (page !== 0) {
        const surviving = this.walkPage(page, blockSize, dies)
        const next = w[(page >> 2) + P_NEXT]
        if (surviving === nblocks) {
          w[(page >> 2) + P_NEXT] = full
          full = page
        } else if (surviving > 0) {
          w[(page >> 2) + P_NEXT] = partial
          partial = page
        } else {
          this.freePage(page)
        }
        left--
        if (left <= 0) {
          if (step === 0) this.oldFullPageForSize[sizeClass] = next
          else this.oldPageForSize[sizeClass] = next
          stopped = true
          break
        }
        page = next
      }
      step = stopped ? 99 : step + 1
    }
    this.pageForSize[sizeClass] = partial
    this.fullPageForSize[sizeClass] = full
    return left
  }

  private freePage(page: number): void {
    const w = this.mem.w
    const arena = w[(page >> 2) + P_ARENA]
    this.nfreepages[arena]++
    w.fill(0, page >> 2, (page + PAGE_BYTES) >> 2)
    w[page >> 2] = this.freepages[arena]
    this.freepages[arena] = page
  }

  /** Free the dead blocks of a page into its free list, in address order; returns the survivors. */
  private walkPage(page: number, blockSize: number, dies: (a: number) => boolean): number {
    const hp = page >> 2
    let freeblock = this.mem.w[hp + P_FREEBLOCK]
    let prevLink = hp + P_FREEBLOCK
    let obj = page + PAGE_HEADER_BYTES
    let surviving = 0
    let skipFree = this.mem.w[hp + P_NFREE]
    for (;;) {
      if (obj === freeblock) {
        if (skipFree === 0) break
        skipFree--
        prevLink = (obj >> 2) + B_NEXT
        freeblock = this.mem.w[(obj >> 2) + B_NEXT]
      } else if (dies(obj)) {
        const w = this.mem.w
        // A loop, not w.fill: blocks are at most 280 bytes, and fill costs a builtin call per block.
        for (let i = obj >> 2, end = (obj + blockSize) >> 2; i < end; i++) w[i] = 0
        w[obj >> 2] = FREE_TID
        w[prevLink] = obj
        prevLink = (obj >> 2) + B_NEXT
        w[(obj >> 2) + B_NEXT] = freeblock
        w[hp + P_NFREE]++
      } else {
        surviving++
      }
      obj += blockSize
    }
    this.totalMemoryUsed += surviving * blockSize
    return surviving
  }

  private rehashArenasLists(): void {
    const old = this.arenasLists
    this.arenasLists = this.oldArenasLists
    this.oldArenasLists = old
    this.arenasLists.fill(-1)
    for (let i = 0; i < MAX_PAGES_PER_ARENA; i++) {
      let arena = old[i]
      while (arena >= 0) {
        const next = this.nextarena[arena]
        if (this.nfreepages[arena] === this.totalpages[arena]) {
          // The whole arena is empty: give it back.
          this.mem.free(this.base[arena], ARENA_BYTES)
          this.totalMemoryAlloced -= ARENA_BYTES
          this.arenasCount--
          this.freeSlots.push(arena)
        } else {
          const n = this.nfreepages[arena]
          this.nextarena[arena] = this.arenasLists[n]
          this.arenasLists[n] = arena
        }
        arena = next
      }
    }
    this.minEmptyNfreepages = 1
  }

  /** Visit every allocated block (pages in use, old and new lists). */
  forEachBlock(visit: (a: number) => void): void {
    const lists = [this.pageForSize, this.fullPageForSize, this.oldPageForSize, this.oldFullPageForSize]
    for (const list of lists) {
      for (let sc = 1; sc <= SIZE_CLASSES; sc++) {
        for (let page = list[sc]; page !== 0; page = this.mem.w[(page >> 2) + P_NEXT]) {
          this.forEachBlockInPage(page, sc * WORD, visit)
        }
      }
    }
  }

  private forEachBlockInPage(page: number, blockSize: number, visit: (a: number) => void): void {
    const hp = page >> 2
    let freeblock = this.mem.w[hp + P_FREEBLOCK]
    let skipFree = this.mem.w[hp + P_NFREE]
    for (let obj = page + PAGE_HEADER_BYTES; ; obj += blockSize) {
      if (obj === freeblock) {
        if (skipFree === 0) return
        skipFree--
        freeblock = this.mem.w[(obj >> 2) + B_NEXT]
      } else {
        visit(obj)
      }
    }
  }

  /** Pages holding blocks (for the native summary and tests). */
  pagesInUse(): number {
    let n = 0
    const lists = [this.pageForSize, this.fullPageForSize, this.oldPageForSize, this.oldFullPageForSize]
    for (const list of lists) {
      for (let sc = 1; sc <= SIZE_CLASSES; sc++) {
        for (let page = list[sc]; page !== 0; page = this.mem.w[(page >> 2) + P_NEXT]) n++
      }
    }
    return n
  }
}
