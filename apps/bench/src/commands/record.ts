/** `pygc record`: run a workload once and write its op stream as a trace file. */
import { rmSync, statSync } from 'node:fs'
import { fileSink, RecordingMutator, Rng } from '@pygc/core'
import {
  COMMON_OPTIONS,
  message,
  parseCommand,
  parseFormat,
  parseSeed,
  RUN_OPTIONS,
  UsageError,
} from '../cli-support.js'
import { createManager, describeError } from '../execute.js'
import { toolVersions } from '../results.js'
import { findRuntime } from '../runtimes.js'
import { findWorkload, parseSize } from '../workloads.js'
import { planWorkloads } from './run.js'

/** The program options of `run` (one runtime, and --format is the trace encoding). */
const OPTIONS = {
  ...COMMON_OPTIONS,
  size: RUN_OPTIONS.size,
  param: RUN_OPTIONS.param,
  seed: RUN_OPTIONS.seed,
  output: { type: 'string', short: 'o' },
  format: { type: 'string', short: 'f' },
  runtime: { type: 'string' },
} as const

export function recordCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('record', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('name exactly one workload (see pygc list)')
  if (values.output === undefined) throw new UsageError('-o FILE is required')
  const workload = findWorkload(positionals[0])
  const runtime = findRuntime(values.runtime ?? 'cpython')
  const size = parseSize(values.size, 'small')
  const seed = parseSeed(values.seed)
  const format = parseFormat(values.format, ['binary', 'jsonl'] as const, 'binary')
  const [{ params }] = planWorkloads([workload], size, values.param ?? [])

  const manager = createManager(runtime, {})
  const recorder = new RecordingMutator(manager, fileSink(values.output), {
    format,
    metadata: {
      workload: workload.name,
      size,
      params,
      seed,
      recordedOn: { family: manager.info.family, preset: manager.info.preset },
      pygcVersion: toolVersions()['@pygc/bench'],
      // Known before the first op, unlike the exact count in the footer: replay's progress total.
      opsEstimate: Math.round(workload.estimateOps(params)),
    },
  })
  let result: { check: number; checkLabel: string }
  try {
    result = workload.run(recorder, params, new Rng(seed))
  } catch (e) {
    rmSync(values.output, { force: true })
    const error = describeError(e)
    message(`pygc record: ${workload.name} failed on ${runtime.label}: ${error.message}`)
    return 1
  }
  const { ops, checksum } = recorder.finish()
  const expected = workload.expectedCheck(params)
  if (!values.quiet) {
    message(
      `pygc: recorded ${workload.name} (size ${size}, seed ${seed}) on ${runtime.label}: ${ops} ops, ` +
        `checksum 0x${(checksum >>> 0).toString(16).padStart(8, '0')}, ${statSync(values.output).size} bytes -> ${values.output}`,
    )
  }
  if (result.check !== expected) {
    message(`pygc record: self-check gave ${result.check}, expected ${expected} (${result.checkLabel})`)
    return 1
  }
  return 0
}
