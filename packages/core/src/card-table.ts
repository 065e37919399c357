/**
 * A card table and its object-start table: how a generational collector finds the references
 * from its old generation into its young one without scanning the whole old generation.
 *
 * The mutator's write barrier dirties the card holding each reference field it stores into
 * (the runtime decides which stores: every one, or only those of a young reference); a young
 * collection scans only the dirty cards. To parse a dirty card from its first object, the
 * object-start table gives, per card, the object covering the card's first address. Two
 * runtimes here use one:
 *
 *  - HotSpot (Jython): CardTable (gc/shared/cardTable.hpp, 512-byte cards, card_shift 9) and the
 *    block-offset table (gc/shared/blockOffsetTable.hpp); addresses are bytes.
 *  - The CLR (IronPython): the card table as the x64 write barrier sets it, one card byte per
 *    2 KB (gc.cpp card_byte_shift 11), and the brick table; addresses are 8-byte granules, so a
 *    card covers 256 of them.
 *
 * So the card size is a parameter (`cardShift`: a card covers 2^cardShift address units, in
 * whatever unit the owner's addresses are) and so is the base address of the covered range.
 * Addresses relative to the base stay below 2^31 (the shifts are 32-bit). The tables are plain
 * typed arrays; a table covering a growing arena grows with it (`grow`).
 * Every pass over them stops at a bound the caller gives (the covered space's top), so a
 * collection's cost follows the used heap, not the reserved one.
 */
export const CLEAN = 0
export const DIRTY = 1

export class CardTable {
  /** One byte per card: CLEAN or DIRTY. */
  bytes: Uint8Array
  /**
   * Per card: the address of the object covering the card's first address (0 = none recorded);
   * length 0 when the owner keeps no object starts (it walks its objects from their own start).
   */
  objectStart: Int32Array
  /** Address units per card: 2^cardShift. */
  readonly cardUnits: number

  constructor(
    /** The first address covered: card 0 starts here. */
    readonly base: number,
    /** log2 of the address units a card covers. */
    readonly cardShift: number,
    /** Cards to reserve (grow() adds more). */
    cards: number,
    /** Whether to keep the object-start table. */
    objectStarts = true,
  ) {
    this.cardUnits = 2 ** cardShift
    this.bytes = new Uint8Array(cards)
    this.objectStart = new Int32Array(objectStarts ? cards : 0)
  }

  /** The card holding `address`. */
  cardOf(address: number): number {
    return (address - this.base) >> this.cardShift
  }

  /** The first address of `card`. */
  cardStart(card: number): number {
    return this.base + card * this.cardUnits
  }

  /** The write barrier's card mark for a store into the field at `fieldAddress`. */
  dirty(fieldAddress: number): void {
    this.bytes[(fieldAddress - this.base) >> this.cardShift] = DIRTY
  }

  /** The number of cards that start below `top`: the cards of [base, top). */
  cardsBelow(top: number): number {
    return top > this.base ? (top - this.base + this.cardUnits - 1) >> this.cardShift : 0
  }

  /**
   * An object (or a free gap) occupies [a, a + size): it covers the first address of every card
   * that starts inside it. Invariant after: objectStart[c] = a for each of those cards.
   */
  recordObject(a: number, size: number): void {
    const starts = this.objectStart
    const last = (a + size - 1 - this.base) >> this.cardShift
    for (let c = (a - this.base + this.cardUnits - 1) >> this.cardShift; c <= last; c++) starts[c] = a
  }

  /** Forget the object starts of [base, top) (before the space is rebuilt by a compaction). */
  resetObjectStarts(top: number): void {
    this.objectStart.fill(0, 0, this.cardsBelow(top))
  }

  /** CardTable::clear: clean every card of [base, top). */
  clear(top: number): void {
    this.bytes.fill(CLEAN, 0, this.cardsBelow(top))
  }

  /** Clean cards [fromCard, toCard) (clamped to the table). */
  clearCards(fromCard: number, toCard: number): void {
    this.bytes.fill(CLEAN, fromCard, toCard)
  }

  /** CardTable::invalidate: dirty every card of [from, to). */
  dirtyRange(from: number, to: number): void {
    if (to <= from) return
    this.bytes.fill(DIRTY, this.cardOf(from), this.cardOf(to - 1) + 1)
  }

  /** Reserve at least `cards` cards, keeping what the tables hold (the covered arena grew). */
  grow(cards: number): void {
    if (cards <= this.bytes.length) return
    const bytes = new Uint8Array(cards)
    bytes.set(this.bytes)
    this.bytes = bytes
    if (this.objectStart.length === 0) return
    const starts = new Int32Array(cards)
    starts.set(this.objectStart)
    this.objectStart = starts
  }
}
