/**
 * The shared conformance suite: every preset as users get it (the default with the full stress
 * check, clr's sizes with the variants' stress size: the same collector), and
 * both presets again with a 256 KiB gen0 budget (many more gen0/gen1 collections, promotions
 * and card scans per op) and a shorter stress check on a smaller retained heap. The CLR model
 * moves objects (compaction).
 */
import { describeConformance, variantStressOps } from '@pygc/conformance'
import { IRONPYTHON_PRESETS, IronPythonManager, ironpythonRuntime } from '../src/index.js'

for (const { name } of IRONPYTHON_PRESETS) {
  const create = () => ironpythonRuntime.create({ preset: name })
  describeConformance(`ironpython (${name})`, create, {
    moving: true,
    stressOps: name === 'ironpython' ? undefined : variantStressOps(),
  })
  describeConformance(
    `ironpython (${name}, gen0size 256 KiB)`,
    () => new IronPythonManager({ preset: name, gen0size: 256 * 1024 }),
    { moving: true, stressOps: 250_000, stressRetained: 10_000 },
  )
}
