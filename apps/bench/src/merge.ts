/**
 * Joining results documents (the shards of a run or sweep, or runs made on different machines).
 * Sweep cells are ordered by their cell index, the workloads of a run's shards by their place
 * in the unsharded run (meta.shard), and runs of the same workload (same parameters and seed)
 * are joined into one side-by-side table, so merging the N shards of a run or sweep gives the
 * deterministic part of the unsharded run or sweep exactly.
 *
 * A merged document has one `settings`, and its tables put figures side by side, so only files
 * made with the same settings are joined: the same size, seed, cost model, promptness, timeline
 * interval, and heap limit for each runtime they share. Runtimes may differ (they are joined in
 * first-seen order). Anything else is refused with the setting and both files named: a table
 * of virtual times priced by two cost models, or a header claiming one cost model for both,
 * would be wrong without saying so. The same run (or sweep cell) in two files is kept once when
 * the figures are identical, and refused when they differ.
 */
import type { ResultsDocument, ResultsMeta, RunSettings, SweepResults, WorkloadResults } from '@pygc/report'
import { InputError } from './cli-support.js'
import { emptyDocument } from './results.js'

export interface MergeInput {
  /** The file name, for messages. */
  file: string
  doc: ResultsDocument
}

export interface MergeOutcome {
  merged: ResultsDocument
  /** What was joined that a user may want to know: duplicates kept once. */
  notes: string[]
}

function workloadKey(w: WorkloadResults): string {
  return JSON.stringify([w.workload, w.origin, w.size, w.params, w.seed])
}

function cellKey(cell: SweepResults): string {
  return JSON.stringify([cell.workload, cell.size, cell.seed, cell.cell, cell.params, cell.runtime])
}

/**
 * The shards of one `pygc run` (every input made with --shard, the same count N): shard K ran
 * the workloads whose plan index is K-1 modulo N, in plan order, so its j-th workload was the
 * (j*N + K-1)-th of the unsharded run. Undefined for other inputs (first-seen order is kept).
 */
