/**
 * Small tools the checks share. The checks are plain functions that throw on failure (no test
 * framework inside), so the kit can also be run against deliberately broken managers and be
 * seen to fail.
 */
import {
  type ErrorCode,
  type GcEvent,
  globalSlot,
  isPygcError,
  type ManagerStats,
  type MemoryManager,
  type Slot,
} from '@pygc/core'

export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConformanceFailure'
  }
}

export function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceFailure(message)
}

export function ensureEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected)
    throw new ConformanceFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`)
}

/**
 * Hand a manager the check is done with back (its `release()`, where the model has one): its
 * reserved heap then goes to the next manager the check creates (core host-buffers.ts) instead
 * of fresh host memory, whose first write is a page fault per 4 KiB on a virtual machine. The
 * manager must not be used afterwards.
 */
export function releaseManager(m: MemoryManager): void {
  m.release?.()
}

/**
 * `body` with a create() that remembers every manager it makes; all of them are released
 * (releaseManager) when `body` returns or throws, so the next check's managers take their heaps.
 */
export function releasingManagers<T>(
  create: () => MemoryManager,
  body: (create: () => MemoryManager) => T,
): T {
  const made: MemoryManager[] = []
  try {
    return body(() => {
      const m = create()
      made.push(m)
      return m
    })
  } finally {
    for (const m of made) releaseManager(m)
  }
}

/** Full collections a runtime may need before garbage is gone: finalizable objects take one to be found, a drained queue, and one more to be freed; generational runtimes may age. */
export const SETTLE_ROUNDS = 6

/**
 * Run full collections (collect() with no argument, like gc.collect()), each followed by an op
 * so that queues drained at op boundaries (finalizer threads) get to run.
 */
export function settle(m: MemoryManager, probe: Slot = globalSlot(0), rounds = SETTLE_ROUNDS): void {
  for (let i = 0; i < rounds; i++) {
    m.collect()
    m.isNull(probe)
  }
}

export function liveIds(m: MemoryManager): Set<number> {
  const ids = new Set<number>()
  m.forEachLiveId((id) => ids.add(id))
  return ids
}

/** Stats without the host wall-clock fields, as a canonical JSON string. */
export function deterministicStats(s: ManagerStats): string {
  const { wallGcMs: _wall, ...rest } = s
  return JSON.stringify(rest)
}

/** The manager's deterministic figures: stats minus wall time, and its native summary. */
export function fingerprint(m: MemoryManager): string {
  const native = m.native as { summary?: () => Record<string, unknown> } | undefined
  return `${deterministicStats(m.stats())}\n${JSON.stringify(native?.summary?.() ?? null)}`
}

/** Collect the manager's events of one type while `body` runs. */
export function recordEvents<T extends GcEvent['type']>(
  m: MemoryManager,
  type: T,
  body: () => void,
): Extract<GcEvent, { type: T }>[] {
  const seen: Extract<GcEvent, { type: T }>[] = []
  const off = m.on((e) => {
    if (e.type === type) seen.push(e as Extract<GcEvent, { type: T }>)
  })
  try {
    body()
  } finally {
    off()
  }
  return seen
}

/** Expect `body` to throw a PygcError with `code`. */
export function expectCode(code: ErrorCode, what: string, body: () => unknown): void {
  try {
    body()
  } catch (e) {
    if (isPygcError(e, code)) return
    throw new ConformanceFailure(
      `${what}: expected a PygcError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    )
  }
  throw new ConformanceFailure(`${what}: expected a PygcError ${code}, but nothing was thrown`)
}
