/**
 * What the report's words mean: every metric row, the cost model's units, and one colour per
 * collection kind. What a row means on one runtime is that runtime's data (its descriptor's
 * `meanings`, passed in as RuntimeStyles: runtime-styles.ts).
 */

/** What each metric row (METRIC_ROWS key) measures, the same on every runtime. */
export const METRIC_MEANING: Readonly<Record<string, string>> = {
  collections: 'Collections of any kind, gc.collect() calls included.',
  collections_by_kind: 'Collections per kind (generation), named as the runtime names them.',
  pauses: 'Stop-the-world pauses: one per collection.',
  pause_total: 'Sum of all pauses, virtual time.',
  pause_p50: 'Median pause (nearest rank), virtual time.',
  pause_p95: '95th-percentile pause (nearest rank), virtual time.',
  pause_p99: '99th-percentile pause (nearest rank), virtual time.',
  pause_max: 'Longest pause, virtual time.',
  gc_share: 'GC time / total time (virtual).',
  mutator_time: 'Virtual time of the program outside collections: ops, allocation, refcounting, barriers.',
  gc_time: 'Virtual time inside collections (the sum of the pauses).',
  total_time: 'Mutator time + GC time.',
  ops: 'Operations of the workload program (alloc, load, store, ...): the same on every runtime.',
  objects_allocated: 'Objects allocated (weak reference objects included).',
  bytes_allocated: 'Modeled bytes allocated: the real 64-bit runtime’s object sizes.',
  peak_live_bytes: 'Most bytes held by objects not yet reclaimed, at any op.',
  final_live_bytes: 'Bytes held by objects not yet reclaimed at the end of the run.',
  peak_footprint_bytes: 'Most memory the runtime held for its heap, at any op.',
  final_footprint_bytes: 'Memory the runtime held for its heap at the end of the run.',
  fragmentation: 'Peak footprint / peak live bytes: 1 means no overhead.',
  freed_refcount: 'Objects freed the moment their reference count dropped to zero.',
  freed_cycle: 'Objects freed by a cycle collection (unreachable reference cycles).',
  freed_tracing: 'Objects reclaimed by a tracing collection.',
  marked: 'Objects a collection found live (marked or visited).',
  refs_scanned: 'Reference fields a collection examined.',
  bytes_copied: 'Bytes a copying collection moved (evacuation).',
  bytes_promoted: 'Bytes moved to an older generation.',
  bytes_compacted: 'Bytes a compacting collection slid.',
  objects_swept: 'Objects a sweep visited.',
  cards_scanned: 'Card-table cards a young collection scanned for old-to-young references.',
  refcount_ops: 'Reference-count increments and decrements (mutator work).',
  barrier_ops: 'Write-barrier executions (mutator work).',
  finalizers_run: 'Finalizers (__del__, finalize(), ~T()) that ran.',
  weakrefs_cleared: 'Weak references cleared because their target died.',
  weakref_callbacks: 'Weak-reference callbacks that ran.',
  promptness_objects: 'Reclaimed objects whose death the reachability oracle dated (--promptness).',
  promptness_ops_p50: 'Median ops from unreachable to reclaimed.',
  promptness_ops_p99: '99th-percentile ops from unreachable to reclaimed.',
  peak_awaiting:
    'Most objects unreachable and not yet reclaimed at one time (--promptness): garbage awaiting its collection, an upper bound within the oracle check interval.',
  promptness_bytes_p50: 'Median bytes allocated between unreachable and reclaimed.',
  never_reclaimed: 'Objects unreachable at the end and still not reclaimed.',
  wall_ms: 'Host wall-clock time of the run: NOT deterministic, machine-dependent.',
  wall_gc_ms: 'Host wall-clock time inside collections: NOT deterministic.',
}

/** The cost model's units (packages/core/src/cost-model.ts CostModel), in virtual ns each. */
export const COST_MEANING: Readonly<Record<string, string>> = {
  op: 'any mutator op: decode, slot checks, the op itself',
  allocObject: 'one allocation (header write, free-list pop or bump)',
  allocByte: 'per allocated byte (zeroing)',
  refcountOp: 'one reference-count increment or decrement',
  barrierOp: 'one write-barrier execution (card mark or remembered check)',
  gcFixed: 'fixed cost of a collection (safepoint, root setup, bookkeeping)',
  markObject: 'marking one object (a likely cache miss)',
  scanRef: 'examining one reference field',
  copyByte: 'copying one byte (evacuation)',
  compactByte: 'sliding one byte (compaction)',
  sweepObject: 'visiting one object in a sweep',
  cardScan: 'scanning one card',
  freeObject: 'freeing one object (refcount dealloc or free-list insertion)',
  finalizer: 'running one finalizer',
}

/**
 * One colour per collection kind, the same in every chart and table. Kinds of the same role
 * share a hue family: the youngest (gen0, young) green, the middle (gen1) amber, the oldest or
 * full (gen2, full) red; anything else gets a fallback by its name, so a kind keeps its colour.
 */
const KIND_COLORS: Readonly<Record<string, string>> = {
  gen0: '#16a34a',
  young: '#0d9488',
  gen1: '#d97706',
  gen2: '#dc2626',
  full: '#9f1239',
  loh: '#7c3aed',
}
const FALLBACK_KIND_COLORS = ['#2563eb', '#0891b2', '#65a30d', '#c026d3', '#57534e']

export function kindColor(kind: string): string {
  if (Object.hasOwn(KIND_COLORS, kind)) return KIND_COLORS[kind]
  let hash = 0
  for (let i = 0; i < kind.length; i++) hash = (hash * 31 + kind.charCodeAt(i)) >>> 0
  return FALLBACK_KIND_COLORS[hash % FALLBACK_KIND_COLORS.length]
}
