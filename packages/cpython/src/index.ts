import type { RuntimeDescriptor } from '@pygc/core'
import { CPythonManager } from './manager.js'
import type { CPythonOptions } from './options.js'
import { DEFAULT_PRESET, PRESETS } from './versions.js'

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
export type { CollectionTrigger, VersionPolicy } from './versions.js'
export { DEFAULT_PRESET, PRESETS, policyOf, VERSION_POLICIES } from './versions.js'

export const cpythonRuntime: RuntimeDescriptor<CPythonOptions> = {
  family: 'cpython',
  name: 'cpython',
  description:
    'CPython 3.11 (presets 3.12 and 3.13 validated; 3.14.0 incremental and 3.14.5 unvalidated): refcounting + trashcan, 3-generation cycle collector (700/10/10), pymalloc, free lists',
  presets: PRESETS,
  defaultPreset: DEFAULT_PRESET,
  create: (options?: CPythonOptions) => new CPythonManager(options),
}
