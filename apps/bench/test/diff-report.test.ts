/**
 * pygc diff (semantic differences) and the HTML report in a real browser: Debian's headless
 * chromium through playwright-core. The full tier (PYGC_TESTS=full, what CI runs) keeps a
 * screenshot in test-output/report.png: a full-page capture is about 3 s of chromium's time,
 * for a picture no assertion reads.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RUNTIMES } from '../src/runtimes.js'
import { CHROMIUM, checkReport, chromiumAvailable } from './browser.js'
import { APP_DIR, pygc, tempDir } from './cli-helpers.js'
import { FULL_TIER } from './tier.js'

describe('pygc diff', () => {
  it('shows the finalizer and weakref timings of the default runtimes side by side', () => {
    const r = pygc(['diff', 'finalizers', '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`event\\s+${DEFAULT_RUNTIMES.join('\\s+')}\\s+≠`))
    // CPython and PyPy hand out addresses, the JVM and the CLR counters.
    expect(r.stdout).toMatch(/id\(\) values are\s+addresses\s+counters\s+counters\s+addresses/)
    expect(r.stdout).toMatch(/finalizer of object #\d+\s+op \d+/)
    const json = JSON.parse(pygc(['diff', 'finalizers', '--format', 'json', '--quiet']).stdout)
    expect(json.runtimes).toEqual(DEFAULT_RUNTIMES)
    expect(json.rows.some((row: { kind: string }) => row.kind === 'finalizer')).toBe(true)
    // CSV and JSON are complete by default; only the terminal table and Markdown stop at 60 rows.
    expect(json.rows.length).toBeGreaterThan(60)
    const csv = pygc(['diff', 'finalizers', '--format', 'csv'])
    expect(csv.stdout.trim().split('\n')).toHaveLength(json.rows.length + 1)
    // Nothing but the progress lines a log gets when the run takes more than a few seconds.
    expect(csv.stderr.replace(/^pygc: \d+\/\d+ done .*\n/gm, '')).toBe('')
    expect(r.stdout).toContain(`… ${json.rows.length - 60} more rows`)
  })
})

if (!chromiumAvailable()) {
  console.warn(
    `pygc: browser test SKIPPED: ${CHROMIUM} is absent (apt-get install chromium; .ci/run installs it)`,
  )
}

describe('the HTML report', () => {
  const dir = tempDir('report')

  it('pygc report rebuilds the same report.html from results.json', () => {
    const out = join(dir, 'out')
    const run = pygc(['run', 'binary-trees', 'weakref-cache', '--size', 'test', '--out', out, '--quiet'])
    expect(run.code, run.stderr).toBe(0)
    const rebuilt = join(dir, 'rebuilt.html')
    const r = pygc(['report', join(out, 'results.json'), '-o', rebuilt])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(rebuilt, 'utf8')).toBe(readFileSync(join(out, 'report.html'), 'utf8'))
  })

  it.skipIf(!chromiumAvailable())(
    `renders in headless chromium with every chart, no console errors and no network requests${
      chromiumAvailable() ? '' : ` (SKIPPED: ${CHROMIUM} is absent)`
    }`,
    async () => {
      const out = join(dir, 'browser')
      const run = pygc(['run', 'gc-collect', 'finalizers', '--size', 'test', '--out', out, '--quiet'])
      expect(run.code, run.stderr).toBe(0)
      const sweep = join(dir, 'sweep.json')
      const s = pygc([
        'sweep',
        'gc-collect',
        '--size',
        'test',
        '--heap',
        '1.5x,3x',
        '--format',
        'json',
        '--quiet',
      ])
      expect(s.code, s.stderr).toBe(0)
      const merged = join(dir, 'merged.json')
      writeFileSync(sweep, s.stdout)
      expect(pygc(['merge', join(out, 'results.json'), sweep, '-o', merged]).code).toBe(0)
      const html = join(dir, 'report.html')
      expect(pygc(['report', merged, '-o', html]).code).toBe(0)

      const outputDir = join(APP_DIR, 'test-output')
      mkdirSync(outputDir, { recursive: true })
      const screenshot = FULL_TIER ? join(outputDir, 'report.png') : undefined
      const check = await checkReport(html, screenshot)
      expect(check.consoleErrors).toEqual([])
      expect(check.requests).toEqual([])
      // 6 charts per workload, 2 per sweep group.
      const perWorkload = ['live', 'footprint', 'pauses', 'pause-time', 'collections', 'work']
      expect(check.charts.map((c) => c.id)).toEqual([
        ...perWorkload.map((c) => `w0-${c}`),
        ...perWorkload.map((c) => `w1-${c}`),
        's0-time',
        's0-share',
      ])
      for (const chart of check.charts) expect(chart.rendered, chart.id).toBe(true)
      expect(check.chartsReady).toBe('14')
    },
  )
})
