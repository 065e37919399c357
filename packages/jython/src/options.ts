/**
 * Options of the Jython/HotSpot model and the heap geometry they give, computed as HotSpot 17
 * computes it for -XX:+UseSerialGC (gc/shared/genArguments.cpp, gc/serial/defNewGeneration.cpp).
 */
import { type ManagerOptions, PygcError } from '@pygc/core'
import type { SizeMode } from './sizes.js'

export const KiB = 1024
export const MiB = 1024 * KiB

/**
 * When queued finalizers (`__del__` via FinalizeTrigger.finalize) and weakref callbacks (the
 * weakref reaper thread) run. The JVM runs them on other threads, some time after the GC; the
 * model picks a deterministic point:
 * - `next-op` (default): at the first op boundary after the collection that queued them;
 * - `manual`: only when `native.runFinalization()` is called (like System.runFinalization()).
 */
export type FinalizerDrain = 'next-op' | 'manual'

export interface JythonOptions extends ManagerOptions {
  /** -Xms: initial heap (young + old), bytes. */
  xms?: number
  /** -Xmx: maximum heap, bytes. `heapLimit` is an alias. */
  xmx?: number
  /** -Xmn: young generation size, bytes (fixed: the model does not resize the young gen). */
  xmn?: number
  /** -XX:SurvivorRatio (eden : one survivor). HotSpot default 8. */
  survivorRatio?: number
  /** -XX:NewRatio (old : young) when -Xmn is not given. HotSpot default 2. */
  newRatio?: number
  /** -XX:MaxTenuringThreshold. HotSpot default 15. */
  maxTenuringThreshold?: number
  /** -XX:TargetSurvivorRatio, percent of to-space. HotSpot default 50. */
  targetSurvivorRatio?: number
  /** -XX:MinHeapFreeRatio / MaxHeapFreeRatio, percent. HotSpot defaults 40 / 70. */
  minHeapFreeRatio?: number
  maxHeapFreeRatio?: number
  /**
   * -XX:MarkSweepDeadRatio, percent of the old generation a full collection may leave as
   * "dead wood" at its bottom instead of compacting. HotSpot default 5.
   */
  markSweepDeadRatio?: number
  /** `jython` (default): the Java objects Jython makes; `java`: one Object[] per object (the oracle's layout). */
  sizeMode?: SizeMode
  finalizerDrain?: FinalizerDrain
  /**
   * Objects the JVM itself allocates before the program's first op (class loading, the
   * launcher, reading the trace): `liveBytes` stay reachable (held by a hidden root),
   * `garbageBytes` are dead at once. Measured by the validator on the real JVM; 0 by default.
   * `liveByLevel` says where the live part lies in the JVM's object graph as a young
   * collection meets it (see startup-data.ts): entry j is the bytes it copies before the
   * program's objects j references away from a slot (entry 0: before the objects the slots
   * hold); what the entries leave of `liveBytes` lies one level below the last. Default [] (all
   * of it before the program's objects).
   */
  jvmStartup?: JvmStartup
}

/** What the JVM allocated before the first op (see JythonOptions.jvmStartup). */
export interface JvmStartup {
  liveBytes: number
  garbageBytes: number
  liveByLevel?: readonly number[]
}

/** Levels of start-up data the model accepts (the JVM's own graph is ~12 deep, FIDELITY.md). */
export const MAX_STARTUP_LEVELS = 64

/** HotSpot's space alignment for the serial heap on Linux x86-64 (SpaceAlignment = 64K). */
export const SPACE_ALIGNMENT = 64 * KiB
/** The OS page size: generations commit and uncommit in pages. */
export const PAGE_SIZE = 4 * KiB
/** MinHeapDeltaBytes = ScaleForWordSize(128K) on 64-bit: the smallest worthwhile resize. */
export const MIN_HEAP_DELTA_BYTES = Math.floor((128 * KiB * 13) / 10 / 8) * 8
/** Largest heap the model reserves: addresses must stay below 2^31 (they are int32 here). */
export const MAX_RESERVED = 2 * 1024 * MiB - 64 * KiB

export interface HeapGeometry {
  youngBytes: number
  edenBytes: number
  survivorBytes: number
  oldInitialBytes: number
  oldMaxBytes: number
}

export interface ResolvedOptions {
  geometry: HeapGeometry
  survivorRatio: number
  newRatio: number
  maxTenuringThreshold: number
  targetSurvivorRatio: number
  minHeapFreeRatio: number
  maxHeapFreeRatio: number
  markSweepDeadRatio: number
  sizeMode: SizeMode
  finalizerDrain: FinalizerDrain
  jvmStartup: { liveBytes: number; garbageBytes: number; liveByLevel: number[] }
}

function alignDown(n: number, a: number): number {
  return Math.floor(n / a) * a
}
function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a
}

