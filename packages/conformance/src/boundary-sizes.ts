/**
 * Allocation at the size limits the type registry accepts (2^24 reference fields or ints,
 * 2^31 - 1 payload bytes, and every one of them at once). Each manager lays such an object out
 * in its own runtime's sizes, and each runtime has its own limits: a JVM array is at most
 * 2^31 - 1 slots, a CLR array at most Array.MaxLength elements, a heap is finite. Whatever
 * the limit, an allocation must either give an object that works — fields at both ends, ints,
 * survival of a full collection, reclamation once dropped — or raise the runtime's own
 * out-of-memory error (core's OutOfMemoryError under the runtime's name) and leave the heap as
 * it was: the program's objects intact, the allocation figures unchanged, collections and
 * allocations working afterwards.
 */
import { globalSlot, isPygcError, type MemoryManager, OutOfMemoryError, type TypeSpec } from '@pygc/core'
import type { ConformanceCheck } from './checks.js'
import {
  ConformanceFailure,
  ensure,
  ensureEqual,
  liveIds,
  releaseManager,
  SETTLE_ROUNDS,
  settle,
} from './helpers.js'

const MAX_FIELDS = 2 ** 24
const MAX_BYTES = 2 ** 31 - 1
/** The CLR's large object threshold (gc.h LARGE_OBJECT_SIZE): sizes on both sides of it. */
const LOH_THRESHOLD = 85_000
/** Array.MaxLength on .NET: the longest byte[]. */
const CLR_ARRAY_MAX_LENGTH = 0x7fff_ffc7

interface BoundaryCase {
  what: string
  spec: TypeSpec
  length?: number
  /** Reference fields and ints the object has. */
  refs: number
  ints: number
}

const blob: TypeSpec = { name: 'blob', refs: 1, ints: 1, variable: 'bytes' }
const vec: TypeSpec = { name: 'vec', refs: 0, ints: 1, variable: 'refs' }
const everything: TypeSpec = { name: 'everything', refs: MAX_FIELDS, ints: MAX_FIELDS, variable: 'bytes' }

const cases: readonly BoundaryCase[] = [
  ...[
    0,
    1,
    LOH_THRESHOLD - 1,
    LOH_THRESHOLD,
    2_147_483_529, // issue 9: allocated, then every collection failed on the CLR model
    CLR_ARRAY_MAX_LENGTH,
    CLR_ARRAY_MAX_LENGTH + 1,
    MAX_BYTES - 8,
    MAX_BYTES - 7,
    MAX_BYTES - 1,
    MAX_BYTES,
  ].map((n) => ({ what: `bytes payload of ${n}`, spec: blob, length: n, refs: 1, ints: 1 })),
  ...[0, 1, 10_622, MAX_FIELDS].map((n) => ({
    what: `${n} variable reference fields`,
    spec: vec,
    length: n,
    refs: n,
    ints: 1,
  })),
  {
    what: `fixed ${MAX_FIELDS} reference fields`,
    spec: { name: 'refs', refs: MAX_FIELDS, ints: 1 },
    refs: MAX_FIELDS,
    ints: 1,
  },
  {
    what: `fixed ${MAX_FIELDS} ints`,
    spec: { name: 'ints', refs: 1, ints: MAX_FIELDS },
    refs: 1,
    ints: MAX_FIELDS,
  },
  {
    what: `fixed ${MAX_BYTES} payload bytes`,
    spec: { name: 'bytes', refs: 1, ints: 1, bytes: MAX_BYTES },
    refs: 1,
    ints: 1,
  },
  {
    what: `fixed ${MAX_FIELDS} refs, ${MAX_FIELDS} ints and ${MAX_BYTES} bytes`,
    spec: { name: 'all', refs: MAX_FIELDS, ints: MAX_FIELDS, bytes: MAX_BYTES },
    refs: MAX_FIELDS,
    ints: MAX_FIELDS,
  },
  ...[CLR_ARRAY_MAX_LENGTH, MAX_BYTES].map((n) => ({
    what: `${MAX_FIELDS} refs and ints with a variable payload of ${n} bytes`,
    spec: everything,
    length: n,
    refs: MAX_FIELDS,
    ints: MAX_FIELDS,
  })),
]

const LIST = globalSlot(0)
const BIG = globalSlot(1)
const NODES = 16

/** The figures one allocation changes; a failed allocation must leave them as they were. */
function allocationFigures(m: MemoryManager): string {
  const s = m.stats()
  return JSON.stringify({
    ops: s.ops,
    objectsAllocated: s.objectsAllocated,
    bytesAllocated: s.bytesAllocated,
    liveObjects: s.liveObjects,
    liveBytes: s.liveBytes,
  })
}

