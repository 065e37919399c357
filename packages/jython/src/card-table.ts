/**
 * The old generation's card table and block-offset table (gc/shared/cardTable.hpp,
 * gc/shared/blockOffsetTable.hpp), as core's CardTable: one byte per 512-byte card
 * (card_shift = 9), addresses in bytes. HotSpot Serial's post-write barrier dirties the card of
 * every reference field it stores (the model marks only old-generation cards: no other card is
 * ever scanned), and a young collection scans only the dirty cards to find old-to-young
 * references, parsing each from the object its block-offset entry names.
 *
 * HotSpot reserves the card table for the whole heap and commits the part covering committed
 * memory (CardTable::resize_covered_region); here both tables cover the committed old
 * generation and grow with its boundary (`coverCommitted`), so a manager costs the host
 * memory of its -Xms, not of its -Xmx (issue 11: creating one was most of a short run). They
 * never shrink: a shrunk generation leaves cards that are never read. Every pass over them
 * stops at the old generation's top, above which no card is ever dirty and no block start is
 * ever set (CardTable::clear clears only the covered regions).
 */
import { CardTable } from '@pygc/core'

export { CLEAN, DIRTY } from '@pygc/core'
export const CARD_SHIFT = 9
export const CARD_BYTES = 1 << CARD_SHIFT

/** Cards covering `bytes` of old generation (one more: a bound's card is read at the top). */
function cardsFor(bytes: number): number {
  return Math.ceil(bytes / CARD_BYTES) + 1
}

/** The card table of an old generation starting at `base` with `committedBytes` committed. */
export function oldGenCardTable(base: number, committedBytes: number): CardTable {
  return new CardTable(base, CARD_SHIFT, cardsFor(committedBytes))
}

/**
 * The committed old generation grew to `committedBytes` (of at most `maxBytes`): cover it. The
 * tables grow at least by half each time, so a generation expanded a page at a time copies
 * them a logarithmic number of times.
 */
export function coverCommitted(cards: CardTable, committedBytes: number, maxBytes: number): void {
  const need = cardsFor(committedBytes)
  const have = cards.bytes.length
  if (need <= have) return
  cards.grow(Math.max(need, Math.min(cardsFor(maxBytes), have + (have >> 1))))
}
