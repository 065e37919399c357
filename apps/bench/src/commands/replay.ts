/**
 * `pygc replay`: drive each runtime from a recorded trace and compare them side by side.
 * A broken trace aborts the whole command with the byte offset (it is nobody's runtime's fault).
 */
import { basename } from 'node:path'
import { fileSource, replayTrace, TraceReader } from '@pygc/core'
import type { WorkloadResults } from '@pygc/report'
import {
  COMMON_OPTIONS,
  message,
  parseCommand,
  parseCosts,
  parseFormat,
  RESULT_FORMATS,
  renderResults,
  UsageError,
  writeOutDir,
} from '../cli-support.js'
import { executeProgram } from '../execute.js'
import { createProgress } from '../progress.js'
import { emptyDocument, makeMeta, makeSettings } from '../results.js'
import { parseRuntimeList } from '../runtimes.js'
import { reportFailures } from './run.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  runtimes: { type: 'string', short: 'r' },
  cost: { type: 'string', multiple: true },
  format: { type: 'string', short: 'f' },
  out: { type: 'string', short: 'o' },
  promptness: { type: 'boolean' },
} as const

/** How often (in ops) the replayer reports progress to the bar. */
const PROGRESS_EVERY = 1 << 16

export function replayCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('replay', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('pygc replay: give exactly one trace file')
  const file = positionals[0]
  const runtimes = parseRuntimeList(values.runtimes)
  const cost = parseCosts(values.cost)
  const format = parseFormat(values.format, RESULT_FORMATS, 'table')
  const promptness = values.promptness ?? false

  // The header names the workload; reading it first also rejects a non-trace file at once.
  const metadata = new TraceReader(fileSource(file)).metadata
  const workloadName = typeof metadata.workload === 'string' ? metadata.workload : basename(file)
  const seed = typeof metadata.seed === 'number' ? metadata.seed : 0
  const size = typeof metadata.size === 'string' ? metadata.size : 'trace'
  const params = (metadata.params && typeof metadata.params === 'object' ? metadata.params : {}) as Record<
    string,
    number
  >

  const doc = emptyDocument(
    makeMeta(['replay', ...args], seed),
    makeSettings({ runtimes: runtimes.map((r) => r.label), size, seed, cost, promptness, timelineEvery: 0 }),
  )
  const results: WorkloadResults = {
    workload: workloadName,
    description: `replay of ${basename(file)}`,
    source: `trace ${basename(file)}${metadata.recordedOn ? ` recorded on ${JSON.stringify(metadata.recordedOn)}` : ''}`,
    origin: 'trace',
    size,
    params,
    seed,
    runs: [],
  }
  const progress = createProgress(runtimes.length, { quiet: values.quiet ?? false })
  const started = performance.now()
  for (const runtime of runtimes) {
    progress.start(`replaying on ${runtime.label}`)
    const execution = executeProgram(runtime, { cost, promptness }, (m) => {
      const r = replayTrace(fileSource(file), m, {
        progressEvery: PROGRESS_EVERY,
        onProgress: (op) => progress.detail(`op ${op}`),
      })
      return {
        replay: {
          records: r.records,
          ops: r.ops,
          nullMismatches: r.nullMismatches,
          sameMismatches: r.sameMismatches,
        },
      }
    })
    results.runs.push(execution.run)
    if (execution.wall)
      doc.wall.runs.push({ workload: workloadName, runtime: runtime.label, params, ...execution.wall })
    progress.step()
  }
  progress.done()
  doc.wall.totalMs = performance.now() - started
  doc.workloads.push(results)
  process.stdout.write(renderResults(doc, format))
  if (values.out !== undefined) {
    const files = writeOutDir(doc, values.out)
    if (!values.quiet) message(`pygc: wrote ${files.join(', ')}`)
  }
  return reportFailures(doc)
}
