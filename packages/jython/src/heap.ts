/**
 * The JVM heap: one ArrayBuffer laid out as HotSpot lays out a Serial-GC heap, young
 * generation at low addresses and the old ("tenured") generation above it:
 *
 *   0 .. 4K       never used, so address 0 is null (JVMs protect the page at the heap base)
 *   eden          bump allocation
 *   survivor 0    from- or to-space (they swap after every young collection)
 *   survivor 1
 *   old           bump allocation (promotion, large objects) below the committed end
 *
 * Like HotSpot's ReservedSpace and VirtualSpace (memory/virtualspace.hpp), the buffer reserves
 * the whole -Xmx once and the old generation commits and uncommits its tail by moving one
 * boundary, `oldEnd` (CardGeneration::grow_by / shrink): growing or shrinking never copies an
 * object and never reallocates the buffer, so `words` and `ints` stay valid for the heap's
 * life. The host's OS maps pages only when first written (V8 takes big zeroed buffers from
 * calloc, i.e. fresh mmap pages), so what never held an object costs address space, not
 * resident memory. Unlike the JVM the model does not hand pages back when it uncommits:
 * resident memory stays at the high-water mark of the old generation's top. (A resizable
 * ArrayBuffer would give them back, but on Node 20 every access through a view on one is
 * 2-2.5 times slower, measured on a pointer-chasing loop: the whole model would pay for it.)
 * Bytes between a space's top and its end are never read: every allocation writes or copies
 * a whole object.
 *
 * Every object starts with a 16-byte header (the size of an Object[]'s header, so every
 * object fits one), four 32-bit words:
 *   word 0  id      allocation ordinal (the interface's object identity)
 *   word 1  mark    like HotSpot's markWord: `1 | age << 3` normally, `address | 3` when
 *                   forwarded (copying) or marked (mark-compact; address 0 until phase 2)
 *   word 2  klass   type id (bits 0-23) | flags (bits 24-29)
 *   word 3  length  the alloc length (0 for fixed-size types)
 * then the reference fields (4 bytes each: compressed oops), then the int words; the rest of
 * a `jython`-mode object is the bytes of the other Java objects Jython makes for it.
 */
import { type BufferWriter, type CardTable, PygcError, takeHostBuffer } from '@pygc/core'
import { coveredBytes, coverUsed, oldGenCardTable } from './card-table.js'
import type { ResolvedOptions } from './options.js'
import { PAGE_SIZE } from './options.js'
import { objectBytes, weakrefBytes } from './sizes.js'

export const NULL_PAGE = 4096

/** Header word offsets. */
export const H_ID = 0
export const H_MARK = 1
export const H_KLASS = 2
export const H_LENGTH = 3
export const H_WORDS = 4

/** markWord: unlocked_value = 1, age in bits 3..6, marked/forwarded = low two bits 11. */
export const MARK_PROTOTYPE = 1
export const MARK_FORWARDED = 3
export const AGE_SHIFT = 3
export const AGE_MASK = 0xf

export const TYPE_MASK = 0xffffff
/** A weak reference object (a java.lang.ref.WeakReference): field 0 = referent, field 1 = callback tag + 1. */
export const FLAG_WEAK = 1 << 24
/**
 * Bytes the JVM allocated itself (startup) or dead wood; not a program object: no id, never
 * counted. Its size is the length word, its reference count the type bits (startup-data.ts).
 */
export const FLAG_FILLER = 1 << 25
/** The id word of a filler (not a program object). */
export const FILLER_ID = 0xffffffff
/** Registered for finalization and not yet found unreachable. */
export const FLAG_FINALIZABLE = 1 << 26
/** Its finalizer was queued once: it is never finalized again (even if resurrected). */
export const FLAG_FINALIZED = 1 << 27
/** Python id() was asked for it: its id lives in the manager's id table. */
export const FLAG_PYID = 1 << 28
/** The stale original of an object copied during a failed young collection: garbage, not counted. */
export const FLAG_DEAD_COPY = 1 << 29
/** Objects that are not program objects (skip in counts, events and forEachLiveId). */
export const NOT_PROGRAM = FLAG_FILLER | FLAG_DEAD_COPY

