/**
 * replay_pypy.py on int words of 2**27 or more (varints of 5 bytes and more: btree's random
 * 32-bit ints): decoding them allocates nothing on pypy3, so 100,000 writeInts of random
 * 32-bit values into dict instances collect as often as small values do, and as the model.
 * With a loop in varint_long they cost 640 nursery bytes each (273 minor collections at 264
 * KiB against 35: FIDELITY.md, "Tuples").
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileSink, fileSource, RecordingMutator, replayTrace } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { PyPyManager } from '../src/index.js'
import { NURSERY_MIN, runRealPyPy } from '../src/validate/index.js'

const pypy = process.env.PYGC_PYPY ?? 'pypy3'
const installed = spawnSync(pypy, ['--version'], { encoding: 'utf8' }).status === 0

function record(path: string, value: (i: number) => number): void {
  const manager = new PyPyManager({ nursery: NURSERY_MIN })
  const m = new RecordingMutator(manager, fileSink(path), { metadata: { name: 'ints' } })
  const rec = m.defineType({ name: 'Record', refs: 3, ints: 2, shape: 'dict-instance' })
  m.pushFrame(1)
  for (let i = 0; i < 100_000; i++) {
    m.alloc(0, rec)
    m.writeInt(0, 1, value(i))
  }
  m.popFrame()
  m.finish()
  manager.release()
}

function modelMinors(path: string): number {
  const m = new PyPyManager({ nursery: NURSERY_MIN })
  replayTrace(fileSource(path), m)
  const n = m.native.records().minor.length
  m.release()
  return n
}

describe.skipIf(!installed)('replay_pypy.py on long varints', () => {
  it('collects as often for random 32-bit ints as for small ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pygc-long-varints-'))
    const big = join(dir, 'big.trace')
    const small = join(dir, 'small.trace')
    let x = 12345
    record(big, () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0
      return x | 0
    })
    record(small, (i) => i & 1023)
    const realBig = (await runRealPyPy(big, { nursery: NURSERY_MIN, hooks: false })).log.minor.length
    const realSmall = (await runRealPyPy(small, { nursery: NURSERY_MIN, hooks: false })).log.minor.length
    expect(Math.abs(realBig - realSmall)).toBeLessThanOrEqual(1)
    expect(Math.abs(realBig - modelMinors(big))).toBeLessThanOrEqual(1)
  }, 120_000)
})
