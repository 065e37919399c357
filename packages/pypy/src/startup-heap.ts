/**
 * The interpreter's own live heap when the program starts (options.ts StartupHeap, measured by
 * the oracle): PyPy marks it at every major collection, sweeps its pages and counts its bytes
 * in the memory that sets the next threshold, so the model lays it down as old objects the
 * program cannot see, held by hidden roots:
 *  - `arenaBytes` of 280-byte blocks (the largest class: the fewest objects to mark) spread over `pages` arena pages (PyPy's startup heap fills
 *    its pages to about 60%: 3.4 MB in 695 pages here), so the sweep walks as many pages;
 *  - `rawBytes` in `rawObjects` raw-malloced objects.
 * Then the threshold is the one the last startup collection set.
 */
import type { IntList } from '@pygc/core'
import {
  PAGE_BYTES,
  PAGE_HEADER_BYTES,
  roundUpForAllocation,
  SMALL_REQUEST_THRESHOLD,
  WORD,
} from './constants.js'
import type { GcState } from './gc-state.js'
import { H_EXTRA, H_TID, RAW, RUNTIME_TYPE, TRACK_YOUNG_PTRS, VISITED } from './objects.js'
import type { StartupHeap } from './options.js'

/** The block size of the startup filler in the arenas: marking counts bytes, so few big blocks mark as many as many small ones. */
export const STARTUP_BLOCK = 280
/** The smallest filler block, in 8-byte words: 16 bytes hold the model's header (objects.ts). */
const MIN_FILLER_WORDS = 2

export function layDownStartupHeap(s: GcState, startup: StartupHeap, roots: IntList): void {
  if (startup.classes !== undefined && startup.classes.length > 0) {
    // Class by class, the live bytes scaled to the GC's own "bytes used in arenas".
    const dumpBytes = startup.classes.reduce((sum, [c, n]) => sum + c * WORD * n, 0)
    const scale = dumpBytes > 0 ? startup.arenaBytes / dumpBytes : 0
    // An 8-byte object (class 1: a GC header alone) is laid down as a 16-byte block: the
    // model's filler keeps its size in bytes 12-15 (objects.ts, H_EXTRA). A few hundred such
    // objects in 4 pages on pypy3 7.3.11.
    for (const [c, n, p] of startup.classes) {
      layDownClass(s, Math.max(c, MIN_FILLER_WORDS) * WORD, Math.round(n * scale), p, roots)
    }
  } else {
    const live = Math.floor(startup.arenaBytes / STARTUP_BLOCK)
    const perPage = Math.floor((PAGE_BYTES - PAGE_HEADER_BYTES) / STARTUP_BLOCK)
    layDownClass(s, STARTUP_BLOCK, live, Math.max(startup.pages ?? 0, Math.ceil(live / perPage)), roots)
  }
  sweepUnkept(s)
  const sizes = rawObjectSizes(startup)
  for (const size of sizes) {
    const a = s.mem.malloc(size)
    s.mem.zero(a, size)
    s.rawmallocedTotalSize += size
    const words = s.mem.w
    words[(a >> 2) + H_TID] = RUNTIME_TYPE | RAW | TRACK_YOUNG_PTRS
    words[(a >> 2) + H_EXTRA] = size
    s.oldRawmallocedObjects.push(a)
    roots.push(a)
  }
  s.notePeakRaw()
  if (startup.nextMajorThreshold > 0) {
    s.nextMajorCollectionInitial = startup.nextMajorThreshold
    s.nextMajorCollectionThreshold = startup.nextMajorThreshold
  } else if (startup.arenaBytes + startup.rawBytes > 0) {
    // As the interpreter's last startup collection left it (incminimark.py:2497).
    const used = s.totalMemoryUsed()
    s.setMajorThresholdFrom(Math.min(used * s.options.majorCollect, used + s.options.maxDelta))
  }
}

/**
 * The raw-malloced objects' sizes: the dump's (rawSizes), the difference from the GC's own
 * rawBytes (card words; what changed between the dump and the last collection: 0.02%) on the
 * largest; else rawBytes in rawObjects even pieces. Marked in this order (the roots are a stack:
 * the last first).
 */
function rawObjectSizes(startup: StartupHeap): number[] {
  const given = startup.rawSizes
  if (given !== undefined && given.length > 0) {
    const sizes = given.map((n) => roundUpForAllocation(n))
    let largest = 0
    for (let i = 1; i < sizes.length; i++) if (sizes[i] > sizes[largest]) largest = i
    const rest = startup.rawBytes - sizes.reduce((a, b) => a + b, 0)
    sizes[largest] = Math.max(SMALL_REQUEST_THRESHOLD + WORD, sizes[largest] + Math.trunc(rest / WORD) * WORD)
    return sizes
  }
  const rawObjects = startup.rawBytes > 0 ? Math.max(1, startup.rawObjects ?? 1) : 0
  const sizes: number[] = []
  let rawLeft = startup.rawBytes
  for (let i = 0; i < rawObjects; i++) {
    const size = Math.max(8, Math.floor(rawLeft / (rawObjects - i) / 8) * 8)
    rawLeft -= size
    sizes.push(size)
  }
  return sizes
}

/** `live` blocks of `block` bytes spread evenly over `pages` whole pages; the rest swept free. */
function layDownClass(s: GcState, block: number, live: number, pagesWanted: number, roots: IntList): void {
  if (live <= 0) return
  const perPage = Math.floor((PAGE_BYTES - PAGE_HEADER_BYTES) / block)
  const pages = Math.min(Math.max(pagesWanted, Math.ceil(live / perPage)), live)
  const total = pages * perPage
  const keepEvery = total / live
  let next = 0
  let kept = 0
  for (let i = 0; i < total; i++) {
    const a = s.ac.malloc(block)
    const words = s.mem.w
    words[(a >> 2) + H_TID] = RUNTIME_TYPE | TRACK_YOUNG_PTRS
    words[(a >> 2) + H_EXTRA] = block
    if (i >= Math.floor(next) && kept < live) {
      words[(a >> 2) + H_TID] |= VISITED
      roots.push(a)
      kept++
      next += keepEvery
    }
  }
}

/** Free the filler blocks that were not kept (one sweep of every page laid down). */
function sweepUnkept(s: GcState): void {
  s.ac.massFreePrepare()
  s.ac.massFreeIncremental((a) => {
    const words = s.mem.w
    if ((words[(a >> 2) + H_TID] & VISITED) !== 0) {
      words[(a >> 2) + H_TID] &= ~VISITED
      return false
    }
    return true
  }, Number.MAX_SAFE_INTEGER)
}
