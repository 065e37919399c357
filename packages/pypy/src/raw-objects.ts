/**
 * Objects PyPy raw-mallocs instead of placing in the nursery or an arena page:
 *  - large young objects, at or above the large-object limit (external_malloc with
 *    alloc_young=True, incminimark.py:939): kept in young_rawmalloced_objects; a minor
 *    collection frees those it did not reach and makes the others old without moving them;
 *  - old objects above small_request_threshold (280 bytes) that a minor collection moves out of
 *    the nursery (_malloc_out_of_nursery_nonsmall, line 2239).
 * Arrays of references among the large ones get card-marking bytes in front of the object
 * (card_marking_words_for_length, line 1268): one bit per 128 items, in whole words.
 * rawmalloced_total_size counts what was malloc'ed, card bytes included.
 */
import { CARD_PAGE_SHIFT, roundUpForAllocation, WORD } from './constants.js'
import type { GcState } from './gc-state.js'
import { H_LEN, H_TID, HAS_CARDS, RAW } from './objects.js'

const LONG_BIT = 64

/** Words of card bits for an array of `length` items (incminimark.py:1268). */
export function cardMarkingWordsForLength(length: number): number {
  return Math.floor((length + (LONG_BIT << CARD_PAGE_SHIFT) - 1) / (1 << (CARD_PAGE_SHIFT + 6)))
}

/** Bytes of card bits (card_marking_bytes_for_length, line 1277). */
export function cardMarkingBytesForLength(length: number): number {
  return Math.floor((length + (8 << CARD_PAGE_SHIFT) - 1) / (1 << (CARD_PAGE_SHIFT + 3)))
}

export class RawObjects {
  constructor(private readonly s: GcState) {}

  /**
   * malloc the block of an object of `size` bytes, with `cardWords` words of card bits in
   * front; returns the object's address (0: out of memory). Counts it in rawmalloced_total_size.
   */
  allocate(size: number, cardWords: number): number {
    const allocsize = cardWords * WORD + roundUpForAllocation(size)
    const block = this.s.mem.malloc(allocsize)
    if (block === 0) return 0
    // No zeroing here: malloc's blocks are zero, as fresh mmap pages are.
    const a = block + cardWords * WORD
    this.s.rawmallocedTotalSize += allocsize
    this.s.notePeakRaw()
    return a
  }

  /** The bytes an object at `a` took from malloc (its card words included). */
  allocatedSize(a: number): number {
    const s = this.s
    const size = roundUpForAllocation(s.heap.sizeOf(a))
    return size + this.cardWords(a) * WORD
  }

  cardWords(a: number): number {
    const w = this.s.mem.w
    if ((w[(a >> 2) + H_TID] & HAS_CARDS) === 0) return 0
    return cardMarkingWordsForLength(w[(a >> 2) + H_LEN])
  }

  /** free() the object at `a` (free_rawmalloced_object_if_unvisited's else branch, line 2592). */
  free(a: number): void {
    const s = this.s
    const allocsize = this.allocatedSize(a)
    const cardBytes = this.cardWords(a) * WORD
    s.mem.free(a - cardBytes, allocsize)
    s.rawmallocedTotalSize -= allocsize
  }

  isRaw(a: number): boolean {
    return (this.s.mem.w[(a >> 2) + H_TID] & RAW) !== 0
  }

  // ---- card bits: bytes in front of the object, byte ~i is card byte i ------------------------

  /** Set the card bit of item `index`; true if it was clear. */
  setCard(a: number, index: number): boolean {
    const bit = index >> CARD_PAGE_SHIFT
    const at = a + ~(bit >> 3)
    const bytes = this.s.mem.bytes
    const mask = 1 << (bit & 7)
    if ((bytes[at] & mask) !== 0) return false
    bytes[at] |= mask
    return true
  }

  /** Card byte `i` of the object at `a`: the bytes just before its header, byte 0 nearest (get_card, line 1582). */
  cardByte(a: number, i: number): number {
    return this.s.mem.bytes[a + ~i]
  }

  clearCardByte(a: number, i: number): void {
    this.s.mem.bytes[a + ~i] = 0
  }
}
