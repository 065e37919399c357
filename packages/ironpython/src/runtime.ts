/** IronPython as the registry sees it: the runtime's descriptor, data only (ADDING_A_RUNTIME.md). */
import type { RuntimeDescriptor } from '@pygc/core'
import { IRONPYTHON_PRESETS, IronPythonManager, type IronPythonOptions } from './manager.js'

export const ironpythonRuntime: RuntimeDescriptor<IronPythonOptions> = Object.freeze({
  family: 'ironpython',
  name: 'ironpython',
  package: '@pygc/ironpython',
  description:
    'IronPython 3 on the .NET CLR workstation GC: gen0/gen1/gen2 + LOH, budgets, compact or sweep, f-reachable finalization',
  presets: IRONPYTHON_PRESETS,
  defaultPreset: 'ironpython',
  runByDefault: true,
  color: '#7b3fa0',
  footprint: 'the extent of the small- and large-object heaps',
  defaultHeapLimit: '2 GiB',
  sizeModes: Object.freeze(['ironpython', 'clr']),
  outOfMemory: 'System.OutOfMemoryException',
  meanings: Object.freeze({
    collections: 'CLR workstation GC: gen0 and gen1 (ephemeral) and gen2 (full), with the large object heap.',
    pauses: 'Every collection is blocking (workstation, non-concurrent).',
    peak_footprint_bytes: 'The extent of the small- and large-object heaps.',
    freed_refcount: 'Never: the CLR has no reference counts.',
    bytes_promoted: 'Bytes of survivors promoted to the next generation.',
    bytes_compacted: 'Bytes a compacting collection moved (the CLR compacts or sweeps per GC).',
    cards_scanned: 'Cards of older generations scanned for references into the ephemeral ones.',
    barrier_ops: 'Card-marking write barriers.',
    finalizers_run: 'Finalizers (~T()) run by the finalizer thread from the f-reachable queue.',
  }),
  create: (options?: IronPythonOptions) => new IronPythonManager(options),
})
