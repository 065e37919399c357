/**
 * The nursery: a fixed block where young objects are bump-allocated (incminimark.py:637
 * malloc_fixedsize and 693 malloc_varsize: `result = nursery_free; nursery_free += totalsize;
 * if nursery_free > nursery_top: collect_and_reserve`). A minor collection moves every
 * survivor out and the whole nursery is free again.
 */
import { MIN_NURSERY_OBJECT_BYTES } from './constants.js'
import type { Memory } from './memory.js'

export class Nursery {
  free: number
  top: number
  /** Where the objects allocated since the last minor collection start (see applyTiny). */
  base: number
  /** Bytes applyTiny skipped after the first object (nothing lives in [gapStart, gapEnd)). */
  gapStart = -1
  gapEnd = -1
  /** Objects allocated in the nursery since the last minor collection. */
  objects = 0
  /** The program's objects among them (not the int boxes and lifelines PyPy makes itself) and their bytes. */
  programObjects = 0
  programBytes = 0

  constructor(private readonly mem: Memory) {
    this.free = mem.nurseryStart
    this.top = mem.nurseryEnd
    this.base = mem.nurseryStart
  }

  /** Bump-allocate `size` bytes, or 0 when they do not fit (then collect_and_reserve runs). */
  bump(size: number): number {
    const a = this.free
    if (a + size > this.top) return 0
    this.free = a + size
    return a
  }

  /** The size a nursery allocation takes: at least the forwarding stub (incminimark.py:669). */
  static blockSize(size: number): number {
    return Math.max(size, MIN_NURSERY_OBJECT_BYTES)
  }

  used(): number {
    return this.free - this.base - (this.gapStart >= 0 ? this.gapEnd - this.gapStart : 0)
  }

  /** After a minor collection: zero what was used (arena_reset) and start again at the bottom. */
  reset(): void {
    // applyTiny's gap was never written (it is still zero from the last reset): zeroing only what
    // was used keeps a tiny-nursery collection's host cost in proportion to its few allocations,
    // not to the whole 264 KiB nursery.
    if (this.gapStart >= 0) {
      this.mem.zero(this.base, this.gapStart - this.base)
      this.mem.zero(this.gapEnd, this.free - this.gapEnd)
    } else this.mem.zero(this.base, this.free - this.base)
    this.free = this.mem.nurseryStart
    this.top = this.mem.nurseryEnd
    this.base = this.mem.nurseryStart
    this.gapStart = -1
    this.gapEnd = -1
    this.objects = 0
    this.programObjects = 0
    this.programBytes = 0
  }

  /**
   * PYPY_GC_NURSERY below the minimum (incminimark.py:919): after a collection, pretend only
   * `tiny` bytes are left, so that collections come every few allocations.
   */
  applyTiny(tiny: number): void {
    if (tiny >= 0 && this.top - this.free > tiny) {
      this.gapStart = this.free
      this.free = this.top - tiny
      this.gapEnd = this.free
    }
  }
}
