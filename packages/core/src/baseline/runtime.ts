/** The baseline as the command and the runtime registry see it. */
import type { RuntimeDescriptor } from '../types.js'
import { BaselineManager, type BaselineOptions } from './manager.js'

export const baselineRuntime: RuntimeDescriptor<BaselineOptions> = Object.freeze({
  family: 'baseline',
  name: 'baseline',
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
  create: (options?: BaselineOptions) => new BaselineManager(options),
})