/** Walk the witness list (node i has int i, field 0 the next node) and check every id. */
function checkList(m: MemoryManager, ids: readonly number[], when: string): void {
  m.move(0, LIST)
  for (let i = 0; i < NODES; i++) {
    ensureEqual(m.objectId(0), ids[i], `${when}: node ${i} of the program's list`)
    ensureEqual(m.readInt(0, 0), i, `${when}: int 0 of node ${i}`)
    m.load(0, 0, 0)
  }
  ensure(m.isNull(0), `${when}: the program's list does not end after ${NODES} nodes`)
}

function runCase(m: MemoryManager, c: BoundaryCase): void {
  const where = `${c.what} (${m.info.family})`
  m.defineGlobals(2)
  const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
  const big = m.defineType(c.spec)
  m.pushFrame(2)
  const ids: number[] = []
  for (let i = NODES - 1; i >= 0; i--) {
    m.alloc(0, node)
    m.writeInt(0, 0, i)
    m.store(0, 0, LIST)
    m.move(LIST, 0)
    ids.unshift(m.objectId(0))
  }
  m.clear(0)
  m.collect()
  const before = allocationFigures(m)
  const liveBefore = [...liveIds(m)].sort((a, b) => a - b).join(',')

  let error: unknown
  try {
    m.alloc(BIG, big, c.length)
  } catch (e) {
    error = e
  }
  if (error !== undefined) {
    if (!(error instanceof OutOfMemoryError)) {
      throw new ConformanceFailure(
        `${where}: alloc must allocate or raise the runtime's OutOfMemoryError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
      )
    }
    ensureEqual(
      error.runtimeError,
      m.info.outOfMemory,
      `${where}: the out-of-memory error's runtime name (ManagerInfo.outOfMemory)`,
    )
    ensure(isPygcError(error, 'OUT_OF_MEMORY'), `${where}: the error's code is not OUT_OF_MEMORY`)
    ensureEqual(allocationFigures(m), before, `${where}: allocation figures after the failed alloc`)
    ensure(m.isNull(BIG), `${where}: the failed alloc wrote its destination slot`)
    const liveAfter = [...liveIds(m)].sort((a, b) => a - b).join(',')
    ensureEqual(liveAfter, liveBefore, `${where}: live objects after the failed alloc`)
    m.collect()
    checkList(m, ids, `${where}, after the failed alloc and a collection`)
    m.alloc(1, node)
    m.store(1, 0, LIST)
    m.collect()
    m.load(0, 1, 0)
    ensure(m.same(0, LIST), `${where}: an allocation after the failed one does not work`)
    return
  }

  // It allocated: every part of the object must work, and it must survive and then die.
  ensureEqual(m.lengthOf(BIG), c.refs, `${where}: lengthOf`)
  if (c.refs > 0) {
    m.store(BIG, 0, LIST)
    m.store(BIG, c.refs - 1, LIST)
  }
  const lastInt = c.ints - 1
  if (c.ints > 0) m.writeInt(BIG, 0, -7)
  if (c.ints > 1) m.writeInt(BIG, lastInt, 2 ** 31 - 1)
  const id = m.objectId(BIG)
  for (let round = 0; round < 2; round++) {
    const when = `${where}, after ${round === 0 ? 'allocation' : 'a full collection'}`
    if (c.refs > 0) {
      for (const f of [0, c.refs - 1]) {
        m.load(0, BIG, f)
        ensure(m.same(0, LIST), `${when}: field ${f} does not hold what was stored`)
      }
    }
    if (c.ints > 0) ensureEqual(m.readInt(BIG, 0), -7, `${when}: int 0`)
    if (c.ints > 1) ensureEqual(m.readInt(BIG, lastInt), 2 ** 31 - 1, `${when}: int ${lastInt}`)
    ensureEqual(m.objectId(BIG), id, `${when}: the object's id`)
    checkList(m, ids, when)
    if (round === 0) m.collect()
  }
  m.clear(0)
  m.clear(BIG)
  // Full collections until it is gone (one suffices on every runtime; settle's count at most).
  for (let round = 0; round < SETTLE_ROUNDS && liveIds(m).has(id); round++) settle(m, LIST, 1)
  ensure(!liveIds(m).has(id), `${where}: the object is still live after it was dropped and collected`)
  checkList(m, ids, `${where}, after the object was reclaimed`)
}

export const boundarySizes: ConformanceCheck = {
  name: 'allocations at the size limits of the type registry work, or raise the runtime out-of-memory error and leave the heap intact',
  run(create) {
    // One manager per case, each released after it: the cases' objects of up to 2 GiB are
    // zeroed by most models, in the pages the previous case's manager already had.
    for (const c of cases) {
      const m = create()
      try {
        runCase(m, c)
      } finally {
        releaseManager(m)
      }
    }
  },
}
