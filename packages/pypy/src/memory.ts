/**
 * The process's memory as the model sees it: one growable ArrayBuffer of real addresses.
 *
 *   0 .. 4K          never used, so address 0 is null
 *   nursery          nursery_size bytes, allocated once (incminimark.py:526 _alloc_nursery; the
 *                    large_object extra bytes PyPy adds at its end are never allocated from)
 *   above            what PyPy gets from malloc(): minimarkpage arenas (512 KiB each) and
 *                    raw-malloced objects (large young objects, old objects above 280 bytes,
 *                    with their card-marking bytes in front)
 *
 * malloc() is modeled as mmap: whole pages, taken from the gaps freed blocks left
 * (free-page-ranges.ts) or else from a bump pointer. Addresses returned are 16 bytes past a page
 * boundary, as glibc's for mmap'ed chunks (constants.ts MALLOC_CHUNK_HEADER), so an arena spans
 * 63 whole pages like a real one. A block is zero when malloc returns it, as fresh mmap pages
 * are. How much memory the model's address space takes is not a figure: footprints are PyPy's
 * own counters (arena and raw-malloc bytes), not this buffer.
 */
import { type BufferWriter, OutOfMemoryError, PygcError, takeHostBuffer } from '@pygc/core'
import { MALLOC_CHUNK_HEADER } from './constants.js'
import { FreePageRanges } from './free-page-ranges.js'

export const NULL_PAGE = 4096
/** Copies up to this size are a word loop rather than TypedArray.copyWithin (a call per object). */
const SMALL_COPY_BYTES = 128
const OS_PAGE = 4096
/** Addresses are int32 words here: the whole space stays below 2 GiB. */
export const MAX_ADDRESS = 2 ** 31 - OS_PAGE

/**
 * The MemoryError of an allocation that failed because malloc() returned 0: the model's own limit,
 * not PyPy's. A 64-bit PyPy maps what the OS gives (with PYPY_GC_MAX unset it has no heap limit),
 * so a run that ends here measures the model's int32 addresses, not the runtime (FIDELITY.md,
 * "The model's address space"). `context` says what was being allocated.
 */
export function addressSpaceExhausted(size: number, context: string): OutOfMemoryError {
  return new OutOfMemoryError(
    'MemoryError',
    size,
    `${context}: the model's address space of 2 GiB is exhausted (its addresses are int32 words; PyPy on 64-bit has no such limit)`,
    { reason: 'model-address-space' },
  )
}

/**
 * The address space at once, MAX_ADDRESS bytes, as an OS reserves virtual memory: the host maps
 * a page only when it is first written (a big zeroed ArrayBuffer is calloc'ed, i.e. fresh mmap
 * pages), so untouched addresses cost no resident memory, and the buffer never has to be copied
 * into a bigger one (each doubling copy touched every page again: most of create()'s time).
 * Where the host refuses that much, the buffer starts at `fallback` bytes and doubles. The
 * reservation of a garbage-collected model is reused (core host-buffers.ts): its pages are resident.
 */
function reserve(owner: object, writer: BufferWriter, fallback: number): ArrayBuffer {
  try {
    return takeHostBuffer(owner, MAX_ADDRESS, writer)
  } catch (e) {
    if (!(e instanceof RangeError)) throw e
    return new ArrayBuffer(fallback)
  }
}

/** A memory's contents and allocator as a copy that shares nothing with it (startup-image.ts). */
export interface MemoryImage {
  readonly brk: number
  /** The words that are not zero, as word indices (ascending) and their values: the rest is zero. */
  readonly wordIndex: Int32Array
  readonly wordValue: Int32Array
  readonly freePages: FreePageRanges
}

export class Memory implements BufferWriter {
  buffer: ArrayBuffer
  /** The heap as signed 32-bit words (address >> 2): headers, references, ints. */
  w: Int32Array
  /** The same bytes, for card marks. */
  bytes: Uint8Array
  readonly nurseryStart: number
  readonly nurseryEnd: number
  private brk: number
  private readonly freePages = new FreePageRanges()

  /** `owner` holds this memory for its life (the GC state): once it is garbage, the buffer may be reused. */
  constructor(nurseryBytes: number, owner: object) {
    this.nurseryStart = NULL_PAGE
    this.nurseryEnd = NULL_PAGE + nurseryBytes
    this.brk = this.freshBreak()
    this.buffer = reserve(owner, this, this.brk + 4 * 1024 * 1024)
    this.w = new Int32Array(this.buffer)
    this.bytes = new Uint8Array(this.buffer)
  }

