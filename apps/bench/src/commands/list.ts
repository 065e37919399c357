/** `pygc list`: the runtimes (with presets) and the workloads (with sizes and parameters). */
import { SIZE_NAMES } from '@pygc/workloads'
import { COMMON_OPTIONS, parseCommand, parseFormat } from '../cli-support.js'
import { RUNTIMES } from '../runtimes.js'
import { allWorkloads } from '../workloads.js'

const OPTIONS = { ...COMMON_OPTIONS, format: { type: 'string', short: 'f' } } as const

export function listCommand(args: readonly string[]): number {
  const { values } = parseCommand('list', args, OPTIONS)
  const format = parseFormat(values.format, ['table', 'json'] as const, 'table')
  if (format === 'json') {
    const data = {
      runtimes: RUNTIMES.map((r) => ({
        name: r.name,
        family: r.family,
        description: r.description,
        defaultPreset: r.defaultPreset,
        presets: r.presets,
      })),
      workloads: allWorkloads().map((w) => ({
        name: w.name,
        description: w.description,
        source: w.source,
        params: w.params,
        sizes: w.sizes,
      })),
    }
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`)
    return 0
  }
  const lines: string[] = ['Runtimes (pygc run --runtimes name or name:preset):']
  const nameWidth = Math.max(
    ...RUNTIMES.map((r) => r.name.length),
    ...allWorkloads().map((w) => w.name.length),
  )
  for (const r of RUNTIMES) {
    lines.push(`  ${r.name.padEnd(nameWidth)}  ${r.description}`)
    for (const p of r.presets) {
      lines.push(
        `  ${''.padEnd(nameWidth)}    ${p.name === r.defaultPreset ? '*' : ' '} ${p.name}: ${p.description}`,
      )
    }
  }
  lines.push('', `Workloads (sizes: ${SIZE_NAMES.join(', ')}):`)
  for (const w of allWorkloads()) {
    lines.push(`  ${w.name.padEnd(nameWidth)}  ${w.description}`)
    const params = Object.entries(w.params)
      .map(([k]) => `${k}=${w.sizes.small[k] ?? '?'}`)
      .join(' ')
    if (params) lines.push(`  ${''.padEnd(nameWidth)}    small: ${params}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
  return 0
}
