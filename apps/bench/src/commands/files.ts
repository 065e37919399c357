/** `pygc merge` and `pygc report`: commands over saved results files. */
import { readFileSync, writeFileSync } from 'node:fs'
import { formatJson, renderHtmlReport } from '@pygc/report'
import { COMMON_OPTIONS, InputError, message, parseCommand, UsageError } from '../cli-support.js'
import { mergeDocuments } from '../merge.js'
import { makeMeta, parseResults } from '../results.js'

const FILE_OPTIONS = { ...COMMON_OPTIONS, output: { type: 'string', short: 'o' } } as const

/** A results file, or an InputError saying why it is not one (missing, not JSON, old schema). */
function readResults(file: string) {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new InputError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`)
  }
  try {
    return parseResults(text, file)
  } catch (e) {
    throw new InputError((e as Error).message)
  }
}

export function mergeCommand(args: readonly string[]): number {
  const { values, positionals } = parseCommand('merge', args, FILE_OPTIONS)
  if (positionals.length === 0) throw new UsageError('pygc merge: give the results files to merge')
  const inputs = positionals.map(readResults)
  const merged = mergeDocuments(inputs, makeMeta(['merge', ...args], inputs[0].meta.seed))
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
  const { values, positionals } = parseCommand('report', args, FILE_OPTIONS)
  if (positionals.length !== 1) throw new UsageError('pygc report: give exactly one results file')
  const html = renderHtmlReport(readResults(positionals[0]))
  if (values.output === undefined) process.stdout.write(html)
  else {
    writeFileSync(values.output, html)
    if (!values.quiet) message(`pygc: wrote ${values.output} (${html.length} bytes)`)
  }
  return 0
}