function unshardedPositions(inputs: readonly MergeInput[]): Map<string, number> | undefined {
  const count = inputs[0].doc.meta.shard?.count
  if (count === undefined || inputs.some((i) => i.doc.meta.shard?.count !== count)) return undefined
  const positions = new Map<string, number>()
  for (const { doc } of inputs) {
    const index = doc.meta.shard?.index ?? 1
    doc.workloads.forEach((w, j) => {
      const key = workloadKey(w)
      if (!positions.has(key)) positions.set(key, j * count + index - 1)
    })
  }
  return positions
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function costText(costs: Record<string, number>, other: Record<string, number>): string {
  const names = [...new Set([...Object.keys(costs), ...Object.keys(other)])]
  return names
    .filter((n) => costs[n] !== other[n])
    .map((n) => `${n} ${costs[n] ?? 'unset'}`)
    .join(', ')
}

/** How `b`'s settings differ from `a`'s in ways that change figures (runtimes aside). */
export function settingDifferences(a: RunSettings, b: RunSettings): string[] {
  const differences: string[] = []
  if (a.size !== b.size) differences.push(`size ${b.size} vs ${a.size}`)
  if (a.seed !== b.seed) differences.push(`seed ${b.seed} vs ${a.seed}`)
  if (!sameJson(Object.entries(a.costs).sort(), Object.entries(b.costs).sort()))
    differences.push(`cost model (${costText(b.costs, a.costs)} vs ${costText(a.costs, b.costs)})`)
  if (a.promptness !== b.promptness) differences.push(`promptness ${b.promptness} vs ${a.promptness}`)
  if (a.timelineEvery !== b.timelineEvery)
    differences.push(`timeline interval ${b.timelineEvery} vs ${a.timelineEvery}`)
  // A sweep keeps no events: only two files that both kept some can differ in how many.
  if (a.events !== undefined && b.events !== undefined && a.events !== b.events)
    differences.push(`events kept ${b.events} vs ${a.events}`)
  for (const runtime of b.runtimes) {
    if (!a.runtimes.includes(runtime)) continue
    const limitA = a.heapLimits?.[runtime]
    const limitB = b.heapLimits?.[runtime]
    if (limitA !== limitB)
      differences.push(`heap limit of ${runtime} ${limitB ?? 'none'} vs ${limitA ?? 'none'}`)
  }
  return differences
}

function mergedSettings(inputs: readonly MergeInput[]): RunSettings {
  const first = inputs[0]
  const runtimes: string[] = []
  const costOverrides: Record<string, number> = {}
  const heapLimits: Record<string, number> = {}
  for (const { file, doc } of inputs) {
    const differences = settingDifferences(first.doc.settings, doc.settings)
    if (differences.length > 0) {
      throw new InputError(
        `${file} and ${first.file} were made with different settings (${differences.join('; ')}): ` +
          'merge joins files made with the same --size, --seed, --cost, --promptness, --timeline-every, ' +
          '--events and --heap-limit; report such files separately',
      )
    }
    for (const r of doc.settings.runtimes) if (!runtimes.includes(r)) runtimes.push(r)
    // The cost models are equal, so every override of any input is in effect in all of them.
    Object.assign(costOverrides, doc.settings.costOverrides)
    Object.assign(heapLimits, doc.settings.heapLimits)
  }
  const { heapLimits: _limits, ...settings } = first.doc.settings
  const events = inputs.find((i) => i.doc.settings.events !== undefined)?.doc.settings.events
  return {
    ...settings,
    ...(events !== undefined ? { events } : {}),
    runtimes,
    costOverrides,
    ...(Object.keys(heapLimits).length > 0 ? { heapLimits } : {}),
  }
}

export function mergeDocuments(inputs: readonly MergeInput[], meta: ResultsMeta): MergeOutcome {
  if (inputs.length === 0) throw new Error('nothing to merge')
  const settings = mergedSettings(inputs)
  const runtimes = settings.runtimes
  const merged = emptyDocument(
    { ...meta, seed: inputs[0].doc.meta.seed, sources: inputs.map((input) => input.doc.meta) },
    settings,
  )
  const notes: string[] = []
  const byKey = new Map<string, { results: WorkloadResults; files: Map<string, string> }>()
  for (const { file, doc } of inputs) {
    for (const w of doc.workloads) {
      const key = workloadKey(w)
      let entry = byKey.get(key)
      if (!entry) {
        entry = { results: { ...w, runs: [] }, files: new Map() }
        byKey.set(key, entry)
        merged.workloads.push(entry.results)
      }
      for (const run of w.runs) {
        const existing = entry.results.runs.find((r) => r.runtime === run.runtime)
        const where = `${w.workload} (size ${w.size}, seed ${w.seed}) on ${run.runtime}`
        if (existing === undefined) {
          entry.results.runs.push(run)
          entry.files.set(run.runtime, file)
        } else if (sameJson(existing, run)) {
          notes.push(
            `${file}: ${where} is also in ${entry.files.get(run.runtime)} with the same figures; kept once`,
          )
        } else {
          throw new InputError(
            `${file} and ${entry.files.get(run.runtime)} both hold ${where} with different figures ` +
              '(made by different pygc versions?); merge will not pick one',
          )
        }
      }
    }
  }
  const positions = unshardedPositions(inputs)
  if (positions)
    merged.workloads.sort((a, b) => positions.get(workloadKey(a))! - positions.get(workloadKey(b))!)
  // Runs in settings' runtime order, as the unmerged command would have written them.
  for (const w of merged.workloads)
    w.runs.sort((a, b) => runtimes.indexOf(a.runtime) - runtimes.indexOf(b.runtime))

  const cells = new Map<string, { cell: SweepResults; file: string }>()
  for (const { file, doc } of inputs) {
    for (const cell of doc.sweeps) {
      const key = cellKey(cell)
      const existing = cells.get(key)
      const where = `sweep cell ${cell.cell} (${cell.workload} on ${cell.runtime})`
      if (existing === undefined) cells.set(key, { cell, file })
      else if (sameJson(existing.cell, cell))
        notes.push(`${file}: ${where} is also in ${existing.file} with the same figures; kept once`)
      else
        throw new InputError(
          `${file} and ${existing.file} both hold ${where} with different figures; merge will not pick one`,
        )
    }
  }
  merged.sweeps = [...cells.values()]
    .map((c) => c.cell)
    .sort(
      (a, b) =>
        a.workload.localeCompare(b.workload) ||
        a.size.localeCompare(b.size) ||
        a.seed - b.seed ||
        a.cell - b.cell,
    )
  // The wall times of a run kept once are those of the first file that has it.
  const earlier = new Set<string>()
  for (const { doc } of inputs) {
    const keys = doc.wall.runs.map((run) =>
      JSON.stringify([run.workload, run.runtime, run.point, run.params]),
    )
    doc.wall.runs.forEach((run, i) => {
      if (!earlier.has(keys[i])) merged.wall.runs.push(run)
    })
    for (const key of keys) earlier.add(key)
    merged.wall.totalMs += doc.wall.totalMs
  }
  return { merged, notes }
}
