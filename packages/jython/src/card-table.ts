/**
 * The old generation's card table and block-offset table (gc/shared/cardTable.hpp,
 * gc/shared/blockOffsetTable.hpp), as core's CardTable: one byte per 512-byte card
 * (card_shift = 9), addresses in bytes. HotSpot Serial's post-write barrier dirties the card of
 * every reference field it stores (the model marks only old-generation cards: no other card is
 * ever scanned), and a young collection scans only the dirty cards to find old-to-young
 * references, parsing each from the object its block-offset entry names.
 *
 * Both tables are reserved for the old generation's maximum size once (HotSpot reserves the
 * card table for the whole heap and commits the part covering committed memory); every pass
 * over them stops at the old generation's top, above which no card is ever dirty and no block
 * start is ever set (CardTable::clear clears only the covered regions).
 */
import { CardTable } from '@pygc/core'

export { CLEAN, DIRTY } from '@pygc/core'
export const CARD_SHIFT = 9
export const CARD_BYTES = 1 << CARD_SHIFT

/** The card table of an old generation starting at `base` that may grow to `maxBytes`. */
export function oldGenCardTable(base: number, maxBytes: number): CardTable {
  return new CardTable(base, CARD_SHIFT, Math.ceil(maxBytes / CARD_BYTES) + 1)
}
