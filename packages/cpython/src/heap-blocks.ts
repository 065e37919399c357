/**
 * The object table's side rows for the blocks an object owns apart from its own: the items
 * block (a list's ob_item, a dict's keys) and the payload's `bytes` object. Most objects own
 * neither (an instance with slots or a managed dict, a tuple), so these columns live here, one
 * row per object that has one, and the object table keeps only a row index: 24 fewer bytes per
 * object row (issue 11, host memory per live object).
 */
import { IntList } from '@pygc/core'
import { growCapacity, withGrowth } from './heap-growth.js'

export class BlockRows {
  /** Address of the items block (0 if none). */
  itemsAddress: Float64Array
  /** The items block's current bytes (0 once tp_clear freed it). */
  itemsBytes: Int32Array
  /** Items bytes at allocation: what liveBytes counted (tp_clear frees the block before death). */
  itemsAtAlloc: Int32Array
  /** The payload's `bytes` object (layout.ts bytesObjectBytes): address, 0 once freed. */
  payloadAddress: Float64Array
  payloadBytes: Int32Array

  private readonly freeRows = new IntList()
  /** Row 0 is "none". */
  private nextRow = 1

  constructor(initial = 1 << 8) {
    this.itemsAddress = new Float64Array(initial)
    this.itemsBytes = new Int32Array(initial)
    this.itemsAtAlloc = new Int32Array(initial)
    this.payloadAddress = new Float64Array(initial)
    this.payloadBytes = new Int32Array(initial)
  }

  /** A row for a new owner. */
  take(): number {
    if (this.freeRows.length > 0) return this.freeRows.pop()
    if (this.nextRow >= this.itemsAddress.length) this.grow()
    return this.nextRow++
  }

  release(row: number): void {
    this.freeRows.push(row)
  }

  private grow(): void {
    const current = this.itemsAddress.length
    withGrowth(current, growCapacity(current), (n) => {
      // All allocated before any is replaced: a refused allocation changes nothing.
      const itemsAddress = new Float64Array(n)
      const itemsBytes = new Int32Array(n)
      const itemsAtAlloc = new Int32Array(n)
      const payloadAddress = new Float64Array(n)
      const payloadBytes = new Int32Array(n)
      this.itemsAddress = copyInto(itemsAddress, this.itemsAddress)
      this.itemsBytes = copyInto(itemsBytes, this.itemsBytes)
      this.itemsAtAlloc = copyInto(itemsAtAlloc, this.itemsAtAlloc)
      this.payloadAddress = copyInto(payloadAddress, this.payloadAddress)
      this.payloadBytes = copyInto(payloadBytes, this.payloadBytes)
    })
  }
}

/** `to` holding `from` at its start. */
export function copyInto<T extends Int32Array | Uint8Array | Float64Array>(to: T, from: T): T {
  to.set(from)
  return to
}
