/**
 * `npm run bench:rss`: host memory for 10,000,000 live objects on every model. For each manager a
 * fresh `node` process builds a chain of one-reference objects held from a global (chain.ts), so
 * all of them are live at the end, and reports its peak resident set size (getrusage), its
 * resident size at the end, the growth of V8's heap plus ArrayBuffers, and the bytes the model
 * itself says are live. Plain V8 objects of the same shape are measured the same way, as the
 * anchor. The issue's bound is 1 GiB per process; its aim, 64 bytes per object.
 *
 * Knobs: PYGC_BENCH_OBJECTS (default 10,000,000), PYGC_BENCH_RUNTIMES (comma-separated names,
 * default every available model).
 */
import { fileURLToPath } from 'node:url'
import { tuneV8Inlining } from '@pygc/bench'
import type { MemoryManager } from '@pygc/core'
import { buildChain } from './chain.js'
import { envInt, peakRssBytes, runChild, secondsSince } from './child.js'
import { chosenRuntimes } from './chosen-runtimes.js'
import { loadRuntimes } from './runtimes.js'
import { formatCount, formatMiB, formatTable } from './table.js'

const ENTRY = fileURLToPath(import.meta.url)
const BUDGET_BYTES = 2 ** 30
const AIM_BYTES_PER_OBJECT = 64
const V8 = 'V8 plain objects'

/**
 * Models whose default heap cannot hold 10 M of their objects, and the options that let it: the
 * Jython model's -Xmx defaults to 512 MiB and each chain node is 56 modeled bytes (560 MB), so
 * it runs with -Xmx1g, as one would start the JVM for such a program.
 */
const LARGER_HEAP: Record<string, { module: string; descriptor: string; options: Record<string, number> }> = {
  jython: { module: '@pygc/jython', descriptor: 'jythonRuntime', options: { xmx: 2 ** 30 } },
}

interface RssSample {
  subject: string
  objects: number
  rssBefore: number
  rssAfter: number
  peakRss: number
  jsGrowth: number
  modeledLiveBytes?: number
  seconds: number
}

interface JsNode {
  next: JsNode | null
}

function v8Chain(objects: number): JsNode {
  let head: JsNode = { next: null }
  for (let i = 1; i < objects; i++) head = { next: head }
  return head
}

async function measure(subject: string, objects: number): Promise<RssSample> {
  const js = () => {
    const u = process.memoryUsage()
    return u.heapUsed + u.arrayBuffers
  }
  let create: (() => MemoryManager) | undefined
  if (subject !== V8) {
    const larger = LARGER_HEAP[subject]
    if (larger !== undefined) {
      // A variable specifier, as in runtimes.ts (whose create() takes no options).
      const specifier: string = larger.module
      const descriptor = (await import(specifier))[larger.descriptor] as {
        create: (options: Record<string, number>) => MemoryManager
      }
      create = () => descriptor.create(larger.options)
    } else {
      const { available } = await loadRuntimes()
      create = available.find((r) => r.name === subject)?.create
    }
    if (create === undefined) throw new Error(`no runtime named ${subject}`)
  }
  const rssBefore = process.memoryUsage().rss
  const jsBefore = js()
  const start = process.hrtime.bigint()
  let keep: unknown
  let modeledLiveBytes: number | undefined
  if (create === undefined) keep = v8Chain(objects)
  else {
    const m = create()
    buildChain(m, objects)
    modeledLiveBytes = m.stats().liveBytes
    keep = m
  }
  const seconds = secondsSince(start)
  const u = process.memoryUsage()
  const sample: RssSample = {
    subject,
    objects,
    rssBefore,
    rssAfter: u.rss,
    peakRss: peakRssBytes(),
    jsGrowth: u.heapUsed + u.arrayBuffers - jsBefore,
    modeledLiveBytes,
    seconds,
  }
  if (keep === null) throw new Error('unreachable: the structure is kept alive until measured')
  return sample
}

async function main(): Promise<void> {
  // First, in the parent and in every child: the inlining budget pygc runs the models with (@pygc/bench v8-tuning.ts).
  tuneV8Inlining()
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    console.log(JSON.stringify(await measure(args[1], Number(args[2]))))
    return
  }
  const objects = envInt('PYGC_BENCH_OBJECTS', 10_000_000)
  const names = await chosenRuntimes()
  console.log(
    `host memory for ${formatCount(objects)} live objects, one fresh node process each (node ${process.version})`,
  )
  const rows: string[][] = []
  for (const subject of [V8, ...names]) {
    const s = runChild<RssSample>(ENTRY, ['--child', subject, String(objects)])
    if ('skipped' in s) {
      console.log(`skipped ${subject}: ${s.skipped}`)
      continue
    }
    const perObject = (s.peakRss - s.rssBefore) / s.objects
    rows.push([
      s.subject,
      formatMiB(s.peakRss),
      formatMiB(s.rssAfter),
      perObject.toFixed(1),
      (s.jsGrowth / s.objects).toFixed(1),
      s.modeledLiveBytes === undefined ? '-' : (s.modeledLiveBytes / s.objects).toFixed(1),
      s.seconds.toFixed(2),
      s.peakRss < BUDGET_BYTES ? 'yes' : 'NO',
      perObject <= AIM_BYTES_PER_OBJECT ? 'yes' : 'no',
    ])
  }
  console.log(
    formatTable(
      [
        'subject',
        'peak rss',
        'rss at end',
        'peak rss growth B/object',
        'heap+buffers B/object',
        'modeled B/object',
        'build s',
        'under 1 GiB',
        `≤ ${AIM_BYTES_PER_OBJECT} B/object`,
      ],
      rows,
    ),
  )
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
