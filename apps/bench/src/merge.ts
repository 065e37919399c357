/**
 * Joining results documents (the shards of a sweep, or runs made on different machines).
 * Sweep cells are ordered by their cell index, and runs of the same workload (same parameters
 * and seed) are joined into one side-by-side table, so merging the N shards of a sweep gives
 * the deterministic part of the unsharded sweep exactly.
 */
import type { ResultsDocument, ResultsMeta, WorkloadResults } from '@pygc/report'
import { emptyDocument } from './results.js'

function workloadKey(w: WorkloadResults): string {
  return JSON.stringify([w.workload, w.origin, w.size, w.params, w.seed])
}

export function mergeDocuments(inputs: readonly ResultsDocument[], meta: ResultsMeta): ResultsDocument {
  if (inputs.length === 0) throw new Error('nothing to merge')
  const first = inputs[0]
  const runtimes: string[] = []
  for (const doc of inputs) for (const r of doc.settings.runtimes) if (!runtimes.includes(r)) runtimes.push(r)
  const merged = emptyDocument(
    { ...meta, seed: first.meta.seed, sources: inputs.map((d) => d.meta) },
    { ...first.settings, runtimes },
  )
  const byKey = new Map<string, WorkloadResults>()
  for (const doc of inputs) {
    for (const w of doc.workloads) {
      const key = workloadKey(w)
      const existing = byKey.get(key)
      if (!existing) {
        const copy = { ...w, runs: [...w.runs] }
        byKey.set(key, copy)
        merged.workloads.push(copy)
        continue
      }
      for (const run of w.runs) {
        if (!existing.runs.some((r) => r.runtime === run.runtime)) existing.runs.push(run)
      }
    }
  }
  // Runs in settings' runtime order, as the unmerged command would have written them.
  for (const w of merged.workloads)
    w.runs.sort((a, b) => runtimes.indexOf(a.runtime) - runtimes.indexOf(b.runtime))

  const cells = new Map<string, ResultsDocument['sweeps'][number]>()
  for (const doc of inputs) {
    for (const cell of doc.sweeps) {
      const key = JSON.stringify([cell.workload, cell.size, cell.seed, cell.cell, cell.params, cell.runtime])
      if (!cells.has(key)) cells.set(key, cell)
    }
  }
  merged.sweeps = [...cells.values()].sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      a.size.localeCompare(b.size) ||
      a.seed - b.seed ||
      a.cell - b.cell,
  )
  for (const doc of inputs) {
    merged.wall.runs.push(...doc.wall.runs)
    merged.wall.totalMs += doc.wall.totalMs
  }
  return merged
}
