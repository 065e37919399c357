/**
 * @pygc/ironpython — IronPython's memory manager: the CLR workstation GC (gen0/gen1/gen2 + LOH,
 * budgets, mark / plan / compact-or-sweep, cards, f-reachable finalization) on a typed-array heap.
 */
import type { RuntimeDescriptor } from '@pygc/core'
import { IRONPYTHON_PRESETS, IronPythonManager, type IronPythonOptions } from './manager.js'

export {
  gen0BudgetFromCache,
  staticDataTable,
  survToGrowth,
  desiredNewAllocation,
  DEFAULT_L3_CACHE_BYTES,
} from './budgets.js'
export type { StaticData } from './budgets.js'
export type { GcRecord, GenerationInfo } from './collector.js'
export { LARGE_OBJECT_SIZE, clrSize, ironPythonSize, weakrefSize } from './layout.js'
export type { SizeMode, ObjectSize } from './layout.js'
export { IronPythonManager, IRONPYTHON_PRESETS } from './manager.js'
export type { FinalizerDrain, IronPythonOptions } from './manager.js'
export type { ClrGcView, IronPythonGcModule, IronPythonNative, GcCollectionMode } from './native.js'

export const ironpythonRuntime: RuntimeDescriptor<IronPythonOptions> = {
  family: 'ironpython',
  name: 'ironpython',
  description:
    'IronPython 3 on the .NET CLR workstation GC: gen0/gen1/gen2 + LOH, budgets, compact or sweep, f-reachable finalization',
  presets: IRONPYTHON_PRESETS,
  defaultPreset: 'ironpython',
  create: (options?: IronPythonOptions) => new IronPythonManager(options),
}
