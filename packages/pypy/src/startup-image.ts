/**
 * The start-up heap (startup-heap.ts) built once per option set and copied into each new
 * manager. Laying it down allocates and sweeps some 19,000 arena blocks and a thousand raw
 * objects: about 1 ms, as long as a whole small benchmark run on plain V8, paid by every
 * manager. The copy is the same state, not an approximation: the words the build wrote at the
 * same addresses (into a memory that is all zero, as the build's was), the same allocator and
 * arena records, counters, lists and hidden roots; no figure can tell a copied manager from
 * a built one (test/startup-image.test.ts compares them field by field).
 *
 * The key is every resolved option: the start-up heap depends on the nursery (where the
 * arenas start), the startup figures and the threshold options; the rest only makes the
 * cache hold a few more entries.
 */
import type { IntList } from '@pygc/core'
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
  readonly hiddenRoots: IntList
}

const images = new Map<string, StartupImage>()

/** Lay down the start-up heap of `s.options` in the fresh `s`: a copy of the one built before, else built (and kept). */
export function startUp(s: GcState, hiddenRoots: IntList): void {
  const key = imageKey(s.options)
  const image = images.get(key)
  if (image !== undefined) {
    restore(s, hiddenRoots, image)
    return
  }
  layDownStartupHeap(s, s.options.startup, hiddenRoots)
  if (images.size >= MAX_IMAGES) images.delete(images.keys().next().value as string)
  images.set(key, capture(s, hiddenRoots))
}

/** Forget every image (tests: the next manager builds its start-up heap). */
export function forgetStartupImages(): void {
  images.clear()
}

function imageKey(options: ResolvedOptions): string {
  return JSON.stringify(options)
}

function capture(s: GcState, hiddenRoots: IntList): StartupImage {
  return {
    memory: s.mem.image(),
    arenas: s.ac.state(),
    oldRawmallocedObjects: copyOfIntList(s.oldRawmallocedObjects),
    rawmallocedTotalSize: s.rawmallocedTotalSize,
    rawmallocedPeakSize: s.rawmallocedPeakSize,
    nextMajorCollectionInitial: s.nextMajorCollectionInitial,
    nextMajorCollectionThreshold: s.nextMajorCollectionThreshold,
    hiddenRoots: copyOfIntList(hiddenRoots),
  }
}

function restore(s: GcState, hiddenRoots: IntList, image: StartupImage): void {
  s.mem.restore(image.memory)
  s.ac.restore(image.arenas)
  copyIntListInto(s.oldRawmallocedObjects, image.oldRawmallocedObjects)
  s.rawmallocedTotalSize = image.rawmallocedTotalSize
  s.rawmallocedPeakSize = image.rawmallocedPeakSize
  s.nextMajorCollectionInitial = image.nextMajorCollectionInitial
  s.nextMajorCollectionThreshold = image.nextMajorCollectionThreshold
  copyIntListInto(hiddenRoots, image.hiddenRoots)
}
