/**
 * An LRU cache with churn, the shape of functools.lru_cache's pure-Python version: a circular
 * doubly linked list of links `[PREV, NEXT, KEY, RESULT]` under a root sentinel, found through
 * a hash table (here: buckets chained through each link). Cached values are long-lived until
 * evicted; every request also makes short-lived garbage (the request and its temporary buffer).
 * Keys are skewed: most requests hit a hot set, the rest are spread over the whole key space.
 */
import type { Mutator, Rng } from '@pygc/core'
import { declareGlobals, programGlobal } from './program.js'
import type { Workload, WorkloadResult } from './types.js'

// Link fields (references); the key is the link's int 0.
const PREV = 0
const NEXT = 1
const CHAIN = 2
const RESULT = 3

const ROOT = programGlobal(0)
const TABLE = programGlobal(1)

// get()'s locals.
const REQUEST = 0
const LINK = 1
const VALUE = 2
const TMP = 3
const OTHER = 4

interface Types {
  link: number
  value: number
  buffer: number
  request: number
}

/** Unlink the link in LINK from the recency list (uses TMP, OTHER). */
function unlink(m: Mutator): void {
  m.load(TMP, LINK, PREV)
  m.load(OTHER, LINK, NEXT)
  m.store(TMP, NEXT, OTHER)
  m.store(OTHER, PREV, TMP)
}

/** Put the link in LINK at the most-recent end, just before the root (uses TMP). */
function pushRecent(m: Mutator): void {
  m.load(TMP, ROOT, PREV)
  m.store(LINK, PREV, TMP)
  m.store(LINK, NEXT, ROOT)
  m.store(TMP, NEXT, LINK)
  m.store(ROOT, PREV, LINK)
}

/** Find `key` in its bucket chain; LINK holds the link or null. */
function find(m: Mutator, key: number, bucket: number): void {
  m.load(LINK, TABLE, bucket)
  while (!m.isNull(LINK) && m.readInt(LINK, 0) !== key) m.load(LINK, LINK, CHAIN)
}

/** Remove the link in LINK from its bucket chain (uses TMP, OTHER). */
function removeFromBucket(m: Mutator, bucket: number): void {
  m.load(TMP, TABLE, bucket)
  m.load(OTHER, LINK, CHAIN)
  if (m.same(TMP, LINK)) {
    m.store(TABLE, bucket, OTHER)
    return
  }
  for (;;) {
    m.load(OTHER, TMP, CHAIN)
    if (m.same(OTHER, LINK)) break
    m.move(TMP, OTHER)
  }
  m.load(OTHER, LINK, CHAIN)
  m.store(TMP, CHAIN, OTHER)
}

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const t: Types = {
    link: m.defineType({ name: 'lru_link', refs: 4, ints: 1, shape: 'list' }),
    value: m.defineType({ name: 'Value', refs: 1, ints: 1, shape: 'dict-instance' }),
    buffer: m.defineType({ name: 'bytes', refs: 0, variable: 'bytes' }),
    request: m.defineType({ name: 'Request', refs: 1, ints: 1, shape: 'dict-instance' }),
  }
  const listType = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
  declareGlobals(m, 2)
  const buckets = p.capacity
  m.alloc(TABLE, listType, buckets)
  m.alloc(ROOT, t.link)
  m.store(ROOT, PREV, ROOT)
  m.store(ROOT, NEXT, ROOT)
  const hotKeys = Math.max(1, Math.floor((p.capacity * p.hotPercent) / 100))
  let size = 0
  let hits = 0
  let check = 0
  for (let r = 0; r < p.requests; r++) {
    const key = rng.int(100) < 80 ? rng.int(hotKeys) : rng.int(p.keySpace)
    const bucket = key % buckets
    m.pushFrame(5)
    // The request and its temporary buffer: garbage as soon as the request is served.
    m.alloc(REQUEST, t.request)
    m.writeInt(REQUEST, 0, key)
    m.alloc(TMP, t.buffer, 16 + rng.int(p.maxValueBytes))
    m.store(REQUEST, 0, TMP)
    find(m, key, bucket)
    if (!m.isNull(LINK)) {
      hits++
      unlink(m)
      pushRecent(m)
      m.load(VALUE, LINK, RESULT)
    } else {
      m.alloc(VALUE, t.value)
      m.writeInt(VALUE, 0, key)
      m.alloc(TMP, t.buffer, 16 + rng.int(p.maxValueBytes))
      m.store(VALUE, 0, TMP)
      m.alloc(LINK, t.link)
      m.writeInt(LINK, 0, key)
      m.store(LINK, RESULT, VALUE)
      m.load(TMP, TABLE, bucket)
      m.store(LINK, CHAIN, TMP)
      m.store(TABLE, bucket, LINK)
      pushRecent(m)
      size++
      if (size > p.capacity) {
        // Evict the least recently used link (the one after the root).
        m.load(LINK, ROOT, NEXT)
        unlink(m)
        removeFromBucket(m, m.readInt(LINK, 0) % buckets)
        size--
      }
    }
    if (m.readInt(VALUE, 0) === key) check++
    m.popFrame()
  }
  return { check, checkLabel: 'requests answered with their own key', observations: { hits } }
}

export const lruCache: Workload = {
  name: 'lru-cache',
  description: 'An LRU cache with churn: long-lived cached values, short-lived requests, evictions',
  source: "functools.lru_cache's pure-Python linked list of [PREV, NEXT, KEY, RESULT] links",
  params: {
    capacity: { description: 'maxsize: cached entries kept (long-lived)', min: 1, max: 10_000_000 },
    requests: { description: 'lookups made', min: 0, max: 1_000_000_000 },
    keySpace: {
      description: 'distinct keys requested (20% of requests spread over them)',
      min: 1,
      max: 1_000_000_000,
    },
    hotPercent: {
      description: 'the hot set (80% of requests) as a percentage of the capacity',
      min: 1,
      max: 1000,
    },
    maxValueBytes: {
      description: 'payload of a cached value / a request buffer: 16 + [0, this) bytes',
      min: 1,
      max: 1_000_000,
    },
  },
  sizes: {
    test: { capacity: 500, requests: 5_000, keySpace: 5_000, hotPercent: 50, maxValueBytes: 256 },
    small: { capacity: 10_000, requests: 200_000, keySpace: 100_000, hotPercent: 50, maxValueBytes: 256 },
    medium: {
      capacity: 100_000,
      requests: 2_000_000,
      keySpace: 1_000_000,
      hotPercent: 50,
      maxValueBytes: 256,
    },
    // large scales the run's length (10x medium's requests), and the cache only 2x: the cache is
    // the live set, and at capacity 1,000,000 it was past the default heaps (medium, capacity
    // 100,000, peaks at 140 MiB modeled live on jython, 103 on pypy, 398 on ironpython, 41 on
    // cpython): jython raised java.lang.OutOfMemoryError past -Xmx512m, the pypy cell failed too
    // (bench:large, 2026-12-01; its error was not recorded: ~1 GB of modeled live cache against
    // the model's 2 GiB address space), ironpython reached its 2 GiB limit. keySpace stays 10x
    // the capacity, as at every size.
    large: {
      capacity: 200_000,
      requests: 20_000_000,
      keySpace: 2_000_000,
      hotPercent: 50,
      maxValueBytes: 256,
    },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 25 * p.requests, // ~25 ops per request
  expectedCheck: (p) => p.requests,
  run,
}