export const WEAK_TYPE = TYPE_MASK

/** Per-type layout tables, grown as types are defined (typed arrays: looked up in hot loops). */
export class TypeTables {
  count = 0
  refs = new Int32Array(16)
  ints = new Int32Array(16)
  /** 0 fixed, 1 variable refs, 2 variable bytes. */
  variable = new Uint8Array(16)
  base = new Float64Array(16)
  unit = new Float64Array(16)
  finalizer = new Uint8Array(16)
  /** Global index a finalizer resurrects into, or -1. */
  resurrectInto = new Int32Array(16)
  /**
   * Bytes of an object of a fixed-size type (objectBytes of its base), 0 for a variable-size
   * one: alloc's hot case is this one read instead of the size computed per object.
   */
  fixedBytes = new Int32Array(16)

  add(
    refs: number,
    ints: number,
    variable: number,
    base: number,
    unit: number,
    finalizer: boolean,
    resurrect: number,
  ): void {
    if (this.count === this.refs.length) this.grow()
    const t = this.count++
    this.refs[t] = refs
    this.ints[t] = ints
    this.variable[t] = variable
    this.base[t] = base
    this.unit[t] = unit
    this.finalizer[t] = finalizer ? 1 : 0
    this.resurrectInto[t] = resurrect
    this.fixedBytes[t] = variable === 0 ? objectBytes(base, unit, 0) : 0
  }

  private grow(): void {
    const n = this.refs.length * 2
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a as never)
      return b
    }
    this.refs = g(this.refs, (k) => new Int32Array(k))
    this.ints = g(this.ints, (k) => new Int32Array(k))
    this.variable = g(this.variable, (k) => new Uint8Array(k))
    this.base = g(this.base, (k) => new Float64Array(k))
    this.unit = g(this.unit, (k) => new Float64Array(k))
    this.finalizer = g(this.finalizer, (k) => new Uint8Array(k))
    this.resurrectInto = g(this.resurrectInto, (k) => new Int32Array(k))
    this.fixedBytes = g(this.fixedBytes, (k) => new Int32Array(k))
  }
}

/**
 * ReservedSpace: the whole heap's bytes at once. When the host refuses them the JVM does not
 * start ("Could not reserve enough space for object heap"); so the manager is not created.
 */
function reserve(owner: object, bytes: number, writer: BufferWriter): ArrayBuffer {
  try {
    return takeHostBuffer(owner, bytes, writer)
  } catch (e) {
    if (!(e instanceof RangeError)) throw e
    throw new PygcError(
      'INVALID_OPTION',
      `jython option xmx: could not reserve enough space for object heap (${bytes} bytes): ${e.message}`,
      { option: 'xmx', bytes },
    )
  }
}

/**
 * Old-generation bytes the card tables cover at first (then they grow with the old top): 1 MiB,
 * 2,049 cards. A host-memory choice (card-table.ts), not HotSpot's: no figure depends on it.
 */
const INITIAL_CARD_COVER_BYTES = 1 << 20

/** The heap's spaces, their boundaries and the object layout over one reserved buffer. */
export class JvmHeap implements BufferWriter {
  /** The reserved heap: [0, oldMaxEnd). */
  readonly buffer: ArrayBuffer
  /** Word view of the whole heap (addresses are byte offsets; word index = address >> 2). */
  readonly words: Uint32Array
  /** The same words, signed: int payload. */
  readonly ints: Int32Array
  readonly types = new TypeTables()
  readonly weakBytes: number

  readonly edenStart: number
  readonly edenEnd: number
  readonly survivorBytes: number
  readonly oldStart: number
  /** Reserved end of the old generation (and of the heap): -Xmx above the null page. */
  readonly oldMaxEnd: number
  /** Committed end of the old generation: the boundary that expansion and shrinking move. */
  oldEnd: number
  edenTop: number
  fromStart: number
  fromTop: number
  toStart: number
  toTop: number
  oldTop: number
  readonly cards: CardTable
  /** The address up to which the card tables reach: allocOld grows them when the old top passes it. */
  private cardsEnd: number
  /**
   * The highest top each space has had (eden, the survivor space at edenEnd, the one above it,
   * old): every byte the heap ever wrote lies below them, so they are what a reused buffer
   * must zero (core host-buffers.ts). Noted around every collection, the only place a top
   * falls.
   */
  private readonly peaks: number[]

