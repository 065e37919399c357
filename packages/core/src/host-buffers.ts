/**
 * Host memory handed from a finished manager to the next one: a heap reservation (a big
 * ArrayBuffer) whose manager has been garbage collected is zeroed where it was written and lent
 * to the next manager asking for the same number of bytes, instead of a fresh buffer.
 *
 * Why. A fresh ArrayBuffer is fresh mmap'ed memory, and on a virtual machine the first write to
 * each of its pages is a fault the hypervisor serves: measured on this project's 2-core VM, the
 * first write to each page of a new 8 MiB buffer took 130-200 ms in all (30-100 µs a page), a
 * second pass 0.1 ms. A model that reserves its heap up front (Jython's -Xmx, PyPy's address
 * space) touched every page afresh in every manager, which was most of a small run's time —
 * V8's own heap keeps its pages from run to run. Zeroing what the last owner wrote (memset of
 * pages already resident) costs a few milliseconds for tens of megabytes.
 *
 * Safety. A buffer is lent again only when its owner said it is done with it
 * (`releaseHostBuffer`, a manager's `release()`) or is unreachable (a WeakRef cleared by V8's
 * GC — which in a synchronous loop never happens: V8 keeps a WeakRef's target alive until the
 * current job ends), and it comes back all zeros, exactly as `new ArrayBuffer` would: the owner's `writer`
 * reports every byte range it may have written, and the writer must hold no reference to the
 * owner. Nothing a model computes depends on which buffer it got, so figures cannot change.
 * At most one buffer per size is kept (the last one lent), for at most MAX_SIZES sizes; a
 * buffer whose owner is still alive when the next one of its size is asked for is not kept.
 */

/** Reports what a buffer's user may have written: flat [start, end) byte ranges. */
export interface BufferWriter {
  writtenRanges(): readonly number[]
}

interface Lent {
  /** null once the owner released the buffer. */
  owner: WeakRef<object> | null
  writer: BufferWriter
  buffer: ArrayBuffer
}

/** Different reservation sizes kept at once (a process runs a few models, each one size). */
const MAX_SIZES = 4

const lentBySize = new Map<number, Lent>()

/**
 * A zeroed buffer of `bytes` for `owner`: the last one of that size when its owner is gone,
 * else a new one (which may throw RangeError, as `new ArrayBuffer` does, when the host refuses).
 * `writer` (not `owner`, which it must not reference) reports what will have been written.
 */
export function takeHostBuffer(owner: object, bytes: number, writer: BufferWriter): ArrayBuffer {
  const last = lentBySize.get(bytes)
  let buffer: ArrayBuffer
  if (last !== undefined && (last.owner === null || last.owner.deref() === undefined)) {
    buffer = last.buffer
    zeroRanges(buffer, last.writer.writtenRanges())
  } else {
    buffer = new ArrayBuffer(bytes)
  }
  lentBySize.delete(bytes)
  if (lentBySize.size >= MAX_SIZES) lentBySize.delete(lentBySize.keys().next().value as number)
  lentBySize.set(bytes, { owner: new WeakRef(owner), writer, buffer })
  return buffer
}

/**
 * `owner` will not touch the buffer it took again: the next taker of that size may have it.
 * (A manager's `release()`: the manager must not be used afterwards.)
 */
export function releaseHostBuffer(owner: object): void {
  for (const lent of lentBySize.values()) if (lent.owner?.deref() === owner) lent.owner = null
}

/** Zero the [start, end) byte ranges of `buffer` (clamped to it; 4-byte aligned where possible). */
export function zeroRanges(buffer: ArrayBuffer, ranges: readonly number[]): void {
  const bytes = new Uint8Array(buffer)
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const start = Math.max(0, ranges[i])
    const end = Math.min(buffer.byteLength, ranges[i + 1])
    if (end > start) bytes.fill(0, start, end)
  }
}
