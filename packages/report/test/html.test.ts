import { describe, expect, it } from 'vitest'
import { renderHtmlReport } from '../src/index.js'
import { sampleDocument } from './fixtures.js'

describe('HTML report', () => {
  const html = renderHtmlReport(sampleDocument())

  it('is deterministic: the same results give the same bytes', () => {
    expect(renderHtmlReport(sampleDocument())).toBe(html)
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
    expect(ids).toEqual(['w0-heap', 'w0-pauses', 'w0-collections', 'w0-work', 's0-time', 's0-share'])
    const json = /<script type="application\/json" id="chart-options">(.*?)<\/script>/s.exec(html)![1]
    const options = JSON.parse(json)
    expect(Object.keys(options)).toEqual(ids)
    expect(options['w0-pauses'].yAxis.type).toBe('log')
  })

  it('escapes text from the results', () => {
    expect(html).toContain('a demo workload &lt;with markup&gt;')
    expect(html).not.toContain('<with markup>')
  })
})
