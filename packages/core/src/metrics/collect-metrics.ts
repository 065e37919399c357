/**
 * collectMetrics: run a program on a manager and build its RunMetrics from the manager's
 * events and final stats. It is the one place every figure of a result comes from, so that
 * every manager is measured the same way:
 *
 *  - counts, bytes, work, virtual time: the manager's stats() at the end of the run;
 *  - pauses (virtual) and the per-collection records: `gc-end` events;
 *  - finalizer, weakref, collect-call and gc-control lists: their events;
 *  - the timeline: stats() sampled by an op-counting Mutator wrapped around the manager;
 *  - promptness (options.promptness): the reachability oracle (withOracle) dates each object's
 *    death; each `free` event gives the delay in ops and in bytes allocated in between.
 *
 * Everything but `wall` is deterministic. Event lists and collection records are capped at
 * `maxRecords` each (default 10,000), with `truncated` set when a cap cut something; counts
 * and distributions always cover every event.
 */
import { PygcError } from '../errors.js'
import { withOracle } from '../oracle/with-oracle.js'
import type { CollectionRecord, RunMetrics } from '../run-metrics.js'
import type { GcEventType, MemoryManager, Mutator } from '../types.js'
import { SampleBuffer, summarize } from './distribution.js'
import { OpCounter } from './op-counter.js'
import { TimelineSampler } from './timeline.js'

export interface CollectMetricsOptions {
  /** Sample the timeline every this many ops (default: adaptive, 500 to 1000 samples). */
  timelineEvery?: number
  /** Run the reachability oracle and measure promptness (slower: a mirror of the whole graph). */
  promptness?: boolean
  /**
   * The oracle's minimum full-reachability check interval in ops (default 1000); the oracle
   * widens it to the reachable object count so checks stay linear in the run. It bounds how
   * late a cyclic object's death op can be dated; metrics report the widest interval used.
   */
  promptnessCheckEvery?: number
  /** Cap of each event list and of the collection records (default 10,000). */
  maxRecords?: number
  /** Called every 2^20 ops with the op count, for a progress display (not part of the metrics). */
  onProgress?: (ops: number) => void
}

/** onProgress fires when the op count is a multiple of this (a power of two: one AND per op). */
const PROGRESS_MASK = (1 << 20) - 1

const DEFAULT_MAX_RECORDS = 10_000
/** Per-collection and semantic events only: alloc/free (one per object) are left unbuilt. */
const COLLECTED_EVENTS: readonly GcEventType[] = [
  'gc-start',
  'gc-end',
  'finalize',
  'weakref-clear',
  'weakref-callback',
  'collect-call',
  'gc-control',
]
/** Oracle check interval: small enough that cyclic delays are meaningful, large enough that checks stay a small share of the run. */
const DEFAULT_PROMPTNESS_CHECK_EVERY = 1000

