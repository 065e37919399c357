/**
 * @pygc/jython: Jython 2.7's memory manager on a HotSpot 17 Serial-GC heap.
 */

export {
  formatGcLog,
  formatGcLogLine,
  type GcKind,
  type GcRecord,
  type ParsedGcLine,
  parseGcLogLine,
} from './gc-log.js'
export { GENERATIONS } from './gen-collected-heap.js'
export { JythonManager } from './manager.js'
export { type JythonGcModule, JythonNative } from './native.js'
export { type FinalizerDrain, type HeapGeometry, type JythonOptions, resolveOptions } from './options.js'
export { jythonRuntime } from './runtime.js'
export { layoutOf, objectBytes, type SizeMode, weakrefBytes } from './sizes.js'
