/**
 * Where trace bytes go and come from. Both ends are synchronous on purpose: the recorder sits
 * inside a mutator's op methods and the replayer drives one, and neither can await. Both stream
 * in chunks (CHUNK_BYTES), so a trace is never whole in memory.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { PygcError } from '../errors.js'
import { CHUNK_BYTES } from './format.js'

export interface TraceSink {
  /** Take a chunk. The chunk is only valid during the call: a sink that keeps bytes copies them. */
  write(chunk: Uint8Array): void
  close(): void
}

export interface TraceSource {
  /**
   * Read up to `into.length` bytes starting at byte `position` of the trace into `into`;
   * return the count read, 0 at the end. Short reads are allowed.
   */
  read(into: Uint8Array, position: number): number
  /** Release the file (optional); the readers call it once they reach the end or fail. */
  close?(): void
}

/** A sink that keeps the trace in memory (tests, small traces). */
export class MemorySink implements TraceSink {
  private chunks: Uint8Array[] = []
  private length = 0
  private joined: Uint8Array | null = null
  closed = false

  write(chunk: Uint8Array): void {
    if (this.closed) throw new PygcError('INVALID_OPTION', 'MemorySink: write after close')
    this.chunks.push(chunk.slice())
    this.length += chunk.length
    this.joined = null
  }

  close(): void {
    this.closed = true
  }

  /** Everything written so far, as one array. */
  bytes(): Uint8Array {
    if (this.joined === null) {
      const out = new Uint8Array(this.length)
      let at = 0
      for (const c of this.chunks) {
        out.set(c, at)
        at += c.length
      }
      this.chunks = [out]
      this.joined = out
    }
    return this.joined
  }
}

function fileError(what: string, path: string, e: unknown): PygcError {
  const reason =
    (e as NodeJS.ErrnoException)?.code === 'ENOENT'
      ? 'no such file or directory'
      : String((e as Error)?.message ?? e)
  return new PygcError('INVALID_OPTION', `cannot ${what} trace file '${path}': ${reason}`, { path })
}

/** A sink writing to a file (created or truncated), buffered and synchronous. */
export function fileSink(path: string): TraceSink {
  let fd: number
  try {
    fd = openSync(path, 'w')
  } catch (e) {
    throw fileError('create', path, e)
  }
  // Small writes are gathered so the file sees CHUNK_BYTES-sized writes whatever the writer does.
  const buffer = new Uint8Array(CHUNK_BYTES)
  let buffered = 0
  let open = true
  const writeAll = (bytes: Uint8Array): void => {
    let done = 0
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
    } catch (e) {
      throw fileError('write', path, e)
    }
  }
  const flush = (): void => {
    if (buffered > 0) writeAll(buffer.subarray(0, buffered))
    buffered = 0
  }
  return {
    write(chunk: Uint8Array): void {
      if (!open) throw new PygcError('INVALID_OPTION', `trace file '${path}' is already closed`, { path })
      if (buffered + chunk.length > buffer.length) flush()
      if (chunk.length >= buffer.length) writeAll(chunk)
      else {
        buffer.set(chunk, buffered)
        buffered += chunk.length
      }
    },
    close(): void {
      if (!open) return
      open = false
      try {
        flush()
      } finally {
        closeSync(fd)
      }
    },
  }
}

/**
 * A source reading a file; a missing file is an INVALID_OPTION error naming the path (raised
 * here, before any reading). The file is closed at the end and reopened if read again, so one
 * source can be replayed more than once.
 */
export function fileSource(path: string): TraceSource {
  const open = (): number => {
    try {
      return openSync(path, 'r')
    } catch (e) {
      throw fileError('open', path, e)
    }
  }
  let fd: number | null = open()
  const close = (): void => {
    if (fd !== null) closeSync(fd)
    fd = null
  }
  return {
    read(into: Uint8Array, position: number): number {
      if (fd === null) fd = open()
      try {
        const n = readSync(fd, into, 0, into.length, position)
        if (n === 0) close()
        return n
      } catch (e) {
        close()
        throw fileError('read', path, e)
      }
    },
    close,
  }
}

/** A source over bytes in memory. */
export function bufferSource(bytes: Uint8Array): TraceSource {
  return {
    read(into: Uint8Array, position: number): number {
      if (position >= bytes.length) return 0
      const n = Math.min(into.length, bytes.length - position)
      into.set(bytes.subarray(position, position + n))
      return n
    },
  }
}
