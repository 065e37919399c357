/**
 * Host memory per modeled object: 10 million live objects on the baseline manager (a chain held
 * from a global), measured in a fresh child process so nothing else in this process skews it.
 * The figure that matters is the process's resident memory with all of them live (the issue asks
 * for under 1 GB), and the growth of the JS heap plus ArrayBuffers (where a manager's typed
 * arrays live) per object. Plain V8 objects of the same shape are measured the same way.
 */
import { execFileSync } from 'node:child_process'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { baselineRuntime } from '@pygc/baseline'
import { buildChain } from './chain.js'

export interface MemorySample {
  subject: string
  objects: number
  rssBefore: number
  rssAfter: number
  jsBefore: number
  jsAfter: number
  /** Modeled bytes the manager reports live (undefined for plain V8 objects). */
  modeledLiveBytes?: number
  buildSeconds: number
}

function forceGc(): void {
  // Expose V8's gc() for this measurement only (the same as running node with --expose-gc).
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

function snapshot(): { rss: number; js: number } {
  forceGc()
  const u = process.memoryUsage()
  return { rss: u.rss, js: u.heapUsed + u.arrayBuffers }
}

/** Build a chain of `objects` nodes on the baseline manager, held from global 0. */
function baselineChain(objects: number): { modeledLiveBytes: number; keep: unknown } {
  const m = baselineRuntime.create()
  buildChain(m, objects)
  return { modeledLiveBytes: m.stats().liveBytes, keep: m }
}

interface JsNode {
  next: JsNode | null
}

function v8Chain(objects: number): { keep: unknown } {
  let head: JsNode = { next: null }
  for (let i = 1; i < objects; i++) head = { next: head }
  return { keep: head }
}

/** Run in the child: measure one subject and print the sample as JSON. */
export function measureInThisProcess(subject: 'baseline' | 'v8', objects: number): MemorySample {
  const before = snapshot()
  const start = process.hrtime.bigint()
  const built: { modeledLiveBytes?: number; keep: unknown } =
    subject === 'baseline' ? baselineChain(objects) : v8Chain(objects)
  const buildSeconds = Number(process.hrtime.bigint() - start) / 1e9
  const after = snapshot()
  const sample: MemorySample = {
    subject: subject === 'baseline' ? 'baseline manager' : 'plain V8 objects',
    objects,
    rssBefore: before.rss,
    rssAfter: after.rss,
    jsBefore: before.js,
    jsAfter: after.js,
    modeledLiveBytes: built.modeledLiveBytes,
    buildSeconds,
  }
  // Keep the structure alive until the measurement is taken.
  if (built.keep === null) throw new Error('unreachable')
  return sample
}

/** Measure in a fresh child process running this benchmark's entry point with `--memory`. */
export function measureInChild(
  entry: string,
  subject: 'baseline' | 'v8',
  objects: number,
): MemorySample | { skipped: string } {
  try {
    const out = execFileSync(process.execPath, [entry, '--memory', subject, String(objects)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 24,
    })
    return JSON.parse(out.trim().split('\n').slice(-1)[0]) as MemorySample
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ')
    return { skipped: `the ${subject} memory run failed: ${stderr || String(e)}` }
  }
}
