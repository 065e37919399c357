/**
 * The HTML report: ONE self-contained file that opens offline. The ECharts build is inlined
 * (no CDN, no fonts, no images from the network), chart options are embedded as JSON data, and
 * the output is a pure function of the results document, so the same results give the same
 * bytes. Every figure can be reproduced from the command printed in the header.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { collectionRecordsOf } from '../collection-log.js'
import { type Comparison, comparisonGrid, comparisonSummary } from '../compare.js'
import { semanticDifferences } from '../differences.js'
import { formatBytes, formatCount, formatNanos } from '../format.js'
import { COST_MEANING, kindColor, METRIC_MEANING } from '../glossary.js'
import { METRIC_ROWS } from '../metric-rows.js'
import type { ResultsDocument, WorkloadResults } from '../results.js'
import { NO_STYLES, type RuntimeStyles, styleOf } from '../runtime-styles.js'
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
  pausesOverTimeChart,
  sweepCharts,
  workChart,
} from './charts.js'
import { REPORT_CSS } from './style.js'

let echartsSource: string | undefined

/** Rows of a per-collection table shown at once (the filter narrows the rest down). */
const ROW_LIMIT = 500

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

function headerHtml(doc: ResultsDocument, styles: RuntimeStyles): string {
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
${tableNotes(doc, styles)
  .slice(1)
  .map((n) => `<p class="note">${escapeHtml(n)}</p>`)
  .join('\n')}
</header>`
}

/**
 * Section anchors by workload name (`#w-binary-trees`), so a link survives a re-run with other
 * workloads; a name seen twice (a merged file with two parameter sets) gets `-2`, `-3`...
 */
export function workloadAnchors(doc: ResultsDocument): string[] {
  const seen = new Map<string, number>()
  return doc.workloads.map((w) => {
    const slug = `w-${
      w.workload
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'workload'
    }`
    const n = (seen.get(slug) ?? 0) + 1
    seen.set(slug, n)
    return n === 1 ? slug : `${slug}-${n}`
  })
}

/** One collection as the per-collection table shows it (cells, and raw values to sort by). */
type CollectionRow = [
  runtime: string,
  index: number,
  op: number,
  kind: string,
  reason: string,
  pauseNs: number,
  freedObjects: number,
  freedBytes: number,
  promotedBytes: number,
  copiedBytes: number,
  liveAfter: number,
  footprintAfter: number,
  compacted: boolean,
]

/** The columns of the per-collection table: header, and how a raw value is shown. */
const COLLECTION_COLUMNS: readonly [string, 'text' | 'count' | 'ns' | 'bytes' | 'bool'][] = [
  ['runtime', 'text'],
  ['#', 'count'],
  ['op', 'count'],
  ['kind', 'text'],
  ['reason', 'text'],
  ['pause', 'ns'],
  ['freed objects', 'count'],
  ['freed', 'bytes'],
  ['promoted', 'bytes'],
  ['copied', 'bytes'],
  ['live after', 'bytes'],
  ['footprint after', 'bytes'],
  ['compacted', 'bool'],
]

function collectionRows(results: WorkloadResults): CollectionRow[] {
  return results.runs.flatMap((r) =>
    (r.metrics ? collectionRecordsOf(r.metrics.gcs) : []).map(
      (g): CollectionRow => [
        r.runtime,
        g.index,
        g.op,
        g.kind,
        g.reason,
        g.pauseVirtual,
        g.freedObjects,
        g.freedBytes,
        g.promotedBytes,
        g.copiedBytes,
        g.liveBytesAfter,
        g.footprintAfter,
        g.compacted,
      ],
    ),
  )
}

/** Text of a raw cell, formatted here so the page's script only sorts, filters and places text. */
function collectionCell(
  value: string | number | boolean,
  kind: (typeof COLLECTION_COLUMNS)[number][1],
): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return value
  if (kind === 'ns') return formatNanos(value)
  if (kind === 'bytes') return formatBytes(value)
  return formatCount(value)
}

