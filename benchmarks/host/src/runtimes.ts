/**
 * The managers this machine can run: the baseline from @pygc/core always, and each runtime model
 * whose package is built and loads. A missing or broken package is skipped with the reason, so
 * the benchmark still runs while the models are being written.
 */
import { baselineRuntime, type MemoryManager } from '@pygc/core'

export interface AvailableRuntime {
  name: string
  create: () => MemoryManager
}

export interface RuntimeLoad {
  available: AvailableRuntime[]
  skipped: { name: string; reason: string }[]
}

/** Package and export of each runtime model (the RuntimeDescriptor each package's index exports). */
const MODELS = [
  { name: 'cpython', module: '@pygc/cpython', descriptor: 'cpythonRuntime' },
  { name: 'jython', module: '@pygc/jython', descriptor: 'jythonRuntime' },
  { name: 'ironpython', module: '@pygc/ironpython', descriptor: 'ironpythonRuntime' },
] as const

interface DescriptorLike {
  create: () => MemoryManager
}

function isDescriptor(value: unknown): value is DescriptorLike {
  return typeof value === 'object' && value !== null && typeof (value as DescriptorLike).create === 'function'
}

export async function loadRuntimes(): Promise<RuntimeLoad> {
  const available: AvailableRuntime[] = [{ name: 'baseline', create: () => baselineRuntime.create() }]
  const skipped: { name: string; reason: string }[] = []
  for (const model of MODELS) {
    try {
      // A variable specifier: the packages may not be built yet, and that must not break this build.
      const specifier: string = model.module
      const mod = (await import(specifier)) as Record<string, unknown>
      const descriptor = mod[model.descriptor]
      if (!isDescriptor(descriptor)) throw new Error(`${model.module} does not export ${model.descriptor}`)
      // Create one manager now so a model that cannot even start is skipped here, not mid-benchmark.
      descriptor.create()
      available.push({ name: model.name, create: () => descriptor.create() })
    } catch (e) {
      const notBuilt = (e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND'
      const reason = notBuilt
        ? `${model.module} is not built yet (no dist/index.js)`
        : `${model.module} failed to load or start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
      skipped.push({ name: model.name, reason })
    }
  }
  return { available, skipped }
}
