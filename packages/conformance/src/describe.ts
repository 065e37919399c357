/** describeConformance: the kit as one vitest suite, one `it` per check. */
import type { MemoryManager } from '@pygc/core'
import { describe, it } from 'vitest'
import { type ConformanceOptions, conformanceChecks } from './checks.js'

export function describeConformance(
  name: string,
  create: () => MemoryManager,
  options: ConformanceOptions = {},
): void {
  describe(`conformance: ${name}`, () => {
    for (const check of conformanceChecks) {
      it(check.name, () => check.run(create, options), check.timeoutMs)
    }
  })
}
