/**
 * The shadow-graph program: the baseline passes it, and a manager whose collector loses a
 * reference is caught at the first load that crosses it.
 */
import { BaselineManager, baselineLayout } from '@pygc/baseline'
import { describe, expect, it } from 'vitest'
import { runShadowGraphProgram } from '../src/index.js'
import { HookedBaseline } from './hooked-baseline.js'

const { MARK_BIT, FREE_BIT, SIZE_MASK, WEAK_FLAG, HEADER_BYTES } = baselineLayout
const ci = process.env.CI !== undefined
const fuzz = process.env.PYGC_FUZZ !== undefined

/** Loses a reference in every collection: field 0 of the first marked object holding one is nulled. */
class LosesReference extends HookedBaseline {
  protected override afterMark(): void {
    const { u32, frontier } = this.space
    for (let a = 16; a < frontier; a += u32[a >>> 2] & SIZE_MASK) {
      const w0 = u32[a >>> 2]
      if ((w0 & (FREE_BIT | MARK_BIT)) !== MARK_BIT || (u32[(a + 4) >>> 2] & WEAK_FLAG) !== 0) continue
      if (u32[(a + 12) >>> 2] > 0 && u32[(a + HEADER_BYTES) >>> 2] !== 0) {
        u32[(a + HEADER_BYTES) >>> 2] = 0
        return
      }
    }
  }
}

describe('runShadowGraphProgram', () => {
  const ops = fuzz ? 1_000_000 : ci ? 60_000 : 100_000
  const retained = fuzz ? 200_000 : 20_000
  for (const segment of [1_000, 16_384]) {
    it(`the baseline keeps every reference (${retained} retained in segments of ${segment}, ${ops} ops)`, {
      timeout: fuzz ? 600_000 : 30_000,
    }, () => {
      const m = new BaselineManager()
      const r = runShadowGraphProgram(m, { seed: 7, ops, retained, segment, blobChance: 1 / 200 })
      expect(r.verifiedObjects).toBeGreaterThanOrEqual(retained)
      expect(r.checkedLoads).toBeGreaterThan(ops / 4)
      expect(m.stats().collections[0]).toBeGreaterThan(2)
    })
  }

  it('is the same program for the same seed', () => {
    const run = () => runShadowGraphProgram(new BaselineManager(), { seed: 3, ops: 5_000, retained: 500 })
    expect(run()).toEqual(run())
  })

  it('catches a collector that loses a reference', () => {
    expect(() =>
      runShadowGraphProgram(new LosesReference(), {
        seed: 7,
        ops: 20_000,
        retained: 2_000,
        collectChance: 1 / 100,
      }),
    ).toThrow(
      /shadow graph \(seed 7\): (load|verify) at op \d+: field 0 of object \d+ \(\w+\) holds object -1/,
    )
  })
})
