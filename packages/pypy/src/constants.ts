/**
 * The fixed numbers of PyPy's garbage collector on 64-bit Linux, each with its source line.
 * Source: pypy/pypy at tag release-pypy3.9-v7.3.11 (the PyPy of Debian 12's pypy3 7.3.11),
 * rpython/memory/gc/incminimark.py (IncrementalMiniMarkGC.TRANSLATION_PARAMS and below),
 * rpython/memory/gc/minimarkpage.py and rpython/memory/gc/env.py. Lines are those of that tag.
 */

/** LONG_BIT // 8 on x86-64 (incminimark.py:91). */
export const WORD = 8

/** Every GC object starts with one header word, `tid` = type id | flags (incminimark.py:211). */
export const HEADER_BYTES = WORD

/**
 * A nursery object needs room for the forwarding stub (tid -42 + forwarding address) that a
 * minor collection leaves behind: header + one address (incminimark.py:225).
 */
export const MIN_NURSERY_OBJECT_BYTES = 2 * WORD

/**
 * Objects of this many bytes or more are allocated outside the nursery, "young raw-malloced"
 * (incminimark.py:278 "large_object": (16384+512)*WORD; nonlarge_max = large_object - 1, line 318).
 */
export const LARGE_OBJECT_BYTES = (16384 + 512) * WORD

/** The smallest nursery: twice the large-object limit (incminimark.py:450). */
export const MIN_NURSERY_BYTES = 2 * LARGE_OBJECT_BYTES

/**
 * The largest object minimarkpage allocates in its pages; old objects above it are raw-malloced
 * (incminimark.py:252 "small_request_threshold": 35*WORD).
 */
export const SMALL_REQUEST_THRESHOLD = 35 * WORD

/** A page of the arena allocator (incminimark.py:242 "page_size": 1024*WORD). */
export const PAGE_BYTES = 1024 * WORD

/** An arena: pages malloc'ed together (incminimark.py:246 "arena_size": 65536*WORD). */
export const ARENA_BYTES = 65536 * WORD

/** minimarkpage's PAGE_HEADER: nextpage, arena, nfree, freeblock (minimarkpage.py:61-80). */
export const PAGE_HEADER_BYTES = 4 * WORD

/**
 * Array indices per card bit for large arrays of references (incminimark.py:272
 * "card_page_indices": 128): a card is 128 items, 1 KiB of references.
 */
export const CARD_PAGE_INDICES = 128
export const CARD_PAGE_SHIFT = 7

/** PYPY_GC_MAJOR_COLLECT default (incminimark.py:258). */
export const MAJOR_COLLECTION_THRESHOLD = 1.82

/** PYPY_GC_GROWTH default (incminimark.py:265). */
export const GROWTH_RATE_MAX = 1.4

/**
 * The nursery when the L2 cache is at most 2 MiB or unknown (env.py:441
 * NURSERY_SIZE_UNKNOWN_CACHE = 1024*1024, chosen by best_nursery_size_for_L2cache, env.py:445).
 */
export const NURSERY_SIZE_UNKNOWN_CACHE = 1024 * 1024

/**
 * glibc's malloc returns blocks 16 bytes past an mmap'ed page, so an arena is not page-aligned
 * and its first page starts at the next page boundary (minimarkpage.py:308): 63 usable pages of
 * the 64 an arena spans. The model places arenas the same way.
 */
export const MALLOC_CHUNK_HEADER = 16

/** Size classes of minimarkpage: one per WORD up to SMALL_REQUEST_THRESHOLD (minimarkpage.py:96-114). */
export const SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / WORD

/** The incremental GC's states (incminimark.py:150-170). */
export const STATE_SCANNING = 0
export const STATE_MARKING = 1
export const STATE_SWEEPING = 2
export const STATE_FINALIZING = 3
export const GC_STATES = ['SCANNING', 'MARKING', 'SWEEPING', 'FINALIZING'] as const

/** Round a byte count up to a multiple of WORD (llarena.round_up_for_allocation). */
export function roundUpForAllocation(bytes: number): number {
  return Math.ceil(bytes / WORD) * WORD
}