function intOption(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option ${name} must be an integer in ${min}..${max}, got ${v}`,
      {
        option: name,
      },
    )
  }
  return v
}

/** The default heap: -Xms64m -Xmx512m, young = Xms / (NewRatio + 1). */
const DEFAULT_XMS = 64 * MiB
const DEFAULT_XMX = 512 * MiB

export function resolveOptions(o: JythonOptions = {}): ResolvedOptions {
  const survivorRatio = intOption('survivorRatio', o.survivorRatio, 8, 1, 1000)
  const newRatio = intOption('newRatio', o.newRatio, 2, 1, 1000)
  const maxTenuringThreshold = intOption('maxTenuringThreshold', o.maxTenuringThreshold, 15, 0, 15)
  const targetSurvivorRatio = intOption('targetSurvivorRatio', o.targetSurvivorRatio, 50, 0, 100)
  const minHeapFreeRatio = intOption('minHeapFreeRatio', o.minHeapFreeRatio, 40, 0, 100)
  const maxHeapFreeRatio = intOption('maxHeapFreeRatio', o.maxHeapFreeRatio, 70, minHeapFreeRatio, 100)
  const markSweepDeadRatio = intOption('markSweepDeadRatio', o.markSweepDeadRatio, 5, 0, 100)
  const xmxRaw = intOption('xmx', o.xmx ?? o.heapLimit, DEFAULT_XMX, 2 * MiB, MAX_RESERVED)
  const xmx = alignUp(xmxRaw, SPACE_ALIGNMENT)
  const xms = alignUp(intOption('xms', o.xms, Math.min(DEFAULT_XMS, xmx), 2 * MiB, xmx), SPACE_ALIGNMENT)
  if (xms > xmx) {
    throw new PygcError('INVALID_OPTION', `jython option xms (${xms}) must not exceed xmx (${xmx})`, {
      option: 'xms',
    })
  }
  const youngRaw =
    o.xmn !== undefined
      ? intOption('xmn', o.xmn, 0, 3 * SPACE_ALIGNMENT, xmx - SPACE_ALIGNMENT)
      : xms / (newRatio + 1)
  const youngBytes = Math.max(3 * SPACE_ALIGNMENT, alignDown(youngRaw, SPACE_ALIGNMENT))
  if (youngBytes >= xms && o.xmn !== undefined && youngBytes >= xmx) {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option xmn (${youngBytes}) leaves no room for the old generation`,
      {
        option: 'xmn',
      },
    )
  }
  // DefNewGeneration::compute_survivor_size: gen / (SurvivorRatio + 2), aligned down, at least one alignment.
  const n = youngBytes / (survivorRatio + 2)
  const survivorBytes = n > SPACE_ALIGNMENT ? alignDown(n, SPACE_ALIGNMENT) : SPACE_ALIGNMENT
  const edenBytes = youngBytes - 2 * survivorBytes
  if (edenBytes <= 0) {
    throw new PygcError('INVALID_OPTION', `jython young generation of ${youngBytes} bytes leaves no eden`, {
      option: 'xmn',
    })
  }
  const oldMaxBytes = xmx - youngBytes
  const oldInitialBytes = Math.min(oldMaxBytes, Math.max(SPACE_ALIGNMENT, xms - youngBytes))
  const sizeMode = o.sizeMode ?? (o.preset === 'java' ? 'java' : 'jython')
  if (sizeMode !== 'java' && sizeMode !== 'jython') {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option sizeMode must be 'java' or 'jython', got ${String(sizeMode)}`,
      {
        option: 'sizeMode',
      },
    )
  }
  const finalizerDrain = o.finalizerDrain ?? 'next-op'
  if (finalizerDrain !== 'next-op' && finalizerDrain !== 'manual') {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option finalizerDrain must be 'next-op' or 'manual', got ${String(finalizerDrain)}`,
      { option: 'finalizerDrain' },
    )
  }
  const startup = o.jvmStartup ?? { liveBytes: 0, garbageBytes: 0 }
  const liveBytes = alignDown(intOption('jvmStartup.liveBytes', startup.liveBytes, 0, 0, edenBytes / 2), 8)
  const garbageBytes = alignDown(
    intOption('jvmStartup.garbageBytes', startup.garbageBytes, 0, 0, edenBytes - liveBytes),
    8,
  )
  const liveByLevel = startupLevels(startup.liveByLevel ?? [], liveBytes)
  return {
    geometry: { youngBytes, edenBytes, survivorBytes, oldInitialBytes, oldMaxBytes },
    survivorRatio,
    newRatio,
    maxTenuringThreshold,
    targetSurvivorRatio,
    minHeapFreeRatio,
    maxHeapFreeRatio,
    markSweepDeadRatio,
    sizeMode,
    finalizerDrain,
    jvmStartup: { liveBytes, garbageBytes, liveByLevel },
  }
}

/** jvmStartup.liveByLevel checked: whole bytes (aligned down to 8), at most `liveBytes` in all. */
function startupLevels(levels: readonly number[], liveBytes: number): number[] {
  if (!Array.isArray(levels) || levels.length > MAX_STARTUP_LEVELS) {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option jvmStartup.liveByLevel must be an array of at most ${MAX_STARTUP_LEVELS} byte counts`,
      { option: 'jvmStartup.liveByLevel' },
    )
  }
  const out = levels.map((b, j) =>
    alignDown(intOption(`jvmStartup.liveByLevel[${j}]`, b, 0, 0, liveBytes), 8),
  )
  const sum = out.reduce((s, b) => s + b, 0)
  if (sum > liveBytes) {
    throw new PygcError(
      'INVALID_OPTION',
      `jython option jvmStartup.liveByLevel sums to ${sum} bytes, more than jvmStartup.liveBytes (${liveBytes})`,
      { option: 'jvmStartup.liveByLevel' },
    )
  }
  return out
}
