/**
 * What every subcommand shares: argument parsing with clear usage errors, the common options
 * (--runtimes, --size, --param, --seed, --cost, --format) parsed once for run, sweep, diff and
 * replay, the results document they start from, and writing results to stdout and to an --out
 * directory. Data goes to stdout; messages go to stderr.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { COST_NAMES, type CostModel, resolveCosts } from '@pygc/core'
import {
  formatCsv,
  formatJson,
  formatMarkdown,
  formatTable,
  type ResultsDocument,
  renderHtmlReport,
} from '@pygc/report'
import type { SizeName } from '@pygc/workloads'
import { emptyDocument, makeMeta, makeSettings } from './results.js'
import { parseRuntimeList, RUNTIME_STYLES, type RuntimeChoice } from './runtimes.js'
import { choiceMessage, InputError, message, UsageError, unknownChoice } from './usage.js'
import { parseIntegerValue, parseSize } from './workloads.js'

export { InputError, message, UsageError } from './usage.js'

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

/** Options of the commands that write a results document. */
export const OUT_OPTIONS = {
  out: { type: 'string', short: 'o' },
} as const satisfies OptionsConfig

/** parseArgs with strict checking; its errors become usage errors naming the command. */
type CommandConfig<O extends OptionsConfig> = {
  args: string[]
  options: O
  allowPositionals: true
  strict: true
}
export type ParsedCommand<O extends OptionsConfig> = ReturnType<typeof parseArgs<CommandConfig<O>>>

/** A negative number given as an option's value (`--seed -1`): parseArgs takes it for an option. */
const NEGATIVE_NUMBER = /^-\d/

/**
 * `--opt -5` and `-o -5` become `--opt=-5`, so a negative value reaches the option's own check
 * ("--seed must be >= 0") instead of parseArgs' "argument is ambiguous".
 */
function joinNegativeValues(args: readonly string[], options: OptionsConfig): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const next = args[i + 1]
    const name = arg.startsWith('--')
      ? arg.slice(2)
      : /^-\w$/.test(arg)
        ? Object.keys(options).find((k) => options[k].short === arg.slice(1))
        : undefined
    if (
      name !== undefined &&
      options[name]?.type === 'string' &&
      next !== undefined &&
      NEGATIVE_NUMBER.test(next)
    ) {
      out.push(`--${name}=${next}`)
      i++
    } else out.push(arg)
  }
  return out
}

/** Every spelling of the command's options, for "valid options: ...". */
function optionSpellings(options: OptionsConfig): string[] {
  return Object.entries(options).map(([name, o]) => `--${name}${o.short ? ` (-${o.short})` : ''}`)
}

/** `_command` is the command's name; main.ts puts it before every usage message. */
export function parseCommand<const O extends OptionsConfig>(
  _command: string,
  args: readonly string[],
  options: O,
): ParsedCommand<O> {
  try {
    return parseArgs({
      args: joinNegativeValues(args, options),
      options,
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    throw parseArgsUsage(e as Error & { code?: string }, options)
  }
}

/** parseArgs' errors in the command's words: the option, and what is valid. */
function parseArgsUsage(e: Error & { code?: string }, options: OptionsConfig): UsageError {
  const option = /'(-[^' ]+)/.exec(e.message)?.[1] ?? ''
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const names = Object.keys(options).map((n) => `--${n}`)
    const bare = option.split('=')[0]
    return new UsageError(
      choiceMessage(
        `unknown option '${bare}'`,
        bare,
        names,
        'valid options',
        optionSpellings(options).join(', '),
      ),
    )
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = option.replace(/^-+/, '')
    const spec = options[name] ?? Object.values(options).find((o) => o.short === name)
    return new UsageError(
      spec?.type === 'boolean' ? `option '${option}' takes no value` : `option '${option}' needs a value`,
    )
  }
  return new UsageError(e.message.replace(/\s*\n\s*/g, ' ').replace(/\. (Did you forget|To specify).*$/s, ''))
}

/** The default seed: fixed, so a run without --seed is reproducible too. */
export const DEFAULT_SEED = 1

export function parseSeed(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SEED
  const seed = parseIntegerValue('--seed', text)
  if (seed < 0) throw new UsageError(`--seed must be an integer >= 0, got '${seed}'`)
  return seed
}

/** `--cost name=value` items, checked against the cost model's names. */
export function parseCosts(items: readonly string[] | undefined): Partial<CostModel> {
  const costs: Record<string, number> = {}
  for (const item of items ?? []) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new UsageError(`--cost '${item}': expected name=value (virtual ns)`)
    const name = item.slice(0, eq)
    if (!(COST_NAMES as readonly string[]).includes(name)) throw unknownChoice('cost', name, COST_NAMES)
    const text = item.slice(eq + 1)
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value) || value < 0)
      throw new UsageError(`--cost ${name}: '${text}' is not a number >= 0 (virtual ns)`)
    costs[name] = value
  }
  resolveCosts(costs as Partial<CostModel>) // the cost model's own checks, once more
  return costs as Partial<CostModel>
}

export function parseFormat<const F extends string>(
  text: string | undefined,
  valid: readonly F[],
  fallback: F,
): F {
  if (text === undefined) return fallback
  if (!(valid as readonly string[]).includes(text)) throw unknownChoice('format', text, valid)
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
      return formatMarkdown(doc, { styles: RUNTIME_STYLES })
    default:
      return formatTable(doc, RUNTIME_STYLES)
  }
}

/**
 * Create a directory and its missing parents, one level at a time: Node 20's
 * mkdirSync(recursive) spins forever on some paths (e.g. under /proc) instead of failing.
 */
