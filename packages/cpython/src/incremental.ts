/**
 * CPython 3.14.0-3.14.4's incremental cycle collector (Python/gc.c of the 3.14.0 line), beside
 * the generational one of collector.ts. Facts and sources: packages/cpython/VERSIONS.md
 * section 4a (python/cpython Python/gc.c at ca21a0a1, by function; line numbers are those of the
 * same code in the 3.15.0a5 copy where unchanged). Not validated: no 3.14 interpreter here.
 *
 * The heap is split into a young generation, two old spaces and the permanent generation. One
 * old space is the *visited* one (old[visitedSpace]), the other the *pending* one. Every
 * automatic collection is one increment: young, plus as much of the pending space as the
 * increment's budget (work_to_do, from assess_work_to_do) allows, taken a whole transitive
 * closure at a time, is collected; survivors join the visited space. When the pending space is
 * empty the scavenge is complete: the spaces swap (completed_scavenge) and the next increment
 * first marks everything reachable from the roots into the visited space (the MARK phase).
 *
 * The model keeps each space as a list head of the object table: young = GEN0, old[0] = GEN1,
 * old[1] = GEN2, the increment being built = INCREMENT. An object's "old space bit" is which
 * list it is in (heap.where).
 */

import { GEN0, GEN1, INCREMENT, type ObjectHeap, PERMANENT } from './heap.js'
import { Kind } from './layout.js'

/**
 * gc.get_threshold() of 3.14.0: (young.threshold, old[0].threshold, 0) = (2000, 10, 0)
 * (3.15.0a5 Include/internal/pycore_runtime_init.h:137-140; Modules/gcmodule.c:178-186).
 */
export const INCREMENTAL_THRESHOLDS: readonly [number, number, number] = [2000, 10, 0]

/**
 * The interpreter's initial work_to_do: `.work_to_do = -5000` in the 3.14-era
 * Include/internal/pycore_runtime_init.h _PyInterpreterState_INIT (`.gc`, next to the
 * thresholds), so the first increments after start-up take no pending objects.
 */
export const INITIAL_WORK_TO_DO = -5000

/** Python/gc.c SCAN_RATE_DIVISOR (3.15.0a5 :1365). */
export const SCAN_RATE_DIVISOR = 10

/**
 * assess_work_to_do (3.14.0): the new objects since the last increment plus a fraction of the
 * heap, `heap_size / SCAN_RATE_DIVISOR / max(2, old[0].threshold)` (C integer division), capped
 * at `new * 3 / 2`. The caller then sets young.count = 0.
 */
export function assessWorkToDo(youngCount: number, heapSize: number, old0Threshold: number): number {
  const scale = Math.max(2, old0Threshold)
  const maxHeapFraction = Math.trunc((youngCount * 3) / 2)
  const heapFraction = Math.min(Math.trunc(Math.trunc(heapSize / SCAN_RATE_DIVISOR) / scale), maxHeapFraction)
  return youngCount + heapFraction
}

/** The work added back after an increment: `heap_size / SCAN_RATE_DIVISOR / scale` (3.14.0 gc_collect_increment). */
export function incrementCredit(heapSize: number, old0Threshold: number): number {
  return Math.trunc(Math.trunc(heapSize / SCAN_RATE_DIVISOR) / Math.max(2, old0Threshold))
}

export const Phase = { Mark: 0, Collect: 1 } as const
export type Phase = (typeof Phase)[keyof typeof Phase]

/** What one call of the collector did, for gc.get_stats() and the events. */
export interface IncrementResult {
  collected: number
  uncollectable: number
  /** add_stats ran (the MARK step of gc_collect_increment returns before it). */
  counted: boolean
  /** Objects in the collected region (the increment's size). */
  size: number
}

/** What the incremental collector needs of the manager and the generational collector. */
export interface IncrementalHost {
  readonly heap: ObjectHeap
  /** young.count (generation 0's count of the manager). */
  youngCount(): number
  resetYoungCount(): void
  /** The root slots' objects (globals, then frames' locals), and where the frames start. */
  rootValues(): { values: ArrayLike<number>; frameBase: number; top: number }
  /** old[0].threshold (gc.set_threshold's second value): the scale of the heap fraction. */
  old0Threshold(): number
  /** gc_collect_region: collect the list `region`; survivors are appended to `survivors`. */
  collectRegion(region: number, survivors: number): [number, number]
  untrackTuples(head: number): void
  clearFreeLists(): void
  /** Objects marked (work counter). */
  noteMarked(n: number): void
}

