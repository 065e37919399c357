/** The report's stylesheet (inline: the page must not fetch anything). */
export const REPORT_CSS = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --accent: #3572A5; --diff: #fff7ed; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
h1 { margin: 0 0 8px; font-size: 26px; }
h2 { margin: 40px 0 6px; font-size: 21px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { margin: 24px 0 6px; font-size: 16px; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
.command code { display: block; padding: 8px 12px; background: #f3f4f6; border-radius: 6px; white-space: pre-wrap; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dt { color: var(--muted); }
dd { margin: 0; }
.versions { columns: 3; margin: 6px 0; }
.note, .desc, .source { color: var(--muted); }
nav { position: sticky; top: 0; background: var(--bg); padding: 8px 0; border-bottom: 1px solid var(--line); z-index: 2; }
nav a { color: var(--accent); text-decoration: none; }
table { border-collapse: collapse; margin: 10px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { background: #f9fafb; position: sticky; top: 36px; }
td.l, th.l { text-align: left; }
td.r, th.r { text-align: right; }
tr.differs td { background: var(--diff); }
tr.group th { position: static; background: #eef2f7; color: var(--accent); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: 0.03em; padding-top: 8px; }
table.differences { font-size: 13px; }
.scroll { max-height: 460px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; display: inline-block; max-width: 100%; }
.scroll th { top: 0; }
.errors { color: #b91c1c; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 10px; }
figcaption span { color: var(--muted); font-size: 12px; }
.chart-box { width: 100%; height: 400px; }
details.collections { margin: 14px 0; }
details.collections summary { cursor: pointer; font-weight: 600; }
details.collections .filter { margin: 6px 8px 6px 0; padding: 4px 8px; width: 280px; font: inherit; }
details.collections .count { color: var(--muted); }
table.gc-table { font-size: 12px; }
table.gc-table th { cursor: pointer; user-select: none; }
table.gc-table td.kind { border-left: 6px solid transparent; }
table.glossary td { white-space: normal; vertical-align: top; max-width: 520px; }
table.glossary ul { margin: 0; padding-left: 16px; }
`
