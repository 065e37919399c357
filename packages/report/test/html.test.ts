import { describe, expect, it } from 'vitest'
import { collectionsChart, footprintChart, pauseChart, renderHtmlReport } from '../src/index.js'
import { SAMPLE_STYLES, sampleDocument } from './fixtures.js'

describe('HTML report', () => {
  const html = renderHtmlReport(sampleDocument(), { styles: SAMPLE_STYLES })

  it('is deterministic: the same results give the same bytes', () => {
    expect(renderHtmlReport(sampleDocument(), { styles: SAMPLE_STYLES })).toBe(html)
  })

  it('is self-contained: ECharts inlined, no external script, style, image or font', () => {
    expect(html).toContain('echarts')
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect(html).not.toMatch(/<link[^>]+href=/)
    expect(html).not.toMatch(/<img[^>]+src="?https?:/)
    expect(html).toContain("default-src 'none'")
  })

  it('has the header with the exact command, date, seed and versions', () => {
    expect(html).toContain('pygc run demo --param &#39;x=1&#39;'.replace(/&#39;/g, "'"))
    expect(html).toContain('2026-01-01T00:00:00.000Z')
    expect(html).toMatch(/<dt>seed<\/dt><dd>7<\/dd>/)
    expect(html).toContain('<code>@pygc/core</code> 0.1.0')
  })

  it('has a chart container per chart and the options for each', () => {
    const ids = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])
    expect(ids).toEqual([
      'w0-live',
      'w0-footprint',
      'w0-pauses',
      'w0-pause-time',
      'w0-collections',
      'w0-work',
      's0-time',
      's0-share',
    ])
    const json = /<script type="application\/json" id="chart-options">(.*?)<\/script>/s.exec(html)![1]
    const options = JSON.parse(json)
    // The chart options, then the rows of each per-collection table (one data element for all).
    expect(Object.keys(options)).toEqual([...ids, 'table:w0-gcs'])
    expect(options['w0-pauses'].yAxis.type).toBe('log')
  })

  it('escapes text from the results', () => {
    expect(html).toContain('a demo workload &lt;with markup&gt;')
    expect(html).not.toContain('<with markup>')
  })

  it('groups the metric rows under section headings and ends descriptions with a full stop', () => {
    expect(html).toMatch(
      /<tr class="group"><th class="l" colspan="4">pauses \(virtual time\)<\/th><\/tr>\n<tr><td class="l">pauses<\/td>/,
    )
    expect(html).toContain('class="source">Source: ')
    expect(html).toContain('Footprint is the memory the runtime holds')
  })

  it("takes each runtime's colour, footprint and glossary notes from the styles it is given", () => {
    const options = JSON.parse(/id="chart-options">(.*?)<\/script>/s.exec(html)![1])
    const colorsOf = (name: string) =>
      options['w0-live'].series
        .filter((s: { name: string }) => s.name === name)
        .map((s: { color?: string }) => s.color)
    expect(colorsOf('cpython')).toContain('#123456')
    expect(colorsOf('jython')).toContain('#654321')
    expect(html).toContain('cpython: the fixture cpython arenas; jython: the fixture JVM heap')
    expect(html).toContain('<li><strong>cpython</strong>: Fixture cycle collections.</li>')
    // Without styles: no runtime is known by name, so no footprint note and fallback colours.
    const bare = renderHtmlReport(sampleDocument())
    expect(bare).not.toContain('Footprint is the memory the runtime holds')
    expect(bare).not.toContain('#123456')
  })
})

describe('charts a reader can read', () => {
  const doc = sampleDocument()
  const results = doc.workloads[0]

  it('live bytes: one legend entry per runtime (line and collection dots share the name)', () => {
    const html = renderHtmlReport(doc)
    const options = JSON.parse(/id="chart-options">(.*?)<\/script>/s.exec(html)![1])
    const names = new Set(options['w0-live'].series.map((s: { name: string }) => s.name))
    expect([...names]).toEqual(results.runs.filter((r) => r.metrics).map((r) => r.runtime))
  })

  it('footprint: a log axis when runtimes differ by orders of magnitude, linear otherwise', () => {
    const timeline = results.runs[1].metrics!.timeline
    expect(footprintChart('f', results).option.yAxis).toMatchObject({ type: 'value' })
    for (const column of [timeline.footprintMin, timeline.footprintMax])
      for (let i = 0; i < column.length; i++) column[i] *= 1000
    const log = footprintChart('f', results)
    expect(log.option.yAxis).toMatchObject({ type: 'log' })
    expect(log.caption).toContain('log scale')
  })

  it('collections: kinds nobody ran are left out; a run without collections says so', () => {
    const quiet = structuredClone(results)
    for (const r of quiet.runs) {
      if (!r.metrics) continue
      for (const k of Object.keys(r.metrics.collections)) r.metrics.collections[k] = 0
      r.metrics.pauses = { ...r.metrics.pauses, count: 0 }
    }
    quiet.runs[0].metrics!.collections.gen1 = 2
    const kinds = (collectionsChart('c', quiet).option.series as { name: string }[]).map((s) => s.name)
    expect(kinds).toEqual(['gen1'])
    quiet.runs[0].metrics!.collections.gen1 = 0
    expect(collectionsChart('c', quiet).option).toHaveProperty('title.text', 'no collections in this run')
    expect(pauseChart('p', quiet).option).toHaveProperty('title.text', 'no collections in this run')
  })
})
