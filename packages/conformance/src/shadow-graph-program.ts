/**
 * A seeded random program over a large retained heap, checked against a shadow graph of ids.
 *
 * The program keeps `retained` objects reachable from a directory (globals holding segment
 * vectors of `segment` references each; a segment of 10,625 references or more is itself a
 * large object on the CLR) and a small table of byte blobs (200-400 KB by default: large
 * objects on every runtime that has a large object space) whose reference field points into
 * the retained heap or at a freshly allocated young object. Every op is mirrored in a shadow
 * graph keyed by object id (the allocation ordinal every manager keeps), and every load is
 * checked against it through `objectId`: a reference the collector failed to mark, to card or
 * to fix up after moving its target reads back as another object (or as none) at the first load
 * that crosses it, and the program stops with the op, the holder, the field and both ids.
 * `verify` walks the whole reachable graph the same way (a stack of globals holds the path),
 * and checks that every object it reaches is live.
 *
 * It has no finalizers and no weak references: the shadow graph is the whole truth, with no
 * runtime-dependent resurrection or clearing to model.
 */
import { globalSlot, type MemoryManager, Rng, type Slot } from '@pygc/core'
import { ConformanceFailure } from './helpers.js'

export interface ShadowGraphOptions {
  seed: number
  /** Ops to issue after the retained heap is built (approximately: a step issues a few). */
  ops: number
  /** Objects kept reachable from the directory. */
  retained: number
  /** References per directory segment (default 4,096). */
  segment?: number
  /** Payload bytes of a blob: min and max (default 200,000..400,000). */
  blobBytes?: readonly [number, number]
  /** Entries of the blob table (default 16). */
  blobSlots?: number
  /** Collection kinds of the manager: collect(g) gets g in 0..generations-1 (default 1). */
  generations?: number
  /** Probability per step of a new blob (default 1/100). */
  blobChance?: number
  /** Probability per step of a forced collection (default 1/4,000). */
  collectChance?: number
  /** Also verify the whole reachable graph every this many ops (default 0: only at the end). */
  verifyEvery?: number
}

export interface ShadowGraphResult {
  /** Ops issued, the final verification's loads included. */
  ops: number
  allocated: number
  /** Loads whose result was checked against the shadow graph. */
  checkedLoads: number
  /** Objects the last verification reached. */
  verifiedObjects: number
}

const LOCALS = 4
const L0 = 0
const L1 = 1
const L2 = 2
const L3 = 3
const NONE = -1

/** The shadow graph: reference fields of every object by id, in an append-only pool. */
class ShadowGraph {
  fieldStart = new Int32Array(1024)
  fieldCount = new Int32Array(1024)
  typeOf = new Int8Array(1024)
  edges = new Int32Array(1 << 16)
  edgesUsed = 0

  create(id: number, refs: number, type: number): void {
    if (id >= this.fieldStart.length) {
      let n = this.fieldStart.length
      while (n <= id) n *= 2
      this.fieldStart = grow(this.fieldStart, n)
      this.fieldCount = grow(this.fieldCount, n)
      const t = new Int8Array(n)
      t.set(this.typeOf)
      this.typeOf = t
    }
    if (this.edgesUsed + refs > this.edges.length) {
      let n = this.edges.length
      while (n < this.edgesUsed + refs) n *= 2
      this.edges = grow(this.edges, n)
    }
    this.fieldStart[id] = this.edgesUsed
    this.fieldCount[id] = refs
    this.typeOf[id] = type
    this.edges.fill(NONE, this.edgesUsed, this.edgesUsed + refs)
    this.edgesUsed += refs
  }

  get(id: number, field: number): number {
    return this.edges[this.fieldStart[id] + field]
  }

  set(id: number, field: number, value: number): void {
    this.edges[this.fieldStart[id] + field] = value
  }
}

function grow(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n)
  b.set(a)
  return b
}