/**
 * The per-collection table (GCViewer's, GCeasy's and PerfView GCStats' GC list): every
 * collection record of every runtime, sortable by any column and filtered by words. Rows live
 * in the page as JSON ([text, raw] pairs) and the script builds the visible ones with
 * textContent; collapsed until opened, at most ROW_LIMIT rows shown at once.
 */
function collectionsTable(results: WorkloadResults, id: string): { html: string; data?: unknown } {
  const rows = collectionRows(results)
  if (rows.length === 0) return { html: '' }
  const colors: Record<string, string> = {}
  for (const row of rows) colors[row[3]] = kindColor(row[3])
  const data = {
    rows: rows.map((row) => row.map((v, c) => [collectionCell(v, COLLECTION_COLUMNS[c][1]), v])),
    colors,
  }
  const truncated = results.runs.filter((r) => r.metrics?.truncated).map((r) => r.runtime)
  const head = COLLECTION_COLUMNS.map(
    ([h, kind], c) =>
      `<th class="${kind === 'text' ? 'l' : 'r'}" data-col="${c}" title="sort by ${escapeHtml(h)}">${escapeHtml(h)}</th>`,
  ).join('')
  const html = `<details class="collections" data-table="${escapeHtml(id)}">
<summary>Every collection (${escapeHtml(formatCount(rows.length))}): sortable, filterable</summary>
<p class="note">Click a column to sort; type words to filter (every word must appear in the row, e.g. <code>jython full</code>). Pauses are virtual time.${
    truncated.length > 0
      ? ` Records cut at the collector's limit for: ${escapeHtml(truncated.join(', '))}.`
      : ''
  }</p>
<input type="search" class="filter" placeholder="filter, e.g. gen2 allocation" aria-label="filter collections">
<span class="count"></span>
<div class="scroll"><table class="gc-table"><thead><tr>${head}</tr></thead><tbody></tbody></table></div>
</details>`
  return { html, data }
}

/** The key of a table's rows in the page's one JSON data element (beside the chart options). */
export function tableDataKey(id: string): string {
  return `table:${id}`
}

/** The cost model in effect: every unit price behind the virtual times, overrides marked. */
function costTableHtml(doc: ResultsDocument): string {
  const rows = Object.entries(doc.settings.costs).map(([name, ns]) => {
    const overridden = Object.hasOwn(doc.settings.costOverrides, name)
    return `<tr${overridden ? ' class="differs"' : ''}><td class="l"><code>${escapeHtml(name)}</code></td><td class="r">${escapeHtml(ns)}</td><td class="l">${escapeHtml(
      Object.hasOwn(COST_MEANING, name) ? COST_MEANING[name] : '',
    )}${overridden ? ' <strong>(--cost override)</strong>' : ''}</td></tr>`
  })
  return `<section id="cost-model">
<h2>Cost model</h2>
<p class="note">Every virtual time in this report is the work each manager counted times these prices (virtual nanoseconds per unit, packages/core/src/cost-model.ts). Reprice a run with <code>--cost name=value</code>; overridden prices are highlighted.</p>
<table class="metrics"><thead><tr><th class="l">unit</th><th class="r">virtual ns</th><th class="l">what it prices</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`
}

/** Every metric row, what it measures, and what it means on each runtime family in the document. */
function glossaryHtml(doc: ResultsDocument, styles: RuntimeStyles): string {
  const families: string[] = []
  for (const w of doc.workloads)
    for (const r of w.runs) {
      const family = r.metrics?.runtime.family
      if (family !== undefined && !families.includes(family)) families.push(family)
    }
  const rows = METRIC_ROWS.map((row) => {
    const notes = families
      .map((f) => {
        const style = styleOf(styles, f)
        const own = style?.meanings
        const note =
          own !== undefined && Object.hasOwn(own, row.key)
            ? own[row.key]
            : row.key === 'peak_footprint_bytes'
              ? style?.footprint
              : undefined
        return note === undefined ? '' : `<li><strong>${escapeHtml(f)}</strong>: ${escapeHtml(note)}</li>`
      })
      .join('')
    return `<tr id="m-${escapeHtml(row.key)}"><td class="l">${escapeHtml(row.label)}<br><code>${escapeHtml(row.key)}</code></td><td class="l">${escapeHtml(
      METRIC_MEANING[row.key] ?? '',
    )}</td><td class="l">${notes === '' ? '' : `<ul>${notes}</ul>`}</td></tr>`
  })
  return `<section id="glossary">
