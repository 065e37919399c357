/**
 * An explicit mark stack of heap addresses (never host recursion: a 10-million-long linked
 * list must not overflow the JS stack). Grows by doubling; entries are Int32 because heap
 * addresses stay below 2 GiB.
 */
export class MarkStack {
  private items = new Int32Array(1024)
  length = 0

  push(address: number): void {
    if (this.length === this.items.length) {
      const next = new Int32Array(this.items.length * 2)
      next.set(this.items)
      this.items = next
    }
    this.items[this.length++] = address
  }

  pop(): number {
    return this.items[--this.length]
  }

  /** Capacity in entries (for the native summary). */
  get capacity(): number {
    return this.items.length
  }
}

/** A growable list of addresses (the finalizable and weak-reference registries, the finalization queue). */
export class AddressList {
  items = new Int32Array(64)
  length = 0

  push(address: number): void {
    if (this.length === this.items.length) {
      const next = new Int32Array(this.items.length * 2)
      next.set(this.items)
      this.items = next
    }
    this.items[this.length++] = address
  }

  /** Remove one occurrence of `address` (order is not kept); false if there is none. */
  removeOne(address: number): boolean {
    for (let i = this.length - 1; i >= 0; i--) {
      if (this.items[i] === address) {
        this.items[i] = this.items[--this.length]
        return true
      }
    }
    return false
  }
}
