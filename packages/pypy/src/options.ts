/**
 * The PyPy model's options, named after PyPy's environment variables, and how PyPy turns them
 * into the GC's parameters (incminimark.py:437-507, IncrementalMiniMarkGC.setup; env.py).
 */
import { type ManagerOptions, PygcError } from '@pygc/core'
import {
  GROWTH_RATE_MAX,
  MAJOR_COLLECTION_THRESHOLD,
  MIN_NURSERY_BYTES,
  NURSERY_SIZE_UNKNOWN_CACHE,
  SIZE_CLASSES,
  SMALL_REQUEST_THRESHOLD,
  WORD,
} from './constants.js'

/**
 * The runtime's own live data when the program starts: the interpreter's modules, code objects,
 * the JIT's compiled loops, the replayer's tables. Real PyPy marks it at every major collection,
 * sweeps its pages and counts it in the memory that sets the next major threshold, so the model
 * needs it: measured by the oracle after its two gc.collect() (the last gc-collect-done of the
 * GC log before the program starts) and laid down as live objects the program cannot see.
 */
export interface StartupHeap {
  /** "bytes used in arenas" of the last major collection before the program. */
  arenaBytes: number
  /** "bytes raw-malloced" after it. */
  rawBytes: number
  /** "next major collection threshold" it set. */
  nextMajorThreshold: number
  /** Arena pages holding its small objects (from gc.dump_rpy_heap); default: as few as hold arenaBytes. */
  pages?: number
  /** Its raw-malloced objects (default 1 when rawBytes > 0). */
  rawObjects?: number
  /**
   * Each raw-malloced object's size, from the heap dump in its order (then rawObjects is their
   * count); without it, rawBytes is laid down in rawObjects even pieces.
   */
  rawSizes?: readonly number[]
  /**
   * Its small objects per size class, from the heap dump: [size class in words, objects,
   * pages]. When given, the model lays the startup heap down class by class, so the program's
   * objects reuse the free blocks of partly filled pages of their class as in PyPy.
   */
  classes?: readonly (readonly [number, number, number])[]
  /**
   * Nursery bytes already taken when the program's first op runs (rounded down to a word):
   * what the oracle's own loop allocated since its last collection, measured by
   * replay_pypy.py's probe (FIDELITY.md, "gcbench: a median that depends on the nursery's
   * phase"). Default 0: an empty nursery.
   */
  nurseryUsed?: number
}

export interface PyPyOptions extends ManagerOptions {
  /** PYPY_GC_NURSERY, bytes. Default: what PyPy computes from the L2 cache (`l2CacheBytes`). */
  nursery?: number
  /**
   * The "cache size" /proc/cpuinfo reports (the smallest over CPUs), which PyPy takes for the L2
   * cache (env.py:154 get_L2cache_linux2_cpuinfo). Default 512 KiB: this machine's AMD EPYC
   * vCPUs ("cache size : 512 KB"), which gives the 1 MiB nursery gc.get_stats() shows here.
   */
  l2CacheBytes?: number
  /** PYPY_GC_MAJOR_COLLECT (default 1.82). */
  majorCollect?: number
  /** PYPY_GC_GROWTH (default 1.4). */
  growth?: number
  /** PYPY_GC_MIN, bytes (default 8 x nursery). */
  minHeap?: number
  /** PYPY_GC_MAX, bytes (default none; `heapLimit` is an alias). */
  maxHeap?: number
  /** PYPY_GC_MAX_DELTA, bytes (default 1/8 of `totalMemoryBytes`). */
  maxDelta?: number
  /** PYPY_GC_INCREMENT_STEP, bytes (default 4 x nursery). */
  incrementStep?: number
  /**
   * MemTotal of /proc/meminfo (env.py:70 get_total_memory_linux). Default 24,683,584 kB, this
   * machine's; only max_delta depends on it.
   */
  totalMemoryBytes?: number
  /** PYPY_GC_* variables as PyPy reads them ("4MB", "1.5", ...); explicit options win. */
  env?: Readonly<Record<string, string | undefined>>
  /** The runtime's own live data at the start (see StartupHeap). Default: none. */
  startup?: StartupHeap
}

export interface ResolvedOptions {
  /** The nursery's allocatable bytes (nursery_size). */
  nurseryBytes: number
  /** PYPY_GC_NURSERY below the minimum: collect_and_reserve leaves only this many bytes free (-1: off). */
  debugTinyNursery: number
  majorCollect: number
  growth: number
  minHeap: number
  maxHeap: number
  maxDelta: number
  incrementStep: number
  startup: StartupHeap
}

