/**
 * The shared conformance suite, on both size presets: the CLR model moves objects (compaction),
 * so the suite's moving-collector checks apply.
 */
import { describeConformance } from '@pygc/conformance'
import { IronPythonManager } from '../src/index.js'

describeConformance('ironpython (ironpython sizes)', () => new IronPythonManager({ gen0size: 256 * 1024 }), {
  moving: true,
})
describeConformance(
  'ironpython (clr sizes)',
  () => new IronPythonManager({ preset: 'clr', gen0size: 256 * 1024 }),
  { moving: true },
)
