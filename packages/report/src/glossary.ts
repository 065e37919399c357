/**
 * What the report's words mean: every metric row, what it means on each runtime family, the
 * cost model's units, and one colour per collection kind. The per-runtime data here (keyed by
 * runtime family, like FOOTPRINT_MEANING in metric-rows.ts) belongs to the runtime registry
 * when there is one (issue 10): it is kept in this ONE module so it can move there whole. A
 * family that has no entry (a runtime added later) simply shows no per-runtime note.
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

/** What a row means on one runtime family, where that differs from the general meaning. */
export const RUNTIME_MEANING: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  cpython: {
    collections: 'Cycle collections (gen0, gen1, gen2); refcount frees are not collections.',
    pauses: 'Each cycle collection stops the program; refcount frees happen inline.',
    peak_footprint_bytes: 'pymalloc arenas (1 MiB each) plus large blocks from malloc.',
    freed_tracing: 'Never: CPython has no tracing collector.',
    marked: 'Objects move_unreachable found reachable in the collected generations.',
    bytes_copied: 'Never: CPython does not move objects.',
    bytes_promoted: 'Bytes of survivors merged into the next generation’s list.',
    refcount_ops: 'Py_INCREF / Py_DECREF calls.',
    barrier_ops: 'None: refcounting needs no write barrier.',
    finalizers_run: '__del__ / tp_finalize, run as soon as the object dies.',
  },
  jython: {
    collections: 'HotSpot Serial GC: young (copying scavenge of eden + survivor) and full (mark-compact).',
    pauses: 'Every young and full collection is stop-the-world.',
    peak_footprint_bytes: 'The committed JVM heap: eden, two survivor spaces and the old generation.',
    freed_refcount: 'Never: the JVM has no reference counts.',
    bytes_copied: 'Bytes the scavenger copied into a survivor space or the old generation.',
    bytes_compacted: 'Bytes the full collection’s mark-compact slid.',
    cards_scanned: 'Old-generation cards scanned for references into the young generation.',
    barrier_ops: 'Card-marking post-write barriers.',
    finalizers_run: 'finalize(), run by the finalizer thread after a collection queued the object.',
  },
  ironpython: {
    collections: 'CLR workstation GC: gen0 and gen1 (ephemeral) and gen2 (full), with the large object heap.',
    pauses: 'Every collection is blocking (workstation, non-concurrent).',
    peak_footprint_bytes: 'The extent of the small- and large-object heaps.',
    freed_refcount: 'Never: the CLR has no reference counts.',
    bytes_promoted: 'Bytes of survivors promoted to the next generation.',
    bytes_compacted: 'Bytes a compacting collection moved (the CLR compacts or sweeps per GC).',
    cards_scanned: 'Cards of older generations scanned for references into the ephemeral ones.',
    barrier_ops: 'Card-marking write barriers.',
    finalizers_run: 'Finalizers (~T()) run by the finalizer thread from the f-reachable queue.',
  },
  baseline: {
    collections: 'Full mark-sweep collections (a plain tracing baseline, not a Python runtime).',
    peak_footprint_bytes: 'The heap frontier.',
  },
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
