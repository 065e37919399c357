/**
 * 3.14.0's incremental collector (incremental.ts) on the model's state: young is generation 0's
 * list and count, the old spaces are the GEN1/GEN2 lists, the regions are collected with the
 * generational collector's phases (collector.ts collectRegion, 3.13+ gc_collect_region).
 */
import { clearFreelists, collectRegion, untrackTuples } from './collector.js'
import type { GcState } from './gc-state.js'
import { IncrementalCollector } from './incremental.js'

export function incrementalCollectorOf(st: GcState): IncrementalCollector {
  return new IncrementalCollector({
    heap: st.heap,
    youngCount: () => st.count[0],
    resetYoungCount: () => {
      st.count[0] = 0
    },
    // Globals (module dicts, reached from sys.modules) first, then every frame's locals.
    rootValues: () => ({ values: st.roots.values, frameBase: st.roots.globalCount, top: st.roots.top }),
    old0Threshold: () => st.threshold[1],
    collectRegion: (region, survivors) => collectRegion(st, region, survivors),
    untrackTuples: (head) => untrackTuples(st, head),
    clearFreeLists: () => clearFreelists(st),
    noteMarked: (n) => {
      st.stats.work.marked += n
    },
  })
}
