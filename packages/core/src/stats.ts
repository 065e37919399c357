import { emptyWork } from './cost-model.js'
import type { ManagerStats } from './types.js'

/** A zeroed ManagerStats for a manager with the given collection kinds. */
export function emptyStats(generations: readonly string[]): ManagerStats {
  const s: ManagerStats = {
    ops: 0,
    objectsAllocated: 0,
    bytesAllocated: 0,
    liveObjects: 0,
    liveBytes: 0,
    peakLiveBytes: 0,
    footprintBytes: 0,
    peakFootprintBytes: 0,
    collections: generations.map(() => 0),
    collectionReasons: {},
    freedByRefcount: 0,
    freedByCycle: 0,
    freedByTracing: 0,
    freedBytesByRefcount: 0,
    freedBytesByCycle: 0,
    freedBytesByTracing: 0,
    weakrefsCleared: 0,
    work: emptyWork(),
    virtualTime: { mutator: 0, gc: 0 },
    // A fraction first, so V8 gives the field its double representation at once: from 0 (a small
    // integer) the first collection's wall time would change it, and with it the hidden class of
    // every stats object, which the models' op loops then check at each use of their stats.
    wallGcMs: 0.5,
    spaces: {},
  }
  s.wallGcMs = 0
  return s
}

/**
 * Count `objects` new objects of `bytes` in all as allocated and live, and the live peak. For a
 * manager that adds its allocations in batches (before a collection frees anything and when its
 * figures are read): live bytes only grow between collections, so the peak seen at a batch is
 * the peak a per-allocation update would have seen.
 */
export function addAllocated(s: ManagerStats, objects: number, bytes: number): void {
  s.objectsAllocated += objects
  s.liveObjects += objects
  s.bytesAllocated += bytes
  s.liveBytes += bytes
  if (s.liveBytes > s.peakLiveBytes) s.peakLiveBytes = s.liveBytes
}

/** A deep copy, so a caller can keep a snapshot while the manager runs on. */
export function cloneStats(s: ManagerStats): ManagerStats {
  return {
    ...s,
    collections: [...s.collections],
    collectionReasons: { ...s.collectionReasons },
    work: { ...s.work },
    virtualTime: { ...s.virtualTime },
    spaces: { ...s.spaces },
  }
}