export function collectMetrics(
  manager: MemoryManager,
  program: (m: Mutator) => void,
  options: CollectMetricsOptions = {},
): { metrics: RunMetrics } {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS
  const every = options.timelineEvery
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new PygcError('INVALID_OPTION', `timelineEvery must be an integer >= 1, got ${every}`, {
      timelineEvery: every,
    })
  }
  if (!(Number.isInteger(maxRecords) && maxRecords >= 0)) {
    throw new PygcError('INVALID_OPTION', `maxRecords must be an integer >= 0, got ${maxRecords}`, {
      maxRecords,
    })
  }
  const checkEvery = options.promptnessCheckEvery ?? DEFAULT_PROMPTNESS_CHECK_EVERY
  const info = manager.info
  let truncated = false
  const keep = <T>(list: T[], item: T): void => {
    if (list.length < maxRecords) list.push(item)
    else truncated = true
  }

  const pauses = new SampleBuffer()
  const pausesWall = new SampleBuffer()
  const gcs: CollectionRecord[] = []
  const finalizerEvents: RunMetrics['finalizers']['events'] = []
  const clearEvents: RunMetrics['weakrefs']['clearEvents'] = []
  const callbackEvents: RunMetrics['weakrefs']['callbackEvents'] = []
  const collectCalls: RunMetrics['collectCalls'] = []
  const gcControls: RunMetrics['gcControls'] = []
  let finalizers = 0
  let callbacks = 0

  // Promptness: the oracle tee goes between the program and the manager.
  const delaysOps = new SampleBuffer()
  const delaysBytes = new SampleBuffer()
  let exactDeaths = 0
  const tee = options.promptness
    ? withOracle(manager, {
        checkEvery,
        onFree: (id, op, bytes) => {
          const oracle = tee?.oracle
          if (oracle === undefined || !(oracle.deathOpOf(id) >= 0)) return
          delaysOps.push(op - oracle.deathOpOf(id))
          delaysBytes.push(bytes - oracle.deathBytesOf(id))
          if (oracle.isExactDeath(id)) exactDeaths++
        },
      })
    : undefined

  const off = manager.on((e) => {
    switch (e.type) {
      case 'gc-end':
        pauses.push(e.pauseVirtual)
        pausesWall.push(e.pauseWallMs)
        keep(gcs, {
          index: pauses.length - 1,
          op: e.op,
          generation: e.generation,
          kind: info.generations[e.generation] ?? String(e.generation),
          reason: e.reason,
          pauseVirtual: e.pauseVirtual,
          freedObjects: e.freedObjects,
          freedBytes: e.freedBytes,
          liveBytesAfter: e.liveBytesAfter,
          footprintAfter: e.footprintAfter,
          promotedBytes: e.promotedBytes,
          copiedBytes: e.copiedBytes,
          compacted: e.compacted,
          spaces: e.spaces,
        })
        break
      case 'finalize':
        finalizers++
        keep(finalizerEvents, { op: e.op, id: e.id, typeId: e.typeId, resurrected: e.resurrected })
        break
      case 'weakref-clear':
        keep(clearEvents, { op: e.op, weakId: e.weakId, targetId: e.targetId })
        break
      case 'weakref-callback':
        callbacks++
        keep(callbackEvents, { op: e.op, weakId: e.weakId, tag: e.tag })
        break
      case 'collect-call':
        keep(collectCalls, { op: e.op, generation: e.generation, result: e.result })
        break
      case 'gc-control':
        keep(gcControls, { op: e.op, action: e.action, supported: e.supported })
        break
    }
  }, COLLECTED_EVENTS)

  const timeline = new TimelineSampler(manager, every, maxRecords)
  const onProgress = options.onProgress
  // Two closures rather than one with a branch: a run without a progress display pays nothing.
  const tick =
    onProgress === undefined
      ? (ops: number) => timeline.tick(ops)
      : (ops: number) => {
          timeline.tick(ops)
          if ((ops & PROGRESS_MASK) === 0) onProgress(ops)
        }
  const counter = new OpCounter(tee ? tee.mutator : manager, tick)
  const started = performance.now()
  try {
    program(counter)
    tee?.flush()
  } finally {
    off()
    tee?.detach()
  }
  const totalMs = performance.now() - started
  timeline.finish(counter.ops)
  if (timeline.truncated) truncated = true

  const s = manager.stats()
  const collections: Record<string, number> = {}
  info.generations.forEach((name, i) => {
    collections[name] = s.collections[i] ?? 0
  })
  const total = s.virtualTime.mutator + s.virtualTime.gc
  const metrics: RunMetrics = {
    runtime: {
      family: info.family,
      preset: info.preset,
      description: info.description,
      generations: [...info.generations],
      sizeMode: info.sizeMode,
      moving: info.moving,
      idKind: info.idKind,
      ...(info.incremental === true ? { incremental: true } : {}),
    },
    ops: s.ops,
    objectsAllocated: s.objectsAllocated,
    bytesAllocated: s.bytesAllocated,
    peakLiveBytes: s.peakLiveBytes,
    finalLiveBytes: s.liveBytes,
    peakFootprintBytes: s.peakFootprintBytes,
    finalFootprintBytes: s.footprintBytes,
    fragmentation: s.peakLiveBytes > 0 ? s.peakFootprintBytes / s.peakLiveBytes : 0,
    collections,
    collectionReasons: { ...s.collectionReasons },
    finalLiveObjects: s.liveObjects,
    freed: { refcount: s.freedByRefcount, cycle: s.freedByCycle, tracing: s.freedByTracing },
    freedBytes: {
      refcount: s.freedBytesByRefcount,
      cycle: s.freedBytesByCycle,
      tracing: s.freedBytesByTracing,
    },
    work: { ...s.work },
    virtualTime: {
      mutator: s.virtualTime.mutator,
      gc: s.virtualTime.gc,
      total,
      gcShare: total > 0 ? s.virtualTime.gc / total : 0,
    },
    pauses: summarize(pauses.values()),
    finalizers: { count: finalizers, events: finalizerEvents },
    weakrefs: { cleared: s.weakrefsCleared, callbacks, clearEvents, callbackEvents },
    collectCalls,
    gcControls,
    gcs,
    truncated,
    timeline: { everyOps: timeline.every, samples: timeline.samples },
    wall: { totalMs, gcMs: s.wallGcMs, pausesMs: summarize(pausesWall.values()) },
  }
  if (tee) {
    const oracle = tee.oracle
    const reachable = oracle.reachableIds()
    let neverReclaimed = 0
    for (let id = 0; id < oracle.objectCount; id++) {
      // NaN death ops mark ids the manager never handed out.
      if (reachable[id] === 0 && !oracle.wasFreed(id) && !Number.isNaN(oracle.deathOpOf(id))) neverReclaimed++
    }
    metrics.promptness = {
      objects: delaysOps.length,
      exact: exactDeaths,
      checkInterval: Math.max(checkEvery, oracle.maxCheckInterval),
      ops: summarize(delaysOps.values()),
      bytes: summarize(delaysBytes.values()),
      neverReclaimed,
    }
  }
  return { metrics }
}
