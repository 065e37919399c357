/**
 * `pygc compare BASE.json NEW.json [more...]`: every figure of each NEW file against BASE —
 * both values, the ratio and a verdict (packages/report/src/compare.ts) — as a table,
 * Markdown, CSV or JSON. The table and Markdown show what differs; CSV and JSON every figure.
 */
import { basename } from 'node:path'
import { type Comparison, compareDocuments, comparisonCsv, formatComparison } from '@pygc/report'
import { COMMON_OPTIONS, parseCommand, parseFormat, UsageError } from '../cli-support.js'
import { settingDifferences } from '../merge.js'
import { readResultsFile } from '../results-file.js'

const OPTIONS = {
  ...COMMON_OPTIONS,
  format: { type: 'string', short: 'f' },
  all: { type: 'boolean' },
} as const

/** BASE compared with each further file, read and validated like every results file. */
export function compareFiles(files: readonly string[]): Comparison[] {
  const [baseFile, ...others] = files
  const base = readResultsFile(baseFile)
  return others.map((file) => {
    const next = readResultsFile(file)
    const notes = settingDifferences(base.settings, next.settings).map(
      (d) => `the files were made with different settings: ${d}`,
    )
    return compareDocuments(base, next, { base: basename(baseFile), new: basename(file) }, notes)
  })
}

export function compareCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('compare', args, OPTIONS)
  const format = parseFormat(values.format, ['table', 'md', 'csv', 'json'] as const, 'table')
  if (positionals.length < 2)
    throw new UsageError('give a base results file and at least one to compare with it')
  const comparisons = compareFiles(positionals)
  if (format === 'json') process.stdout.write(`${JSON.stringify(comparisons, null, 2)}\n`)
  else if (format === 'csv') process.stdout.write(comparisonCsv(comparisons))
  else
    process.stdout.write(
      comparisons.map((c) => formatComparison(c, format, { all: values.all ?? false })).join('\n'),
    )
  return 0
}
