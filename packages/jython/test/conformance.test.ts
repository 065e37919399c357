import { describeConformance } from '@pygc/conformance'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024

// The default preset (Jython sizes, a 64 MiB heap), and a tiny java-mode heap where the
// suite's churn drives many young collections, promotions and card scans.
describeConformance('jython (default)', () => new JythonManager(), { moving: true })
describeConformance(
  'jython (java sizes, -Xms4m -Xmx8m -Xmn1m)',
  () => new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 8 * MiB, xmn: MiB }),
  { moving: true },
)
describeConformance(
  'jython (MaxTenuringThreshold 1, -Xmx4m -Xmn1m)',
  () => new JythonManager({ xms: 4 * MiB, xmx: 4 * MiB, xmn: MiB, maxTenuringThreshold: 1 }),
  { moving: true },
)
