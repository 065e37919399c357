/**
 * A growable list of 32-bit integers (heap addresses, granule indices, object handles) on an
 * Int32Array that doubles when full: the mark stacks, finalization queues and weak-reference
 * registries of the managers. No JS object per entry, and never host recursion for a stack.
 */
export class IntList {
  items: Int32Array
  length = 0

  constructor(initialCapacity = 64) {
    this.items = new Int32Array(initialCapacity)
  }

  push(value: number): void {
    if (this.length === this.items.length) {
      const next = new Int32Array(this.items.length * 2)
      next.set(this.items)
      this.items = next
    }
    this.items[this.length++] = value
  }

  /** Remove and return the last entry (the list must not be empty). */
  pop(): number {
    return this.items[--this.length]
  }

  clear(): void {
    this.length = 0
  }

  /** Remove one occurrence of `value` (order is not kept); false if there is none. */
  removeOne(value: number): boolean {
    for (let i = this.length - 1; i >= 0; i--) {
      if (this.items[i] === value) {
        this.items[i] = this.items[--this.length]
        return true
      }
    }
    return false
  }
}
