/**
 * The HTML report: ONE self-contained file that opens offline. The ECharts build is inlined
 * (no CDN, no fonts, no images from the network), chart options are embedded as JSON data, and
 * the output is a pure function of the results document, so the same results give the same
 * bytes. Every figure can be reproduced from the command printed in the header.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { semanticDifferences } from '../differences.js'
import type { ResultsDocument, WorkloadResults } from '../results.js'
import {
  differencesGrid,
  errorNotes,
  type Grid,
  paramsText,
  sweepGrid,
  sweepGroups,
  tableNotes,
  workloadGrid,
  workloadTitle,
} from '../tables.js'
import {
  type ChartSpec,
  collectionsChart,
  footprintChart,
  liveChart,
  pauseChart,
  sweepCharts,
  workChart,
} from './charts.js'
import { REPORT_CSS } from './style.js'

let echartsSource: string | undefined

/** The minified ECharts browser build shipped in the echarts package, read once. */
export function echartsBundle(): string {
  if (echartsSource === undefined) {
    const require = createRequire(import.meta.url)
    echartsSource = readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8')
  }
  return echartsSource
}

/**
 * Text or a number as HTML text or a double-quoted attribute value. EVERY value that comes from
 * a results document goes through here, numbers included: the document is validated on read,
 * but the renderer is also a library function that must not trust its caller.
 */
