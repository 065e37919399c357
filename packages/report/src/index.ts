/**
 * @pygc/report: the side-by-side tables (terminal, Markdown, CSV, JSON) and the one
 * self-contained HTML report, all rendered from a ResultsDocument (results.ts).
 */

export * from './collection-log.js'
export * from './compare.js'
export * from './csv.js'
export * from './differences.js'
export * from './format.js'
export * from './glossary.js'
export * from './html/charts.js'
export { echartsBundle, escapeHtml, renderHtmlReport, scriptJson } from './html/report.js'
export * from './metric-rows.js'
export * from './results.js'
export * from './runtime-styles.js'
export * from './tables.js'
