/**
 * CRC-32 as zlib computes it (ISO-HDLC: reflected polynomial 0xEDB88320, initial value and
 * final xor 0xFFFFFFFF; check value of "123456789" is 0xCBF43926): the per-chunk checksum of
 * binary traces, version 2 (TRACE_FORMAT.md says why this one). Node's zlib.crc32 (Node 20.15
 * and later) runs it natively at about 1 GB/s; on an older Node a byte-table loop stands in
 * (about 200 MB/s), giving the same values.
 */
import * as zlib from 'node:zlib'

type Crc32 = (bytes: Uint8Array, crc: number) => number

const native = (zlib as { crc32?: Crc32 }).crc32

let table: Int32Array | null = null

/** The Sarwate byte table: the CRC of each byte value. */
function byteTable(): Int32Array {
  const t = new Int32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  return t
}

/** The byte-table CRC-32, continuing from `crc` (exported for the test that checks it against zlib). */
export function crc32ByTable(bytes: Uint8Array, crc: number): number {
  table ??= byteTable()
  const t = table
  let c = ~crc
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}

/** CRC-32 of `bytes`, continuing from `crc` (0 to start): crc32(b, crc32(a)) = crc32(a ++ b). */
export const crc32: Crc32 = native ?? crc32ByTable
