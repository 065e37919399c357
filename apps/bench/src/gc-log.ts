/**
 * `--gc-log FILE`: one line per collection, in logfmt (key=value), like -Xlog:gc or
 * GC events in PerfView but for every runtime in one file. Virtual times, so deterministic.
 */
import type { RunMetrics } from '@pygc/core'

export function gcLogLines(workload: string, runtime: string, metrics: RunMetrics): string[] {
  return metrics.gcs.map(
    (g) =>
      `workload=${workload} runtime=${runtime} gc=${g.index} op=${g.op} kind=${g.kind} generation=${g.generation} ` +
      `reason=${JSON.stringify(g.reason)} pause_ns=${g.pauseVirtual} freed_objects=${g.freedObjects} ` +
      `freed_bytes=${g.freedBytes} live_after=${g.liveBytesAfter} footprint_after=${g.footprintAfter} ` +
      `promoted=${g.promotedBytes} copied=${g.copiedBytes} compacted=${g.compacted ? 1 : 0}`,
  )
}
