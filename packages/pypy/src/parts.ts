/**
 * PyPy's RPython parts of an old object, each in its own arena block.
 *
 * An interface object is two to five RPython objects in PyPy (layout.ts): a list is a
 * W_ListObject (24 B), an RPython list (24) and an items array (16 + 8n). A minor collection
 * moves each part out of the nursery by itself (_trace_drag_out, incminimark.py:2083), so
 * each takes a block of its own size class in the arenas (_malloc_out_of_nursery, line 2229):
 * the 24- and 32-byte parts fill the free blocks of the interpreter's startup pages of those
 * classes (pypy3 7.3.11's startup heap has 30,896 free 24-byte and 27,118 free 32-byte blocks
 * in its pages, measured from gc.dump_rpy_heap; FIDELITY.md, "Major steps"), and the sweep
 * walks the pages of each class. The model keeps the object's words in one block (the nursery
 * copy, references, fields) but gives the old copy the arena blocks PyPy's parts have: a main
 * block of the part(s) that hold the model's words, and one block per other part. Those
 * part blocks are marked with the object and swept in their own pages; they hold nothing.
 */
import type { GcState } from './gc-state.js'
import { LIFELINE_PARTS, WEAKREF_PARTS } from './layout.js'
import {
  H_EXTRA,
  H_LEN,
  H_TID,
  H_WORDS,
  LIFELINE_TYPE,
  MAX_PROGRAM_TYPES,
  PART_TYPE,
  PARTS_MASK,
  PARTS_SHIFT,
  TYPE_MASK,
  VISITED,
  WEAKREF_TYPE,
} from './objects.js'

/** More than any layout has (a list subclass with a payload: 7). */
const MAX_PARTS = 8

export class Parts {
  /** The parts' sizes, then (for the blocks of their own) their addresses. */
  private readonly parts = new Int32Array(MAX_PARTS)
  private readonly inMain = new Uint8Array(MAX_PARTS)
  private count = 0
  /** Bytes of the last main block allocated: what the object's copy may fill. */
  copyBytes = 0

  constructor(private readonly s: GcState) {}

  /**
   * The arena blocks for the old copy of the object at `from` (`size` bytes, at most 280), in
   * the parts' order: returns the main block's address (0: out of memory) and sets copyBytes;
   * `attach` then records the part blocks in the copy.
   */
  allocate(from: number, size: number): number {
    const ac = this.s.ac
    this.copyBytes = size
    if (this.plan(from, size) <= 1) return ac.malloc(size)
    const parts = this.parts
    const inMain = this.inMain
    let mainBytes = 0
    for (let i = 0; i < this.count; i++) if (inMain[i] === 1) mainBytes += parts[i]
    let main = 0
    for (let i = 0; i < this.count; i++) {
      if (inMain[i] === 1) {
        if (main === 0) main = ac.malloc(mainBytes)
        if (main === 0) return 0
        continue
      }
      const p = ac.malloc(parts[i])
      if (p === 0) return 0
      const w = this.s.mem.w
      w[(p >> 2) + H_TID] = PART_TYPE
      w[(p >> 2) + H_EXTRA] = parts[i]
      parts[i] = p
    }
    this.copyBytes = mainBytes
    return main
  }

  /** After the copy to `to`: its part blocks' addresses after its fields, their count in its tid. */
  attach(to: number): void {
    if (this.count <= 1) return
    const w = this.s.mem.w
    const at = (to >> 2) + H_WORDS + this.s.heap.fieldWords(to)
    let k = 0
    for (let i = 0; i < this.count; i++) if (this.inMain[i] === 0) w[at + k++] = this.parts[i]
    w[to >> 2] = (w[to >> 2] & ~PARTS_MASK) | (k << PARTS_SHIFT)
  }

  /**
   * Which parts share the main block: the largest, then the next largest while the model's
   * words (header, fields, one address per other part) do not fit. Returns the number of
   * parts, 1 when the object keeps one block (an internal block, a tuple, or parts that do
   * not sum to its size).
   */
  private plan(from: number, size: number): number {
    const s = this.s
    const w = s.mem.w
    const t = w[(from >> 2) + H_TID] & TYPE_MASK
    const parts = this.parts
    let n = 1
    if (t < MAX_PROGRAM_TYPES) n = s.heap.types.layouts[t].parts(w[(from >> 2) + H_LEN], parts)
    else if (t === WEAKREF_TYPE) n = copyParts(WEAKREF_PARTS, parts)
    else if (t === LIFELINE_TYPE) {
      n = copyParts(LIFELINE_PARTS, parts)
      parts[0] += size - sum(parts, n) // the target's storage growth (manager.ts weakref)
    }
    this.count = 1
    if (n <= 1 || sum(parts, n) !== size) return 1
    const inMain = this.inMain
    inMain.fill(0)
    const need = 4 * (H_WORDS + s.heap.fieldWords(from))
    let mainBytes = 0
    let others = n
    while (others > 0) {
      let best = -1
      for (let i = 0; i < n; i++) if (inMain[i] === 0 && (best < 0 || parts[i] > parts[best])) best = i
      inMain[best] = 1
      mainBytes += parts[best]
      others--
      if (mainBytes >= need + 4 * others) break
    }
    if (others === 0) return 1
    this.count = n
    return n
  }
}

function copyParts(parts: readonly number[], out: Int32Array): number {
  for (let i = 0; i < parts.length; i++) out[i] = parts[i]
  return parts.length
}

function sum(xs: Int32Array, n: number): number {
  let total = 0
  for (let i = 0; i < n; i++) total += xs[i]
  return total
}

/** Mark the part blocks of the object at `a` with it (the major collection's visit). */
export function markParts(w: Int32Array, a: number, fieldWords: number): void {
  const k = (w[a >> 2] & PARTS_MASK) >>> PARTS_SHIFT
  const at = (a >> 2) + H_WORDS + fieldWords
  for (let i = 0; i < k; i++) {
    const p = w[at + i]
    w[p >> 2] |= VISITED
  }
}
