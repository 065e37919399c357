/**
 * `pygc versions <workload>`: one workload on each CPython preset side by side — collections
 * per generation, pauses, and the peak of garbage awaiting collection (python/cpython#142001:
 * under 100 objects on 3.13, ~2,000 on 3.14.0, ~10,000 on the 3.14 branch). The peak is the
 * reachability oracle's, checked at the start of every collection (where garbage awaiting
 * peaks: between collections it only grows), so it is exact, unlike `pygc run --promptness`'s
 * bound within the oracle's 1000-op interval.
 */
import { collectMetrics, Rng, type RunMetrics } from '@pygc/core'
import { cpythonRuntime } from '@pygc/cpython'
import { renderMarkdownGrid, renderTerminalGrid } from '@pygc/report'
import { COMMON_OPTIONS, parseCommand, parseFormat, parseSeed, UsageError } from '../cli-support.js'
import { createManager } from '../execute.js'
import { findRuntime } from '../runtimes.js'
import {
  checkOverridesApply,
  findWorkload,
  parseParamOverrides,
  parseSize,
  resolveWorkloadParams,
} from '../workloads.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  presets: { type: 'string' },
  size: { type: 'string', short: 's' },
  seed: { type: 'string' },
  format: { type: 'string', short: 'f' },
  param: { type: 'string', short: 'p', multiple: true },
} as const

export interface VersionRow {
  runtime: string
  collections: number[]
  pauses: { count: number; p50: number; max: number; totalNs: number }
  peakAwaiting: number
  peakFootprintBytes: number
}

/** The workload's run on one preset, with the oracle checking at every collection start. */
export function versionRow(
  spec: string,
  workload: string,
  size: string,
  seed: number,
  overrides: ReadonlyMap<string, string> = new Map(),
): VersionRow {
  const choice = findRuntime(spec)
  const w = findWorkload(workload)
  const params = resolveWorkloadParams(w, parseSize(size, 'test'), overrides)
  const manager = createManager(choice, {})
  const { metrics } = collectMetrics(manager, (m) => w.run(m, params, new Rng(seed)), {
    promptness: true,
    promptnessAtCollections: true,
  })
  return rowOf(choice.label, metrics)
}

function rowOf(runtime: string, metrics: RunMetrics): VersionRow {
  return {
    runtime,
    collections: metrics.runtime.generations.map((g) => metrics.collections[g] ?? 0),
    pauses: {
      count: metrics.pauses.count,
      p50: metrics.pauses.p50,
      max: metrics.pauses.max,
      totalNs: metrics.pauses.total,
    },
    peakAwaiting: metrics.promptness?.peakAwaiting ?? 0,
    peakFootprintBytes: metrics.peakFootprintBytes,
  }
}

const micro = (ns: number): string => `${(ns / 1000).toFixed(1)} µs`

export function versionGrid(rows: readonly VersionRow[]): { header: string[]; rows: string[][] } {
  return {
    header: [
      'preset',
      'collections (gen0/1/2)',
      'pauses',
      'pause p50',
      'pause max',
      'GC time',
      'peak garbage awaiting',
      'peak footprint',
    ],
    rows: rows.map((r) => [
      r.runtime,
      r.collections.join(' / '),
      String(r.pauses.count),
      micro(r.pauses.p50),
      micro(r.pauses.max),
      micro(r.pauses.totalNs),
      String(r.peakAwaiting),
      `${(r.peakFootprintBytes / 1024 ** 2).toFixed(1)} MiB`,
    ]),
  }
}

export function versionsCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('versions', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('name exactly one workload (see pygc list)')
  const format = parseFormat(values.format, ['table', 'md', 'json'] as const, 'table')
  const presets = (values.presets ?? cpythonRuntime.presets.map((p) => p.name).join(','))
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const seed = parseSeed(values.seed)
  const size = values.size ?? 'test'
  const overrides = parseParamOverrides(values.param ?? [])
  checkOverridesApply([findWorkload(positionals[0])], overrides)
  const rows = presets.map((p) => versionRow(`cpython:${p}`, positionals[0], size, seed, overrides))
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
  else {
    const grid = versionGrid(rows)
    process.stdout.write(
      `${[positionals[0], `--size ${size}`, ...(values.param ?? []).map((p) => `-p ${p}`)].join(' ')} on each CPython preset\n${
        format === 'md' ? renderMarkdownGrid(grid) : renderTerminalGrid(grid)
      }\n`,
    )
  }
  return 0
}
