/**
 * `npm run bench:stream`: do recording and replaying a trace run in memory that does not grow with
 * the trace? binary-trees at a shallow depth (default maxDepth 12: about 7×10^6 ops) and a deep
 * one (default 18: about 7×10^8 ops) is recorded to a file on the baseline manager, then the
 * file is replayed on a fresh baseline manager and read through by a TraceReader alone; each
 * step is a fresh `node` process reporting its peak resident memory (getrusage). The bound:
 * the deep trace's peaks within 10% of the shallow one's.
 *
 * The peaks include the manager's own heap, which does grow with the depth (binary-trees keeps
 * a tree of 2^(maxDepth+1) nodes live), so the same run without any trace ("model only") is
 * measured as well: `record - model` and `replay - model` are what the trace machinery adds,
 * and the decode-only pass has no manager at all. The verdict (traceBoundRow) is therefore on
 * the deep peak less what the model's own heap grew by from the shallow depth to the deep one:
 * (deep record - (deep model - shallow model)) / shallow record, and the same for replay; the
 * decode-only peaks are compared as they are. The raw deep / shallow ratios are printed too.
 *
 * Knobs: PYGC_STREAM_DEPTHS (two comma-separated depths, default 12,18), PYGC_STREAM_DIR
 * (where the trace files go, default the OS temp directory; the deep trace is a few GB).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tuneV8Inlining } from '@pygc/bench'
import {
  fileSink,
  fileSource,
  type MemoryManager,
  RecordingMutator,
  Rng,
  replayTrace,
  TraceReader,
} from '@pygc/core'
import { binaryTrees } from '@pygc/workloads'
import { envList, peakRssBytes, runChild, secondsSince } from './child.js'
import { loadRuntimes } from './runtimes.js'
import { formatCount, formatMiB, formatRatio, formatTable } from './table.js'

const ENTRY = fileURLToPath(import.meta.url)
const MIN_DEPTH = 4
/** The bound: the deep trace's peak at most 10% above the shallow one's. */
const STREAM_BOUND = 1.1

type Step = 'model' | 'record' | 'replay' | 'decode'
const STEPS: readonly Step[] = ['model', 'record', 'replay', 'decode']

interface StepSample {
  ops: number
  seconds: number
  peakRss: number
}

function params(depth: number): Record<string, number> {
  return { maxDepth: depth, minDepth: MIN_DEPTH }
}

/** The baseline manager's factory (from the runtime list, wherever the baseline package lives). */
async function baselineFactory(): Promise<() => MemoryManager> {
  const baseline = (await loadRuntimes()).available.find((r) => r.name === 'baseline')
  if (baseline === undefined) throw new Error('the baseline runtime is not available')
  return baseline.create
}

async function measure(step: Step, depth: number, path: string): Promise<StepSample> {
  const baselineRuntime = { create: await baselineFactory() }
  const start = process.hrtime.bigint()
  let ops: number
  if (step === 'model') {
    const m = baselineRuntime.create()
    binaryTrees.run(m, params(depth), new Rng(1))
    ops = m.stats().ops
  } else if (step === 'record') {
    const recorder = new RecordingMutator(baselineRuntime.create(), fileSink(path), {})
    binaryTrees.run(recorder, params(depth), new Rng(1))
    ops = recorder.finish().ops
  } else if (step === 'replay') {
    ops = replayTrace(fileSource(path), baselineRuntime.create()).ops
  } else {
    const reader = new TraceReader(fileSource(path))
    while (reader.next() !== null) {}
    ops = reader.ops
  }
  return { ops, seconds: secondsSince(start), peakRss: peakRssBytes() }
}

async function main(): Promise<void> {
  // First, in the parent and in every child: the inlining budget pygc runs the models with (@pygc/bench v8-tuning.ts).
  tuneV8Inlining()
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    console.log(JSON.stringify(await measure(args[1] as Step, Number(args[2]), args[3])))
    return
  }
  const depths = envList('PYGC_STREAM_DEPTHS', ['12', '18']).map(Number)
  if (depths.length !== 2 || depths.some((d) => !Number.isInteger(d) || d < MIN_DEPTH + 2))
    throw new Error(`PYGC_STREAM_DEPTHS must be two integers of at least ${MIN_DEPTH + 2}`)
  const dir = mkdtempSync(join(process.env.PYGC_STREAM_DIR ?? tmpdir(), 'pygc-stream-bench-'))
  console.log(
    `binary-trees recorded and replayed at maxDepth ${depths.join(' and ')}, one fresh node process per step (node ${process.version})`,
  )
  const peaks: Record<Step, number>[] = []
  const rows: string[][] = []
  try {
    for (const depth of depths) {
      const path = join(dir, `binary-trees-${depth}.trace`)
      const peak = {} as Record<Step, number>
      let ops = 0
      for (const step of STEPS) {
        const s = runChild<StepSample>(ENTRY, ['--child', step, String(depth), path])
        if ('skipped' in s) throw new Error(`${step} at maxDepth ${depth} failed: ${s.skipped}`)
        console.log(
          `maxDepth ${depth} ${step}: ${formatCount(s.ops)} ops in ${s.seconds.toFixed(1)} s, peak ${formatMiB(s.peakRss)}`,
        )
        peak[step] = s.peakRss
        ops = s.ops
      }
      const bytes = statSync(path).size
      rmSync(path)
      peaks.push(peak)
      rows.push([
        String(depth),
        formatCount(ops),
        formatMiB(bytes),
        ...STEPS.map((step) => formatMiB(peak[step])),
        formatMiB(peak.record - peak.model),
        formatMiB(peak.replay - peak.model),
      ])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const [shallow, deep] = peaks
  rows.push([
    'deep / shallow',
    '',
    '',
    ...STEPS.map((step) => formatRatio(deep[step] / shallow[step])),
    '',
    '',
  ])
  rows.push(traceBoundRow(shallow, deep))
  console.log(
    formatTable(
      [
        'maxDepth',
        'ops',
        'trace',
        'peak model only',
        'peak record',
        'peak replay',
        'peak decode only',
        'record - model',
        'replay - model',
      ],
      rows,
    ),
  )
  console.log(
    `bound: what the trace machinery needs at the deep depth ≤ ${formatRatio(STREAM_BOUND)} of the shallow depth's peak (the 'trace bound' row: record and replay less the model's own growth, decode as it is)`,
  )
}

/**
 * The verdict row: each step's deep peak less what the model's own heap grew by (model only,
 * deep - shallow; none for decode, which has no manager), over the shallow peak, against
 * STREAM_BOUND.
 */
function traceBoundRow(shallow: Record<Step, number>, deep: Record<Step, number>): string[] {
  const modelGrowth = deep.model - shallow.model
  const cell = (step: Step): string => {
    if (step === 'model') return '-'
    const adjusted = step === 'decode' ? deep.decode : deep[step] - modelGrowth
    const r = adjusted / shallow[step]
    return `${formatRatio(r)} ${r <= STREAM_BOUND ? 'ok' : 'OVER'}`
  }
  return ['trace bound', '', '', ...STEPS.map(cell), '', '']
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