  /**
   * malloc(size): a zeroed block of at least `size` bytes (rounded up to 16) whose address is 16
   * past a page boundary; 0 when the model's address space is exhausted.
   */
  malloc(size: number): number {
    const rounded = Math.ceil(size / 16) * 16
    const pages = pagesOf(rounded)
    const page = this.freePages.take(pages)
    if (page >= 0) {
      // A gap a freed block left: the block's bytes may hold what that block had.
      const a = page * OS_PAGE + MALLOC_CHUNK_HEADER
      this.zero(a, rounded)
      return a
    }
    const start = this.brk
    const end = start + pages * OS_PAGE
    if (end > MAX_ADDRESS) return 0
    this.brk = end
    this.ensure(end)
    return start + MALLOC_CHUNK_HEADER
  }

  /** free(a) of a block malloc(size) returned: its pages become a gap the next malloc may take. */
  free(a: number, size: number): void {
    const rounded = Math.ceil(size / 16) * 16
    this.freePages.give((a - MALLOC_CHUNK_HEADER) / OS_PAGE, pagesOf(rounded))
  }

  /** Everything ever written lies below the break (the nursery included): brk never falls. */
  writtenRanges(): readonly number[] {
    return [0, this.brk]
  }

  /**
   * A copy of this memory: its words (stored sparsely: a start-up heap is mostly zero, headers
   * 280 bytes apart and untouched nursery and raw blocks), its break and its free ranges.
   */
  image(): MemoryImage {
    const w = this.w
    const end = this.brk >> 2
    let count = 0
    for (let i = 0; i < end; i++) if (w[i] !== 0) count++
    const wordIndex = new Int32Array(count)
    const wordValue = new Int32Array(count)
    for (let i = 0, j = 0; i < end; i++) {
      if (w[i] === 0) continue
      wordIndex[j] = i
      wordValue[j++] = w[i]
    }
    const freePages = new FreePageRanges()
    freePages.copyFrom(this.freePages)
    return { brk: this.brk, wordIndex, wordValue, freePages }
  }

  /**
   * Become the memory `image` was taken of: the same bytes at the same addresses, the same
   * break and free ranges. This memory must be fresh (all zero, as its buffer comes, and
   * nothing malloc'ed yet), with the same nursery.
   */
  restore(image: MemoryImage): void {
    if (this.brk !== this.freshBreak() || image.brk < this.brk) {
      throw new PygcError(
        'INTERNAL',
        'pypy memory: an image is restored only into a fresh memory of its nursery',
      )
    }
    this.ensure(image.brk)
    this.brk = image.brk
    const w = this.w
    const { wordIndex, wordValue } = image
    for (let i = 0; i < wordIndex.length; i++) w[wordIndex[i]] = wordValue[i]
    this.freePages.copyFrom(image.freePages)
  }

  hostBuffer(): ArrayBuffer {
    return this.buffer
  }

  inNursery(a: number): boolean {
    return a >= this.nurseryStart && a < this.nurseryEnd
  }

  /** Zero [a, a + size). */
  zero(a: number, size: number): void {
    this.w.fill(0, a >> 2, (a + size) >> 2)
  }

  /** Copy `size` bytes from `from` to `to` (word aligned, non-overlapping). */
  copy(from: number, to: number, size: number): void {
    const w = this.w
    // Most objects a minor collection drags out are a few words: a loop beats a builtin call each.
    if (size <= SMALL_COPY_BYTES) {
      for (let s = from >> 2, d = to >> 2, end = (from + size) >> 2; s < end; s++, d++) w[d] = w[s]
    } else {
      w.copyWithin(to >> 2, from >> 2, (from + size) >> 2)
    }
  }

  /** The break before the first malloc: the page after the nursery. */
  private freshBreak(): number {
    return Math.ceil(this.nurseryEnd / OS_PAGE) * OS_PAGE
  }

  private ensure(end: number): void {
    if (end <= this.buffer.byteLength) return
    let size = this.buffer.byteLength
    while (size < end) size = Math.min(MAX_ADDRESS, size * 2)
    if (size < end) throw new PygcError('INTERNAL', `pypy memory: cannot map ${end} bytes`)
    const next = new ArrayBuffer(size)
    new Uint8Array(next).set(this.bytes)
    this.buffer = next
    this.w = new Int32Array(next)
    this.bytes = new Uint8Array(next)
  }
}

/** Whole pages a block of `rounded` bytes takes with malloc's chunk header in front. */
function pagesOf(rounded: number): number {
  return Math.ceil((MALLOC_CHUNK_HEADER + rounded) / OS_PAGE)
}