export class IncrementalCollector {
  /** old[visitedSpace] is the visited space, old[visitedSpace ^ 1] the pending one. */
  visitedSpace = 0
  phase: Phase = Phase.Mark
  workToDo = INITIAL_WORK_TO_DO
  /** old[0].count, old[1].count (gc.get_count() reports visited then pending). */
  readonly oldCount = [0, 0]
  private readonly stack: number[] = []

  constructor(private readonly host: IncrementalHost) {}

  get visitedHead(): number {
    return GEN1 + this.visitedSpace
  }

  get pendingHead(): number {
    return GEN1 + (this.visitedSpace ^ 1)
  }

  /**
   * heap_size: GC objects alive. Modeled as the tracked ones (young, both old spaces, permanent);
   * the real counter also counts allocated-but-untracked objects (tuples of atoms).
   */
  heapSize(): number {
    const heap = this.host.heap
    return heap.listCount[GEN0] + heap.listCount[GEN1] + heap.listCount[GEN1 + 1] + heap.listCount[PERMANENT]
  }

  /** gc.get_count(): (young.count, old[visited].count, old[pending].count) (3.15.0a5 Modules/gcmodule.c:195-213). */
  counts(): [number, number, number] {
    return [this.host.youngCount(), this.oldCount[this.visitedSpace], this.oldCount[this.visitedSpace ^ 1]]
  }

  /** gc_collect_young (gc.collect(0); 3.15.0a5 gc.c:1378-1395). */
  collectYoung(): IncrementResult {
    const { heap } = this.host
    this.host.untrackTuples(GEN0)
    const size = heap.listCount[GEN0]
    heap.listMerge(GEN0, INCREMENT)
    const [collected, uncollectable] = this.host.collectRegion(INCREMENT, this.visitedHead)
    this.host.resetYoungCount()
    this.oldCount[this.visitedSpace]++
    return { collected, uncollectable, counted: true, size }
  }

  /**
   * gc_collect_increment (3.14.0; the automatic collection and gc.collect(1)): the MARK step
   * after a completed scavenge, else one increment of young plus pending objects.
   */
  collectIncrement(): IncrementResult {
    const { heap } = this.host
    this.workToDo += assessWorkToDo(this.host.youngCount(), this.heapSize(), this.host.old0Threshold())
    this.host.resetYoungCount()
    this.host.untrackTuples(GEN0)
    if (this.phase === Phase.Mark) {
      // mark_at_start: counted twice against work_to_do (in mark_at_start and by its caller).
      const marked = this.markAtStart()
      this.workToDo -= 2 * marked
      this.phase = Phase.Collect
      return { collected: 0, uncollectable: 0, counted: false, size: 0 }
    }
    this.workToDo -= this.markStacks()
    heap.listMerge(GEN0, INCREMENT)
    let size = heap.listCount[INCREMENT]
    const pending = this.pendingHead
    while (size < this.workToDo && !heap.listIsEmpty(pending)) {
      size += this.expandRegionTransitivelyReachable(heap.gcNext[pending])
    }
    const [collected, uncollectable] = this.host.collectRegion(INCREMENT, this.visitedHead)
    this.workToDo += incrementCredit(this.heapSize(), this.host.old0Threshold())
    this.workToDo -= size
    if (heap.listIsEmpty(this.pendingHead)) this.completedScavenge()
    return { collected, uncollectable, counted: true, size }
  }

  /** gc_collect_full (gc.collect(2); 3.15.0a5 gc.c:1717-1745). */
  collectFull(): IncrementResult {
    const { heap } = this.host
    this.host.untrackTuples(GEN0)
    heap.listMerge(GEN0, INCREMENT)
    heap.listMerge(this.pendingHead, INCREMENT)
    heap.listMerge(this.visitedHead, INCREMENT)
    const size = heap.listCount[INCREMENT]
    const [collected, uncollectable] = this.host.collectRegion(INCREMENT, this.visitedHead)
    this.host.resetYoungCount()
    this.oldCount[0] = 0
    this.oldCount[1] = 0
    this.completedScavenge()
    this.host.clearFreeLists()
    return { collected, uncollectable, counted: true, size }
  }

