/**
 * `npm run bench:scaling`: is the cost per op flat as a run grows? binary-trees at each depth
 * (default maxDepth 14 and 18: about 3.4×10^7 and 7.2×10^8 ops) on every model, each run in a
 * fresh `node` process; the table gives wall ns per Mutator op at each depth, the ratio of the
 * deepest to the shallowest (the bound: at most 1.25×) and the peak resident memory.
 *
 * Knobs: PYGC_SCALING_DEPTHS (comma-separated, default 14,18; on a loaded machine 12,14,16 is
 * quicker), PYGC_BENCH_RUNTIMES (default every available model), PYGC_SCALING_TIMEOUT (seconds
 * per run, default 1800).
 */
import { fileURLToPath } from 'node:url'
import { tuneV8Inlining } from '@pygc/bench'
import { Rng } from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'
import { envInt, envList, peakRssBytes, runChild, secondsSince } from './child.js'
import { chosenRuntimes } from './chosen-runtimes.js'
import { loadRuntimes } from './runtimes.js'
import { formatCount, formatMiB, formatRatio, formatTable } from './table.js'

const ENTRY = fileURLToPath(import.meta.url)
/** The bound on ns/op at the deepest run over the shallowest. */
const FLAT_BOUND = 1.25
const MIN_DEPTH = 4

interface ScalingSample {
  ops: number
  seconds: number
  peakRss: number
  checkOk: boolean
}

async function measure(runtime: string, depth: number): Promise<ScalingSample> {
  const { available } = await loadRuntimes()
  const create = available.find((r) => r.name === runtime)?.create
  if (create === undefined) throw new Error(`no runtime named ${runtime}`)
  const params = { maxDepth: depth, minDepth: MIN_DEPTH }
  const start = process.hrtime.bigint()
  const m = create()
  const { check } = binaryTrees.run(m, params, new Rng(1))
  const seconds = secondsSince(start)
  return {
    ops: m.stats().ops,
    seconds,
    peakRss: peakRssBytes(),
    checkOk: check === binaryTrees.expectedCheck(params),
  }
}

async function main(): Promise<void> {
  // First, in the parent and in every child: the inlining budget pygc runs the models with (@pygc/bench v8-tuning.ts).
  tuneV8Inlining()
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    console.log(JSON.stringify(await measure(args[1], Number(args[2]))))
    return
  }
  const depths = envList('PYGC_SCALING_DEPTHS', ['14', '18']).map(Number)
  if (depths.some((d) => !Number.isInteger(d) || d < MIN_DEPTH + 2))
    throw new Error(`PYGC_SCALING_DEPTHS must be integers of at least ${MIN_DEPTH + 2}`)
  const timeoutMs = envInt('PYGC_SCALING_TIMEOUT', 1800) * 1000
  const names = await chosenRuntimes()
  console.log(
    `binary-trees wall ns per op at maxDepth ${depths.join(' / ')}, one fresh node process per run (node ${process.version})`,
  )
  const rows: string[][] = []
  for (const name of names) {
    const nsPerOp: number[] = []
    const cells: string[] = []
    let peak = 0
    let ok = true
    for (const depth of depths) {
      const s = runChild<ScalingSample>(ENTRY, ['--child', name, String(depth)], timeoutMs)
      if ('skipped' in s) {
        console.log(`${name} at maxDepth ${depth} failed: ${s.skipped}`)
        nsPerOp.push(Number.NaN)
        cells.push('-')
        continue
      }
      const ns = (s.seconds * 1e9) / s.ops
      console.log(`${name} maxDepth ${depth}: ${formatCount(s.ops)} ops in ${s.seconds.toFixed(1)} s`)
      nsPerOp.push(ns)
      cells.push(ns.toFixed(1))
      peak = Math.max(peak, s.peakRss)
      ok &&= s.checkOk
    }
    const ratio = nsPerOp[nsPerOp.length - 1] / nsPerOp[0]
    rows.push([
      name,
      ...cells,
      formatRatio(ratio),
      Number.isFinite(ratio) ? (ratio <= FLAT_BOUND ? 'yes' : 'NO') : '-',
      formatMiB(peak),
      ok ? 'ok' : 'WRONG',
    ])
  }
  const last = depths[depths.length - 1]
  console.log(
    formatTable(
      [
        'runtime',
        ...depths.map((d) => `ns/op D=${d}`),
        `D=${last} / D=${depths[0]}`,
        `≤ ${FLAT_BOUND}×`,
        'peak rss (deepest)',
        'check',
      ],
      rows,
    ),
  )
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
