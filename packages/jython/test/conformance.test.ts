import { describeConformance, variantStressOps } from '@pygc/conformance'
import { JythonManager, jythonRuntime } from '../src/index.js'

const MiB = 1024 * 1024

// Every preset as users get it: the default with the full stress check, the others (heap sizes)
// with the variants' stress size. The small-heap preset's 16 MiB heap
// gets a retained heap of 25,000 objects: 50,000 and their blobs fill it (peak live 16 MB), and
// then nearly every collection is a full one (483 of 497 in a run, 5x the run's time).
for (const { name } of jythonRuntime.presets) {
  const create = () => jythonRuntime.create({ preset: name })
  describeConformance(`jython (${name})`, create, {
    moving: true,
    stressOps: name === 'default' ? undefined : variantStressOps(),
    stressRetained: name === 'small-heap' ? 25_000 : undefined,
  })
}

// Tiny heaps where the suite's churn drives many young collections, promotions and card scans:
// a java-mode heap, and one that tenures after one survival. Their heaps (8 and 4 MiB) hold a
// retained heap of 5,000 objects, not the default 50,000.
const tiny = { moving: true, stressOps: 250_000, stressRetained: 5_000 }
describeConformance(
  'jython (java sizes, -Xms4m -Xmx8m -Xmn1m)',
  () => new JythonManager({ sizeMode: 'java', xms: 4 * MiB, xmx: 8 * MiB, xmn: MiB }),
  tiny,
)
describeConformance(
  'jython (MaxTenuringThreshold 1, -Xmx4m -Xmn1m)',
  () => new JythonManager({ xms: 4 * MiB, xmx: 4 * MiB, xmn: MiB, maxTenuringThreshold: 1 }),
  tiny,
)