<h2>Glossary</h2>
<p class="note">What each row of the tables measures (its CSV column name under it), and what it means on each runtime of this report where that differs.</p>
<table class="metrics glossary"><thead><tr><th class="l">row</th><th class="l">meaning</th><th class="l">on each runtime</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`
}

function workloadSection(
  doc: ResultsDocument,
  results: WorkloadResults,
  index: number,
  anchor: string,
  styles: RuntimeStyles,
): { html: string; charts: ChartSpec[]; tables: Record<string, unknown> } {
  const charts: ChartSpec[] = []
  const table = collectionsTable(results, `w${index}-gcs`)
  const tables: Record<string, unknown> =
    table.data !== undefined ? { [tableDataKey(`w${index}-gcs`)]: table.data } : {}
  const anyOk = results.runs.some((r) => r.metrics !== undefined)
  if (anyOk) {
    charts.push(liveChart(`w${index}-live`, results, styles))
    charts.push(footprintChart(`w${index}-footprint`, results, styles))
    charts.push(pauseChart(`w${index}-pauses`, results, styles))
    charts.push(pausesOverTimeChart(`w${index}-pause-time`, results, styles))
    charts.push(collectionsChart(`w${index}-collections`, results, styles))
    charts.push(workChart(`w${index}-work`, results, doc.settings.costs, styles))
  }
  const notes = errorNotes(results)
  const differences = semanticDifferences(results)
  const diffGrid = differencesGrid(differences, 200)
  const truncated =
    differences.truncated.length > 0
      ? `<p class="note">Event lists cut at the collector's limit for: ${escapeHtml(differences.truncated.join(', '))}.</p>`
      : ''
  const html = `<section class="workload" id="${escapeHtml(anchor)}">
<h2>${escapeHtml(results.workload)}</h2>
<p>${escapeHtml(workloadTitle(results))}</p>
<p class="desc">${escapeHtml(sentence(results.description))} <span class="source">Source: ${escapeHtml(sentence(results.source))}</span></p>
${gridHtml(workloadGrid(doc, results))}
${notes.length > 0 ? `<ul class="errors">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
<div class="charts">${charts.map(chartHtml).join('\n')}</div>
${table.html}
<h3>Semantic differences</h3>
<p class="note">When each finalizer ran and each weakref was cleared (op index), what gc.collect() returned, what id() values are. Objects are named by allocation ordinal, the same on every runtime. Rows that differ are highlighted.</p>
${truncated}
<div class="scroll">${gridHtml(diffGrid, { className: 'differences', highlightLast: true })}</div>
</section>`
  return { html, charts, tables }
}

function sweepSection(doc: ResultsDocument, styles: RuntimeStyles): { html: string; charts: ChartSpec[] } {
  if (doc.sweeps.length === 0) return { html: '', charts: [] }
  const charts: ChartSpec[] = []
  const groups = sweepGroups(doc)
  const groupHtml = groups
    .map((group, i) => {
      const specs = sweepCharts(`s${i}`, group.cells, styles)
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

/** Rows of a comparison shown in the report (the CSV of pygc compare has them all). */
const COMPARISON_ROWS = 400

/** How these results differ from a base file (pygc report --compare BASE.json). */
function comparisonHtml(c: Comparison): string {
  const grid = comparisonGrid(c)
  const shown = { ...grid, rows: grid.rows.slice(0, COMPARISON_ROWS) }
  return `<section id="comparison">
<h2>Comparison with ${escapeHtml(c.base)}</h2>
<p>${escapeHtml(`${c.new} against ${c.base}: ${comparisonSummary(c)}.`)}</p>
${c.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n')}
<p class="note">Deterministic figures are "same" or "changed"; wall times with repeats (pygc run --repeat N) get mean ± deviation and Welch's t-test at the 5% level. Only figures that are not the same are listed${
    grid.rows.length > COMPARISON_ROWS
      ? ` (the first ${COMPARISON_ROWS} of ${grid.rows.length}; pygc compare -f csv lists all)`
      : ''
  }.</p>
