/** `pygc merge` and `pygc report`: commands over saved results files. */
import { writeFileSync } from 'node:fs'
import { formatJson, renderHtmlReport } from '@pygc/report'
import { COMMON_OPTIONS, checkOutputFile, message, parseCommand, UsageError } from '../cli-support.js'
import { mergeDocuments } from '../merge.js'
import { makeMeta } from '../results.js'
import { readResultsFile } from '../results-file.js'
import { RUNTIME_STYLES } from '../runtimes.js'
import { compareFiles } from './compare.js'

const FILE_OPTIONS = { ...COMMON_OPTIONS, output: { type: 'string', short: 'o' } } as const
const REPORT_OPTIONS = { ...FILE_OPTIONS, compare: { type: 'string' } } as const

export function mergeCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('merge', args, FILE_OPTIONS)
  if (positionals.length === 0) throw new UsageError('give the results files to merge')
  if (values.output !== undefined) checkOutputFile(values.output, '-o')
  const inputs = positionals.map((file) => ({ file, doc: readResultsFile(file) }))
  const { merged, notes } = mergeDocuments(inputs, makeMeta(['merge', ...args], inputs[0].doc.meta.seed))
  if (!values.quiet) for (const note of notes) message(`pygc merge: ${note}`)
  const text = formatJson(merged)
  if (values.output === undefined) process.stdout.write(text)
  else {
    writeFileSync(values.output, text)
    if (!values.quiet) {
      message(
        `pygc: merged ${inputs.length} files (${merged.workloads.length} workloads, ${merged.sweeps.length} sweep cells) -> ${values.output}`,
      )
    }
  }
  return 0
}

export function reportCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('report', args, REPORT_OPTIONS)
  if (positionals.length !== 1) throw new UsageError('give exactly one results file')
  if (values.output !== undefined) checkOutputFile(values.output, '-o')
  const comparison =
    values.compare !== undefined ? compareFiles([values.compare, positionals[0]])[0] : undefined
  const html = renderHtmlReport(readResultsFile(positionals[0]), {
    styles: RUNTIME_STYLES,
    ...(comparison ? { comparison } : {}),
  })
  if (values.output === undefined) process.stdout.write(html)
  else {
    writeFileSync(values.output, html)
    if (!values.quiet) message(`pygc: wrote ${values.output} (${html.length} bytes)`)
  }
  return 0
}
