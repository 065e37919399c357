/**
 * The results document the command writes: schema version 1, defined as a TypeScript type in
 * @pygc/report (which renders it) and re-exported here; its JSON Schema is
 * apps/bench/results.schema.json. Everything non-deterministic — the command line, versions,
 * the date, wall-clock times — goes into `meta` and `wall` only, so the rest of two runs of the
 * same command compares byte for byte.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { COST_NAMES, type CostModel, resolveCosts } from '@pygc/core'
import {
  RESULTS_FORMAT,
  RESULTS_SCHEMA_VERSION,
  type ResultsDocument,
  type ResultsMeta,
  type RunSettings,
} from '@pygc/report'

export type {
  DeterministicMetrics,
  MinHeapSearch,
  ResultsDocument,
  ResultsMeta,
  RunError,
  RunSettings,
  RuntimeRun,
  SweepFigures,
  SweepPoint,
  SweepResults,
  WallRun,
  WallSection,
  WorkloadResults,
} from '@pygc/report'

import { RUNTIME_PACKAGES } from './runtimes.js'

export { deterministicPart, RESULTS_FORMAT, RESULTS_SCHEMA_VERSION } from '@pygc/report'

/** The tool's own packages, then every registered runtime's (their versions go into results' meta). */
function packages(): string[] {
  return ['@pygc/bench', '@pygc/core', ...RUNTIME_PACKAGES, '@pygc/workloads', '@pygc/report']
}

/** The version field of a workspace package, found from its resolved entry point. */
function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url)
    let dir = dirname(require.resolve(name))
    for (let i = 0; i < 4; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string
          version?: string
        }
        if (pkg.name === name) return pkg.version ?? 'unknown'
      } catch {
        // not here: look one directory up
      }
      dir = dirname(dir)
    }
  } catch {
    // not resolvable (e.g. not built): say so rather than fail the run
  }
  return 'unknown'
}

export function toolVersions(): Record<string, string> {
  const versions: Record<string, string> = {}
  for (const name of packages()) versions[name] = packageVersion(name)
  versions.node = process.version
  versions.platform = `${process.platform}-${process.arch}`
  return versions
}

/** POSIX shell quoting, so the header's command can be pasted back into a shell. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`
}

/** The run date; SOURCE_DATE_EPOCH (reproducible-builds.org) pins it for byte-identical reports. */
export function runDate(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString()
  return new Date().toISOString()
}

export function makeMeta(argv: readonly string[], seed: number): ResultsMeta {
  return {
    command: ['pygc', ...argv].map(shellQuote).join(' '),
    date: runDate(),
    seed,
    versions: toolVersions(),
  }
}

export function makeSettings(options: {
  runtimes: string[]
  size: string
  seed: number
  cost: Partial<CostModel>
  promptness: boolean
  timelineEvery: number
  events?: number
  repeat?: number
  heapLimits?: ReadonlyMap<string, number>
}): RunSettings {
  const costs = resolveCosts(options.cost)
  const all: Record<string, number> = {}
  for (const name of COST_NAMES) all[name] = costs[name]
  return {
    runtimes: options.runtimes,
    size: options.size,
    seed: options.seed,
    costOverrides: { ...options.cost } as Record<string, number>,
    costs: all,
    promptness: options.promptness,
    timelineEvery: options.timelineEvery,
    ...(options.events !== undefined ? { events: options.events } : {}),
    ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
    ...(options.heapLimits && options.heapLimits.size > 0
      ? { heapLimits: Object.fromEntries(options.heapLimits) }
      : {}),
  }
}

export function emptyDocument(meta: ResultsMeta, settings: RunSettings): ResultsDocument {
  return {
    format: RESULTS_FORMAT,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    meta,
    settings,
    workloads: [],
    sweeps: [],
    wall: { totalMs: 0, runs: [] },
  }
}
