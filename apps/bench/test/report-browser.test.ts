/**
 * The report as a reader sees it, in headless chromium (issue 14 item 3): the peaks the table
 * states are in the charts (the timeline keeps each bucket's maximum), the per-collection table
 * sorts and filters, the cost model and the glossary are there, sections are anchored by name.
 * The fragmentation workload at size small is the issue's case: Jython's footprint peaks at
 * 70.4 MiB between two 64 MiB samples of the old timeline.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatBytes, type ResultsDocument } from '@pygc/report'
import { describe, expect, it } from 'vitest'
import { CHROMIUM, chartMaxBytes, chromiumAvailable, launchChromium, openReport } from './browser.js'
import { APP_DIR, pygc, tempDir } from './cli-helpers.js'
import { FULL_TIER } from './tier.js'

describe.skipIf(!chromiumAvailable())(
  `the report in a browser${chromiumAvailable() ? '' : ` (SKIPPED: ${CHROMIUM} is absent)`}`,
  () => {
    it('shows the peaks of the table in the charts, a working collection table, cost model and glossary', async () => {
      const out = tempDir('report-browser')
      const run = pygc(['run', 'fragmentation', '--size', 'small', '--out', out, '--quiet'])
      expect(run.code, run.stderr).toBe(0)
      const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument
      const runs = doc.workloads[0].runs
      const browser = await launchChromium()
      try {
        const { page, consoleErrors } = await openReport(browser, join(out, 'report.html'))
        expect(consoleErrors).toEqual([])
        const section = page.locator('section#w-fragmentation')
        expect(await section.count()).toBe(1)

        const footprint = await chartMaxBytes(page, 'w0-footprint')
        const live = await chartMaxBytes(page, 'w0-live')
        const tableRow = async (label: string) =>
          section
            .locator('table.metrics tr', { has: page.locator(`td.l:text-is("${label}")`) })
            .first()
            .textContent()
        const footprintRow = await tableRow('peak footprint')
        const liveRow = await tableRow('peak live')
        for (const r of runs) {
          const m = r.metrics!
          // The table's figure, and the chart reaching it (4 significant digits of the axis unit).
          expect(footprintRow).toContain(formatBytes(m.peakFootprintBytes))
          expect(liveRow).toContain(formatBytes(m.peakLiveBytes))
          expect(footprint[r.runtime] / m.peakFootprintBytes, `${r.runtime} footprint`).toBeCloseTo(1, 3)
          expect(live[r.runtime] / m.peakLiveBytes, `${r.runtime} live`).toBeCloseTo(1, 3)
        }
        expect(formatBytes(runs.find((r) => r.runtime === 'jython')!.metrics!.peakFootprintBytes)).toBe(
          '70.4 MiB',
        )

        // The per-collection table: every record, sorted by a click, narrowed by words.
        const table = section.locator('details.collections')
        await table.locator('summary').click()
        const total = runs.reduce((n, r) => n + (r.metrics?.gcs.op.length ?? 0), 0)
        expect(await table.locator('.count').textContent()).toBe(`${total} of ${total} collections`)
        await table.locator('th', { hasText: 'pause' }).click()
        const pauses = runs.flatMap((r) => r.metrics!.gcs.pauseVirtual)
        const firstPause = await table.locator('tbody tr').first().locator('td').nth(5).textContent()
        const { formatNanos } = await import('@pygc/report')
        expect(firstPause).toBe(formatNanos(Math.min(...pauses)))
        await table.locator('input.filter').fill('jython full')
        const jythonFull = runs
          .find((r) => r.runtime === 'jython')!
          .metrics!.gcs.kind.filter((k) => k === 'full')
        expect(await table.locator('tbody tr').count()).toBe(jythonFull.length)
        for (const text of await table.locator('tbody tr td:first-child').allInnerTexts())
          expect(text).toBe('jython')

        // Cost model and glossary.
        expect(await page.locator('#cost-model tbody tr').count()).toBe(
          Object.keys(doc.settings.costs).length,
        )
        expect(await page.locator('#glossary tr#m-peak_footprint_bytes').textContent()).toMatch(
          /jython: The committed JVM heap/,
        )
        // A picture for people, which no assertion reads: the full tier only (a full-page capture
        // is about 3 s of chromium's time).
        if (FULL_TIER) {
          const shots = join(APP_DIR, 'test-output')
          mkdirSync(shots, { recursive: true })
          await page.screenshot({ path: join(shots, 'report-fragmentation.png'), fullPage: true })
        }
      } finally {
        await browser.close()
      }
    })
  },
)
