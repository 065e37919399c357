import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { JythonManager } from '../src/index.js'

const KiB = 1024
const MiB = 1024 * KiB

/**
 * The validator's probe on the model (apps/bench/src/validate/jython/startup-levels.ts): 1 KiB
 * objects held by a list in a global (so one reference below a slot: level 1), more than
 * to-space holds; garbage until the first young collection; drop them; garbage until the
 * second. Returns the old generation's growth at the second: what of to-space at the first
 * was the JVM's start-up data.
 */
function startupInToSpace(liveByLevel: number[] | undefined): { promoted: number; m: JythonManager } {
  const m = new JythonManager({
    sizeMode: 'java',
    xms: 32 * MiB,
    xmx: 32 * MiB,
    xmn: 8 * MiB, // survivor spaces of 768 KiB
    jvmStartup: { liveBytes: 700 * KiB, garbageBytes: 0, ...(liveByLevel ? { liveByLevel } : {}) },
  })
  const blob = m.defineType({ name: 'bytes', refs: 0, ints: 1, variable: 'bytes' })
  const list = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  m.defineGlobals(1)
  m.pushFrame(2)
  m.alloc(globalSlot(0), list, 1500)
  for (let i = 0; i < 1500; i++) {
    m.alloc(0, blob, 1000)
    m.store(globalSlot(0), i, 0)
  }
  const young = (): number => m.stats().collections[0]
  while (young() === 0) m.alloc(1, blob, 1000)
  m.clear(globalSlot(0))
  m.clear(0)
  const oldBefore = m.stats().spaces.old
  while (young() === 1) m.alloc(1, blob, 1000)
  expect(m.native.records().map((r) => r.kind)).toEqual(['young', 'young'])
  return { promoted: m.stats().spaces.old - oldBefore, m }
}

describe("the JVM's start-up data in the first young collection", () => {
  it('reaches to-space level by level before the program objects as deep (process_roots: class loader data first)', () => {
    // 200 KiB before the list (level 0), 300 KiB before its objects (level 1), the other
    // 200 KiB deeper: to-space takes the 500 KiB, then the list and its objects until it is
    // full; the deeper 200 KiB are promoted at once. Only the 500 KiB outlive the drop.
    const { promoted, m } = startupInToSpace([200 * KiB, 300 * KiB])
    expect(promoted).toBe(500 * KiB)
    expect(m.native.verify()).toEqual([])
  })

  it('without levels, all of it lies at level 0 and is copied before the program’s objects', () => {
    expect(startupInToSpace(undefined).promoted).toBe(700 * KiB)
    // All of it deeper than the objects: to-space is theirs, only the two empty levels' links outlive the drop.
    expect(startupInToSpace([0, 0]).promoted).toBeLessThan(KiB)
  })

  it('refuses levels that add up to more than the live start-up bytes', () => {
    expect(
      () =>
        new JythonManager({
          sizeMode: 'java',
          jvmStartup: { liveBytes: 100 * KiB, garbageBytes: 0, liveByLevel: [60 * KiB, 60 * KiB] },
        }),
    ).toThrow(/liveByLevel sums to 122880 bytes, more than jvmStartup.liveBytes \(102400\)/)
  })
})
