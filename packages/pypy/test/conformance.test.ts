import { describeConformance, variantStressOps } from '@pygc/conformance'
import { MEASURED_STARTUP, MIN_NURSERY_BYTES, PyPyManager } from '../src/index.js'

// The default nursery with the interpreter's measured startup heap; the smallest nursery
// PyPy allows, where the suite's churn runs many minor collections and whole incremental
// major collections; and PYPY_GC_NURSERY=1, PyPy's debugging mode with a minor collection
// every few allocations (debug_tiny_nursery). The two nursery variants run the variants' stress
// size, the default the full one.
describeConformance('pypy (default)', () => new PyPyManager({ startup: MEASURED_STARTUP['1m'] }), {
  moving: true,
})
describeConformance(
  'pypy (minimum nursery, PYPY_GC_MIN=1MB)',
  () => new PyPyManager({ nursery: MIN_NURSERY_BYTES, minHeap: 1 << 20 }),
  {
    moving: true,
    stressOps: variantStressOps(),
  },
)
describeConformance(
  'pypy (PYPY_GC_NURSERY=1024, tiny nursery)',
  () => new PyPyManager({ env: { PYPY_GC_NURSERY: '1024' } }),
  {
    moving: true,
    stressOps: variantStressOps(),
  },
)