export function escapeHtml(value: string | number): string {
  const s = String(value)
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * JSON safe inside a <script> element: `<`, `>` and `&` as \u escapes, so no "</script>",
 * "<!--" or character reference can appear, and U+2028/2029 escaped for old JavaScript parsers.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

function gridHtml(
  grid: Grid,
  options: { className?: string; leftColumns?: number; highlightLast?: boolean } = {},
): string {
  const left = options.leftColumns ?? 1
  const head = grid.header.map((h, c) => `<th class="${c < left ? 'l' : 'r'}">${escapeHtml(h)}</th>`).join('')
  const titles = new Map((grid.groups ?? []).map((g) => [g.row, g.title]))
  const body = grid.rows
    .map((row, i) => {
      const cls = options.highlightLast && row[row.length - 1] !== '' ? ' class="differs"' : ''
      const cells = row
        .map((cell, c) => `<td class="${c < left ? 'l' : 'r'}">${escapeHtml(cell)}</td>`)
        .join('')
      const title = titles.get(i)
      const group =
        title !== undefined
          ? `<tr class="group"><th class="l" colspan="${escapeHtml(grid.header.length)}">${escapeHtml(title)}</th></tr>\n`
          : ''
      return `${group}<tr${cls}>${cells}</tr>`
    })
    .join('\n')
  return `<table class="${options.className ?? 'metrics'}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`
}

/** A description as a sentence ending in a full stop (names like "pyperformance" keep their case). */
function sentence(text: string): string {
  const t = text.trim()
  return t === '' || /[.!?]$/.test(t) ? t : `${t}.`
}

function chartHtml(chart: ChartSpec): string {
  return `<figure class="chart"><figcaption><strong>${escapeHtml(chart.title)}</strong><br><span>${escapeHtml(
    chart.caption,
  )}</span></figcaption><div class="chart-box" id="${escapeHtml(chart.id)}" data-chart="${escapeHtml(chart.id)}"></div></figure>`
}

function headerHtml(doc: ResultsDocument): string {
  const versions = Object.entries(doc.meta.versions)
    .map(([k, v]) => `<li><code>${escapeHtml(k)}</code> ${escapeHtml(v)}</li>`)
    .join('')
  const costs = Object.entries(doc.settings.costOverrides)
  return `<header>
<h1>pygc report</h1>
<p class="command"><code>${escapeHtml(doc.meta.command)}</code></p>
<dl>
<dt>date</dt><dd>${escapeHtml(doc.meta.date)}</dd>
<dt>seed</dt><dd>${escapeHtml(doc.meta.seed)}</dd>
<dt>size</dt><dd>${escapeHtml(doc.settings.size)}</dd>
<dt>runtimes</dt><dd>${escapeHtml(doc.settings.runtimes.join(', '))}</dd>
${
  doc.settings.heapLimits
    ? `<dt>heap limits</dt><dd>${escapeHtml(
        Object.entries(doc.settings.heapLimits)
          .map(([k, v]) => `${k}=${v} B`)
          .join(', '),
      )}</dd>\n`
    : ''
}<dt>cost overrides</dt><dd>${costs.length === 0 ? 'none (default cost model)' : escapeHtml(costs.map(([k, v]) => `${k}=${v}`).join(', '))}</dd>
</dl>
<details><summary>versions</summary><ul class="versions">${versions}</ul></details>
<p class="note">Times are <em>virtual</em> (a deterministic cost model over the work each manager counts), so they are the same on every machine; only rows marked "wall" are host time. Sizes are modeled bytes of the real 64-bit runtime.</p>
${tableNotes(doc)
  .slice(1)
  .map((n) => `<p class="note">${escapeHtml(n)}</p>`)
  .join('\n')}
</header>`
}

function workloadSection(
  doc: ResultsDocument,
  results: WorkloadResults,
  index: number,
): { html: string; charts: ChartSpec[] } {
  const charts: ChartSpec[] = []
  const anyOk = results.runs.some((r) => r.metrics !== undefined)
  if (anyOk) {
    charts.push(liveChart(`w${index}-live`, results))
    charts.push(footprintChart(`w${index}-footprint`, results))
    charts.push(pauseChart(`w${index}-pauses`, results))
    charts.push(collectionsChart(`w${index}-collections`, results))
    charts.push(workChart(`w${index}-work`, results, doc.settings.costs))
  }
  const notes = errorNotes(results)
  const differences = semanticDifferences(results)
  const diffGrid = differencesGrid(differences, 200)
  const truncated =
    differences.truncated.length > 0
      ? `<p class="note">Event lists cut at the collector's limit for: ${escapeHtml(differences.truncated.join(', '))}.</p>`
      : ''
  const html = `<section class="workload" id="workload-${escapeHtml(index)}">
<h2>${escapeHtml(results.workload)}</h2>
<p>${escapeHtml(workloadTitle(results))}</p>
<p class="desc">${escapeHtml(sentence(results.description))} <span class="source">Source: ${escapeHtml(sentence(results.source))}</span></p>
${gridHtml(workloadGrid(doc, results))}
${notes.length > 0 ? `<ul class="errors">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<div class="charts">${charts.map(chartHtml).join('\n')}</div>
<h3>Semantic differences</h3>
<p class="note">When each finalizer ran and each weakref was cleared (op index), what gc.collect() returned, what id() values are. Objects are named by allocation ordinal, the same on every runtime. Rows that differ are highlighted.</p>
${truncated}
<div class="scroll">${gridHtml(diffGrid, { className: 'differences', highlightLast: true })}</div>
</section>`
  return { html, charts }
}

function sweepSection(doc: ResultsDocument): { html: string; charts: ChartSpec[] } {
  if (doc.sweeps.length === 0) return { html: '', charts: [] }
  const charts: ChartSpec[] = []
  const groups = sweepGroups(doc)
  const groupHtml = groups
    .map((group, i) => {
      const specs = sweepCharts(`s${i}`, group.cells)
      charts.push(...specs)
      const first = group.cells[0]
      return `<h3>${escapeHtml(first.workload)} (size ${escapeHtml(first.size)}, ${escapeHtml(paramsText(first.params))})</h3>
<div class="charts">${specs.map(chartHtml).join('\n')}</div>`
    })
    .join('\n')
  const html = `<section class="sweep" id="sweep">
<h2>Heap-size sensitivity</h2>
<p class="note">Each runtime's minimum heap is found by bisection on the heap limit (out of memory = too small); the workload then runs at multiples of it, as DaCapo reports heap sensitivity.</p>
${groupHtml}
${gridHtml(sweepGrid(doc.sweeps), { leftColumns: 3 })}
</section>`
  return { html, charts }
}

/** The whole report as one HTML string. */
export function renderHtmlReport(doc: ResultsDocument): string {
  const sections = doc.workloads.map((w, i) => workloadSection(doc, w, i))
  const sweep = sweepSection(doc)
  const charts = [...sections.flatMap((s) => s.charts), ...sweep.charts]
  const options: Record<string, unknown> = {}
  for (const c of charts) options[c.id] = c.option
  const nav = doc.workloads
    .map((w, i) => `<a href="#workload-${escapeHtml(i)}">${escapeHtml(w.workload)}</a>`)
    .concat(doc.sweeps.length > 0 ? ['<a href="#sweep">heap sweep</a>'] : [])
    .join(' · ')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>pygc report — ${escapeHtml(doc.workloads.map((w) => w.workload).join(', ') || 'sweep')}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${headerHtml(doc)}
<nav>${nav}</nav>
<main>
${sections.map((s) => s.html).join('\n')}
${sweep.html}
</main>
<script>${echartsBundle()}</script>
<script type="application/json" id="chart-options">${scriptJson(options)}</script>
<script>
(function () {
  var options = JSON.parse(document.getElementById('chart-options').textContent);
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(options[el.getAttribute('data-chart')]);
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-charts-ready', String(charts.length));
})();
</script>
</body>
</html>
`
}