export const DEFAULT_L2_CACHE = 512 * 1024
export const DEFAULT_TOTAL_MEMORY = 24_683_584 * 1024

/** env.py:445 best_nursery_size_for_L2cache: half the L2 cache above 2 MiB, else 1 MiB. */
export function nurseryForL2Cache(l2: number): number {
  return l2 > 2 * 1024 * 1024 ? Math.floor(l2 / 2) : NURSERY_SIZE_UNKNOWN_CACHE
}

/**
 * env.py:17 _read_float_and_factor_from_env: an optional trailing B, then K/M/G (either case)
 * multiplies by 1024^n; a value that does not parse is 0 (unset).
 */
export function parseEnvSize(value: string | undefined): { value: number; factor: number } {
  if (value === undefined || value === '') return { value: 0, factor: 0 }
  let v = value
  if (v.length > 1 && (v.endsWith('b') || v.endsWith('B'))) v = v.slice(0, -1)
  const last = v.slice(-1)
  const factors: Record<string, number> = {
    k: 1024,
    K: 1024,
    m: 1024 ** 2,
    M: 1024 ** 2,
    g: 1024 ** 3,
    G: 1024 ** 3,
  }
  let factor = 1
  let real = v
  if (factors[last] !== undefined) {
    factor = factors[last]
    real = v.slice(0, -1)
  }
  // Python's float(): surrounding whitespace is allowed, nothing else.
  const n = real.trim() === '' ? Number.NaN : Number(real)
  if (!Number.isFinite(n)) return { value: 0, factor: 0 }
  return { value: n, factor }
}

/** env.py:38 read_from_env: int(value * factor). */
export function readSizeFromEnv(value: string | undefined): number {
  const { value: v, factor } = parseEnvSize(value)
  return Math.trunc(v * factor)
}

/** env.py:46 read_float_from_env: a plain float (a K/M/G suffix makes it 0). */
export function readFloatFromEnv(value: string | undefined): number {
  const { value: v, factor } = parseEnvSize(value)
  return factor !== 1 ? 0 : v
}

function bad(name: string, why: string): never {
  throw new PygcError('INVALID_OPTION', `pypy option ${name} ${why}`, { option: name })
}

function checkNumber(name: string, v: number | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    bad(name, `must be a number in ${min}..${max}, got ${v}`)
  return v
}

function checkRawSizes(sizes: readonly number[] | undefined): readonly number[] | undefined {
  if (sizes === undefined) return undefined
  if (!Array.isArray(sizes) || sizes.length > 1 << 20) {
    bad('startup.rawSizes', 'must be an array of at most 2^20 sizes')
  }
  for (const n of sizes) {
    if (!Number.isInteger(n) || n <= SMALL_REQUEST_THRESHOLD || n > MAX_MODEL_BYTES / 4) {
      bad(
        'startup.rawSizes',
        `has a bad size ${JSON.stringify(n)}: raw-malloced objects are above ${SMALL_REQUEST_THRESHOLD} bytes`,
      )
    }
  }
  return sizes
}

function checkClasses(
  classes: readonly (readonly [number, number, number])[] | undefined,
): readonly (readonly [number, number, number])[] | undefined {
  if (classes === undefined) return undefined
  if (!Array.isArray(classes)) bad('startup.classes', 'must be an array of [size class, objects, pages]')
  for (const c of classes) {
    const ok =
      Array.isArray(c) &&
      c.length === 3 &&
      Number.isInteger(c[0]) &&
      c[0] >= 1 &&
      c[0] <= SIZE_CLASSES &&
      Number.isInteger(c[1]) &&
      c[1] >= 0 &&
      c[1] <= 1 << 24 &&
      Number.isInteger(c[2]) &&
      c[2] >= 0 &&
      c[2] <= 1 << 20
    if (!ok)
      bad(
        'startup.classes',
        `has a bad entry ${JSON.stringify(c)}: [size class 1..${SIZE_CLASSES}, objects, pages]`,
      )
  }
  return classes
}

/** The largest heap the model's addresses can span (int32 addresses). */
const MAX_MODEL_BYTES = 2 ** 31 - 2 ** 26

/**
 * IncrementalMiniMarkGC.setup with read_from_env (incminimark.py:437-507): the nursery from
 * PYPY_GC_NURSERY or the L2 cache (a value below the minimum keeps the minimum nursery and
 * sets debug_tiny_nursery); PYPY_GC_MAJOR_COLLECT and PYPY_GC_GROWTH only when above 1.0;
 * PYPY_GC_MIN defaulting to 8 x nursery; PYPY_GC_MAX_DELTA to 1/8 of the RAM;
 * PYPY_GC_INCREMENT_STEP to 4 x nursery.
 */
