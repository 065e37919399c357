/**
 * What every collection does the same way on every runtime, written once: the bookkeeping
 * around a collection (begin/end), and the accounting of every free and every finalizer run.
 * A manager's collector decides *what* to collect and does the work; this records *that* it
 * happened, from what actually happened, so the figures of all runtimes mean the same thing
 * and reconcile (see metrics/reconcile.ts):
 *
 *   bytes allocated = freed bytes (refcount + cycle + tracing) + live bytes, and objects alike;
 *   Σ per-collection freed bytes = bytes freed by the collector (cycle + tracing);
 *   Σ pauses = GC virtual time.
 *
 * The cycle, step by step:
 *  1. `begin(generation, reason)`: the `gc-start` event, a snapshot of the work counters and of
 *     the free counters (no allocation: the snapshot lives in preallocated fields).
 *  2. The collector works, counting its work in `stats.work` as it goes, and reports each object
 *     it reclaims with `freed(bytes, cause)` and each finalizer it runs with `finalized()`.
 *  3. `end(facts)`: the collection is counted under its generation and reason, its pause is
 *     priced by the cost model from the work it did (cost-model.ts pauseCost), and `gc-end`
 *     carries freed, promoted and moved bytes as deltas of the counters — never as figures a
 *     manager computes on the side.
 *
 * Where work is charged (the one rule, the same on every runtime): a unit of work done while a
 * collection is open is part of that collection's pause; done outside any collection it is
 * mutator time. So a `__del__` that CPython runs when a reference count drops to zero, and a
 * finalizer that the JVM's or the CLR's finalizer thread runs between collections, cost the
 * same `finalizer` price as mutator time; a finalizer CPython's cycle collector runs inside
 * gc_collect_main (Modules/gcmodule.c, finalize_garbage) is part of the pause. Likewise frees:
 * CPython pays a refcount dealloc inline (mutator), a sweep pays its frees in the pause.
 */
import { type CostModel, mutatorCost, pauseCost } from './cost-model.js'
import { PygcError } from './errors.js'
import type { EventHub } from './event-hub.js'
import type { ManagerStats, WorkCounters } from './types.js'

/** Why an object was reclaimed: a reference count that dropped to zero, a cycle collection, a tracing collection. */
export type FreeCause = 'refcount' | 'cycle' | 'tracing'

/** What only the collector knows at the end of a collection. */
export interface CollectionFacts {
  /** Whether the collection compacted (slid objects); a copying or sweeping one did not. */
  compacted: boolean
  /** Memory the runtime holds after the collection (stats().footprintBytes). */
  footprintAfter: number
  /** Space sizes after the collection, for the event (same keys as stats().spaces); only called when someone listens. */
  spaces: () => Record<string, number>
}

const WORK_KEYS: readonly (keyof WorkCounters)[] = [
  'marked',
  'refsScanned',
  'bytesCopied',
  'bytesCompacted',
  'bytesPromoted',
  'objectsSwept',
  'refcountOps',
  'barrierOps',
  'cardsScanned',
  'objectsFreed',
  'finalizersRun',
]

export class CollectionCycle {
  /** Frees and finalizers outside any collection: mutator time (see the rule above). */
  freesOutsideGc = 0
  finalizersOutsideGc = 0
  private open = false
  private generation = 0
  private reason = ''
  private startOp = 0
  private wallStart = 0
  private readonly workBefore: WorkCounters
  private freedObjectsBefore = 0
  private freedBytesBefore = 0
  /** Bytes freed by the collector (cycle + tracing) over the whole run. */
  private collectorFreedBytes = 0
  /** The runtime's own objects (not the program's) allocated so far: priced, never counted. */
  private runtimeObjects = 0
  private runtimeBytes = 0

  constructor(
    private readonly stats: ManagerStats,
    private readonly hub: EventHub,
    private readonly costs: CostModel,
  ) {
    this.workBefore = { ...stats.work }
  }

  /** True between begin() and end(). */
  get collecting(): boolean {
    return this.open
  }

  /**
   * Step 1. A collection of `generation` (an index of info.generations) starts at op `op` for
   * `reason`. Invariant after: the work and free counters are snapshotted; a cycle is open.
   */
  begin(generation: number, reason: string, op: number): void {
    if (this.open)
      throw new PygcError('INTERNAL', `a collection began while another (${this.reason}) was open`)
    this.open = true
    this.generation = generation
    this.reason = reason
    this.startOp = op
    const w = this.stats.work
    const b = this.workBefore
    for (let i = 0; i < WORK_KEYS.length; i++) b[WORK_KEYS[i]] = w[WORK_KEYS[i]]
    this.freedObjectsBefore = this.stats.freedByCycle + this.stats.freedByTracing
    this.freedBytesBefore = this.collectorFreedBytes
    this.wallStart = performance.now()
    if (this.hub.listening) this.hub.emit({ type: 'gc-start', op, generation, reason })
  }

  /**
   * An object of `bytes` modeled bytes was reclaimed. Invariant after: it no longer counts as
   * live, it counts once under its cause, and its free is priced in the open collection's pause
   * or, outside any collection, as mutator time. A collector's free (cycle, tracing) outside a
   * collection is a bug in the manager.
   */
  freed(bytes: number, cause: FreeCause): void {
    const s = this.stats
    s.liveObjects--
    s.liveBytes -= bytes
    s.work.objectsFreed++
    if (cause === 'refcount') {
      s.freedByRefcount++
      s.freedBytesByRefcount += bytes
    } else {
      if (!this.open) throw new PygcError('INTERNAL', `a ${cause} free outside a collection`)
      if (cause === 'cycle') {
        s.freedByCycle++
        s.freedBytesByCycle += bytes
      } else {
        s.freedByTracing++
        s.freedBytesByTracing += bytes
      }
      this.collectorFreedBytes += bytes
    }
    if (!this.open) this.freesOutsideGc++
  }