  /** `owner` is the manager: the buffer may go to another heap once the owner is garbage. */
  constructor(
    readonly options: ResolvedOptions,
    owner: object,
  ) {
    const g = options.geometry
    this.weakBytes = weakrefBytes(options.sizeMode)
    this.edenStart = NULL_PAGE
    this.edenEnd = this.edenStart + g.edenBytes
    this.survivorBytes = g.survivorBytes
    this.fromStart = this.edenEnd
    this.toStart = this.edenEnd + g.survivorBytes
    this.oldStart = this.toStart + g.survivorBytes
    this.oldEnd = this.oldStart + g.oldInitialBytes
    this.oldMaxEnd = this.oldStart + g.oldMaxBytes
    this.edenTop = this.edenStart
    this.fromTop = this.fromStart
    this.toTop = this.toStart
    this.oldTop = this.oldStart
    this.peaks = [this.edenStart, this.fromStart, this.toStart, this.oldStart]
    this.buffer = reserve(owner, this.oldMaxEnd, this)
    this.words = new Uint32Array(this.buffer)
    this.ints = new Int32Array(this.buffer)
    this.cards = oldGenCardTable(this.oldStart, INITIAL_CARD_COVER_BYTES)
    this.cardsEnd = this.oldStart + coveredBytes(this.cards)
  }

  /** Raise the peaks to the current tops (before and after each collection, and when asked). */
  notePeaks(): void {
    const p = this.peaks
    if (this.edenTop > p[0]) p[0] = this.edenTop
    const lowSurvivorTop = this.fromStart < this.toStart ? this.fromTop : this.toTop
    const highSurvivorTop = this.fromStart < this.toStart ? this.toTop : this.fromTop
    if (lowSurvivorTop > p[1]) p[1] = lowSurvivorTop
    if (highSurvivorTop > p[2]) p[2] = highSurvivorTop
    if (this.oldTop > p[3]) p[3] = this.oldTop
  }

  hostBuffer(): ArrayBuffer {
    return this.buffer
  }

  writtenRanges(): readonly number[] {
    this.notePeaks()
    const p = this.peaks
    const low = this.edenEnd
    const high = this.edenEnd + this.survivorBytes
    return [this.edenStart, p[0], low, p[1], high, p[2], this.oldStart, p[3]]
  }

  // ---- object geometry -------------------------------------------------------------------

  /** Bytes of the object at `a` (parsable from its header alone, dead or alive). */
  sizeOf(a: number): number {
    const w = a >> 2
    const klass = this.words[w + H_KLASS]
    if ((klass & (FLAG_WEAK | FLAG_FILLER)) !== 0) {
      return (klass & FLAG_WEAK) !== 0 ? this.weakBytes : this.words[w + H_LENGTH]
    }
    const t = klass & TYPE_MASK
    const len = this.words[w + H_LENGTH]
    return Math.ceil((this.types.base[t] + this.types.unit[t] * len) / 8) * 8
  }

  /**
   * Strong reference fields of the object at `a` (a weak reference has none; a filler has the
   * count in its type bits: the JVM's start-up data references its deeper levels).
   */
  refCount(a: number): number {
    const w = a >> 2
    const klass = this.words[w + H_KLASS]
    if ((klass & (FLAG_WEAK | FLAG_FILLER)) !== 0) return (klass & FLAG_WEAK) !== 0 ? 0 : klass & TYPE_MASK
    const t = klass & TYPE_MASK
    return this.types.variable[t] === 1 ? this.words[w + H_LENGTH] : this.types.refs[t]
  }

  bytesFor(type: number, length: number): number {
    return objectBytes(this.types.base[type], this.types.unit[type], length)
  }

  inYoung(a: number): boolean {
    return a < this.oldStart && a !== 0
  }

  // ---- spaces ----------------------------------------------------------------------------

