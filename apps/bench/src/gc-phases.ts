/**
 * Each collection on the virtual clock, with its phases: what the trace-event export (Perfetto,
 * chrome://tracing) and the .NET-style GC log need beyond the metrics' CollectionRecords. It
 * listens for gc-start and gc-end and reads the manager's stats at both, so it sees the virtual
 * time the collection started at, the heap before and after, what was allocated since the last
 * collection, and the work counted in between. A pause is exactly gcFixed plus the cost model's
 * price of that work (core's pauseCost), so the phases below add up to the pause.
 */
import type { CostModel, ManagerStats, MemoryManager, WorkCounters } from '@pygc/core'

/** A phase of a collection and the counters that price it (packages/core/src/cost-model.ts). */
const PHASES: readonly { name: string; price: (d: WorkCounters, c: CostModel) => number }[] = [
  { name: 'setup (safepoint, roots)', price: (_d, c) => c.gcFixed },
  { name: 'scan cards', price: (d, c) => d.cardsScanned * c.cardScan },
  { name: 'mark', price: (d, c) => d.marked * c.markObject + d.refsScanned * c.scanRef },
  { name: 'copy', price: (d, c) => d.bytesCopied * c.copyByte },
  { name: 'compact', price: (d, c) => d.bytesCompacted * c.compactByte },
  { name: 'sweep', price: (d, c) => d.objectsSwept * c.sweepObject },
  { name: 'free', price: (d, c) => d.objectsFreed * c.freeObject },
  { name: 'finalizers', price: (d, c) => d.finalizersRun * c.finalizer },
]

export interface GcPhase {
  name: string
  /** Virtual ns. */
  ns: number
}

export interface GcOnClock {
  /** 0-based, like CollectionRecord.index. */
  index: number
  op: number
  generation: number
  reason: string
  /** Virtual ns since the run began (mutator + GC time) when the collection started. */
  startNs: number
  pauseNs: number
  /** Phases with a non-zero price, in the collector's usual order; they add up to pauseNs. */
  phases: GcPhase[]
  liveBefore: number
  footprintBefore: number
  liveAfter: number
  footprintAfter: number
  /** Bytes allocated since the previous collection ended (or the run began). */
  allocatedSince: number
}

function delta(after: WorkCounters, before: WorkCounters): WorkCounters {
  const d = { ...after }
  for (const k of Object.keys(d) as (keyof WorkCounters)[]) d[k] = after[k] - before[k]
  return d
}

export class GcPhaseRecorder {
  readonly collections: GcOnClock[] = []
  private start: ManagerStats | undefined
  private allocatedAtLastEnd = 0
  private readonly off: () => void

  constructor(
    private readonly manager: MemoryManager,
    private readonly costs: CostModel,
  ) {
    this.off = manager.on(
      (e) => {
        if (e.type === 'gc-start') this.start = manager.stats()
        else if (e.type === 'gc-end' && this.start !== undefined) {
          const before = this.start
          const after = manager.stats()
          const work = delta(after.work, before.work)
          this.collections.push({
            index: this.collections.length,
            op: e.op,
            generation: e.generation,
            reason: e.reason,
            startNs: before.virtualTime.mutator + before.virtualTime.gc,
            pauseNs: e.pauseVirtual,
            phases: PHASES.map((p) => ({ name: p.name, ns: p.price(work, this.costs) })).filter(
              (p) => p.ns > 0,
            ),
            liveBefore: before.liveBytes,
            footprintBefore: before.footprintBytes,
            liveAfter: e.liveBytesAfter,
            footprintAfter: e.footprintAfter,
            allocatedSince: before.bytesAllocated - this.allocatedAtLastEnd,
          })
          this.allocatedAtLastEnd = after.bytesAllocated
          this.start = undefined
        }
      },
      ['gc-start', 'gc-end'],
    )
  }

  /** Stop listening; the virtual time and heap at the end of the run. */
  finish(): { endNs: number; live: number; footprint: number } {
    this.off()
    const s = this.manager.stats()
    return { endNs: s.virtualTime.mutator + s.virtualTime.gc, live: s.liveBytes, footprint: s.footprintBytes }
  }
}
