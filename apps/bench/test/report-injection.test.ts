/**
 * A results file may come from anyone (issue 9, item 4: `<img src=x onerror=...>` in meta.seed
 * ran in Chromium, and survived `pygc merge`). A real results file (runs with an error cell and
 * promptness, a replay, a sweep, merged sources) gets a payload in EVERY string field, every
 * object key and every number field, one field at a time:
 * - what the schema refuses (numbers made strings, enums, consts, required keys) must be refused
 *   by the reader with the path of that field;
 * - everything it accepts is injected together, the report rendered by `pygc report` (and
 *   through `pygc merge`) and opened in headless Chromium, every chart hovered so ECharts'
 *   HTML tooltips show the hostile names, and no injected element, handler or script may exist.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultsDocument } from '../src/results.js'
import { fieldPath, resultsSchemaError } from '../src/results-file.js'
import { CHROMIUM, chromiumAvailable, launchChromium, openReport } from './browser.js'
import { pygc, tempDir } from './cli-helpers.js'
import { FULL_TIER, fullTierTitle } from './tier.js'

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Path = (string | number)[]

/**
 * Each payload is a page load with every chart hovered (about 6 s of CPU with chromium): `npm
 * test` opens the first payload's report and the control, the full tier (`PYGC_TESTS=full`, what
 * CI runs) every payload and the merged file too.
 */
const full = FULL_TIER

const PAYLOADS = {
  img: '<img src=x onerror=window.__pwned=1>',
  attribute: '"><svg onload=window.__pwned=2>',
  script: '</script><script>window.__pwned=3</script>',
  entity: '&lt;img src=x onerror=window.__pwned=4&gt;',
} as const

/** A field kind and its path with array indices as `*`: one group per field of the schema. */
interface Field {
  kind: 'string' | 'number' | 'key'
  path: Path
  key?: string
  group: string
}

function fields(value: Json, path: Path = [], out: Field[] = []): Field[] {
  const shape = path.map((p) => (typeof p === 'number' ? '*' : p)).join('.')
  if (typeof value === 'string') out.push({ kind: 'string', path, group: `string ${shape}` })
  else if (typeof value === 'number') out.push({ kind: 'number', path, group: `number ${shape}` })
  else if (Array.isArray(value))
    value.forEach((v, i) => {
      fields(v, [...path, i], out)
    })
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push({ kind: 'key', path, key: k, group: `key ${shape}.${k}` })
      fields(v, [...path, k], out)
    }
  return out
}

