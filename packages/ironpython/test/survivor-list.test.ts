/**
 * Compacting collections slide the survivors the plan walk listed (relocate.ts, gc.cpp's mark
 * list); past SURVIVOR_LIST_LIMIT survivors the list overflows and relocation walks the whole
 * condemned range instead. Either way every survivor ends at its planned address with its
 * fields fixed: the chain is intact and keeps its ids.
 */
import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { IronPythonManager } from '../src/index.js'
import { SURVIVOR_LIST_LIMIT } from '../src/relocate.js'

const HEAD = globalSlot(0)
const NEW = 0
const GARBAGE = 1

/** A chain of `length` nodes, a dead node after each, all in gen0; then gc.collect(0). */
function chainThroughCollection(length: number) {
  // A 1 GiB gen0 budget: nothing is collected before gc.collect(0).
  const m = new IronPythonManager({ gen0size: 2 ** 30 })
  m.defineGlobals(1)
  const node = m.defineType({ name: 'node', refs: 1, shape: 'tuple' })
  m.pushFrame(2)
  let headId = -1
  for (let i = 0; i < length; i++) {
    m.alloc(NEW, node)
    m.store(NEW, 0, HEAD)
    m.move(HEAD, NEW)
    headId = m.objectId(HEAD)
    m.alloc(GARBAGE, node)
  }
  m.clear(NEW)
  m.clear(GARBAGE)
  expect(m.gcRecords).toHaveLength(0)
  m.collect(0)
  let count = 0
  m.move(NEW, HEAD)
  while (!m.isNull(NEW)) {
    count++
    m.load(NEW, NEW, 0)
  }
  const s = m.stats()
  const record = m.gcRecords[0]
  m.release()
  return {
    count,
    headId,
    liveObjects: s.liveObjects,
    compacted: record.compacted,
    moved: s.work.bytesCompacted,
  }
}

describe('compaction with the survivor list and past it', () => {
  it.each([
    ['listed', 1000],
    ['past the list', SURVIVOR_LIST_LIMIT + 1000],
  ])('%s: every survivor slides with its fields fixed', (_, length) => {
    const r = chainThroughCollection(length)
    expect(r.compacted).toBe(true)
    expect(r.moved).toBeGreaterThan(0)
    expect(r.count).toBe(length)
    expect(r.liveObjects).toBe(length)
    expect(r.headId).toBe(2 * length - 2)
  })
})