  /** gc.freeze() (_PyGC_Freeze, 3.15.0a5 gc.c:1990): young and both old spaces to the permanent generation. */
  freeze(): void {
    const { heap } = this.host
    heap.listMerge(GEN0, PERMANENT)
    heap.listMerge(GEN1, PERMANENT)
    heap.listMerge(GEN1 + 1, PERMANENT)
    this.host.resetYoungCount()
  }

  /**
   * completed_scavenge (3.15.0a5 gc.c:1466-1492): with the permanent generation empty the spaces
   * swap (the visited space becomes the next cycle's pending one); else the visited objects
   * move into the pending space. Then work_to_do = 0 and the next increment marks.
   */
  completedScavenge(): void {
    const { heap } = this.host
    if (heap.listIsEmpty(PERMANENT)) this.visitedSpace ^= 1
    else heap.listMerge(this.visitedHead, this.pendingHead)
    this.workToDo = 0
    this.phase = Phase.Mark
  }

  /**
   * mark_at_start (3.15.0a5 gc.c:1614-1625): everything reachable from the interpreter's roots
   * (mark_global_roots :1591: the interpreter's own objects, modeled as the starting state's
   * static objects, and the globals: module dicts hang off sys.modules) and from every frame
   * (mark_stacks(start = true) :1532) moves into the visited space. Returns the objects moved.
   */
  markAtStart(): number {
    const { heap } = this.host
    let marked = 0
    for (const head of [GEN0, GEN1, GEN1 + 1]) {
      for (let h = heap.gcNext[head]; h !== head; ) {
        const following = heap.gcNext[h]
        if (heap.kind[h] === Kind.Static) marked += this.markFrom(h)
        h = following
      }
    }
    const { values, top } = this.host.rootValues()
    for (let i = 0; i < top; i++) marked += this.markFrom(values[i])
    return marked
  }

  /**
   * mark_stacks(start = false) of the COLLECT phase: the frames' locals into the visited space.
   * The real one stops at the first frame already visited; the model's frames carry no such
   * flag, so it marks from every frame (what it moves would survive the increment anyway).
   */
  markStacks(): number {
    const { values, frameBase, top } = this.host.rootValues()
    let marked = 0
    for (let i = frameBase; i < top; i++) marked += this.markFrom(values[i])
    return marked
  }

  /** mark_all_reachable: `root` and every tracked object it reaches, not yet visited, into the visited space. */
  private markFrom(root: number): number {
    const { heap } = this.host
    const visited = this.visitedHead
    if (
      root === 0 ||
      heap.gcNext[root] === 0 ||
      heap.where[root] === visited ||
      heap.where[root] === PERMANENT
    )
      return 0
    const marked = this.moveTransitively(root, visited)
    this.host.noteMarked(marked)
    return marked
  }

  /**
   * expand_region_transitively_reachable (3.15.0a5 gc.c:1435-1463): `first` (a pending object)
   * and every tracked object it reaches that is not in the visited space join the increment,
   * so a cycle enters an increment whole. Returns how many joined.
   */
  private expandRegionTransitivelyReachable(first: number): number {
    return this.moveTransitively(first, INCREMENT)
  }

  /**
   * The walk mark_all_reachable and expand_region_transitively_reachable share: `first` and
   * every tracked object it reaches that is in none of the visited space, `dest` and the
   * permanent generation move to `dest` (weakrefs and statics are not traversed). Returns how
   * many moved, `first` included.
   */
  private moveTransitively(first: number, dest: number): number {
    const { heap } = this.host
    const visited = this.visitedHead
    const stack = this.stack
    heap.listMove(first, dest)
    stack.push(first)
    let moved = 1
    while (stack.length > 0) {
      const h = stack.pop() as number
      const kind = heap.kind[h]
      if (kind === Kind.Weakref || kind === Kind.Static) continue
      const base = heap.fieldBase[h]
      for (let i = 0; i < heap.nrefs[h]; i++) {
        const c = heap.fields[base + i]
        if (c === 0 || heap.gcNext[c] === 0) continue
        const where = heap.where[c]
        if (where === visited || where === dest || where === PERMANENT) continue
        heap.listMove(c, dest)
        stack.push(c)
        moved++
      }
    }
    return moved
  }
}