function pointer(path: Path): string {
  return path.map((p) => `/${String(p).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('')
}

function at(doc: Json, path: Path): Json {
  return path.reduce<Json>((v, p) => (v as Record<string, Json>)[p], doc)
}

/** Rename one key of an object where it stands (key order is kept). */
function renameKey(object: Record<string, Json>, from: string, to: string): void {
  const entries = Object.entries(object)
  for (const k of Object.keys(object)) delete object[k]
  for (const [k, v] of entries) object[k === from ? to : k] = v
}

/**
 * The payload in place of the field: a value replaced, or a key renamed where it stands.
 * Returns what puts the field back.
 */
function inject(doc: Json, field: Field, payload: string): () => void {
  const parent = at(doc, field.kind === 'key' ? field.path : field.path.slice(0, -1)) as Record<string, Json>
  if (field.kind === 'key') {
    const key = field.key as string
    const renamed = `${payload} ${key}`
    renameKey(parent, key, renamed)
    return () => renameKey(parent, renamed, key)
  }
  const name = field.path[field.path.length - 1]
  const old = parent[name]
  parent[name] = payload
  return () => {
    parent[name] = old
  }
}

/** A document with every optional part: error cell, promptness, replay, sweep, merged sources. */
function fullDocument(dir: string): ResultsDocument {
  const json = (args: readonly string[]) => {
    const r = pygc([...args, '--format', 'json', '--quiet'])
    expect(r.stdout, r.stderr).not.toBe('')
    return JSON.parse(r.stdout) as ResultsDocument
  }
  const runs = json([
    'run',
    'gc-collect',
    'finalizers',
    '--size',
    'test',
    '--promptness',
    '--heap-limit',
    'ironpython=3000',
  ])
  const sweep = json([
    'sweep',
    'gc-collect',
    '--size',
    'test',
    '--heap',
    '2x',
    '--runtimes',
    'cpython,jython',
  ])
  const trace = join(dir, 'gc.trace')
  expect(pygc(['record', 'gc-collect', '--size', 'test', '-o', trace, '--quiet']).code).toBe(0)
  const replay = json(['replay', trace, '--runtimes', 'cpython'])
  const doc = structuredClone(runs)
  doc.workloads.push(...replay.workloads)
  doc.sweeps = sweep.sweeps
  doc.wall.runs.push(...sweep.wall.runs, ...replay.wall.runs)
  doc.meta.sources = [sweep.meta, replay.meta]
  return doc
}

interface Probe {
  pwned: unknown
  /** Elements a payload would create, and elements with an inline event handler. */
  injected: string[]
  scripts: number
  errors: string[]
  /** Charts whose hover showed a tooltip naming a payload (as text). */
  tooltipsWithPayload: number
  payloadShownAsText: boolean
}

async function probe(browser: Browser, htmlFile: string, payload: string): Promise<Probe> {
  const { page, consoleErrors } = await openReport(browser, htmlFile)
  try {
    let tooltipsWithPayload = 0
    for (const chart of await page.locator('[data-chart]').all()) {
      await chart.scrollIntoViewIfNeeded()
      const box = await chart.boundingBox()
      if (!box) continue
      let shown = false
      // Inside the plot area, where the axis tooltip of every chart type shows, until it does.
      for (const fx of [0.5, 0.3, 0.7]) {
        if (shown) break
        await page.mouse.move(box.x + fx * box.width, box.y + 0.5 * box.height)
        shown = await page.evaluate(
          (p) =>
            [...document.querySelectorAll('.chart-box div')].some(
              (el) => getComputedStyle(el).display !== 'none' && (el.textContent ?? '').includes(p),
            ),
          payload,
        )
      }
      if (shown) tooltipsWithPayload++
    }
    const found = await page.evaluate(() => {
      const injected: string[] = []
      for (const el of document.querySelectorAll('*')) {
        if (['IMG', 'SVG', 'IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase()))
          injected.push(el.outerHTML.slice(0, 80))
        for (const attr of el.attributes)
          if (attr.name.toLowerCase().startsWith('on'))
            injected.push(`${el.tagName} ${attr.name}=${attr.value}`)
      }
      return {
        pwned: (window as unknown as { __pwned?: unknown }).__pwned,
        injected,
        scripts: document.scripts.length,
        // What the page shows as text: the body without its scripts (the chart data is escaped JSON).
        text: (() => {
          const body = document.body.cloneNode(true) as HTMLElement
          for (const script of body.querySelectorAll('script')) script.remove()
          return body.textContent ?? ''
        })(),
      }
    })
    return {
      pwned: found.pwned,
      injected: found.injected,
      scripts: found.scripts,
      errors: consoleErrors,
      tooltipsWithPayload,
      payloadShownAsText: found.text.includes(payload),
    }
  } finally {
    await page.close()
  }
}

describe('a hostile results file', () => {
  const dir = tempDir('injection')
  const doc = fullDocument(dir)
  const all = fields(doc as unknown as Json)
  const firstOfGroup = [...new Map(all.map((f) => [f.group, f])).values()]
  /** Which fields the schema takes a string in (value or key), decided one field at a time. */
  const accepted = new Set<string>()
  const refusals: { field: Field; error: string }[] = []
  const scratch = structuredClone(doc) as unknown as Json
  for (const field of firstOfGroup) {
    const restore = inject(scratch, field, PAYLOADS.img)
    const error = resultsSchemaError(scratch)
    restore()
    if (error === undefined) accepted.add(field.group)
    else refusals.push({ field, error })
  }

  it('starts from a complete, valid document', () => {
    expect(resultsSchemaError(doc)).toBeUndefined()
    expect(doc.workloads.some((w) => w.runs.some((r) => r.status === 'error'))).toBe(true)
    expect(
      doc.workloads.some((w) => w.runs.some((r) => r.replay && r.metrics?.promptness === undefined)),
    ).toBe(true)
    expect(doc.workloads.some((w) => w.runs.some((r) => r.metrics?.promptness))).toBe(true)
    expect(doc.sweeps.length).toBeGreaterThan(0)
    expect(firstOfGroup.length).toBeGreaterThan(300)
  })

  it('a string in a number field is refused with the path of that field (native summaries are free-form)', () => {
    const numbers = firstOfGroup.filter((f) => f.kind === 'number')
    expect(numbers.length).toBeGreaterThan(100)
    for (const field of numbers) {
      if (field.path.includes('native')) continue
      const refusal = refusals.find((r) => r.field === field)
      expect(refusal?.error, field.group).toMatch(
        new RegExp(
          `^${fieldPath(pointer(field.path)).replace(/[[\].*+?^${}()|\\]/g, '\\$&')}: expected an? (integer|number), got a string`,
        ),
      )
    }
  })

  it("the issue's file (a payload in meta.seed) is refused by pygc report and pygc merge; no report is written", () => {
    const file = join(dir, 'seed.json')
    writeFileSync(file, JSON.stringify({ ...doc, meta: { ...doc.meta, seed: PAYLOADS.img } }))
    const html = join(dir, 'seed.html')
    const report = pygc(['report', file, '-o', html])
    expect(report.code).toBe(1)
    expect(report.stderr).toBe(
      `pygc report: ${file}: meta.seed: expected an integer, got a string "${PAYLOADS.img}"\n`,
    )
    expect(existsSync(html)).toBe(false)
    const merge = pygc(['merge', file, '-o', join(dir, 'seed-merged.json')])
    expect(merge.code).toBe(1)
    expect(merge.stderr).toContain('meta.seed: expected an integer, got a string')
  })

  it('a payload in an enum, const or format field is refused with the path of that field', () => {
    const strings = refusals.filter((r) => r.field.kind === 'string')
    expect(strings.map((r) => r.field.group)).toEqual(
      expect.arrayContaining([
        'string format',
        'string meta.date',
        'string workloads.*.origin',
        'string workloads.*.runs.*.status',
      ]),
    )
    for (const { field, error } of strings)
      expect(error.startsWith(fieldPath(pointer(field.path))), error).toBe(true)
    // Free text (names, messages, descriptions, commands, generation kinds...) is accepted.
    expect(accepted).toContain('string meta.command')
    expect(accepted).toContain('string workloads.*.runs.*.runtime')
    // The runtime family is open (any registered runtime's): free text, escaped like the name.
    expect(accepted).toContain('string workloads.*.runs.*.metrics.runtime.family')
    expect(accepted).toContain('string workloads.*.runs.*.error.message')
    expect(accepted).toContain('key meta.versions.@pygc/core')
  })

  describe.skipIf(!chromiumAvailable())(
    `rendered and opened in headless chromium${chromiumAvailable() ? '' : ` (SKIPPED: ${CHROMIUM} is absent)`}`,
    () => {
      let browser: Browser
      beforeAll(async () => {
        browser = await launchChromium()
      })
      afterAll(async () => {
        await browser?.close()
      })

      /**
       * The document with `payload` in every accepted field at once, as a file; `numbered` makes
       * each injected value unique (names that collide make runs that merge must refuse).
       */
      const hostileFile = (name: string, payload: string, numbered = false): string => {
        const hostile = structuredClone(doc) as unknown as Json
        // Values first (their paths hold the original keys), then keys, deepest first.
        const targets = fields(hostile).filter((f) => accepted.has(f.group))
        let n = 0
        const text = () => (numbered ? `${payload} ${n++}` : payload)
        for (const f of targets.filter((t) => t.kind !== 'key')) inject(hostile, f, text())
        for (const f of targets.filter((t) => t.kind === 'key').sort((a, b) => b.path.length - a.path.length))
          inject(hostile, f, text())
        expect(resultsSchemaError(hostile)).toBeUndefined()
        const file = join(dir, `${name}.json`)
        writeFileSync(file, JSON.stringify(hostile))
        return file
      }

      const render = (input: string): string => {
        const html = `${input}.html`
        const r = pygc(['report', input, '-o', html, '--quiet'])
        expect(r.code, r.stderr).toBe(0)
        return html
      }

      for (const [name, payload] of Object.entries(PAYLOADS)) {
        it.skipIf(!full && name !== 'img')(
          fullTierTitle(
            `${name}: ${payload} in every field runs nothing, creates no element, shows as text`,
            name === 'img',
          ),
          async () => {
            const result = await probe(browser, render(hostileFile(name, payload)), payload)
            expect(result.errors).toEqual([])
            expect(result.pwned).toBeUndefined()
            expect(result.injected).toEqual([])
            expect(result.scripts).toBe(3)
            expect(result.payloadShownAsText).toBe(true)
            expect(result.tooltipsWithPayload).toBeGreaterThan(0)
          },
        )
      }

      it.skipIf(!full)(
        fullTierTitle(`and through pygc merge (the runs and the sweep of the hostile file as two files)`),
        async () => {
          const hostile = JSON.parse(readFileSync(hostileFile('merge-input', PAYLOADS.img, true), 'utf8'))
          const runsFile = join(dir, 'merge-runs.json')
          const sweepFile = join(dir, 'merge-sweep.json')
          writeFileSync(runsFile, JSON.stringify({ ...hostile, sweeps: [] }))
          writeFileSync(sweepFile, JSON.stringify({ ...hostile, workloads: [] }))
          const merged = join(dir, 'merged.json')
          const m = pygc(['merge', runsFile, sweepFile, '-o', merged, '--quiet'])
          expect(m.code, m.stderr).toBe(0)
          const result = await probe(browser, render(merged), PAYLOADS.img)
          expect(result.errors).toEqual([])
          expect(result.pwned).toBeUndefined()
          expect(result.injected).toEqual([])
          expect(result.payloadShownAsText).toBe(true)
        },
      )

      it('the probe itself sees a payload that does get in (control)', async () => {
        const html = render(hostileFile('control', PAYLOADS.img))
        const broken = join(dir, 'control-broken.html')
        writeFileSync(
          broken,
          readFileSync(html, 'utf8').replaceAll('&lt;img src=x onerror=window.__pwned=1&gt;', PAYLOADS.img),
        )
        const result = await probe(browser, broken, PAYLOADS.img)
        expect(result.pwned).toBe(1)
        expect(result.injected.length).toBeGreaterThan(0)
      })
    },
  )
})
