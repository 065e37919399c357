/** CPython as the registry sees it: the runtime's descriptor, data only (ADDING_A_RUNTIME.md). */
import type { RuntimeDescriptor } from '@pygc/core'
import { CPythonManager } from './manager.js'
import type { CPythonOptions } from './options.js'
import { DEFAULT_PRESET, PRESETS } from './versions.js'

export const cpythonRuntime: RuntimeDescriptor<CPythonOptions> = Object.freeze({
  family: 'cpython',
  name: 'cpython',
  package: '@pygc/cpython',
  description:
    'CPython 3.11 (presets 3.12 and 3.13 validated; 3.14.0 incremental and 3.14.5 unvalidated): refcounting + trashcan, 3-generation cycle collector (700/10/10), pymalloc, free lists',
  presets: PRESETS,
  defaultPreset: DEFAULT_PRESET,
  runByDefault: true,
  color: '#3572A5',
  footprint: 'pymalloc arenas (1 MiB each) plus large blocks from malloc',
  defaultHeapLimit: '2 GiB',
  sizeModes: Object.freeze(['python']),
  outOfMemory: 'MemoryError',
  meanings: Object.freeze({
    collections: 'Cycle collections (gen0, gen1, gen2); refcount frees are not collections.',
    pauses: 'Each cycle collection stops the program; refcount frees happen inline.',
    peak_footprint_bytes: 'pymalloc arenas (1 MiB each) plus large blocks from malloc.',
    freed_tracing: 'Never: CPython has no tracing collector.',
    marked: 'Objects move_unreachable found reachable in the collected generations.',
    bytes_copied: 'Never: CPython does not move objects.',
    bytes_promoted: 'Bytes of survivors merged into the next generation’s list.',
    refcount_ops: 'Py_INCREF / Py_DECREF calls.',
    barrier_ops: 'None: refcounting needs no write barrier.',
    finalizers_run: '__del__ / tp_finalize, run as soon as the object dies.',
  }),
  create: (options?: CPythonOptions) => new CPythonManager(options),
})
