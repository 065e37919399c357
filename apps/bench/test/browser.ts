/**
 * Opening a report in Debian's headless chromium with playwright-core, and collecting what a
 * reader would notice: console errors, page errors, network requests, and charts that did not
 * render (a chart container without a canvas or svg).
 */
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM)
}

export interface BrowserCheck {
  consoleErrors: string[]
  /** Every request other than the report file itself. */
  requests: string[]
  charts: { id: string; rendered: boolean }[]
  chartsReady: string | null
}

/** Debian's chromium, headless, with nothing that reaches the network by itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
}

/** A report opened in a new page of `browser`, once its charts are initialised. */
export async function openReport(
  browser: Browser,
  htmlFile: string,
): Promise<{ page: Page; consoleErrors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const consoleErrors: string[] = []
  const requests: string[] = []
  const url = pathToFileURL(htmlFile).href
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`))
  page.on('request', (r) => {
    if (r.url() !== url) requests.push(r.url())
  })
  await page.goto(url, { waitUntil: 'load' })
  await page.waitForSelector('body[data-charts-ready]', { timeout: 30_000 })
  return { page, consoleErrors, requests }
}

export async function checkReport(htmlFile: string, screenshot?: string): Promise<BrowserCheck> {
  const browser = await launchChromium()
  try {
    const { page, consoleErrors, requests } = await openReport(browser, htmlFile)
    const charts = await page.$$eval('[data-chart]', (els) =>
      els.map((el) => ({
        id: el.getAttribute('data-chart') ?? '',
        rendered: el.querySelector('canvas, svg') !== null,
      })),
    )
    const chartsReady = await page.getAttribute('body', 'data-charts-ready')
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true })
    return { consoleErrors, requests, charts, chartsReady }
  } finally {
    await browser.close()
  }
}

/** Bytes per unit of a chart axis named by byteUnit() ("MiB", "KiB (log scale)", "bytes"). */
const AXIS_BYTES: Record<string, number> = { bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }

/**
 * The largest y value each series name reaches in a rendered chart, in bytes: read from the
 * chart instance itself (echarts.getInstanceByDom), i.e. what the page draws.
 */
export async function chartMaxBytes(page: Page, id: string): Promise<Record<string, number>> {
  const { axis, series } = await page.evaluate((chartId) => {
    const el = document.querySelector(`[data-chart="${chartId}"]`)
    type Option = { yAxis: { name: unknown }[]; series: { name: string; data: unknown[] }[] }
    const echarts = (
      window as unknown as { echarts: { getInstanceByDom(e: Element | null): { getOption(): Option } } }
    ).echarts
    const option = echarts.getInstanceByDom(el).getOption()
    return {
      axis: String(option.yAxis[0].name),
      series: option.series.map((s: { name: string; data: unknown[] }) => ({
        name: s.name,
        ys: s.data.map((d) => {
          const point = (d as { value?: unknown })?.value ?? d
          return Array.isArray(point) && typeof point[1] === 'number' ? point[1] : 0
        }),
      })),
    }
  }, id)
  const scale = AXIS_BYTES[axis.split(' ')[0]]
  if (scale === undefined) throw new Error(`chart ${id}: axis '${axis}' is not in bytes`)
  const max: Record<string, number> = {}
  for (const s of series as { name: string; ys: number[] }[])
    max[s.name] = Math.max(max[s.name] ?? 0, ...s.ys.map((y) => y * scale))
  return max
}
