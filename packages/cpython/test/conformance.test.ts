import { accountingReconciles, describeConformance } from '@pygc/conformance'
import { describe, it } from 'vitest'
import { CPythonManager, PRESETS } from '../src/index.js'

// Every preset must keep the interface's promises, not only the validated default.
for (const { name } of PRESETS) {
  const create = () => new CPythonManager({ preset: name })
  describeConformance(name, create, { moving: false })
  // Not yet in the kit's list (it joins once every manager passes): run here on every preset.
  describe(`conformance: ${name}`, () => {
    it(
      accountingReconciles.name,
      () => accountingReconciles.run(create, { moving: false }),
      accountingReconciles.timeoutMs,
    )
  })
}
