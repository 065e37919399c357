/**
 * @pygc/ironpython — IronPython's memory manager: the CLR workstation GC (gen0/gen1/gen2 + LOH,
 * budgets, mark / plan / compact-or-sweep, cards, f-reachable finalization) on a typed-array heap.
 */

export type { BudgetHistory, StaticData } from './budgets.js'
export {
  budgetHistory,
  DEFAULT_L3_CACHE_BYTES,
  desiredNewAllocation,
  gen0BeginDataSize,
  gen0Budget,
  gen0BudgetFromCache,
  linearAllocationModel,
  staticDataTable,
  survToGrowth,
} from './budgets.js'
export type { GcRecord, GenerationInfo } from './collector.js'
export type { ObjectSize, SizeMode } from './layout.js'
export { clrSize, ironPythonSize, LARGE_OBJECT_SIZE, WEAKREF_TYPE, weakrefSize } from './layout.js'
export type { FinalizerDrain, IronPythonOptions } from './manager.js'
export { IRONPYTHON_PRESETS, IronPythonManager } from './manager.js'
export type { ClrGcView, GcCollectionMode, IronPythonGcModule, IronPythonNative } from './native.js'
export { ironpythonRuntime } from './runtime.js'
export type { PromotedComparison } from './validate/promoted-bytes.js'
export {
  compareGen0Promoted,
  MIN_GEN0_COLLECTIONS,
  median,
  PROMOTED_TOLERANCE,
} from './validate/promoted-bytes.js'
