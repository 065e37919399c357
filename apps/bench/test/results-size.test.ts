/**
 * `npm run bench` (the small suite on every runtime, --out) keeps its results.json at most
 * 3 MB by default (issue 14): the timeline is adaptive (100 to 200 min/max buckets per run),
 * finalizer and weakref event lists keep the lowest ids, and collections are stored as columns.
 * The suite is run exactly as the README's command runs it, so this also checks that command.
 *
 * It is the whole small suite (about 60 s of CPU on this machine, run alone), so it runs in the
 * full tier: `PYGC_TESTS=full npm test`, what CI runs.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readResultsFile } from '../src/results-file.js'
import { pygc, tempDir } from './cli-helpers.js'
import { FULL_TIER, fullTierTitle } from './tier.js'

/** The bound for the small suite's results.json. */
const MAX_SMALL_SUITE_RESULTS_BYTES = 3_000_000

const full = FULL_TIER

describe('the small suite results file', () => {
  it.skipIf(!full)(
    fullTierTitle(`is at most 3 MB, reads back whole, and keeps every collection`),
    () => {
      const dir = tempDir('results-size')
      const r = pygc(['run', '--suite', 'default', '--size', 'small', '--out', dir, '--quiet'])
      expect(r.code, r.stderr).toBe(0)
      const file = join(dir, 'results.json')
      const bytes = statSync(file).size
      expect(bytes).toBeLessThanOrEqual(MAX_SMALL_SUITE_RESULTS_BYTES)
      const doc = readResultsFile(file)
      expect(doc.workloads.length).toBeGreaterThanOrEqual(12)
      for (const w of doc.workloads)
        for (const run of w.runs) {
          const m = run.metrics
          expect(m, `${w.workload} on ${run.runtime}`).toBeDefined()
          if (m === undefined) continue
          // Every collection is there unless the collector itself said it cut the list.
          const counted = Object.values(m.collections).reduce((a, b) => a + b, 0)
          if (!m.truncated && m.runtime.incremental !== true) expect(m.gcs.op.length).toBe(counted)
        }
      // The CSV and the report were written beside it from the same runs.
      expect(readFileSync(join(dir, 'results.csv'), 'utf8').split('\n').length).toBeGreaterThan(
        doc.workloads.length,
      )
      expect(statSync(join(dir, 'report.html')).size).toBeGreaterThan(0)
    },
    900_000,
  )
})
