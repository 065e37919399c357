/**
 * The interpreter's state at the first op (options.ts StartingState): a real python3 is never
 * empty when a program starts — its own tracked objects sit in the generations (and, after
 * gc.freeze(), in the permanent generation), gc.get_count() is not zero, and the free lists hold
 * dead objects. `pygc validate` reads that state from the real runtime and the model starts from
 * it. The interpreter's own objects are static stand-ins (no id, no fields, never freed).
 */
import { PygcError } from '@pygc/core'
import {
  LIST_MAXFREELIST,
  NB_SMALL_SIZE_CLASSES,
  NUM_GENERATIONS,
  TUPLE_MAXFREELIST,
  TUPLE_NFREELISTS,
} from './constants.js'
import type { GcState } from './gc-state.js'
import { F_FREELISTED, F_INTERNAL, F_LIVE, GEN0, GEN1, GEN2, PERMANENT } from './heap.js'
import { Kind, STATIC_OBJECT_BYTES, tupleBytes } from './layout.js'
import type { StartingState } from './options.js'
import { reserveBlock, seedPymalloc } from './pymalloc-start.js'

const GEN_HEADS = [GEN0, GEN1, GEN2]

export function applyStartingState(st: GcState, start: StartingState | undefined): void {
  if (!start) return
  const gens = start.generations ?? [0, 0, 0]
  if (start.pymalloc) seedPymalloc(st.pymalloc, start.pymalloc, startupBlocks(start))
  for (let g = 0; g < NUM_GENERATIONS; g++) {
    const n = gens[g] ?? 0
    if (!Number.isInteger(n) || n < 0)
      throw new PygcError('INVALID_OPTION', `start.generations[${g}] must be an integer >= 0, got ${n}`)
    for (let i = 0; i < n; i++) staticObject(st, GEN_HEADS[g])
  }
  for (let i = 0; i < (start.permanent ?? 0); i++) staticObject(st, PERMANENT)
  const counts = start.counts ?? [0, 0, 0]
  for (let g = 0; g < NUM_GENERATIONS; g++) st.count[g] = counts[g] ?? 0
  st.longLivedTotal = start.longLivedTotal ?? gens[2] ?? 0
  st.longLivedPending = start.longLivedPending ?? 0
  const fl = start.freeLists ?? {}
  for (let i = 0; i < Math.min(fl.list ?? 0, LIST_MAXFREELIST); i++) {
    st.freeLists.tryPushList(deadBlock(st, Kind.List, STATIC_OBJECT_BYTES, 0))
  }
  const tuples = fl.tuple ?? []
  for (let n = 1; n <= TUPLE_NFREELISTS; n++) {
    for (let i = 0; i < Math.min(tuples[n - 1] ?? 0, TUPLE_MAXFREELIST); i++) {
      st.freeLists.tryPushTuple(deadBlock(st, Kind.Tuple, tupleBytes(n), n), n)
    }
  }
  st.freeLists.setDictCount(fl.dict ?? 0)
  st.stats.peakFootprintBytes = st.pymalloc.footprint
}

/** The blocks the model's start-up objects below take, per size class (part of start.pymalloc's). */
function startupBlocks(start: StartingState): Float64Array {
  const reserved = new Float64Array(NB_SMALL_SIZE_CLASSES)
  const gens = start.generations ?? [0, 0, 0]
  const statics = (gens[0] ?? 0) + (gens[1] ?? 0) + (gens[2] ?? 0) + (start.permanent ?? 0)
  const lists = Math.min(start.freeLists?.list ?? 0, LIST_MAXFREELIST)
  reserveBlock(reserved, STATIC_OBJECT_BYTES, statics + lists)
  const tuples = start.freeLists?.tuple ?? []
  for (let n = 1; n <= TUPLE_NFREELISTS; n++)
    reserveBlock(reserved, tupleBytes(n), Math.min(tuples[n - 1] ?? 0, TUPLE_MAXFREELIST))
  return reserved
}

/** One of the interpreter's own tracked objects, linked into list `head`. */
function staticObject(st: GcState, head: number): void {
  const heap = st.heap
  const h = heap.newHandle()
  heap.address[h] = st.pymalloc.malloc(STATIC_OBJECT_BYTES)
  heap.objBytes[h] = STATIC_OBJECT_BYTES
  heap.kind[h] = Kind.Static
  heap.type[h] = -1
  heap.refcnt[h] = 1
  heap.flags[h] = F_LIVE | F_INTERNAL
  heap.oid[h] = -1
  heap.fieldBase[h] = 0
  heap.nrefs[h] = 0
  heap.setNints(h, 0)
  heap.listAppend(h, head)
}

/** A dead object already in a free list: its block kept, nothing else. */
function deadBlock(st: GcState, kind: number, bytes: number, size: number): number {
  const heap = st.heap
  const h = heap.newHandle()
  heap.address[h] = st.pymalloc.malloc(bytes)
  heap.objBytes[h] = bytes
  heap.kind[h] = kind
  heap.flags[h] = F_FREELISTED
  heap.nrefs[h] = size // a tuple's items (its free list is per size); 0 for a list
  heap.setNints(h, 0)
  heap.fieldBase[h] = 0 // no cells: the object made from it takes fresh ones (allocation.ts)
  return h
}
