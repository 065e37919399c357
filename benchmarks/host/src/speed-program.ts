/**
 * What a row of the speed table runs: binary-trees on a fresh manager of one runtime. The
 * all-in-one table loads this module once per runtime (@pygc/bench runtimeInstance), so each
 * runtime drives its manager from its own copy of the workload and of everything below it: V8
 * keeps feedback per function instance, and one copy driving five manager classes leaves every
 * call site from the program to the manager megamorphic (nothing inlined), 1.1-2x slower than
 * the model alone in a process (measured: host-bench.ts ownProcessSample).
 */
import { RUNTIMES } from '@pygc/bench'
import { type MemoryManager, Rng } from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'

export const SEED = 1

function create(runtime: string): MemoryManager {
  const descriptor = RUNTIMES.find((r) => r.name === runtime)
  if (descriptor === undefined) throw new Error(`no runtime named ${runtime}`)
  return descriptor.create()
}

/** One run, with the manager's op and allocation counts and the program's check. */
export function runOnce(
  runtime: string,
  params: Record<string, number>,
): { ops: number; allocations: number; check: number } {
  const m = create(runtime)
  const { check } = binaryTrees.run(m, params, new Rng(SEED))
  const s = m.stats()
  m.release?.()
  return { ops: s.ops, allocations: s.objectsAllocated, check }
}

/**
 * One timed run: a fresh manager, the program, and the manager released (its host memory may
 * go to the next run's manager, as V8 keeps its heap pages from one run to the next).
 */
export function timedRun(runtime: string, params: Record<string, number>): void {
  const m = create(runtime)
  binaryTrees.run(m, params, new Rng(SEED))
  m.release?.()
}
