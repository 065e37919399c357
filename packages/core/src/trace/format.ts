/**
 * The constants of the pygc trace format (packages/core/TRACE_FORMAT.md is the normative text;
 * the readers in benchmarks/oracles/ in Python, Java and C# follow the same page, so nothing
 * here may change without a version bump).
 */

/** "PYGCTRC\0": the first 8 bytes of a binary trace. */
export const HEADER_MAGIC = Uint8Array.of(0x50, 0x59, 0x47, 0x43, 0x54, 0x52, 0x43, 0x00)
/** "PYGCEND\0": the last 8 bytes of a binary trace. */
export const END_MAGIC = Uint8Array.of(0x50, 0x59, 0x47, 0x43, 0x45, 0x4e, 0x44, 0x00)
/** The binary version the writers write by default: 2, the chunked form with a CRC-32 per chunk. */
export const FORMAT_VERSION = 2
/** Version 1: one FNV-1a 32 checksum in the footer; still read, and written on request. */
export const FORMAT_VERSION_1 = 1
/** The JSON-lines header's `format` value. */
export const JSONL_FORMAT_NAME = 'pygc-trace'
/** The JSON-lines form's version (its content did not change with binary version 2). */
export const JSONL_FORMAT_VERSION = 1

/**
 * Version 2 chunks: u32le payload length, u32le CRC-32, payload. The payload is at most 64 KiB,
 * so a reader checks a length before it reads or allocates anything for it.
 */
export const CHUNK_HEADER_BYTES = 8
export const MAX_CHUNK_PAYLOAD = 64 * 1024

// Opcodes (TRACE_FORMAT.md, "Op records").
export const OP_PUSH_FRAME = 0x01
export const OP_POP_FRAME = 0x02
export const OP_ALLOC = 0x03
export const OP_LOAD = 0x04
export const OP_STORE = 0x05
export const OP_MOVE = 0x06
export const OP_CLEAR = 0x07
export const OP_READ_INT = 0x08
export const OP_WRITE_INT = 0x09
export const OP_IS_NULL = 0x0a
export const OP_SAME = 0x0b
export const OP_WEAKREF = 0x0c
export const OP_DEREF = 0x0d
export const OP_COLLECT = 0x0e
export const OP_GC_CONTROL = 0x0f
export const OP_DEFINE_TYPE = 0x10
export const OP_DEFINE_GLOBALS = 0x11
export const OP_ID_OF = 0x12
export const OP_LENGTH_OF = 0x13
/** PIN: `slot obj, u8 pin` — 1 pin, 0 unpin (added to version 1: older readers reject it as unknown). */
export const OP_PIN = 0x14
/** The footer's first byte; the cursors return it when the stream has ended cleanly. */
export const OP_END = 0xff

/** Version 1's footer after END: u32 count low, u32 count high, u32 checksum, 8 bytes of END_MAGIC. */
export const FOOTER_BYTES_AFTER_END = 4 + 4 + 4 + 8
/** Version 2's footer after END, inside the last chunk: u32 count low, u32 count high. */
export const COUNT_BYTES_AFTER_END = 4 + 4
/** The header before the record stream: magic, u16 version, u16 flags. */
export const HEADER_BYTES = 8 + 2 + 2
/** The op count is at most 2^53 - 1, so its high word holds 21 bits. */
export const MAX_COUNT_HIGH_WORD = 0x1fffff

/**
 * Varints are unsigned LEB128 (DWARF 5, section 7.6) of at most 8 groups of 7 bits, holding
 * values below 2^53, so every reader holds them exactly (a JS double, a Java/C# long).
 */
export const MAX_VARINT_BYTES = 8
/** The largest svarint operand: zigzag maps n to 2n, which must stay below 2^53. */
export const MAX_SVARINT = 2 ** 52 - 1
export const MIN_SVARINT = -(2 ** 52)

/**
 * Longest record that has no string: opcode + three 8-byte varints + one u8 = 26 bytes. The
 * reader keeps this many bytes in its window before decoding a record so the hot path never
 * checks bounds per operand; the footer (21 bytes) fits too.
 */
export const MAX_FIXED_RECORD_BYTES = 32

/**
 * A sanity limit on strings (the metadata JSON, type names): a corrupted length must raise a
 * format error, not a multi-gigabyte allocation.
 */
export const MAX_STRING_BYTES = 64 * 1024 * 1024

/**
 * Reader window and writer flush size (64 KiB, as the trace issue asks): big enough to
 * amortize a read/write system call, small enough that a trace of any length streams.
 */
export const CHUNK_BYTES = 64 * 1024

// Enums of the type record and GC_CONTROL.
export const VARIABLE_CODES = [undefined, 'refs', 'bytes'] as const
export const SHAPE_CODES = ['list', 'tuple', 'slots', 'dict-instance'] as const
export const GC_CONTROL_CODES = ['disable', 'enable', 'freeze', 'unfreeze'] as const
export const FINALIZER_PRESENT = 1
export const FINALIZER_RESURRECTS = 2
export const FINALIZER_LEGACY = 4
/** The finalizer allocates (FinalizerSpec.allocate): varints type and count follow. */
export const FINALIZER_ALLOCATES = 8
/** The finalizer stores a new object into a global (FinalizerSpec.storeNew): varints type and global follow. */
export const FINALIZER_STORES_NEW = 16
export const FINALIZER_KNOWN_BITS =
  FINALIZER_PRESENT | FINALIZER_RESURRECTS | FINALIZER_LEGACY | FINALIZER_ALLOCATES | FINALIZER_STORES_NEW

/**
 * The deepest nesting of arrays and objects in any JSON of a trace (a JSON line, the metadata):
 * a record needs 3 levels (record, spec, finalizer), metadata a few. The bound is checked
 * before parsing, and keeps everything that later walks the value (messages, tools printing
 * the metadata) within the host stack.
 */
export const MAX_JSON_DEPTH = 64

/**
 * FNV-1a 32 (Fowler, Noll, Vo; offset basis and prime from http://www.isthe.com/chongo/tech/comp/fnv/):
 * version 1's footer checksum, cheap and trivial to port to every reader. Any single changed byte
 * changes it (each step is a bijection of the state), which the corruption tests rely on.
 */
export const FNV_OFFSET_BASIS = 0x811c9dc5
export const FNV_PRIME = 0x01000193

/** Continue an FNV-1a 32 hash `h` over bytes[from, to). */
export function fnv1a(h: number, bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME)
  return h >>> 0
}
