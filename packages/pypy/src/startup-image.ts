/**
 * The start-up heap (startup-heap.ts) built once per option set and copied into each new
 * manager. Laying it down allocates and sweeps some 19,000 arena blocks and a thousand raw
 * objects: about 1 ms, as long as a whole small benchmark run on plain V8, paid by every
 * manager. The copy is the same state, not an approximation: the words the build wrote at the
 * same addresses (into a memory that is all zero, as the build's was), the same allocator and
 * arena records, counters and lists, and the hidden roots (one frozen array); no figure can tell a copied manager from
 * a built one (test/startup-image.test.ts compares them field by field).
 *
 * The key is every resolved option: the start-up heap depends on the nursery (where the
 * arenas start), the startup figures and the threshold options; the rest only makes the
 * cache hold a few more entries.
 */
import { IntList } from '@pygc/core'
import type { ArenaState } from './arena.js'
import type { GcState } from './gc-state.js'
import { copyIntListInto, copyOfIntList } from './int-list-copy.js'
import type { MemoryImage } from './memory.js'
import type { ResolvedOptions } from './options.js'
import { layDownStartupHeap } from './startup-heap.js'

/** Option sets remembered at once (the presets, a sweep's few variants); the oldest is dropped. */
const MAX_IMAGES = 16

interface StartupImage {
  readonly memory: MemoryImage
  readonly arenas: ArenaState
  readonly oldRawmallocedObjects: IntList
  readonly rawmallocedTotalSize: number
  readonly rawmallocedPeakSize: number
  readonly nextMajorCollectionInitial: number
  readonly nextMajorCollectionThreshold: number
  /** Frozen: every manager of this image holds the same array (old objects never move, and no hidden root is added later). */
  readonly hiddenRoots: readonly number[]
}

const images = new Map<string, StartupImage>()

/**
 * Lay down the start-up heap of `s.options` in the fresh `s`: a copy of the one built before,
 * else built (and kept). Returns the hidden roots that hold it.
 */
export function startUp(s: GcState): readonly number[] {
  const key = imageKey(s.options)
  const image = images.get(key)
  if (image !== undefined) {
    restore(s, image)
    return image.hiddenRoots
  }
  const roots = new IntList(16)
  layDownStartupHeap(s, s.options.startup, roots)
  const built = capture(s, Object.freeze(Array.from(roots.items.subarray(0, roots.length))))
  if (images.size >= MAX_IMAGES) images.delete(images.keys().next().value as string)
  images.set(key, built)
  return built.hiddenRoots
}

/** Forget every image (tests: the next manager builds its start-up heap). */
export function forgetStartupImages(): void {
  images.clear()
}

function imageKey(options: ResolvedOptions): string {
  return JSON.stringify(options)
}

function capture(s: GcState, hiddenRoots: readonly number[]): StartupImage {
  return {
    memory: s.mem.image(),
    arenas: s.ac.state(),
    oldRawmallocedObjects: copyOfIntList(s.oldRawmallocedObjects),
    rawmallocedTotalSize: s.rawmallocedTotalSize,
    rawmallocedPeakSize: s.rawmallocedPeakSize,
    nextMajorCollectionInitial: s.nextMajorCollectionInitial,
    nextMajorCollectionThreshold: s.nextMajorCollectionThreshold,
    hiddenRoots,
  }
}

function restore(s: GcState, image: StartupImage): void {
  s.mem.restore(image.memory)
  s.ac.restore(image.arenas)
  copyIntListInto(s.oldRawmallocedObjects, image.oldRawmallocedObjects)
  s.rawmallocedTotalSize = image.rawmallocedTotalSize
  s.rawmallocedPeakSize = image.rawmallocedPeakSize
  s.nextMajorCollectionInitial = image.nextMajorCollectionInitial
  s.nextMajorCollectionThreshold = image.nextMajorCollectionThreshold
}
