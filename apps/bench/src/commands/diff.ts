/**
 * `pygc diff`: one workload on each runtime, then the semantic differences — when each
 * finalizer ran and each weakref cleared (op index), what gc.collect() returned, what id()
 * values are — as a table. The differences are results of pygc, not noise.
 */
import {
  csvLine,
  differencesGrid,
  renderMarkdownGrid,
  renderTerminalGrid,
  semanticDifferences,
  statusText,
  workloadTitle,
  wrapText,
} from '@pygc/report'
import {
  COMMON_OPTIONS,
  message,
  parseCommand,
  parseRunSetup,
  RUN_OPTIONS,
  reportFailures,
  startDocument,
  UsageError,
} from '../cli-support.js'
import { findWorkload, parseIntegerValue } from '../workloads.js'
import { planWorkloads, runPlanned } from './run.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  ...RUN_OPTIONS,
  limit: { type: 'string' },
  all: { type: 'boolean' },
} as const

const DEFAULT_LIMIT = 60

/** `--limit N`: at least one row (the table has a header and summaries either way). */
function parseLimit(text: string): number {
  const limit = parseIntegerValue('--limit', text)
  if (limit < 1) throw new UsageError(`--limit must be an integer >= 1, got '${limit}'`)
  return limit
}

export async function diffCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommand('diff', args, OPTIONS)
  if (positionals.length !== 1) throw new UsageError('name exactly one workload (see pygc list)')
  const workload = findWorkload(positionals[0])
  // Semantics show at any size; `test` keeps the event table readable.
  const { runtimes, size, seed, cost, format } = parseRunSetup(values, 'test')
  // Only the terminal table and Markdown are cut short by default: CSV and JSON are for programs.
  const limit = values.all
    ? Number.POSITIVE_INFINITY
    : values.limit !== undefined
      ? parseLimit(values.limit)
      : format === 'csv' || format === 'json'
        ? Number.POSITIVE_INFINITY
        : DEFAULT_LIMIT
  const planned = planWorkloads([workload], size, values.param ?? [])

  const doc = startDocument('diff', args, { runtimes, size, seed, cost, format })
  await runPlanned(doc, planned, runtimes, { seed, size, quiet: values.quiet ?? false, cost })
  const results = doc.workloads[0]
  const table = semanticDifferences(results)

  if (format === 'json') {
    process.stdout.write(`${JSON.stringify({ ...table, rows: table.rows.slice(0, limit) }, null, 2)}\n`)
  } else if (format === 'csv') {
    const lines = [csvLine(['kind', 'event', ...table.runtimes, 'differs'])]
    for (const row of table.rows.slice(0, limit))
      lines.push(csvLine([row.kind, row.what, ...row.cells, row.differs]))
    process.stdout.write(`${lines.join('\n')}\n`)
  } else {
    const grid = differencesGrid(table, limit)
    const render = format === 'md' ? renderMarkdownGrid : renderTerminalGrid
    const differing = table.rows.filter((r) => r.differs).length
    process.stdout.write(
      `${wrapText(workloadTitle(results), 100).join('\n')}\n` +
        `status: ${results.runs.map((r) => `${r.runtime} ${statusText(r)}`).join(', ')}\n\n` +
        `${render(grid)}\n\n${differing} of ${table.rows.length} rows differ between runtimes` +
        `${table.truncated.length > 0 ? ` (event lists truncated for ${table.truncated.join(', ')})` : ''}.\n`,
    )
  }
  if (!values.quiet && table.rows.length > limit) {
    message(`pygc diff: showing ${limit} of ${table.rows.length} rows; --all shows every row`)
  }
  return reportFailures(doc)
}
