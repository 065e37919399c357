/**
 * The old generation's card table and block-offset table (gc/shared/cardTable.hpp,
 * gc/shared/blockOffsetTable.hpp), as core's CardTable: one byte per 512-byte card
 * (card_shift = 9), addresses in bytes. HotSpot Serial's post-write barrier dirties the card of
 * every reference field it stores (the model marks only old-generation cards: no other card is
 * ever scanned), and a young collection scans only the dirty cards to find old-to-young
 * references, parsing each from the object its block-offset entry names.
 *
 * HotSpot reserves the card table for the whole heap and commits the part covering committed
 * memory (CardTable::resize_covered_region); here both tables cover the used old generation
 * and grow with its top (`coverUsed`, from the old generation's bump allocation), so a manager
 * costs the host memory its old generation uses, not its -Xms or -Xmx (issue 11: allocating
 * the tables for the committed -Xms was most of creating a manager, ~1 ms, as much as a whole
 * binary-trees N=10 run on plain V8 objects). They never shrink: a compaction lowers the top
 * and leaves cards that are never read. Every pass over them stops at the old generation's
 * top, above which no card is ever dirty and no block start is ever set (CardTable::clear
 * clears only the covered regions); no card above the top is ever written either, as every
 * card mark is for a field of an old object and every block start for one below the top.
 */
import { CardTable } from '@pygc/core'

export { CLEAN, DIRTY } from '@pygc/core'
export const CARD_SHIFT = 9
export const CARD_BYTES = 1 << CARD_SHIFT

/** Cards covering `bytes` of old generation (one more: a bound's card is read at the top). */
function cardsFor(bytes: number): number {
  return Math.ceil(bytes / CARD_BYTES) + 1
}

/** The card table of an old generation starting at `base`, covering its first `coveredBytes`. */
export function oldGenCardTable(base: number, coveredBytes: number): CardTable {
  return new CardTable(base, CARD_SHIFT, cardsFor(coveredBytes))
}

/** The bytes of old generation the tables cover now (cardsFor's inverse). */
export function coveredBytes(cards: CardTable): number {
  return (cards.bytes.length - 1) * CARD_BYTES
}

/**
 * The old generation's top reached `usedBytes` (of at most `maxBytes`): cover it. The tables
 * grow at least by half each time, so a generation filled an object at a time copies them a
 * logarithmic number of times.
 */
export function coverUsed(cards: CardTable, usedBytes: number, maxBytes: number): void {
  const need = cardsFor(usedBytes)
  const have = cards.bytes.length
  if (need <= have) return
  cards.grow(Math.max(need, Math.min(cardsFor(maxBytes), have + (have >> 1))))
}
