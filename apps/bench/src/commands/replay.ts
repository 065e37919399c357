/**
 * `pygc replay`: drive each runtime from a recorded trace and compare them side by side.
 * A broken trace aborts the whole command with the byte offset (it is nobody's runtime's fault).
 */
import { basename } from 'node:path'
import { fileSource, readTraceMetadata, replayTrace } from '@pygc/core'
import type { WorkloadResults } from '@pygc/report'
import {
  COMMON_OPTIONS,
  emitResults,
  OUT_OPTIONS,
  parseCommand,
  parseOutputSetup,
  prepareOutputs,
  RUN_OPTIONS,
  reportFailures,
  startDocument,
  UsageError,
} from '../cli-support.js'
import { executeProgram } from '../execute.js'
import { createProgress } from '../progress.js'

/** The trace fixes the program (workload, size, params, seed): only how to run it is chosen. */
const OPTIONS = {
  ...COMMON_OPTIONS,
  ...OUT_OPTIONS,
  runtimes: RUN_OPTIONS.runtimes,
  cost: RUN_OPTIONS.cost,
  format: RUN_OPTIONS.format,
  promptness: { type: 'boolean' },
} as const

/** How often (in ops) the replayer reports progress to the bar. */
const PROGRESS_EVERY = 1 << 16

export function replayCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('replay', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('give exactly one trace file')
  const file = positionals[0]
  const setup = parseOutputSetup(values)
  const { runtimes, cost } = setup
  const promptness = values.promptness ?? false
  prepareOutputs({ out: values.out })

  // The header names the workload; reading it first also rejects a non-trace file at once
  // (readTraceMetadata closes the file before the replays open it again).
  const metadata = readTraceMetadata(fileSource(file))
  const workloadName = typeof metadata.workload === 'string' ? metadata.workload : basename(file)
  // Metadata is free-form: only values the results schema takes are carried over, so the
  // document written here is one pygc report and pygc merge read back.
  const seed =
    Number.isSafeInteger(metadata.seed) && (metadata.seed as number) >= 0 ? (metadata.seed as number) : 0
  const size = typeof metadata.size === 'string' ? metadata.size : 'trace'
  const params: Record<string, number> = {}
  if (metadata.params && typeof metadata.params === 'object' && !Array.isArray(metadata.params))
    for (const [name, value] of Object.entries(metadata.params))
      if (typeof value === 'number' && Number.isFinite(value)) params[name] = value

  const doc = startDocument('replay', args, { ...setup, size, seed }, { promptness })
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
  // A trace recorded by pygc record carries about how many ops it holds (TRACE_FORMAT.md).
  const opsEstimate =
    typeof metadata.opsEstimate === 'number' && metadata.opsEstimate > 0 ? metadata.opsEstimate : undefined
  const progress = createProgress(runtimes.length, { quiet: values.quiet ?? false })
  const started = performance.now()
  for (const runtime of runtimes) {
    progress.start(`replaying on ${runtime.label}`)
    const execution = executeProgram(runtime, { cost, promptness }, (m) => {
      const r = replayTrace(fileSource(file), m, {
        progressEvery: PROGRESS_EVERY,
        onProgress: (op) =>
          opsEstimate === undefined
            ? progress.detail(`op ${op}`)
            : progress.detail(`op ${op} of ~${opsEstimate}`, op / opsEstimate),
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
  emitResults(doc, setup.format, values)
  return reportFailures(doc)
}
