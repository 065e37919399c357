import { describeConformance, variantStressOps } from '@pygc/conformance'
import { CPythonManager, DEFAULT_PRESET, PRESETS } from '../src/index.js'

// Every preset must keep the interface's promises, not only the validated default; the other
// presets (other thresholds and GC schedules) with the variants' stress size.
for (const { name } of PRESETS) {
  const create = () => new CPythonManager({ preset: name })
  describeConformance(name, create, {
    moving: false,
    stressOps: name === DEFAULT_PRESET ? undefined : variantStressOps(),
  })
}