export function resolveOptions(o: PyPyOptions = {}): ResolvedOptions {
  const env = o.env ?? {}
  if (typeof env !== 'object' || env === null) bad('env', 'must be an object of PYPY_GC_* strings')
  const l2 = checkNumber('l2CacheBytes', o.l2CacheBytes, 0, 2 ** 40) ?? DEFAULT_L2_CACHE
  const requested =
    checkNumber('nursery', o.nursery, 1, MAX_MODEL_BYTES / 8) ?? readSizeFromEnv(env.PYPY_GC_NURSERY)
  let nursery = requested > 0 ? Math.trunc(requested) : nurseryForL2Cache(l2)
  let debugTinyNursery = -1
  if (nursery < MIN_NURSERY_BYTES) {
    debugTinyNursery = nursery & ~(WORD - 1)
    nursery = MIN_NURSERY_BYTES
  }
  const majorEnv = readFloatFromEnv(env.PYPY_GC_MAJOR_COLLECT)
  const majorCollect =
    checkNumber('majorCollect', o.majorCollect, 1, 1e6) ??
    (majorEnv > 1.0 ? majorEnv : MAJOR_COLLECTION_THRESHOLD)
  if (majorCollect <= 1.0) bad('majorCollect', `must be above 1.0, got ${majorCollect}`)
  const growthEnv = readFloatFromEnv(env.PYPY_GC_GROWTH)
  const growth = checkNumber('growth', o.growth, 1, 1e6) ?? (growthEnv > 1.0 ? growthEnv : GROWTH_RATE_MAX)
  if (growth <= 1.0) bad('growth', `must be above 1.0, got ${growth}`)
  const minEnv = readSizeFromEnv(env.PYPY_GC_MIN)
  const minHeap = checkNumber('minHeap', o.minHeap, 0, 2 ** 53) ?? (minEnv > 0 ? minEnv : nursery * 8)
  const maxHeap =
    checkNumber('maxHeap', o.maxHeap ?? o.heapLimit, 0, 2 ** 53) ??
    Math.max(0, readSizeFromEnv(env.PYPY_GC_MAX))
  const totalMemory = checkNumber('totalMemoryBytes', o.totalMemoryBytes, 1, 2 ** 53) ?? DEFAULT_TOTAL_MEMORY
  const deltaEnv = readSizeFromEnv(env.PYPY_GC_MAX_DELTA)
  const maxDelta =
    checkNumber('maxDelta', o.maxDelta, 0, 2 ** 53) ?? (deltaEnv > 0 ? deltaEnv : 0.125 * totalMemory)
  const stepEnv = readSizeFromEnv(env.PYPY_GC_INCREMENT_STEP)
  const incrementStep =
    checkNumber('incrementStep', o.incrementStep, 1, 2 ** 53) ?? (stepEnv > 0 ? stepEnv : nursery * 4)
  const s = o.startup ?? { arenaBytes: 0, rawBytes: 0, nextMajorThreshold: 0 }
  if (typeof s !== 'object' || s === null)
    bad('startup', 'must be { arenaBytes, rawBytes, nextMajorThreshold }')
  const startup: StartupHeap = {
    arenaBytes: checkNumber('startup.arenaBytes', s.arenaBytes, 0, MAX_MODEL_BYTES / 4) ?? 0,
    rawBytes: checkNumber('startup.rawBytes', s.rawBytes, 0, MAX_MODEL_BYTES / 4) ?? 0,
    nextMajorThreshold: checkNumber('startup.nextMajorThreshold', s.nextMajorThreshold, 0, 2 ** 53) ?? 0,
    pages: checkNumber('startup.pages', s.pages, 0, 1 << 20) ?? 0,
    rawObjects: checkNumber('startup.rawObjects', s.rawObjects, 0, 1 << 20) ?? 0,
    classes: checkClasses(s.classes),
    rawSizes: checkRawSizes(s.rawSizes),
    nurseryUsed:
      Math.floor((checkNumber('startup.nurseryUsed', s.nurseryUsed, 0, nursery) ?? 0) / WORD) * WORD,
  }
  return {
    nurseryBytes: nursery,
    debugTinyNursery,
    majorCollect,
    growth,
    minHeap,
    maxHeap,
    maxDelta,
    incrementStep: Math.trunc(incrementStep),
    startup,
  }
}
