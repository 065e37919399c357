/**
 * What every subcommand shares: argument parsing with clear usage errors, the common options
 * (--runtimes, --size, --param, --seed, --cost, --format), and writing results to stdout and
 * to an --out directory. Data goes to stdout; messages go to stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { type CostModel, PygcError, resolveCosts } from '@pygc/core'
import {
  formatCsv,
  formatJson,
  formatMarkdown,
  formatTable,
  type ResultsDocument,
  renderHtmlReport,
} from '@pygc/report'
import { parseIntegerValue } from './workloads.js'

/** A mistake in the command line: exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>

/** Options every subcommand accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
} as const satisfies OptionsConfig

/** Options of the commands that run workloads. */
export const RUN_OPTIONS = {
  runtimes: { type: 'string', short: 'r' },
  size: { type: 'string', short: 's' },
  param: { type: 'string', short: 'p', multiple: true },
  seed: { type: 'string' },
  cost: { type: 'string', multiple: true },
  format: { type: 'string', short: 'f' },
} as const satisfies OptionsConfig

/** parseArgs with strict checking; its errors become usage errors naming the command. */
type CommandConfig<O extends OptionsConfig> = {
  args: string[]
  options: O
  allowPositionals: true
  strict: true
}
export type ParsedCommand<O extends OptionsConfig> = ReturnType<typeof parseArgs<CommandConfig<O>>>

export function parseCommand<const O extends OptionsConfig>(
  command: string,
  args: readonly string[],
  options: O,
): ParsedCommand<O> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (e) {
    throw new UsageError(`pygc ${command}: ${(e as Error).message.replace(/\. To specify.*$/s, '')}`)
  }
}

/** The default seed: fixed, so a run without --seed is reproducible too. */
export const DEFAULT_SEED = 1

export function parseSeed(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SEED
  const seed = parseIntegerValue('--seed', text)
  if (seed < 0) throw new PygcError('INVALID_OPTION', `--seed must be >= 0, got ${seed}`)
  return seed
}

/** `--cost name=value` items, checked against the cost model's names. */
export function parseCosts(items: readonly string[] | undefined): Partial<CostModel> {
  const costs: Record<string, number> = {}
  for (const item of items ?? []) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new PygcError('INVALID_OPTION', `--cost '${item}': expected name=value (virtual ns)`)
    const value = Number(item.slice(eq + 1))
    costs[item.slice(0, eq)] = Number.isFinite(value) ? value : Number.NaN
  }
  resolveCosts(costs as Partial<CostModel>) // throws naming the unknown cost or the bad value
  return costs as Partial<CostModel>
}

export function parseFormat<const F extends string>(
  text: string | undefined,
  valid: readonly F[],
  fallback: F,
): F {
  if (text === undefined) return fallback
  if (!(valid as readonly string[]).includes(text)) {
    throw new PygcError('INVALID_OPTION', `unknown format '${text}'; valid formats: ${valid.join(', ')}`)
  }
  return text as F
}

export const RESULT_FORMATS = ['table', 'json', 'csv', 'md'] as const
export type ResultFormat = (typeof RESULT_FORMATS)[number]

export function renderResults(doc: ResultsDocument, format: ResultFormat): string {
  switch (format) {
    case 'json':
      return formatJson(doc)
    case 'csv':
      return formatCsv(doc)
    case 'md':
      return formatMarkdown(doc)
    default:
      return formatTable(doc)
  }
}

/** `--out DIR`: results.json, results.csv, summary.md and report.html, together. */
export function writeOutDir(doc: ResultsDocument, dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  const files: [string, string][] = [
    ['results.json', formatJson(doc)],
    ['results.csv', formatCsv(doc)],
    ['summary.md', formatMarkdown(doc)],
    ['report.html', renderHtmlReport(doc)],
  ]
  for (const [name, text] of files) writeFileSync(join(dir, name), text)
  return files.map(([name]) => join(dir, name))
}

export function message(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** True when any run of the document failed (an error cell or a failed self-check). */
export function anyFailure(doc: ResultsDocument): boolean {
  return doc.workloads.some((w) => w.runs.some((r) => r.status !== 'ok'))
}
