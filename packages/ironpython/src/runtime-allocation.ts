/**
 * What the runtime allocates between the two collections of one gc.collect().
 *
 * IronPython's gc.collect() is PythonContext.Collect: twice GC.Collect(generation) +
 * GC.WaitForPendingFinalizers(), and between them FunctionCode.CleanFunctionCodes (for a
 * gen2 collect) and whatever the finalizers ran. How much is not measured; 352 bytes is what
 * one GC.GetGCMemoryInfo record costs on .NET 10 (benchmarks/oracles/clr/probes/BudgetProbe
 * `gcinfo-bytes`), which the .NET oracle used to allocate there. The oracle now reads its GC
 * figures without allocating and allocates one 352-byte object between the two collections
 * instead, standing for the runtime's allocation as this constant does.
 *
 * Its size hardly matters, that it is not zero does: gc.cpp `linear_allocation_model` blends
 * the computed budget with the previous one only when the spent fraction of the budget is
 * strictly above 0. With nothing allocated between them, the second GC.Collect() sets gen0's
 * budget to what its few survivors ask for (the minimum); with 40 bytes allocated between, it
 * keeps the budget the first left (1,111,224 bytes of allocation to the next gen0 GC against
 * 261,144 with none, BUDGETS.md#two-collects). 352 bytes of a 1 MB budget move it by 0.03%.
 */
import type { ClrHeap } from './heap.js'

/** Bytes charged to gen0 between the two collections of gc.collect() (the oracle's GCMemoryInfo). */
export const RUNTIME_BYTES_BETWEEN_COLLECTS = 352

/** The runtime's allocation between the two collections: spent from gen0's budget, dead by the next. */
export function allocateBetweenCollects(h: ClrHeap): void {
  h.newAllocation[0] -= RUNTIME_BYTES_BETWEEN_COLLECTS
  h.runtimeGarbageBytes += RUNTIME_BYTES_BETWEEN_COLLECTS
}
