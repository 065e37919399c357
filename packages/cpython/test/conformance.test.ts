import { describeConformance } from '@pygc/conformance'
import { CPythonManager, PRESETS } from '../src/index.js'

// Every preset must keep the interface's promises, not only the validated default.
for (const { name } of PRESETS) {
  describeConformance(name, () => new CPythonManager({ preset: name }), { moving: false })
}
