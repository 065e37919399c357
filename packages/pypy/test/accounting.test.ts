import { accountingReconciles } from '@pygc/conformance'
import { describe, it } from 'vitest'
import { MEASURED_STARTUP, MIN_NURSERY_BYTES, PyPyManager } from '../src/index.js'

// The kit's accounting check on the three presets conformance.test.ts runs: the program's bytes
// and objects reconcile (allocated = freed + live), each pause's frees are its free events, and
// Σ pauses = GC time. It joins the kit's list once every manager passes it.
describe('accounting: pypy', () => {
  const presets: [string, () => PyPyManager][] = [
    ['default', () => new PyPyManager({ startup: MEASURED_STARTUP['1m'] })],
    ['minimum nursery', () => new PyPyManager({ nursery: MIN_NURSERY_BYTES, minHeap: 1 << 20 })],
    ['PYPY_GC_NURSERY=1024', () => new PyPyManager({ env: { PYPY_GC_NURSERY: '1024' } })],
  ]
  for (const [name, create] of presets) {
    it(`${name}: ${accountingReconciles.name}`, { timeout: 120_000 }, () =>
      accountingReconciles.run(create, { moving: true }),
    )
  }
})
