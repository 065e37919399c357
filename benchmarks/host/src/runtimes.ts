/**
 * The managers this machine can run: every runtime of the registry (@pygc/bench's RUNTIMES), in
 * its order. A runtime whose manager cannot even start is skipped with the reason, so the
 * benchmark still runs the others.
 */
import { RUNTIMES } from '@pygc/bench'
import type { MemoryManager } from '@pygc/core'

export interface AvailableRuntime {
  name: string
  create: () => MemoryManager
}

export interface RuntimeLoad {
  available: AvailableRuntime[]
  skipped: { name: string; reason: string }[]
}

export async function loadRuntimes(): Promise<RuntimeLoad> {
  const available: AvailableRuntime[] = []
  const skipped: { name: string; reason: string }[] = []
  for (const descriptor of RUNTIMES) {
    try {
      // Create one manager now so a model that cannot even start is skipped here, not mid-benchmark.
      descriptor.create()
      available.push({ name: descriptor.name, create: () => descriptor.create() })
    } catch (e) {
      const reason = `${descriptor.package} failed to start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
      skipped.push({ name: descriptor.name, reason })
    }
  }
  return { available, skipped }
}
