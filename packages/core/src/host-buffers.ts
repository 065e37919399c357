/**
 * Host memory handed from a finished manager to the next one: a heap buffer whose manager was
 * released (or garbage collected) is zeroed where it was written and given to the next manager
 * that can use it, instead of a fresh buffer.
 *
 * Why. A fresh ArrayBuffer is fresh mmap'ed memory, and on a virtual machine the first write to
 * each of its pages is a fault the hypervisor serves: measured on this project's 2-core VM, the
 * first write to each page of a new 8 MiB buffer took 130-200 ms in all (30-100 µs a page), a
 * second pass 0.1 ms. A model that reserves its heap up front (Jython's -Xmx, PyPy's address
 * space) or grows it by doubling into new buffers touched every page afresh in every manager,
 * which was most of a small run's time — V8's own heap keeps its pages from run to run. Zeroing
 * what the last user wrote (memset of pages already resident) costs a few milliseconds for tens
 * of megabytes.
 *
 * Safety. A buffer is handed on only when its owner said it is done with it
 * (`releaseHostBuffer`, a manager's `release()`) or is unreachable (a WeakRef cleared by V8's
 * GC — which in a synchronous loop never happens: V8 keeps a WeakRef's target alive until the
 * current job ends), and it comes back all zeros, exactly as `new ArrayBuffer` would: the
 * user's `writtenRanges` covers every byte it may have written, and the user must hold no
 * reference to the owner. Nothing a model computes depends on which buffer it got, so figures
 * cannot change. At most MAX_LENT users are remembered (the latest), and only weakly until
 * their owner releases them: a manager that is never released keeps nothing alive here, so
 * its buffer is freed with it as before.
 */

/** A buffer's user: the buffer it holds now, and every [start, end) byte range it may have written (flat pairs). */
export interface BufferWriter {
  hostBuffer(): ArrayBuffer
  writtenRanges(): readonly number[]
}

interface Lent {
  /** null once the owner released the buffer. */
  owner: WeakRef<object> | null
  writer: WeakRef<BufferWriter>
  /** The writer, held strongly once released (so its buffer waits for the next manager). */
  released: BufferWriter | null
}

/** Users remembered at once (a process runs a few models side by side, one buffer each). */
const MAX_LENT = 6

const lent: Lent[] = []

/**
 * Remember that `writer` (holding its buffer for `owner`) may hand it on once `owner` is
 * released or garbage. `writer` must not reference `owner`.
 */
export function lendHostBuffer(owner: object, writer: BufferWriter): void {
  if (lent.length >= MAX_LENT) lent.shift()
  lent.push({ owner: new WeakRef(owner), writer: new WeakRef(writer), released: null })
}

/**
 * A zeroed buffer of `minBytes` to `maxBytes` bytes that a released (or garbage) owner's user
 * held, or null when there is none. It is forgotten by the pool: its new user lends it again.
 */
export function reuseHostBuffer(minBytes: number, maxBytes: number): ArrayBuffer | null {
  for (let i = 0; i < lent.length; i++) {
    const l = lent[i]
    if (l.owner !== null && l.owner.deref() !== undefined) continue
    const writer = l.released ?? l.writer.deref()
    if (writer === undefined) continue
    const buffer = writer.hostBuffer()
    if (buffer.byteLength < minBytes || buffer.byteLength > maxBytes) continue
    zeroRanges(buffer, writer.writtenRanges())
    lent.splice(i, 1)
    return buffer
  }
  return null
}

/**
 * A zeroed buffer of exactly `bytes` for `writer`, working for `owner`: a released one, else a
 * new one (which may throw RangeError, as `new ArrayBuffer` does, when the host refuses).
 */
export function takeHostBuffer(owner: object, bytes: number, writer: BufferWriter): ArrayBuffer {
  const buffer = reuseHostBuffer(bytes, bytes) ?? new ArrayBuffer(bytes)
  lendHostBuffer(owner, writer)
  return buffer
}

/**
 * `owner` will not touch its buffers again: the next manager may have them.
 * (A manager's `release()`: the manager must not be used afterwards.)
 */
export function releaseHostBuffer(owner: object): void {
  for (const l of lent) {
    if (l.owner === null || l.owner.deref() !== owner) continue
    l.owner = null
    l.released = l.writer.deref() ?? null
  }
}

/** Zero the [start, end) byte ranges of `buffer` (clamped to it). */
export function zeroRanges(buffer: ArrayBuffer, ranges: readonly number[]): void {
  const bytes = new Uint8Array(buffer)
  for (let i = 0; i + 1 < ranges.length; i += 2) {
    const start = Math.max(0, ranges[i])
    const end = Math.min(buffer.byteLength, ranges[i + 1])
    if (end > start) bytes.fill(0, start, end)
  }
}