export function ensureDir(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InputError(`${dir} exists and is not a directory`)
    return
  }
  const parent = dirname(dir)
  if (parent !== dir) ensureDir(parent)
  try {
    mkdirSync(dir)
  } catch (e) {
    throw new InputError(`cannot create directory ${dir}: ${(e as Error).message}`)
  }
}

/**
 * Refuse now an output file the command could not write at its end: a directory in its
 * place, a missing directory, no write permission. Checked before anything runs, so a bad
 * path does not cost a long run (exit code 1, like any file the command cannot use).
 */
export function checkOutputFile(file: string, option: string): void {
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat?.isDirectory()) throw new InputError(`${option} ${file}: is a directory`)
  const dir = dirname(file)
  if (stat === undefined && !statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new InputError(`${option} ${file}: the directory ${dir} does not exist`)
  try {
    accessSync(stat === undefined ? dir : file, constants.W_OK)
  } catch {
    throw new InputError(
      `${option} ${file}: ${stat === undefined ? `the directory ${dir} is` : 'it is'} not writable`,
    )
  }
}

/** What `--out DIR` writes, by file name. */
const OUT_FILES: readonly [string, (doc: ResultsDocument) => string][] = [
  ['results.json', formatJson],
  ['results.csv', formatCsv],
  ['summary.md', (doc) => formatMarkdown(doc, { styles: RUNTIME_STYLES })],
  ['report.html', (doc) => renderHtmlReport(doc, { styles: RUNTIME_STYLES })],
]

/**
 * Check where results will go before anything runs: the --out directory is created now and
 * each of its files checked; the directory of --gc-log PATTERN must exist, and every file the
 * pattern names for the planned runs is checked.
 */
export function prepareOutputs(options: {
  out?: string | undefined
  gcLog?: { pattern: string; files: readonly string[] } | undefined
}): void {
  if (options.out !== undefined) {
    ensureDir(options.out)
    for (const [name] of OUT_FILES) checkOutputFile(join(options.out, name), '--out')
  }
  if (options.gcLog !== undefined) {
    const dir = dirname(options.gcLog.pattern)
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
      throw new InputError(`--gc-log ${options.gcLog.pattern}: the directory ${dir} does not exist`)
    for (const file of options.gcLog.files) checkOutputFile(file, '--gc-log')
  }
}

/** `--out DIR`: results.json, results.csv, summary.md and report.html, together. */
export function writeOutDir(doc: ResultsDocument, dir: string): string[] {
  ensureDir(dir)
  const files = OUT_FILES.map(([name, render]) => [join(dir, name), render(doc)] as const)
  for (const [file, text] of files) writeFileSync(file, text)
  return files.map(([file]) => file)
}

/** The runtimes, cost overrides and output format, as run, sweep, diff and replay take them. */
export interface OutputSetup {
  runtimes: RuntimeChoice[]
  cost: Partial<CostModel>
  format: ResultFormat
}

/** OutputSetup plus the workload size and seed of the commands that run workloads. */
export interface RunSetup extends OutputSetup {
  size: SizeName
  seed: number
}

interface SetupValues {
  runtimes?: string
  size?: string
  seed?: string
  cost?: string[]
  format?: string
}

export function parseOutputSetup(values: SetupValues): OutputSetup {
  return {
    runtimes: parseRuntimeList(values.runtimes),
    cost: parseCosts(values.cost),
    format: parseFormat(values.format, RESULT_FORMATS, 'table'),
  }
}

export function parseRunSetup(values: SetupValues, defaultSize: SizeName): RunSetup {
  return {
    ...parseOutputSetup(values),
    size: parseSize(values.size, defaultSize),
    seed: parseSeed(values.seed),
  }
}

/** An empty results document whose header reproduces the command (meta) and its settings. */
export function startDocument(
  command: string,
  args: readonly string[],
  setup: OutputSetup & { size: string; seed: number },
  extra: {
    promptness?: boolean
    timelineEvery?: number
    events?: number
    repeat?: number
    heapLimits?: ReadonlyMap<string, number>
  } = {},
): ResultsDocument {
  return emptyDocument(
    makeMeta([command, ...args], setup.seed),
    makeSettings({
      runtimes: setup.runtimes.map((r) => r.label),
      size: setup.size,
      seed: setup.seed,
      cost: setup.cost,
      promptness: extra.promptness ?? false,
      timelineEvery: extra.timelineEvery ?? 0,
      ...(extra.events !== undefined ? { events: extra.events } : {}),
      ...(extra.repeat !== undefined ? { repeat: extra.repeat } : {}),
      ...(extra.heapLimits ? { heapLimits: extra.heapLimits } : {}),
    }),
  )
}

/** The results to stdout in the chosen format and, with --out DIR, the four result files. */
export function emitResults(
  doc: ResultsDocument,
  format: ResultFormat,
  options: { out?: string | undefined; quiet?: boolean | undefined },
): void {
  process.stdout.write(renderResults(doc, format))
  if (options.out !== undefined) {
    const files = writeOutDir(doc, options.out)
    if (!options.quiet) message(`pygc: wrote ${files.join(', ')}`)
  }
}

/** Exit code 1 (and a message) when any runtime's run failed; its cell already says why. */
export function reportFailures(doc: ResultsDocument): number {
  if (!anyFailure(doc)) return 0
  for (const w of doc.workloads) {
    for (const r of w.runs)
      if (r.status !== 'ok') message(`pygc: ${w.workload} failed on ${r.runtime}: ${r.error?.message}`)
  }
  return 1
}

/** True when any run of the document failed (an error cell or a failed self-check). */
export function anyFailure(doc: ResultsDocument): boolean {
  return doc.workloads.some((w) => w.runs.some((r) => r.status !== 'ok'))
}
