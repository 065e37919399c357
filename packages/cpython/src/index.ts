/** @pygc/cpython: CPython 3.11's memory manager (refcounting, the cycle collector, pymalloc). */

export type { FreeListEntries } from './free-lists.js'
export type { GcCallback, GenerationStats } from './gc-state.js'
export {
  bytesObjectBytes,
  type LayoutVersion,
  layoutOf,
  listPreallocateExact,
  listResizeAllocated,
  WEAKREF_BYTES,
} from './layout.js'
export { CPythonManager } from './manager.js'
export type { GcModule } from './native.js'
export type { CPythonOptions, StartingState } from './options.js'
export {
  blockSizeOf,
  type MallocClassStats,
  type MallocStats,
  PyMalloc,
  sizeClassOf,
  systemChunkSize,
} from './pymalloc.js'
export type { PymallocStartState } from './pymalloc-start.js'
export { cpythonRuntime } from './runtime.js'
export type { CollectionTrigger, VersionPolicy } from './versions.js'
export { DEFAULT_PRESET, PRESETS, policyOf, VERSION_POLICIES } from './versions.js'
