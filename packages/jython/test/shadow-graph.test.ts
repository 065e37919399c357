/**
 * The shadow-graph stress program on the Serial GC model: a large retained heap in reference
 * arrays (large enough to be allocated straight into the old generation), byte blobs of
 * 200-400 KB, young collections that find young objects through the old generation's cards,
 * every load checked against a shadow graph of ids. The CLR model lost references from large
 * objects this way (shared card bytes); this checks the JVM model does not.
 */
import { runShadowGraphProgram } from '@pygc/conformance'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const MiB = 1024 * 1024
const fuzz = process.env.PYGC_FUZZ !== undefined
const ci = process.env.CI !== undefined

describe('shadow-graph stress on the Serial GC model', () => {
  const runs = fuzz
    ? [
        { seed: 1, retained: 200_000, ops: 1_000_000, segment: 16_384 },
        { seed: 2, retained: 500_000, ops: 1_000_000, segment: 4_096 },
      ]
    : [
        { seed: 1, retained: 20_000, ops: ci ? 60_000 : 100_000, segment: 16_384 },
        { seed: 2, retained: 20_000, ops: ci ? 60_000 : 100_000, segment: 1_000 },
      ]
  for (const { seed, retained, ops, segment } of runs) {
    for (const sizeMode of ['jython', 'java'] as const) {
      it(`${sizeMode} sizes, seed ${seed}: ${retained} retained in segments of ${segment}, ${ops} ops`, {
        timeout: fuzz ? 900_000 : 60_000,
      }, () => {
        const m = new JythonManager({ sizeMode, xmn: 2 * MiB, xmx: 1024 * MiB })
        const r = runShadowGraphProgram(m, {
          seed,
          ops,
          retained,
          segment,
          blobChance: 1 / 500,
          generations: m.info.generations.length,
        })
        expect(r.verifiedObjects).toBeGreaterThanOrEqual(retained)
        const s = m.stats()
        expect(s.collections[0]).toBeGreaterThan(2)
        expect(s.work.cardsScanned).toBeGreaterThan(0)
      })
    }
  }
})
