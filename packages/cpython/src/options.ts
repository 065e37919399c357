import type { ManagerOptions } from '@pygc/core'
import type { PymallocStartState } from './pymalloc-start.js'

/**
 * The state a real interpreter is in when a program starts: it is never empty. `pygc validate`
 * reads it from the real python3 (replay.py prints it) and starts the model from it, so that
 * both run the same program from the same collector state.
 */
export interface StartingState {
  /** gc.get_count() at the start. */
  counts?: readonly [number, number, number]
  /** Tracked objects of the interpreter's own already in generations 0, 1, 2 (len(gc.get_objects(g))). */
  generations?: readonly [number, number, number]
  /** Tracked objects frozen by gc.freeze() (gc.get_freeze_count()). */
  permanent?: number
  /** long_lived_total (default: generations[2], as right after a full collection). */
  longLivedTotal?: number
  longLivedPending?: number
  /** Entries already in the free lists: list (0..80), tuple by size (index 0 = size 1), dict (0..80). */
  freeLists?: { list?: number; tuple?: readonly number[]; dict?: number }
  /**
   * pymalloc as `sys._debugmallocstats()` reports it (default: empty, the model's start-up
   * objects in pools of their own). The generations' objects and free-list entries above are
   * counted in its blocks (pymalloc-start.ts).
   */
  pymalloc?: PymallocStartState
}

export interface CPythonOptions extends ManagerOptions {
  /**
   * The version modeled, one of versions.ts VERSION_POLICIES: 'cpython-3.11' (default, the
   * only one validated against a real interpreter), 'cpython-3.12', 'cpython-3.13'.
   */
  preset?: string
  /** gc.set_threshold at start (default: the preset's, 700, 10, 10 for 3.11 and 3.12, 2000, 10, 10 for 3.13). */
  thresholds?: readonly [number, number, number]
  start?: StartingState
}

/**
 * The heap limit when none is given, in modeled bytes of arenas and system memory: 2 GiB.
 * CPython itself has none (pymalloc and malloc take what the OS gives), so this is a model
 * policy: generous (every workload at its published size peaks far below it), yet a hostile
 * trace of a few huge allocations (24 lists of 2^24 items) fails with MemoryError instead of
 * taking the host's memory. `heapLimit` / `pygc run --heap-limit` overrides it.
 */
export const DEFAULT_HEAP_LIMIT = 2 * 1024 ** 3
