/** describeConformance: the kit as one vitest suite, one `it` per check. */
import type { MemoryManager } from '@pygc/core'
import { describe, it } from 'vitest'
import { type ConformanceOptions, conformanceChecks } from './checks.js'
import { releasingManagers } from './helpers.js'

export function describeConformance(
  name: string,
  create: () => MemoryManager,
  options: ConformanceOptions = {},
): void {
  describe(`conformance: ${name}`, () => {
    for (const check of conformanceChecks) {
      it(check.name, () => releasingManagers(create, (made) => check.run(made, options)), check.timeoutMs)
    }
  })
}
