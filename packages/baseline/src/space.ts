/**
 * The baseline's one space: a segregated-fit free-list heap in a single growable ArrayBuffer.
 *
 * Addresses are byte offsets into the buffer; 0 is null, so the first cell starts at
 * HEAP_START. Every byte between HEAP_START and the frontier belongs to exactly one cell
 * (live or free) whose header gives its size, so the heap can be parsed linearly: that is
 * how the sweep finds every object without a side table.
 *
 * Small cells (up to MAX_SMALL bytes) come from exact size-class lists, one per multiple of 8,
 * and when their list is empty from the top of a free large chunk. Larger cells ("large
 * objects") are chunks taken first-fit from one list (in the sweep's threading order) and
 * split from the top. The sweep coalesces a free large chunk with the free cells that follow
 * it (small ones too: the lists are rebuilt from scratch each sweep, so a cell may change
 * list), and a free run that ends at the frontier is given back by lowering the frontier. When a list
 * is empty the space bumps the frontier, growing the buffer when needed, never beyond the
 * limit (default and hard cap: 2 GiB, so addresses fit an Int32 mark stack).
 *
 * Growth: the buffer doubles (a copy) up to RESERVE_AFTER; past that it is replaced once by
 * a buffer of the whole limit. Node allocates large zeroed ArrayBuffers with calloc, which
 * maps fresh zero pages that the OS commits only when touched, so this reservation costs
 * resident memory only for the bytes the heap really uses — and it avoids the copy spikes
 * (old + new buffer alive at once) that would make a 400 MB heap briefly need 1 GB.
 * (A resizable ArrayBuffer would avoid the copy too, but its length-tracking views were
 * about 2x slower per access on Node 20.)
 *
 * That capacity is the space's committed size. The buffer under it may be longer: the one a
 * released manager's space left (core host-buffers.ts), whose pages are resident already,
 * where a fresh buffer's first write to each page is a fault; growing within it moves the
 * capacity and copies nothing. Capacity and growths are the same figures either way.
 */
import { type BufferWriter, lendHostBuffer, reuseHostBuffer } from '@pygc/core'
import { ALIGN, FREE_BIT, HEADER_BYTES, SIZE_MASK } from './layout.js'

/** Address 0 is null; the first cell starts after one reserved header's worth of bytes. */
export const HEAP_START = 16
/** Largest small cell: above this an object is a large chunk (a common segregated-fit cutoff, cf. Boehm GC's MAXOBJBYTES of half a 4 KiB block; smaller here to keep class lists few). */
export const MAX_SMALL = 512
/** Addresses must fit a signed 32-bit mark stack entry. */
export const MAX_HEAP_BYTES = 2 ** 31 - ALIGN
const INITIAL_CAPACITY = 1 << 20
/** Past this capacity the buffer grows straight to the limit (see the file comment). */
const RESERVE_AFTER = 64 << 20

export class FreeListSpace implements BufferWriter {
  buffer: ArrayBuffer
  u32: Uint32Array
  i32: Int32Array
  /** One past the last byte handed out: the heap in use, and the footprint. */
  frontier = HEAP_START
  /** The space never grows past this many bytes. */
  readonly limit: number
  /** Heads of the small size-class lists, indexed by size / 8. */
  readonly smallHeads = new Uint32Array(MAX_SMALL / ALIGN + 1)
  largeHead = 0
  /** Bytes held in free cells (on any list). */
  freeBytes = 0
  /** Times the buffer was grown (a copy each). */
  growths = 0
  /** Bytes committed (see the file comment): the buffer may be longer. */
  private committed: number
  /** The highest frontier so far: nothing at or above it was ever written. */
  private peakFrontier = HEAP_START

  // Sweep state: the run of adjacent free large chunks being coalesced.
  private runStart = 0
  private runEnd = 0

  /** `owner` is the manager: once it is released or garbage, the buffer may go to another space. */
  constructor(limit: number, owner: object) {
    this.limit = Math.min(limit, MAX_HEAP_BYTES)
    this.committed = Math.min(INITIAL_CAPACITY, Math.max(HEAP_START, this.limit))
    this.buffer =
      reuseHostBuffer(this.committed, Math.max(this.limit, this.committed)) ?? new ArrayBuffer(this.committed)
    lendHostBuffer(owner, this)
    this.u32 = new Uint32Array(this.buffer)
    this.i32 = new Int32Array(this.buffer)
  }

  get capacity(): number {
    return this.committed
  }