const TYPE_NAMES = ['leaf', 'pair', 'vec', 'blob', 'segment'] as const

export function runShadowGraphProgram(m: MemoryManager, options: ShadowGraphOptions): ShadowGraphResult {
  const rng = new Rng(options.seed)
  const segment = options.segment ?? 4096
  const [blobMin, blobMax] = options.blobBytes ?? [200_000, 400_000]
  const blobSlots = options.blobSlots ?? 16
  const generations = options.generations ?? 1
  const blobChance = options.blobChance ?? 1 / 100
  const collectChance = options.collectChance ?? 1 / 4000
  const verifyEvery = options.verifyEvery ?? 0
  const retained = options.retained
  if (!(Number.isInteger(retained) && retained > 0 && Number.isInteger(segment) && segment > 0))
    throw new RangeError('shadow graph program: retained and segment must be positive integers')

  const shadow = new ShadowGraph()
  const segments = Math.ceil(retained / segment)
  const blobTable = segments
  const stackBase = segments + 1
  /** Globals from stackBase on hold the path of the verification walk. */
  let globals = stackBase + 64
  /** Ids held by the slots the program uses: locals 0-3, then the globals below stackBase. */
  const localIds = new Int32Array(LOCALS).fill(NONE)
  const globalIds = new Int32Array(stackBase).fill(NONE)
  let ops = 0
  let allocated = 0
  let checkedLoads = 0
  let verifiedObjects = 0

  m.defineGlobals(globals)
  const types = [
    m.defineType({ name: 'leaf', refs: 0, ints: 1 }),
    m.defineType({ name: 'pair', refs: 2, ints: 1 }),
    m.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' }),
    m.defineType({ name: 'blob', refs: 1, ints: 1, variable: 'bytes' }),
    m.defineType({ name: 'segment', refs: 0, variable: 'refs' }),
  ]
  const [LEAF, PAIR, VEC, BLOB, SEGMENT] = [0, 1, 2, 3, 4]

  const idIn = (slot: Slot): number => (slot >= 0 ? localIds[slot] : globalIds[-1 - slot])
  const setId = (slot: Slot, id: number): void => {
    if (slot >= 0) localIds[slot] = id
    else if (-1 - slot < globalIds.length) globalIds[-1 - slot] = id
  }
  const mismatch = (what: string, holder: number, field: number, expected: number, actual: number): never => {
    throw new ConformanceFailure(
      `shadow graph (seed ${options.seed}): ${what} at op ${ops}: field ${field} of object ${holder} (${TYPE_NAMES[shadow.typeOf[holder]]}) holds object ${actual}, expected ${expected === NONE ? 'null' : `object ${expected}`}`,
    )
  }

  const notLive = (id: number): never => {
    throw new ConformanceFailure(
      `shadow graph (seed ${options.seed}): verify at op ${ops}: object ${id} (${TYPE_NAMES[shadow.typeOf[id]]}) is reachable but forEachLiveId does not list it`,
    )
  }

  const alloc = (dst: Slot, kind: number, length?: number): number => {
    m.alloc(dst, types[kind], length)
    ops++
    const id = m.objectId(dst)
    const refs = kind === PAIR ? 2 : kind === BLOB ? 1 : kind === LEAF ? 0 : (length ?? 0)
    shadow.create(id, refs, kind)
    setId(dst, id)
    allocated++
    return id
  }
  const load = (dst: Slot, obj: Slot, field: number): number => {
    const holder = idIn(obj)
    const expected = shadow.get(holder, field)
    m.load(dst, obj, field)
    ops++
    checkedLoads++
    const actual = m.objectId(dst)
    if (actual !== expected) mismatch('load', holder, field, expected, actual)
    setId(dst, expected)
    return expected
  }
  const store = (obj: Slot, field: number, src: Slot): void => {
    m.store(obj, field, src)
    ops++
    shadow.set(idIn(obj), field, idIn(src))
  }
  const clear = (dst: Slot): void => {
    m.clear(dst)
    ops++
    setId(dst, NONE)
  }
  const move = (dst: Slot, src: Slot): void => {
    m.move(dst, src)
    ops++
    setId(dst, idIn(src))
  }

  /** Load directory entry k into dst. */
  const loadEntry = (dst: Slot, k: number): number =>
    load(dst, globalSlot(Math.floor(k / segment)), k % segment)
  const storeEntry = (k: number, src: Slot): void =>
    store(globalSlot(Math.floor(k / segment)), k % segment, src)
  /** A small object in dst whose fields point at random directory entries (or null). */
  const smallObject = (dst: Slot, from: Slot): void => {
    const r = rng.int(100)
    const kind = r < 30 ? LEAF : r < 80 ? PAIR : VEC
    const id = alloc(dst, kind, kind === VEC ? rng.int(9) : undefined)
    const n = shadow.fieldCount[id]
    for (let f = 0; f < n; f++) {
      if (rng.chance(0.3)) continue
      loadEntry(from, rng.int(filled))
      store(dst, f, from)
    }
  }
  const blob = (dst: Slot): void => {
    alloc(dst, BLOB, blobMin + rng.int(blobMax - blobMin + 1))
  }

  m.pushFrame(LOCALS)
  ops++
  for (let s = 0; s < segments; s++) alloc(globalSlot(s), SEGMENT, Math.min(segment, retained - s * segment))
  alloc(globalSlot(blobTable), SEGMENT, blobSlots)
  let filled = 0
  for (; filled < retained; ) {
    if (filled === 0) alloc(L0, LEAF)
    else smallObject(L0, L1)
    storeEntry(filled, L0)
    filled++
  }

  const stackIds = new Int32Array(1024)
  const stackField = new Int32Array(1024)
  let stack = { ids: stackIds, fields: stackField }
  let visitMark = new Uint32Array(1024)
  let epoch = 0

  /** Walk everything reachable from the program's slots, checking every field against the shadow graph. */
  const verify = (): void => {
    epoch++
    if (visitMark.length < shadow.fieldStart.length) {
      const v = new Uint32Array(shadow.fieldStart.length)
      v.set(visitMark)
      visitMark = v
    }
    const live = new Uint8Array(shadow.fieldStart.length)
    m.forEachLiveId((id) => {
      if (id >= 0 && id < live.length) live[id] = 1
    })
    let reached = 0
    const roots: Slot[] = []
    for (let i = 0; i < LOCALS; i++) roots.push(i)
    for (let g = 0; g < stackBase; g++) roots.push(globalSlot(g))
    let deepest = 0
    for (const root of roots) {
      const id = idIn(root)
      if (id === NONE || visitMark[id] === epoch) continue
      visitMark[id] = epoch
      reached++
      if (live[id] !== 1) notLive(id)
      move(globalSlot(stackBase), root)
      stack.ids[0] = id
      stack.fields[0] = 0
      let depth = 0
      while (depth >= 0) {
        const holder = stack.ids[depth]
        const f = stack.fields[depth]
        if (f >= shadow.fieldCount[holder]) {
          depth--
          continue
        }
        stack.fields[depth] = f + 1
        const expected = shadow.get(holder, f)
        if (depth + 1 >= globals - stackBase) {
          globals = stackBase + Math.max(2 * (globals - stackBase), 64)
          m.defineGlobals(globals)
        }
        m.load(globalSlot(stackBase + depth + 1), globalSlot(stackBase + depth), f)
        ops++
        checkedLoads++
        const actual = m.objectId(globalSlot(stackBase + depth + 1))
        if (actual !== expected) mismatch('verify', holder, f, expected, actual)
        if (expected === NONE || visitMark[expected] === epoch) continue
        visitMark[expected] = epoch
        reached++
        if (live[expected] !== 1) notLive(expected)
        depth++
        if (depth > deepest) deepest = depth
        if (depth >= stack.ids.length)
          stack = { ids: grow(stack.ids, depth * 2), fields: grow(stack.fields, depth * 2) }
        stack.ids[depth] = expected
        stack.fields[depth] = 0
      }
    }
    // The path globals must not keep anything alive once the walk is over.
    for (let d = 0; d <= deepest + 1 && stackBase + d < globals; d++) {
      m.clear(globalSlot(stackBase + d))
      ops++
    }
    verifiedObjects = reached
  }

  const start = ops
  let nextVerify = verifyEvery > 0 ? start + verifyEvery : Number.POSITIVE_INFINITY
  while (ops - start < options.ops) {
    const r = rng.int(100)
    if (rng.chance(blobChance)) {
      // A new blob pointing into the retained heap or at a young object; kept in the table or dropped.
      blob(L3)
      if (rng.chance(0.5)) loadEntry(L1, rng.int(retained))
      else alloc(L1, rng.chance(0.5) ? LEAF : PAIR)
      store(L3, 0, L1)
      if (rng.chance(0.7)) store(globalSlot(blobTable), rng.int(blobSlots), L3)
      clear(L3)
    } else if (r < 30) {
      // Replace a directory entry with a new object: the old one dies unless a field holds it.
      smallObject(L0, L1)
      storeEntry(rng.int(retained), L0)
    } else if (r < 45) {
      // A store into a retained object: of another retained object, or of a new young one.
      if (loadEntry(L0, rng.int(retained)) === NONE) continue
      const n = shadow.fieldCount[idIn(L0)]
      if (n === 0) continue
      if (rng.chance(0.5)) loadEntry(L1, rng.int(retained))
      else alloc(L1, LEAF)
      store(L0, rng.int(n), L1)
    } else if (r < 55) {
      // A read through a retained object.
      if (loadEntry(L0, rng.int(retained)) === NONE) continue
      const n = shadow.fieldCount[idIn(L0)]
      if (n > 0) load(L1, L0, rng.int(n))
    } else if (r < 66) {
      // Short-lived garbage, linked to the retained heap (old objects referenced from young ones).
      smallObject(L2, L1)
      if (rng.chance(0.5)) smallObject(L2, L1)
      clear(L2)
    } else if (r < 72) {
      // A kept blob's field gets a new referent: a young object only the blob holds, or a retained one.
      if (load(L3, globalSlot(blobTable), rng.int(blobSlots)) === NONE) continue
      if (rng.chance(0.6)) smallObject(L1, L2)
      else loadEntry(L1, rng.int(retained))
      store(L3, 0, L1)
      clear(L1)
      if (rng.chance(0.8)) clear(L3)
    } else if (r < 80) {
      // Read a kept blob's referent (and one of its fields).
      if (load(L3, globalSlot(blobTable), rng.int(blobSlots)) === NONE) continue
      if (load(L1, L3, 0) !== NONE) {
        const n = shadow.fieldCount[idIn(L1)]
        if (n > 0) load(L2, L1, rng.int(n))
      }
      clear(L3)
    } else if (r < 86) {
      // Put a retained or blob-held object in the directory (sharing: a DAG).
      if (rng.chance(0.5)) loadEntry(L0, rng.int(retained))
      else if (load(L0, globalSlot(blobTable), rng.int(blobSlots)) === NONE || load(L0, L0, 0) === NONE)
        continue
      storeEntry(rng.int(retained), L0)
    } else if (r < 94) {
      const d = rng.int(3)
      if (rng.chance(0.5)) clear(d)
      else move(d, rng.int(LOCALS))
    } else {
      if (rng.chance(collectChance * 16)) {
        m.collect(rng.chance(0.5) ? undefined : rng.int(generations))
        ops++
      }
    }
    if (ops >= nextVerify) {
      verify()
      nextVerify = ops + verifyEvery
    }
  }
  verify()
  return { ops, allocated, checkedLoads, verifiedObjects }
}
