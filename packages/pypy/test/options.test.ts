import { isPygcError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import {
  MIN_NURSERY_BYTES,
  nurseryForL2Cache,
  PyPyManager,
  parseEnvSize,
  pypyRuntime,
  readFloatFromEnv,
  readSizeFromEnv,
  resolveOptions,
} from '../src/index.js'

const MiB = 1024 * 1024

describe('environment variables, as rpython/memory/gc/env.py reads them', () => {
  it('reads sizes with an optional B and a K/M/G factor of 1024 (env.py:17)', () => {
    expect(readSizeFromEnv('4MB')).toBe(4 * MiB)
    expect(readSizeFromEnv('4M')).toBe(4 * MiB)
    expect(readSizeFromEnv('512kb')).toBe(512 * 1024)
    expect(readSizeFromEnv('1.5G')).toBe(1.5 * 1024 * MiB)
    expect(readSizeFromEnv('1024')).toBe(1024)
    expect(readSizeFromEnv('12x')).toBe(0)
    expect(readSizeFromEnv(undefined)).toBe(0)
    expect(parseEnvSize('3K')).toEqual({ value: 3, factor: 1024 })
  })

  it('reads a float only without a factor (env.py:46 read_float_from_env)', () => {
    expect(readFloatFromEnv('1.82')).toBe(1.82)
    expect(readFloatFromEnv('2M')).toBe(0)
  })

  it('takes half the L2 cache above 2 MiB, else a 1 MiB nursery (env.py:445)', () => {
    expect(nurseryForL2Cache(512 * 1024)).toBe(MiB)
    expect(nurseryForL2Cache(2 * MiB)).toBe(MiB)
    expect(nurseryForL2Cache(8 * MiB)).toBe(4 * MiB)
    // This machine reports "cache size : 512 KB": Debian's pypy3 shows a 1.0MB nursery in gc.get_stats().
    expect(resolveOptions().nurseryBytes).toBe(MiB)
  })

  it('keeps the minimum nursery below it and remembers the tiny size (incminimark.py:450-476)', () => {
    const o = resolveOptions({ env: { PYPY_GC_NURSERY: '1024' } })
    expect(o.nurseryBytes).toBe(MIN_NURSERY_BYTES)
    expect(MIN_NURSERY_BYTES).toBe(2 * (16384 + 512) * 8)
    expect(o.debugTinyNursery).toBe(1024)
  })

  it('derives the defaults from the nursery: PYPY_GC_MIN 8x, PYPY_GC_INCREMENT_STEP 4x, MAX_DELTA 1/8 RAM (incminimark.py:485-501)', () => {
    const o = resolveOptions({ nursery: 512 * 1024, totalMemoryBytes: 16 * 1024 * MiB })
    expect(o.minHeap).toBe(4 * MiB)
    expect(o.incrementStep).toBe(2 * MiB)
    expect(o.maxDelta).toBe(2 * 1024 * MiB)
    expect(o.majorCollect).toBe(1.82)
    expect(o.growth).toBe(1.4)
  })

  it('ignores PYPY_GC_MAJOR_COLLECT and PYPY_GC_GROWTH at or below 1.0 (incminimark.py:479-483)', () => {
    const o = resolveOptions({ env: { PYPY_GC_MAJOR_COLLECT: '0.5', PYPY_GC_GROWTH: '1.0' } })
    expect(o.majorCollect).toBe(1.82)
    expect(o.growth).toBe(1.4)
    expect(resolveOptions({ env: { PYPY_GC_MAJOR_COLLECT: '3' } }).majorCollect).toBe(3)
  })

  it('rejects impossible options with INVALID_OPTION, naming the option', () => {
    for (const bad of [
      { nursery: -1 },
      { majorCollect: 0.5 },
      { growth: Number.NaN },
      { startup: { arenaBytes: -1, rawBytes: 0, nextMajorThreshold: 0 } },
      { startup: { arenaBytes: 0, rawBytes: 0, nextMajorThreshold: 0, nurseryUsed: 2 * MiB } },
    ]) {
      try {
        new PyPyManager(bad)
        expect.unreachable()
      } catch (e) {
        expect(isPygcError(e, 'INVALID_OPTION')).toBe(true)
      }
    }
  })

  it('offers its presets through the runtime descriptor and rejects an unknown one', () => {
    expect(pypyRuntime.presets.map((p) => p.name)).toContain('default')
    const m = pypyRuntime.create({ preset: 'nursery-512k' }) as PyPyManager
    expect(m.options.nurseryBytes).toBe(512 * 1024)
    expect(() => pypyRuntime.create({ preset: 'nope' })).toThrow(/unknown pypy preset/)
  })
})
