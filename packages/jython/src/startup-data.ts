/**
 * The JVM's own objects from before the program's first op (class mirrors, the module graph,
 * strings, the launcher's and TraceReplay's data), laid down in eden as the start-up baseline
 * the validator measures. What matters to the collectors is not only how many bytes stay live
 * but where they lie in the object graph, because the first young collection copies in
 * Cheney's breadth-first order and to-space is often too small for everything:
 *
 * GenCollectedHeap::young_process_roots (HotSpot 17 gc/shared/genCollectedHeap.cpp) calls
 * process_roots, which visits the class loader data first (ClassLoaderDataGraph::roots_cld_do:
 * the mirrors and what their handles hold), then the threads' stacks (Threads::oops_do: the
 * program's slots), then OopStorageSet::strong_oops_do; then the old generation's dirty cards.
 * DefNewGeneration::collect's FastEvacuateFollowersClosure then scans to-space in copy order
 * (ContiguousSpace::oop_since_save_marks_iterate). So the JVM's objects at each depth reach
 * to-space just before the program's objects at the same depth, and when to-space fills
 * (copy_to_survivor_space: to()->allocate fails) the deeper ones of both are promoted. The
 * program's objects that died soon after then sit in the survivor space (freed by the next
 * young collection) or in the old generation (kept until a full one): the heap after young
 * collections depends on the split.
 *
 * The model lays the live bytes down as filler objects in levels: level 0 are hidden roots,
 * which the scavenger evacuates before the program's roots (as the class loader data come
 * first); each level-j filler references its share of level j+1. The bytes per level are the
 * validator's measurement (apps/bench/src/validate/jython/startup-levels.ts): probes that put
 * the program's data at one depth and see how much of the JVM's data reached to-space first.
 */
import type { IntList } from '@pygc/core'
import { FILLER_ID, FLAG_FILLER, H_WORDS, type JvmHeap } from './heap.js'
import type { ResolvedOptions } from './options.js'

/** Start-up data is laid down as fillers of at most this size (real JVM objects are small). */
const STARTUP_CHUNK_BYTES = 4096
/** The smallest filler: a header. */
const MIN_FILLER_BYTES = 16

/**
 * The bytes of each level: the measured ones, then the rest of `liveBytes` one level deeper,
 * without trailing empty levels.
 */
export function startupLevelBytes(startup: ResolvedOptions['jvmStartup']): number[] {
  const levels = [...startup.liveByLevel]
  const rest = startup.liveBytes - levels.reduce((s, b) => s + b, 0)
  levels.push(rest)
  while (levels.length > 0 && levels[levels.length - 1] < MIN_FILLER_BYTES) levels.pop()
  return levels
}

/**
 * Lay the live start-up data down in eden, level 0 first (held by `hiddenRoots`). An empty
 * level between two others still gets one small filler so the deeper ones stay that deep.
 */
export function layDownStartupData(
  heap: JvmHeap,
  hiddenRoots: IntList,
  startup: ResolvedOptions['jvmStartup'],
): void {
  const levels = startupLevelBytes(startup)
  const counts = levels.map((b) => Math.max(1, Math.ceil(b / STARTUP_CHUNK_BYTES)))
  let parents: number[] = []
  for (let j = 0; j < levels.length; j++) {
    const n = counts[j]
    const childrenEach = j + 1 < levels.length ? Math.ceil(counts[j + 1] / n) : 0
    const addresses: number[] = []
    for (let i = 0; i < n; i++) {
      const children = Math.max(0, Math.min(childrenEach, (counts[j + 1] ?? 0) - i * childrenEach))
      const share = Math.floor(levels[j] / n / 8) * 8 + (i < (levels[j] / 8) % n ? 8 : 0)
      const fields = MIN_FILLER_BYTES + 4 * children
      const size = Math.ceil(Math.max(share, fields) / 8) * 8
      const a = heap.allocEden(size)
      heap.initObject(a, fields, FILLER_ID, FLAG_FILLER | children, size)
      addresses.push(a)
      if (j === 0) hiddenRoots.push(a)
    }
    // Child k of this level is field k % childrenEach of parent floor(k / childrenEach).
    if (j > 0) {
      const each = Math.ceil(n / parents.length)
      for (let k = 0; k < n; k++)
        heap.words[(parents[Math.floor(k / each)] >> 2) + H_WORDS + (k % each)] = addresses[k]
    }
    parents = addresses
  }
}

/** Dead start-up bytes, after the live ones: fillers without references. */
export function layDownStartupGarbage(heap: JvmHeap, garbageBytes: number): void {
  for (let left = garbageBytes; left >= MIN_FILLER_BYTES; ) {
    const size = Math.min(STARTUP_CHUNK_BYTES, left)
    heap.initObject(heap.allocEden(size), 16, FILLER_ID, FLAG_FILLER, size)
    left -= size
  }
}
