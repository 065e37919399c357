import { describeConformance } from '@pygc/conformance'
import { CPythonManager, PRESETS } from '../src/index.js'

// Every preset must keep the interface's promises, not only the validated default.
for (const { name } of PRESETS) {
  const create = () => new CPythonManager({ preset: name })
  describeConformance(name, create, { moving: false })
}