  /**
   * `objects` objects of `bytes` modeled bytes in all were reclaimed together, by a collector
   * that frees a space wholesale instead of visiting each dead object (a copying collector
   * resets eden and from-space after evacuating the survivors: HotSpot
   * DefNewGeneration::collect, `eden()->clear()`). Counted and priced exactly as that many
   * `freed` calls of `cause`; the manager reports per-object `free` events itself when asked.
   * Invariant after: as after that many `freed` calls.
   */
  freedMany(objects: number, bytes: number, cause: 'cycle' | 'tracing'): void {
    if (!this.open) throw new PygcError('INTERNAL', `a ${cause} free outside a collection`)
    const s = this.stats
    s.liveObjects -= objects
    s.liveBytes -= bytes
    s.work.objectsFreed += objects
    if (cause === 'cycle') {
      s.freedByCycle += objects
      s.freedBytesByCycle += bytes
    } else {
      s.freedByTracing += objects
      s.freedBytesByTracing += bytes
    }
    this.collectorFreedBytes += bytes
  }

  /**
   * `objects` objects of `bytes` modeled bytes in all died of their reference counts, counted
   * together by a manager that keeps its op loop's deaths in a running tally and adds them
   * before anything reads the figures (CPython: gc-state.ts settleFrees). Invariant after: as
   * after that many `freed(…, 'refcount')` calls made now.
   */
  refcountFreedMany(objects: number, bytes: number): void {
    const s = this.stats
    s.liveObjects -= objects
    s.liveBytes -= bytes
    s.work.objectsFreed += objects
    s.freedByRefcount += objects
    s.freedBytesByRefcount += bytes
    if (!this.open) this.freesOutsideGc += objects
  }

  /** A finalizer ran. Invariant after: counted once, priced in the open pause or as mutator time. */
  finalized(): void {
    this.stats.work.finalizersRun++
    if (!this.open) this.finalizersOutsideGc++
  }

  /**
   * Step 3. The open collection ends at op `op`. Invariant after: it is counted under its
   * generation and reason, its pause (priced from the work done since begin) is added to GC
   * virtual time, and `gc-end` reported it. Returns the pause in virtual ns.
   */
  end(op: number, facts: CollectionFacts): number {
    if (!this.open) throw new PygcError('INTERNAL', 'a collection ended that had not begun')
    const s = this.stats
    const before = this.workBefore
    const pause = pauseCost(before, s.work, this.costs)
    s.virtualTime.gc += pause
    s.collections[this.generation]++
    s.collectionReasons[this.reason] = (s.collectionReasons[this.reason] ?? 0) + 1
    const wall = performance.now() - this.wallStart
    s.wallGcMs += wall
    this.open = false
    if (this.hub.listening) {
      this.hub.emit({
        type: 'gc-end',
        op,
        generation: this.generation,
        reason: this.reason,
        pauseVirtual: pause,
        pauseWallMs: wall,
        freedObjects: s.freedByCycle + s.freedByTracing - this.freedObjectsBefore,
        freedBytes: this.collectorFreedBytes - this.freedBytesBefore,
        liveBytesAfter: s.liveBytes,
        footprintAfter: facts.footprintAfter,
        promotedBytes: s.work.bytesPromoted - before.bytesPromoted,
        copiedBytes:
          s.work.bytesCopied - before.bytesCopied + (s.work.bytesCompacted - before.bytesCompacted),
        compacted: facts.compacted,
        spaces: facts.spaces(),
      })
    }
    return pause
  }

  /** The op the open collection began at (for managers that log it). */
  get beganAtOp(): number {
    return this.startOp
  }

  /**
   * The runtime made an object of its own for the program (IronPython's WeakRefTracker). It takes
   * heap space and its allocation is priced as mutator time, but it is not one of the program's
   * objects: allocated, live and freed figures, and events, count the program's objects only, so
   * they mean the same on every runtime (PyPy keeps its int boxes out the same way).
   */
  runtimeAllocated(bytes: number): void {
    this.runtimeObjects++
    this.runtimeBytes += bytes
  }

  /** A runtime object (see runtimeAllocated) was reclaimed: collector work, not a program free. */
  runtimeFreed(): void {
    if (!this.open) throw new PygcError('INTERNAL', 'a runtime object freed outside a collection')
    this.stats.work.objectsFreed++
  }

  /**
   * Mutator virtual time from the whole-run counters: ops, allocation (the runtime's own objects
   * included), refcount and barrier work, and the frees and finalizers that ran outside any
   * collection.
   */
  mutatorTime(): number {
    const s = this.stats
    const allocated =
      this.runtimeObjects === 0
        ? s
        : {
            ops: s.ops,
            objectsAllocated: s.objectsAllocated + this.runtimeObjects,
            bytesAllocated: s.bytesAllocated + this.runtimeBytes,
          }
    return (
      mutatorCost(allocated, s.work, this.freesOutsideGc, this.costs) +
      this.finalizersOutsideGc * this.costs.finalizer
    )
  }
}
