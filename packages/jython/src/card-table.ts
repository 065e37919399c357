/**
 * The card table and block-offset table of the old generation (gc/shared/cardTable.hpp,
 * gc/shared/blockOffsetTable.hpp). One byte per 512-byte card (card_shift = 9); the mutator's
 * post-write barrier dirties the card of every reference field it stores into an old object,
 * and a young collection scans only the dirty cards to find old-to-young references. The
 * block-offset table gives, per card, the object covering the card's first byte, so a dirty
 * card can be parsed from there.
 *
 * Both tables are reserved for the old generation's maximum size once (HotSpot reserves the
 * card table for the whole heap and commits the part covering committed memory); every pass
 * over them stops at a bound the caller gives -- the old generation's top, above which no
 * card is ever dirty and no block start is ever set -- so a collection's cost follows the
 * used heap, not the reserved one (CardTable::clear clears only the covered regions).
 */
export const CARD_SHIFT = 9
export const CARD_BYTES = 1 << CARD_SHIFT
export const CLEAN = 0
export const DIRTY = 1

export class CardTable {
  readonly bytes: Uint8Array
  /** Per card: the address of the object covering the card's first byte (0 = none yet). */
  readonly blockStart: Int32Array

  constructor(
    readonly base: number,
    maxBytes: number,
  ) {
    const n = Math.ceil(maxBytes / CARD_BYTES) + 1
    this.bytes = new Uint8Array(n)
    this.blockStart = new Int32Array(n)
  }

  cardOf(address: number): number {
    return (address - this.base) >> CARD_SHIFT
  }

  cardStart(card: number): number {
    return this.base + (card << CARD_SHIFT)
  }

  dirty(fieldAddress: number): void {
    this.bytes[(fieldAddress - this.base) >> CARD_SHIFT] = DIRTY
  }

  /** An object [a, a+size) was placed in the old generation: it covers the cards starting inside it. */
  recordBlock(a: number, size: number): void {
    const first = (a - this.base + CARD_BYTES - 1) >> CARD_SHIFT
    const last = (a + size - 1 - this.base) >> CARD_SHIFT
    for (let c = first; c <= last; c++) this.blockStart[c] = a
  }

  /** The number of cards that start below `top`: the cards of [base, top). */
  cardsBelow(top: number): number {
    return top > this.base ? (top - this.base + CARD_BYTES - 1) >> CARD_SHIFT : 0
  }

  /** Forget the block starts of [base, top) (before the old generation is rebuilt by a compaction). */
  resetBlocks(top: number): void {
    this.blockStart.fill(0, 0, this.cardsBelow(top))
  }

  /** CardTable::clear: clean every card of [base, top). */
  clear(top: number): void {
    this.bytes.fill(CLEAN, 0, this.cardsBelow(top))
  }

  /** CardTable::invalidate: dirty every card of [from, to). */
  dirtyRange(from: number, to: number): void {
    if (to <= from) return
    this.bytes.fill(DIRTY, this.cardOf(from), this.cardOf(to - 1) + 1)
  }
}