  edenUsed(): number {
    return this.edenTop - this.edenStart
  }
  fromUsed(): number {
    return this.fromTop - this.fromStart
  }
  toUsed(): number {
    return this.toTop - this.toStart
  }
  /** DefNewGeneration::used(): eden + from. */
  youngUsed(): number {
    return this.edenUsed() + this.fromUsed()
  }
  /** DefNewGeneration::capacity(): eden + from (to-space is not counted). */
  youngCapacity(): number {
    return this.edenEnd - this.edenStart + this.survivorBytes
  }
  oldUsed(): number {
    return this.oldTop - this.oldStart
  }
  oldCapacity(): number {
    return this.oldEnd - this.oldStart
  }
  oldFree(): number {
    return this.oldEnd - this.oldTop
  }
  /** TenuredGeneration::max_contiguous_available(): free + what could still be committed. */
  oldMaxAvailable(): number {
    return this.oldMaxEnd - this.oldTop
  }
  used(): number {
    return this.youngUsed() + this.oldUsed()
  }
  capacity(): number {
    return this.youngCapacity() + this.oldCapacity()
  }
  /** Memory held from the OS: the whole young generation and the committed old generation. */
  committed(): number {
    return this.oldEnd - this.edenStart
  }

  /** Bump-allocate in eden, or 0. */
  allocEden(size: number): number {
    const a = this.edenTop
    if (size > this.edenEnd - a) return 0
    this.edenTop = a + size
    return a
  }

  /** Bump-allocate in the committed old generation (no expansion), or 0. */
  allocOld(size: number): number {
    const a = this.oldTop
    if (size > this.oldEnd - a) return 0
    const top = a + size
    this.oldTop = top
    if (top > this.cardsEnd) this.coverOldUpTo(top)
    this.cards.recordObject(a, size)
    return a
  }

  /**
   * Old-generation objects will reach `top` (the bump above, or a full collection compacting
   * young objects into the old generation): the card tables must cover it (card-table.ts).
   */
  coverOldUpTo(top: number): void {
    if (top <= this.cardsEnd) return
    coverUsed(this.cards, top - this.oldStart, this.oldMaxEnd - this.oldStart)
    this.cardsEnd = this.oldStart + coveredBytes(this.cards)
  }

  /**
   * CardGeneration::expand: commit at least `minBytes` more (rounded to pages), preferring
   * `preferredBytes`, up to the reserved maximum. Returns whether anything was committed.
   */
  expandOld(minBytes: number, preferredBytes: number): boolean {
    const room = this.oldMaxEnd - this.oldEnd
    if (room <= 0) return false
    const want = Math.ceil(Math.max(minBytes, preferredBytes) / PAGE_SIZE) * PAGE_SIZE
    const need = Math.ceil(minBytes / PAGE_SIZE) * PAGE_SIZE
    let grow = Math.min(want, room)
    if (grow < need) grow = room // grow_to_reserved
    if (grow <= 0) return false
    this.oldEnd += grow
    return true
  }

  /** CardGeneration::shrink: uncommit the old generation's tail down to `newEnd` (never below its top). */
  shrinkOld(newEnd: number): void {
    const end = Math.max(newEnd, Math.ceil(this.oldTop / PAGE_SIZE) * PAGE_SIZE)
    if (end < this.oldEnd) this.oldEnd = end
  }

  /** Zero `size` bytes at `a` and write a program object's header. */
  initObject(a: number, size: number, id: number, klass: number, length: number): void {
    const w = a >> 2
    const end = w + (size >> 2)
    const words = this.words
    // Small objects (most of them) are zeroed inline: TypedArray.fill costs a call per object.
    if (size <= 128) for (let i = w + H_WORDS; i < end; i++) words[i] = 0
    else words.fill(0, w + H_WORDS, end)
    this.words[w + H_ID] = id
    this.words[w + H_MARK] = MARK_PROTOTYPE
    this.words[w + H_KLASS] = klass
    this.words[w + H_LENGTH] = length
  }

  /** Check that an allocation of `size` could ever fit (else it is an OutOfMemoryError at once). */
  fitsAtAll(size: number): boolean {
    return size <= this.edenEnd - this.edenStart || size <= this.oldMaxEnd - this.oldStart
  }

  internal(message: string): PygcError {
    return new PygcError('INTERNAL', `jython heap: ${message}`)
  }
}
