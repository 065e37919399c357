/**
 * The CLR model at the size limits: the object header counts granules, so an object of more
 * than 2 GiB (which .NET allocates) keeps a valid size; an array longer than Array.MaxLength
 * and an allocation beyond the heap limit are OutOfMemoryExceptions that leave the heap as it was.
 */
import { globalSlot, OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'
import { ARRAY_MAX_LENGTH, LOH_BASE, W_GRANULES } from '../src/layout.js'

const BIG = globalSlot(0)
/** Above the model's 2 GiB default heap limit, as a process given a larger GCHeapHardLimit runs. */
const ROOMY = { heapLimit: 8 * 2 ** 30 }

function withBlob(options: ConstructorParameters<typeof IronPythonManager>[0] = {}) {
  const m = new IronPythonManager(options)
  m.defineGlobals(1)
  const blob = m.defineType({ name: 'blob', refs: 1, ints: 1, variable: 'bytes' })
  m.pushFrame(1)
  return { m, blob }
}

function thrown(body: () => void): unknown {
  try {
    body()
  } catch (e) {
    return e
  }
  throw new Error('expected an error, nothing was thrown')
}

describe('objects over 2 GiB', () => {
  it('keep their size in the header (granules), so heap walks and collections work', () => {
    const { m, blob } = withBlob(ROOMY)
    m.alloc(BIG, blob, 2_147_483_529) // issue 9: every collection after it failed
    const bytes = m.stats().liveBytes
    expect(bytes).toBeGreaterThan(2 ** 31)
    expect(m.heap.loh[W_GRANULES] * 8).toBe(bytes)
    m.store(BIG, 0, BIG)
    m.collect()
    expect(m.objectId(BIG)).toBe(0)
    m.clear(BIG)
    m.collect()
    expect(m.stats().liveBytes).toBe(0)
    expect(m.heap.lohTop).toBe(LOH_BASE)
    // The dead object's arena was given back, not overwritten with zeros.
    expect(m.heap.loh.length).toBeLessThan(1 << 20)
  })
})

describe('OutOfMemoryException with the heap intact', () => {
  it('for a byte[] longer than Array.MaxLength, before any collection', () => {
    const { m, blob } = withBlob(ROOMY)
    m.alloc(BIG, blob, ARRAY_MAX_LENGTH) // the longest byte[] .NET allocates
    m.clear(BIG)
    m.collect()
    const gcs = m.gcRecords.length
    const before = JSON.stringify(m.stats())
    const e = thrown(() => m.alloc(BIG, blob, ARRAY_MAX_LENGTH + 1))
    expect(e).toBeInstanceOf(OutOfMemoryError)
    expect((e as OutOfMemoryError).runtimeError).toBe('System.OutOfMemoryException')
    expect((e as Error).message).toContain('Array dimensions exceeded supported range')
    expect(m.gcRecords.length).toBe(gcs)
    expect(JSON.stringify(m.stats())).toBe(before)
    expect(m.isNull(BIG)).toBe(true)
  })

  it('beyond the heap limit, after the last GC before OOM', () => {
    const { m, blob } = withBlob({ heapLimit: 16 * 1024 * 1024 })
    m.alloc(0, blob, 8 * 1024 * 1024)
    const id = m.objectId(0)
    const before = m.stats()
    const e = thrown(() => m.alloc(BIG, blob, 10 * 1024 * 1024))
    expect(e).toBeInstanceOf(OutOfMemoryError)
    expect((e as Error).message).toContain('heap limit of 16777216 bytes')
    expect(m.gcRecords.at(-1)?.reason).toBe('last GC before OOM')
    const after = m.stats()
    expect([after.ops, after.objectsAllocated, after.liveBytes]).toEqual([
      before.ops,
      before.objectsAllocated,
      before.liveBytes,
    ])
    expect(m.objectId(0)).toBe(id)
    m.collect()
    m.alloc(BIG, blob, 4 * 1024 * 1024)
    expect(m.lengthOf(BIG)).toBe(1)
  })
})