  hostBuffer(): ArrayBuffer {
    return this.buffer
  }

  writtenRanges(): readonly number[] {
    return [0, Math.max(this.peakFrontier, this.frontier)]
  }

  /** A cell of exactly `size` bytes (a multiple of 8, >= 16), or 0 when the limit forbids it. Header words are not written. */
  allocate(size: number): number {
    if (size <= MAX_SMALL) {
      const cls = size / ALIGN
      const a = this.smallHeads[cls]
      if (a !== 0) {
        this.smallHeads[cls] = this.u32[(a + 8) >>> 2]
        this.freeBytes -= size
        return a
      }
    }
    // An empty class list (or a large request) splits a free chunk before growing the heap.
    if (this.largeHead !== 0) {
      const a = this.allocateLarge(size)
      if (a !== 0) return a
    }
    return this.bump(size)
  }

  /** First fit over the large list; splits a bigger chunk from its top so the chunk's list link stays put. */
  private allocateLarge(size: number): number {
    const u32 = this.u32
    let prev = 0
    let a = this.largeHead
    while (a !== 0) {
      const chunk = u32[a >>> 2] & SIZE_MASK
      const next = u32[(a + 8) >>> 2]
      const rest = chunk - size
      if (rest === 0 || rest >= HEADER_BYTES) {
        if (rest === 0 || rest <= MAX_SMALL) {
          if (prev === 0) this.largeHead = next
          else u32[(prev + 8) >>> 2] = next
          this.freeBytes -= chunk
          if (rest !== 0) this.threadFree(a, rest)
        } else {
          u32[a >>> 2] = rest | FREE_BIT
          this.freeBytes -= size
        }
        return a + rest
      }
      prev = a
      a = next
    }
    return 0
  }

  private bump(size: number): number {
    const a = this.frontier
    const end = a + size
    if (end > this.capacity && !this.grow(end)) return 0
    this.frontier = end
    return a
  }

  private grow(needed: number): boolean {
    if (needed > this.limit) return false
    const doubled = this.capacity * 2
    const size = doubled > RESERVE_AFTER ? this.limit : Math.min(this.limit, Math.max(needed, doubled))
    if (size > this.buffer.byteLength) {
      const next = new ArrayBuffer(size)
      new Uint8Array(next).set(new Uint8Array(this.buffer, 0, this.frontier))
      this.buffer = next
      this.u32 = new Uint32Array(next)
      this.i32 = new Int32Array(next)
    }
    this.committed = size
    this.growths++
    return true
  }

  /** Mark a cell free and push it on its list (small: its class; large: the large list). */
  threadFree(a: number, size: number): void {
    const u32 = this.u32
    u32[a >>> 2] = size | FREE_BIT
    if (size <= MAX_SMALL) {
      const cls = size / ALIGN
      u32[(a + 8) >>> 2] = this.smallHeads[cls]
      this.smallHeads[cls] = a
    } else {
      u32[(a + 8) >>> 2] = this.largeHead
      this.largeHead = a
    }
    this.freeBytes += size
  }

  /** The sweep rebuilds every list from scratch: forget the old ones. */
  beginSweep(): void {
    if (this.frontier > this.peakFrontier) this.peakFrontier = this.frontier // endSweep may lower it
    this.smallHeads.fill(0)
    this.largeHead = 0
    this.freeBytes = 0
    this.runStart = 0
    this.runEnd = 0
  }

  /** The sweep found a free (or just-freed) cell: thread it, coalescing adjacent large chunks. */
  sweepFree(a: number, size: number): void {
    if (this.runStart !== 0 && this.runEnd === a) {
      this.runEnd = a + size // small cells right after a large chunk join its run
    } else if (size <= MAX_SMALL) {
      this.flushRun()
      this.threadFree(a, size)
    } else {
      this.flushRun()
      this.runStart = a
      this.runEnd = a + size
    }
  }

  /** The sweep found a live cell: it ends any run of free chunks. */
  sweepLive(): void {
    if (this.runStart !== 0) this.flushRun()
  }

  /** Finish the sweep; a free run reaching the frontier is returned by lowering the frontier. */
  endSweep(): void {
    if (this.runStart !== 0 && this.runEnd === this.frontier) {
      this.frontier = this.runStart
      this.runStart = 0
    }
    this.flushRun()
  }

  private flushRun(): void {
    if (this.runStart === 0) return
    this.threadFree(this.runStart, this.runEnd - this.runStart)
    this.runStart = 0
  }
}
