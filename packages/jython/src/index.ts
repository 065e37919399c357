/**
 * @pygc/jython: Jython 2.7's memory manager on a HotSpot 17 Serial-GC heap.
 */
import { type MemoryManager, PygcError, type RuntimeDescriptor } from '@pygc/core'
import { JythonManager } from './manager.js'
import type { JythonOptions } from './options.js'

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
export { layoutOf, objectBytes, type SizeMode, weakrefBytes } from './sizes.js'

export const jythonRuntime: RuntimeDescriptor<JythonOptions> = {
  family: 'jython',
  name: 'jython',
  description: 'Jython 2.7 on HotSpot 17 (-XX:+UseSerialGC): generational copying + mark-compact, card table',
  presets: [
    {
      name: 'default',
      description: 'Jython object sizes (PyList + backing list + array...), -Xms64m -Xmx512m',
    },
    { name: 'java', description: "one Object[] per object (the Java oracle's layout), -Xms64m -Xmx512m" },
    { name: 'small-heap', description: 'Jython sizes, -Xms16m -Xmx16m -Xmn4m: frequent collections' },
  ],
  defaultPreset: 'default',
  create(options: JythonOptions = {}): MemoryManager {
    const preset = options.preset ?? 'default'
    if (!['default', 'java', 'small-heap'].includes(preset)) {
      throw new PygcError('INVALID_OPTION', `unknown jython preset '${preset}' (default, java, small-heap)`, {
        preset,
      })
    }
    const presetOptions: JythonOptions =
      preset === 'small-heap' ? { xms: 16 * 1024 * 1024, xmx: 16 * 1024 * 1024, xmn: 4 * 1024 * 1024 } : {}
    return new JythonManager({ ...presetOptions, ...options, preset })
  },
}
