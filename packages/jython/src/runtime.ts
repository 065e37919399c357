/** Jython as the registry sees it: the runtime's descriptor, data only (ADDING_A_RUNTIME.md). */
import { type MemoryManager, PygcError, type RuntimeDescriptor } from '@pygc/core'
import { JythonManager } from './manager.js'
import type { JythonOptions } from './options.js'

const MiB = 1024 * 1024

export const jythonRuntime: RuntimeDescriptor<JythonOptions> = Object.freeze({
  family: 'jython',
  name: 'jython',
  package: '@pygc/jython',
  description: 'Jython 2.7 on HotSpot 17 (-XX:+UseSerialGC): generational copying + mark-compact, card table',
  presets: Object.freeze([
    {
      name: 'default',
      description: 'Jython object sizes (PyList + backing list + array...), -Xms64m -Xmx512m',
    },
    { name: 'java', description: "one Object[] per object (the Java oracle's layout), -Xms64m -Xmx512m" },
    { name: 'small-heap', description: 'Jython sizes, -Xms16m -Xmx16m -Xmn4m: frequent collections' },
  ]),
  defaultPreset: 'default',
  runByDefault: true,
  color: '#b07219',
  footprint: 'the committed JVM heap (eden, survivors, old generation)',
  defaultHeapLimit: '512 MiB (-Xmx512m)',
  sizeModes: Object.freeze(['jython', 'java']),
  outOfMemory: 'java.lang.OutOfMemoryError',
  meanings: Object.freeze({
    collections: 'HotSpot Serial GC: young (copying scavenge of eden + survivor) and full (mark-compact).',
    pauses: 'Every young and full collection is stop-the-world.',
    peak_footprint_bytes: 'The committed JVM heap: eden, two survivor spaces and the old generation.',
    freed_refcount: 'Never: the JVM has no reference counts.',
    bytes_copied: 'Bytes the scavenger copied into a survivor space or the old generation.',
    bytes_compacted: 'Bytes the full collection’s mark-compact slid.',
    cards_scanned: 'Old-generation cards scanned for references into the young generation.',
    barrier_ops: 'Card-marking post-write barriers.',
    finalizers_run: 'finalize(), run by the finalizer thread after a collection queued the object.',
  }),
  create(options: JythonOptions = {}): MemoryManager {
    const preset = options.preset ?? 'default'
    if (!['default', 'java', 'small-heap'].includes(preset)) {
      throw new PygcError('INVALID_OPTION', `unknown jython preset '${preset}' (default, java, small-heap)`, {
        preset,
      })
    }
    const presetOptions: JythonOptions =
      preset === 'small-heap' ? { xms: 16 * MiB, xmx: 16 * MiB, xmn: 4 * MiB } : {}
    return new JythonManager({ ...presetOptions, ...options, preset })
  },
})
