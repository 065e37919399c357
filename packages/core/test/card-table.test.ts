import { describe, expect, it } from 'vitest'
import { CardTable, CLEAN, DIRTY } from '../src/index.js'

describe('CardTable', () => {
  it('maps addresses to cards of 2^cardShift units from its base', () => {
    // HotSpot: 512-byte cards over an old generation at byte 4096.
    const jvm = new CardTable(4096, 9, 16)
    expect(jvm.cardUnits).toBe(512)
    expect(jvm.cardOf(4096)).toBe(0)
    expect(jvm.cardOf(4096 + 511)).toBe(0)
    expect(jvm.cardOf(4096 + 512)).toBe(1)
    expect(jvm.cardStart(3)).toBe(4096 + 3 * 512)
    // The CLR: one card byte per 256 granules (2 KB) from granule 0.
    const clr = new CardTable(0, 8, 16)
    clr.dirty(255)
    clr.dirty(256 * 5 + 7)
    expect(Array.from(clr.bytes.subarray(0, 7))).toEqual([DIRTY, CLEAN, CLEAN, CLEAN, CLEAN, DIRTY, CLEAN])
  })

  it('records, for each card an object covers the start of, that object', () => {
    const t = new CardTable(0, 8, 8)
    t.recordObject(1, 255) // [1, 256): starts no card (card 0 starts at 0, card 1 at 256)
    expect(Array.from(t.objectStart.subarray(0, 3))).toEqual([0, 0, 0])
    t.recordObject(256, 1) // covers card 1's first granule exactly
    t.recordObject(300, 600) // [300, 900): covers the starts of cards 2 and 3
    expect(Array.from(t.objectStart.subarray(0, 5))).toEqual([0, 256, 300, 300, 0])
    t.resetObjectStarts(600) // cards starting below 600: 0, 1, 2
    expect(Array.from(t.objectStart.subarray(0, 5))).toEqual([0, 0, 0, 300, 0])
  })

  it('clears, dirties and counts only the cards below the bound it is given', () => {
    const t = new CardTable(1000, 4, 10)
    t.dirtyRange(1000 + 16, 1000 + 16 * 4) // cards 1, 2, 3
    expect(Array.from(t.bytes.subarray(0, 5))).toEqual([0, 1, 1, 1, 0])
    expect(t.cardsBelow(1000 + 33)).toBe(3)
    expect(t.cardsBelow(1000)).toBe(0)
    t.clear(1000 + 33)
    expect(Array.from(t.bytes.subarray(0, 5))).toEqual([0, 0, 0, 1, 0])
    t.clearCards(3, 4)
    expect(t.bytes[3]).toBe(CLEAN)
  })

  it('grows with its arena, keeping both tables, and keeps no object starts when asked not to', () => {
    const t = new CardTable(0, 8, 2)
    t.dirty(300)
    t.recordObject(200, 100)
    t.grow(1) // never shrinks
    expect(t.bytes.length).toBe(2)
    t.grow(6)
    expect(t.bytes.length).toBe(6)
    expect(t.objectStart.length).toBe(6)
    expect(t.bytes[1]).toBe(DIRTY)
    expect(t.objectStart[1]).toBe(200)
    const loh = new CardTable(1 << 20, 8, 2, false)
    loh.grow(4)
    expect(loh.objectStart.length).toBe(0)
    expect(loh.bytes.length).toBe(4)
  })
})
