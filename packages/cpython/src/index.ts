import type { RuntimeDescriptor } from '@pygc/core'
import { CPythonManager, PRESETS } from './manager.js'
import type { CPythonOptions } from './options.js'

export { CPythonManager, PRESETS } from './manager.js'
export type { CPythonOptions, StartingState } from './options.js'
export type { GcModule } from './native.js'
export type { GcCallback, GenerationStats } from './collector.js'
export { PyMalloc, sizeClassOf, blockSizeOf } from './pymalloc.js'
export { layoutOf, listResizeAllocated, WEAKREF_BYTES } from './layout.js'

export const cpythonRuntime: RuntimeDescriptor<CPythonOptions> = {
  family: 'cpython',
  name: 'cpython',
  description:
    'CPython 3.11: refcounting + trashcan, 3-generation cycle collector (700/10/10), pymalloc, free lists',
  presets: PRESETS,
  defaultPreset: 'cpython-3.11',
  create: (options?: CPythonOptions) => new CPythonManager(options),
}
