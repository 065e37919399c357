/** The baseline as the registry sees it: its descriptor, data only (ADDING_A_RUNTIME.md). */
import type { RuntimeDescriptor } from '@pygc/core'
import { BaselineManager, type BaselineOptions } from './manager.js'

export const baselineRuntime: RuntimeDescriptor<BaselineOptions> = Object.freeze({
  family: 'baseline',
  name: 'baseline',
  package: '@pygc/baseline',
  description:
    'plain non-moving mark-sweep over typed arrays: the tracing baseline every model is compared with',
  presets: Object.freeze([
    {
      name: 'mark-sweep',
      description:
        'segregated free lists, full mark-sweep when allocation since the last GC exceeds max(1 MiB, live bytes)',
    },
  ]),
  defaultPreset: 'mark-sweep',
  runByDefault: false,
  color: '#6b7280',
  footprint: 'the heap frontier',
  defaultHeapLimit: '2 GiB',
  sizeModes: Object.freeze(['baseline']),
  outOfMemory: 'MemoryError',
  meanings: Object.freeze({
    collections: 'Full mark-sweep collections (a plain tracing baseline, not a Python runtime).',
    peak_footprint_bytes: 'The heap frontier.',
  }),
  create: (options?: BaselineOptions) => new BaselineManager(options),
})
