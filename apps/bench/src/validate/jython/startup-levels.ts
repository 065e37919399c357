/**
 * Where the JVM's own live objects lie in its object graph, as a young collection meets them:
 * the model's `jvmStartup.liveByLevel` (packages/jython/src/startup-data.ts says why it
 * matters: HotSpot's scavenge copies the JVM's objects and the program's in one breadth-first
 * order, and what does not fit to-space is promoted).
 *
 * Measured with probes, one JVM run per depth d: the program puts ~2 survivor spaces' worth of
 * 1 KiB objects d references below TraceReplay's globals array (d = 1: the globals hold them),
 * allocates garbage until the first young collection, drops them all, and allocates garbage
 * until the second. The first collection fills to-space with the JVM's objects that come
 * before depth d and then with the probe's (the rest of both is promoted); the second promotes
 * what of to-space is still live (the tenuring threshold is 1 after a full to-space), which is
 * only the JVM's part. So the old generation's growth at the second collection is S(d), the
 * JVM's live bytes copied before the program's objects at depth d, and the model's level j
 * (j references below a slot) holds S(j + 1) - S(j). Depths go on until two steps in a row add
 * less than STOP_STEP_BYTES; the model puts the remainder one level deeper.
 *
 * The graph does not depend on the heap size (-XX:-UseTLAB; measured 2026-12-02 at
 * -Xmx32m/8m and -Xmx64m/16m: 300/433/541/603 and 302/434/541/603 KiB at depths 1-4), so it is
 * measured once, at a young generation whose survivor space holds all of it, and kept in the
 * oracle's class directory per java version.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import { fileSink, globalSlot, type Mutator, RecordingMutator } from '@pygc/core'
import { JythonManager } from '@pygc/jython'
import type { RealCollection } from './jvm-log.js'

const KiB = 1024
const MiB = 1024 * KiB

/** The heap the probes run at: its survivor space (1600 KiB) holds all of the JVM's ~730 KiB. */
export const PROBE_HEAP = { xms: 64 * MiB, xmx: 64 * MiB, xmn: 16 * MiB, tlab: false } as const
/** DefNewGeneration::compute_survivor_size at PROBE_HEAP (16 MiB / 10, aligned down to 64 KiB) and its eden. */
const PROBE_SURVIVOR_BYTES = 1600 * KiB
const PROBE_EDEN_BYTES = PROBE_HEAP.xmn - 2 * PROBE_SURVIVOR_BYTES
/** Payload of a probe object: an Object[251] of 1024 bytes in the `java` size mode. */
const PROBE_PAYLOAD = 1000
const PROBE_OBJECT_BYTES = 1024
/** The deepest probe, and the step below which the JVM's graph counts as exhausted. */
const MAX_PROBE_DEPTH = 12
const STOP_STEP_BYTES = 8 * KiB

/**
 * The probe program at `depth` (see the file comment). Its globals array holds `depth` slots
 * (a chain of lists down to the objects), or one per object at depth 1.
 */
export function probeProgram(depth: number): { program: (m: Mutator) => void; globals: number } {
  const n = Math.ceil((2 * PROBE_SURVIVOR_BYTES) / PROBE_OBJECT_BYTES)
  const globals = depth === 1 ? n : depth
  const program = (m: Mutator): void => {
    const blob = m.defineType({ name: 'bytes', refs: 0, ints: 1, variable: 'bytes' })
    const list = m.defineType({ name: 'list', refs: 0, variable: 'refs', shape: 'list' })
    m.defineGlobals(globals)
    m.pushFrame(1)
    if (depth === 1) {
      for (let i = 0; i < n; i++) m.alloc(globalSlot(i), blob, PROBE_PAYLOAD)
    } else {
      // A tree of lists, `fan` wide, whose leaves at `depth` are the objects; global l - 1
      // holds the list being filled at level l.
      const fan = Math.ceil(n ** (1 / (depth - 1)))
      let made = 0
      const build = (level: number): void => {
        if (level === depth) {
          m.alloc(globalSlot(level - 1), blob, PROBE_PAYLOAD)
          made++
          return
        }
        m.alloc(globalSlot(level - 1), list, fan)
        for (let i = 0; i < fan && made < n; i++) {
          build(level + 1)
          m.store(globalSlot(level - 1), i, globalSlot(level))
        }
      }
      build(1)
      for (let l = 1; l < depth; l++) m.clear(globalSlot(l))
    }
    const garbage = (): void => {
      for (let b = 0; b < PROBE_EDEN_BYTES; b += PROBE_OBJECT_BYTES) m.alloc(0, blob, PROBE_PAYLOAD)
      m.clear(0)
    }
    garbage()
    for (let g = 0; g < (depth === 1 ? n : 1); g++) m.clear(globalSlot(g))
    garbage()
    m.popFrame()
  }
  return { program, globals }
}

