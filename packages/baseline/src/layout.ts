/**
 * The baseline's object layout: a 16-byte header, then 8 bytes per reference field, then the
 * int payload (4 bytes each), then the opaque byte payload, the whole cell 8-byte aligned.
 * The modeled size and the size of the cell in the heap are the same thing: the baseline is
 * the "plain tracing" row of a comparison, so it has no runtime of its own to imitate and
 * uses the simplest honest 64-bit layout (an object header of a mark word and a type word, as
 * in most tracing VMs).
 *
 * Header words (little-endian u32 at address, address + 4, + 8, + 12):
 *   word 0: cell size in bytes (a multiple of 8) | MARK bit | FREE bit
 *   word 1: type id (low 24 bits) | kind flags (high 8 bits)
 *   word 2: the object's id (its allocation ordinal; ids beyond 2^32 - 1 are not supported);
 *           in a free cell: the address of the next free cell of the same list
 *   word 3: the allocation length (reference fields) for the reference count of the cell
 * A reference field holds the referent's address in its low 4 bytes (heap addresses are
 * below 2 GiB) and 0 for null. A weak reference object has one weak field (its target) and
 * one word holding its callback tag.
 */

export const HEADER_BYTES = 16
export const REF_BYTES = 8
export const INT_BYTES = 4
export const ALIGN = 8

/** Word 0 low bits (cell sizes are multiples of 8, so bits 0..2 are free). */
export const MARK_BIT = 1
export const FREE_BIT = 2
export const SIZE_MASK = ~7

/** Word 1: type id bits and kind flags. */
export const TYPE_MASK = 0x00ff_ffff
/** A weak reference object: field 0 is the (untraced) target, word after it the callback tag. */
export const WEAK_FLAG = 1 << 24
/** The object's type has a finalizer that has not run yet. */
export const FINALIZABLE_FLAG = 1 << 25
/** A weak reference created with a callback. */
export const CALLBACK_FLAG = 1 << 26
/** The type id word-1 stores for weak reference objects (they have no program type). */
export const WEAKREF_TYPE = TYPE_MASK

/** A weak reference object: header + target field + callback field (8 bytes each). */
export const WEAKREF_BYTES = HEADER_BYTES + 2 * REF_BYTES

/** Rounds up to 8 (plain arithmetic: payloads may approach 2^31, beyond bitwise range). */
export function align8(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN
}

/** The cell size of an object with this many reference fields, ints and payload bytes. */
export function cellSize(refs: number, ints: number, bytes: number): number {
  return align8(HEADER_BYTES + refs * REF_BYTES + ints * INT_BYTES + bytes)
}
