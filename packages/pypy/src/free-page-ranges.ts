/**
 * The free page ranges of the model's address space, as the kernel keeps the unmapped gaps that
 * munmap leaves for the next mmap (glibc serves blocks this large with mmap: arenas of 512 KiB,
 * raw-malloced objects): a freed block's pages join their free neighbours, and a request of any
 * size can take a gap as large as it needs. Without this, a freed block could only be reused by
 * a request of exactly its size, so a program allocating large objects of varied sizes grew the
 * address space (and the host's resident memory) with every object it ever made, not with what
 * is live, and could exhaust the 2 GiB space with a small live heap.
 *
 * Which gap a request gets is not a figure (footprints are PyPy's own counters, and no model
 * decision depends on a raw object's address), only deterministic: the first fitting range of
 * the smallest power-of-two class that can hold it, in the order the ranges were freed.
 *
 * Ranges are in pages. Each class k holds pairs (start, pages) with floor(log2(pages)) = k; a
 * pair whose range has since been merged or taken is stale and dropped when a search meets it.
 */
import { IntList } from '@pygc/core'
import { copyOfIntList } from './int-list-copy.js'

export class FreePageRanges {
  /** Free range starting at a page: its length in pages. */
  private readonly lengthAt = new Map<number, number>()
  /** Free range ending (exclusive) at a page: its start. */
  private readonly startOfRangeEndingAt = new Map<number, number>()
  private readonly classes: IntList[] = []

  /** Pages in free ranges now. */
  freePages = 0

  /** Return pages [start, start + pages) to the free ranges, merged with free neighbours. */
  give(start: number, pages: number): void {
    let s = start
    let n = pages
    const before = this.startOfRangeEndingAt.get(start)
    if (before !== undefined) {
      const length = this.lengthAt.get(before) as number
      this.unlink(before, length)
      s = before
      n += length
    }
    const after = this.lengthAt.get(start + pages)
    if (after !== undefined) {
      this.unlink(start + pages, after)
      n += after
    }
    this.link(s, n)
    this.freePages += pages
  }

  /** Take `pages` pages from a free range: its first page, or -1 when no free range is that long. */
  take(pages: number): number {
    for (let k = classOf(pages); k < this.classes.length; k++) {
      const list = this.classes[k]
      if (list === undefined) continue
      const items = list.items
      let i = 0
      while (i < list.length) {
        const start = items[i]
        const length = items[i + 1]
        if (this.lengthAt.get(start) !== length) {
          removePair(list, i) // stale
          continue
        }
        if (length < pages) {
          i += 2
          continue
        }
        removePair(list, i)
        this.unlink(start, length)
        if (length > pages) this.link(start + pages, length - pages)
        this.freePages -= pages
        return start
      }
    }
    return -1
  }

  /** Become a copy of `src` (this one must have no ranges): the same ranges, the same search order. */
  copyFrom(src: FreePageRanges): void {
    for (const [start, pages] of src.lengthAt) this.lengthAt.set(start, pages)
    for (const [end, start] of src.startOfRangeEndingAt) this.startOfRangeEndingAt.set(end, start)
    this.classes.length = 0
    for (let k = 0; k < src.classes.length; k++) {
      const list = src.classes[k]
      if (list !== undefined) this.classes[k] = copyOfIntList(list)
    }
    this.freePages = src.freePages
  }

  private link(start: number, pages: number): void {
    this.lengthAt.set(start, pages)
    this.startOfRangeEndingAt.set(start + pages, start)
    const k = classOf(pages)
    let list = this.classes[k]
    if (list === undefined) {
      list = new IntList(16)
      this.classes[k] = list
    }
    list.push(start)
    list.push(pages)
  }

  /** Forget a free range; its class entry goes stale. */
  private unlink(start: number, pages: number): void {
    this.lengthAt.delete(start)
    this.startOfRangeEndingAt.delete(start + pages)
  }
}

function classOf(pages: number): number {
  return 31 - Math.clz32(pages)
}

/** Remove the pair at `i`, moving the list's last pair into its place. */
function removePair(list: IntList, i: number): void {
  const items = list.items
  list.length -= 2
  items[i] = items[list.length]
  items[i + 1] = items[list.length + 1]
}