/** TraceReplay's globals array of `globals` slots (an Object[]): live, and in to-space first. */
function globalsArrayBytes(globals: number): number {
  return Math.ceil((16 + 4 * globals) / 8) * 8
}

/** S(depth) from one probe run's collections (see the file comment). */
export function startupBytesBefore(real: readonly RealCollection[], globals: number): number {
  const [first, second] = real
  if (second === undefined || first.kind !== 'young' || second.kind !== 'young' || !second.heapPrinted) {
    throw new Error(
      `start-up levels probe: expected two young collections, got ${real.map((r) => `${r.kind} (${r.cause})`).join(', ') || 'none'}`,
    )
  }
  return Math.max(0, (second.oldAfterKiB - first.oldAfterKiB) * KiB - globalsArrayBytes(globals))
}

/** Per-level bytes from the cumulative S(1), S(2), ... (model level j = depth j + 1). */
export function levelsFromCumulative(before: readonly number[]): number[] {
  return before.map((s, i) => Math.max(0, s - (i === 0 ? 0 : Math.max(...before.slice(0, i)))))
}

/** The levels clipped to `liveBytes` (each heap configuration measures its own live total). */
export function levelsWithin(levels: readonly number[], liveBytes: number): number[] {
  const out: number[] = []
  let left = liveBytes
  for (const b of levels) {
    const take = Math.min(b, left)
    out.push(take)
    left -= take
  }
  return out
}

/** One probe: record its trace, run it on the JVM at PROBE_HEAP, return its collections. */
export type ProbeRunner = (trace: string, logFile: string) => Promise<RealCollection[]>

/**
 * The JVM's start-up levels (bytes per model level), from the cache in `classDir` when this
 * java measured them before, else measured with probes in `dir`.
 */
export async function measureStartupLevels(
  classDir: string,
  dir: string,
  java: string,
  run: ProbeRunner,
  log: (s: string) => void,
): Promise<number[]> {
  const cache = join(classDir, 'startup-levels.json')
  if (existsSync(cache)) {
    const cached = JSON.parse(readFileSync(cache, 'utf8')) as { java?: string; levels?: number[] }
    if (cached.java === java && Array.isArray(cached.levels)) return cached.levels
  }
  log(`JVM start-up levels: probes at depth 1..${MAX_PROBE_DEPTH} (once per java version)`)
  const before: number[] = []
  for (let depth = 1; depth <= MAX_PROBE_DEPTH; depth++) {
    const { program, globals } = probeProgram(depth)
    const trace = join(dir, `startup-probe-${depth}.trace`)
    const recorder = new RecordingMutator(new JythonManager({ sizeMode: 'java' }), fileSink(trace), {
      metadata: { recordedBy: 'pygc validate jython (JVM start-up levels probe)' },
    })
    program(recorder)
    recorder.finish()
    before.push(startupBytesBefore(await run(trace, join(dir, `startup-probe-${depth}.log`)), globals))
    const k = before.length
    if (
      k >= 3 &&
      before[k - 1] - before[k - 2] < STOP_STEP_BYTES &&
      before[k - 2] - before[k - 3] < STOP_STEP_BYTES
    )
      break
  }
  const levels = levelsFromCumulative(before)
  log(`JVM start-up levels (KiB): ${levels.map((b) => Math.round(b / KiB)).join(', ')}`)
  // Written beside and renamed into place: another validation may read it meanwhile.
  const tmp = `${cache}.tmp-${process.pid}-${threadId}`
  writeFileSync(tmp, `${JSON.stringify({ java, levels })}\n`)
  renameSync(tmp, cache)
  return levels
}
