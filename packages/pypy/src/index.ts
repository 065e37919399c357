/**
 * @pygc/pypy: PyPy 7.3.11's memory manager, the incminimark GC.
 */
export type { MajorRecord, MinorRecord, StepRecord } from './collector.js'
export {
  ARENA_BYTES,
  CARD_PAGE_INDICES,
  GC_STATES,
  LARGE_OBJECT_BYTES,
  MIN_NURSERY_BYTES,
  PAGE_BYTES,
  SMALL_REQUEST_THRESHOLD,
} from './constants.js'
export { INT_BOX_BYTES, Kind, LIFELINE_BYTES, layoutOf, WEAKREF_BYTES } from './layout.js'
export { GENERATIONS, PYPY_FAMILY, PyPyManager } from './manager.js'
export {
  type GcCollectStats,
  type GcCollectStepStats,
  type GcHooks,
  type GcMinorStats,
  type GcStats,
  type PyPyGcModule,
  PyPyNative,
  STATE_USERDEL,
} from './native.js'
export {
  nurseryForL2Cache,
  type PyPyOptions,
  parseEnvSize,
  type ResolvedOptions,
  readFloatFromEnv,
  readSizeFromEnv,
  resolveOptions,
  type StartupHeap,
} from './options.js'

export { MEASURED_STARTUP, PYPY_PRESETS, pypyRuntime } from './runtime.js'