${grid.rows.length === 0 ? '<p>Every figure is the same.</p>' : `<div class="scroll">${gridHtml(shown, { leftColumns: 3 })}</div>`}
</section>`
}

/**
 * The whole report as one HTML string; with `comparison`, a section on how it differs from a
 * base; `styles` (the runtime registry's) give each runtime its colour and glossary notes.
 */
export function renderHtmlReport(
  doc: ResultsDocument,
  extra: { comparison?: Comparison; styles?: RuntimeStyles } = {},
): string {
  const styles = extra.styles ?? NO_STYLES
  const anchors = workloadAnchors(doc)
  const sections = doc.workloads.map((w, i) => workloadSection(doc, w, i, anchors[i], styles))
  const sweep = sweepSection(doc, styles)
  const charts = [...sections.flatMap((s) => s.charts), ...sweep.charts]
  const options: Record<string, unknown> = {}
  for (const c of charts) options[c.id] = c.option
  // The per-collection tables' rows ride in the same data element (no script element more).
  for (const section of sections) Object.assign(options, section.tables)
  const nav = doc.workloads
    .map((w, i) => `<a href="#${escapeHtml(anchors[i])}">${escapeHtml(w.workload)}</a>`)
    .concat(doc.sweeps.length > 0 ? ['<a href="#sweep">heap sweep</a>'] : [])
    .concat(extra.comparison ? ['<a href="#comparison">comparison</a>'] : [])
    .concat(['<a href="#cost-model">cost model</a>', '<a href="#glossary">glossary</a>'])
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
${headerHtml(doc, styles)}
<nav>${nav}</nav>
<main>
${extra.comparison ? comparisonHtml(extra.comparison) : ''}
${sections.map((s) => s.html).join('\n')}
${sweep.html}
${costTableHtml(doc)}
${glossaryHtml(doc, styles)}
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
  document.querySelectorAll('details[data-table]').forEach(function (d) { collectionTable(d, options); });
  document.body.setAttribute('data-charts-ready', String(charts.length));
})();
// The per-collection tables: rows are [text, raw] pairs; sort by raw, filter by words of text.
function collectionTable(details, options) {
  var LIMIT = ${ROW_LIMIT};
  var data = options['table:' + details.getAttribute('data-table')];
  var rows = data.rows;
  var body = details.querySelector('tbody');
  var input = details.querySelector('input.filter');
  var count = details.querySelector('.count');
  var sortCol = -1, sortDir = 1;
  function render() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = rows.filter(function (r) {
      var text = r.map(function (c) { return String(c[0]).toLowerCase(); }).join(' ');
      return words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    if (sortCol >= 0) shown.sort(function (a, b) {
      var x = a[sortCol][1], y = b[sortCol][1];
      return (x < y ? -1 : x > y ? 1 : 0) * sortDir;
    });
    body.textContent = '';
    shown.slice(0, LIMIT).forEach(function (r) {
      var tr = document.createElement('tr');
      r.forEach(function (c, i) {
        var td = document.createElement('td');
        td.className = typeof c[1] === 'string' ? 'l' : 'r';
        td.textContent = c[0];
        if (i === 3) { td.className += ' kind'; td.style.borderLeftColor = data.colors[c[0]] || ''; }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    count.textContent = shown.length + ' of ' + rows.length + ' collections' + (shown.length > LIMIT ? ', first ' + LIMIT + ' shown' : '');
  }
  details.querySelectorAll('th[data-col]').forEach(function (th) {
    th.addEventListener('click', function () {
      var col = Number(th.getAttribute('data-col'));
      sortDir = col === sortCol ? -sortDir : 1;
      sortCol = col;
      render();
    });
  });
  input.addEventListener('input', render);
  render();
}
</script>
</body>
</html>
`
}
