/**
 * Semantic corruption of JSON-lines traces (issue 9, items 6 and 8), seeded: each family edits
 * one line of a random program recorded on the baseline manager in a way JSON.parse accepts
 * but the format does not (deep nesting, huge strings, duplicate keys, misspelled or unknown
 * keys at every level, integers not in the writer's canonical form, objects of the wrong kind).
 * Every variant must be refused with a TraceFormatError at an offset inside the trace, in a
 * message of bounded length, before the edited line's op reaches the manager.
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../src/rng.js'
import { FUZZ_SCALE, type FuzzTrace, recordRandomProgram, runFamily } from './fuzz-support.js'

/** A JSON value as edited here: objects keep their members in order and may repeat keys. */
type Json = { t: 'obj'; members: [string, Json][] } | { t: 'arr'; items: Json[] } | { t: 'raw'; text: string }

function toJson(v: unknown): Json {
  if (Array.isArray(v)) return { t: 'arr', items: v.map(toJson) }
  if (v !== null && typeof v === 'object') {
    return { t: 'obj', members: Object.entries(v).map(([k, x]) => [k, toJson(x)] as [string, Json]) }
  }
  return { t: 'raw', text: JSON.stringify(v) }
}

function render(j: Json): string {
  if (j.t === 'raw') return j.text
  if (j.t === 'arr') return `[${j.items.map(render).join(',')}]`
  return `{${j.members.map(([k, v]) => `${JSON.stringify(k)}:${render(v)}`).join(',')}}`
}

/** Where a member sits: the header, inside metadata, a record, its spec, finalizer or callback, the footer. */
type Level = 'header' | 'metadata' | 'record' | 'spec' | 'finalizer' | 'callback' | 'footer'
const LEVELS: Level[] = ['header', 'metadata', 'record', 'spec', 'finalizer', 'callback', 'footer']

interface Site {
  line: number
  /** The object holding the member, and the member's index in it. */
  obj: Extract<Json, { t: 'obj' }>
  index: number
  level: Level
  /** How to reach `obj` from the line's root: a member or item index per step. */
  path: number[]
}

/** Every object member of every line, with its level. */
function sitesOf(lines: Json[]): Site[] {
  const sites: Site[] = []
  const walk = (line: number, j: Json, level: Level, path: number[]) => {
    if (j.t === 'arr') {
      j.items.forEach((x, i) => {
        walk(line, x, level, [...path, i])
      })
    }
    if (j.t !== 'obj') return
    j.members.forEach(([key, value], index) => {
      sites.push({ line, obj: j, index, level, path })
      const inner: Level =
        level === 'header' && key === 'metadata'
          ? 'metadata'
          : level === 'record' && key === 'spec'
            ? 'spec'
            : level === 'spec' && key === 'finalizer'
              ? 'finalizer'
              : level === 'record' && key === 'callback'
                ? 'callback'
                : level
      walk(line, value, inner, [...path, index])
    })
  }
  lines.forEach((j, line) => {
    const top = j.t === 'obj' ? j.members.map(([k]) => k) : []
    walk(line, j, line === 0 ? 'header' : top.includes('end') ? 'footer' : 'record', [])
  })
  return sites
}

/** Every key the format knows, at any level (a misspelling must not land on one). */
const KNOWN_KEYS = new Set(
  `format version metadata end ops op spec name refs ints bytes variable shape finalizer resurrectInto legacy allocate storeNew global
   callback tag locals dst type length obj field src index expected value s a b target weak generation result
   action count`.split(/\s+/),
)

/** The lines of a clean trace and every member site in them (computed once per trace). */
const parsed = new WeakMap<FuzzTrace, { lines: string[]; sites: Site[] }>()

/**
 * Edit one member of one line of `clean`: `accept` picks among the sites of a random level
 * (it sees the clean values), `edit` changes a fresh copy of the site's object and returns a
 * label.
 */
function editedTrace(
  clean: FuzzTrace,
  rng: Rng,
  levels: readonly Level[],
  accept: (site: Site) => boolean,
  edit: (site: Site) => string,
): { bytes: Uint8Array; label: string } | null {
  let cached = parsed.get(clean)
  if (cached === undefined) {
    const lines = new TextDecoder().decode(clean.bytes).split('\n').slice(0, -1)
    cached = { lines, sites: sitesOf(lines.map((l) => toJson(JSON.parse(l)))) }
    parsed.set(clean, cached)
  }
  const level = levels[rng.int(levels.length)]
  const sites = cached.sites.filter((s) => s.level === level && accept(s))
  if (sites.length === 0) return null
  const chosen = sites[rng.int(sites.length)]
  // The root object of the line, to render it whole after editing the site's object in it.
  const root = toJson(JSON.parse(cached.lines[chosen.line]))
  let obj: Json = root
  for (const step of chosen.path)
    obj = obj.t === 'obj' ? obj.members[step][1] : (obj as { items: Json[] }).items[step]
  const site = { ...chosen, obj: obj as Site['obj'] }
  const label = `${level} line ${site.line + 1}: ${edit(site)}`
  const lines = cached.lines.slice()
  lines[site.line] = render(root)
  return { bytes: new TextEncoder().encode(`${lines.join('\n')}\n`), label }
}

const isInteger = (j: Json) => j.t === 'raw' && /^-?\d+$/.test(j.text)

describe('JSON-lines trace corruption families (replayed on the baseline manager)', () => {
  const VARIANTS = 200 * FUZZ_SCALE
  let cached: FuzzTrace
  const trace = (): FuzzTrace => {
    cached ??= recordRandomProgram(21, 1500, { format: 'jsonl' }, new Rng(21))
    return cached
  }
  /** Run one family of `tried` edits (seeded by `seed`) and expect every variant refused properly. */
  const family = (
    name: string,
    seed: number,
    levels: readonly Level[],
    accept: (site: Site) => boolean,
    edit: (site: Site, rng: Rng, variant: number) => string,
    tried = VARIANTS,
  ) => {
    const clean = trace()
    const rng = new Rng(seed)
    const tally = runFamily(name, tried, clean, (i) =>
      editedTrace(clean, rng, levels, accept, (site) => edit(site, rng, i)),
    )
    expect(tally.variants).toBeGreaterThan(tried / 2)
    expect(tally.failures, tally.examples.join('\n')).toBe(0)
  }

  it('refuses nesting deeper than the limit anywhere in a line, metadata included', () => {
    family(
      'jsonl deep nesting',
      201,
      LEVELS,
      () => true,
      (site, rng) => {
        // Just past the limit, or thousands of levels (the issue's 8,000 in a 16 KB line).
        const depth = rng.int(2) === 0 ? 64 + rng.int(4) : 1000 + rng.int(9000)
        let open = ''
        let close = ''
        for (let d = 0; d < depth; d++) {
          const array = rng.int(2) === 0
          open += array ? '[' : '{"a":'
          close = (array ? ']' : '}') + close
        }
        site.obj.members[site.index][1] = { t: 'raw', text: `${open}1${close}` }
        return `${site.obj.members[site.index][0]} nested ${depth} deep`
      },
    )
  })

  it('refuses huge strings where the format has no string, without echoing them', () => {
    const tried = Math.ceil(VARIANTS / 4)
    family(
      'jsonl huge string',
      202,
      LEVELS.filter((l) => l !== 'metadata'),
      // A type name may be any string; every other member has a number, a fixed word or an object.
      (site) => !(site.level === 'spec' && site.obj.members[site.index][0] === 'name'),
      (site, rng, i) => {
        const size = i === 0 ? 10_000_000 : 100_000 + rng.int(1_000_000)
        const huge = 'x'.repeat(size)
        if (rng.int(4) === 0) {
          site.obj.members[site.index][0] = huge
          return `a key of ${size} bytes`
        }
        site.obj.members[site.index][1] = { t: 'raw', text: JSON.stringify(huge) }
        return `${site.obj.members[site.index][0]} = a string of ${size} bytes`
      },
      tried,
    )
  })

  it('refuses duplicate keys at every level', () => {
    family(
      'jsonl duplicate key',
      203,
      LEVELS,
      () => true,
      (site, rng) => {
        const [key, value] = site.obj.members[site.index]
        const copy: Json = rng.int(2) === 0 || !isInteger(value) ? value : { t: 'raw', text: '7' }
        site.obj.members.splice(rng.int(site.obj.members.length + 1), 0, [key, copy])
        return `${key} twice`
      },
    )
  })

  it('refuses misspelled and unknown keys at every level but metadata', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'
    family(
      'jsonl unknown key',
      204,
      LEVELS.filter((l) => l !== 'metadata'),
      () => true,
      (site, rng) => {
        const key = site.obj.members[site.index][0]
        let wrong: string
        switch (rng.int(4)) {
          case 0: // "finaliser": one letter changed
            wrong = key.replace(/.$/, (c) => letters[(letters.indexOf(c) + 1 + rng.int(25)) % 26] ?? 'x')
            break
          case 1: // a letter dropped
            wrong = key.length > 1 ? key.slice(1) : `${key}${key}`
            break
          case 2: // case changed
            wrong = key.toUpperCase() === key ? key.toLowerCase() : key.toUpperCase()
            break
          default: // an extra member
            wrong = `x${letters[rng.int(26)]}`
            site.obj.members.push([wrong, { t: 'raw', text: '1' }])
            return `extra key ${wrong}`
        }
        if (KNOWN_KEYS.has(wrong) || site.obj.members.some(([k]) => k === wrong)) wrong = `${wrong}_`
        site.obj.members[site.index][0] = wrong
        return `${key} -> ${wrong}`
      },
    )
  })

  it('refuses integers not in the canonical form the writer writes', () => {
    family(
      'jsonl non-canonical integer',
      205,
      LEVELS.filter((l) => l !== 'metadata'),
      (site) => isInteger(site.obj.members[site.index][1]),
      (site, rng) => {
        const text = (site.obj.members[site.index][1] as { text: string }).text
        const forms = [`${text}.0`, `${text}e0`, `${text}E+0`, `${text}.000`, `${text}0e-1`]
        if (text === '0') forms.push('-0', '-0.0', '0e5')
        const form = forms[rng.int(forms.length)]
        site.obj.members[site.index][1] = { t: 'raw', text: form }
        return `${site.obj.members[site.index][0]}: ${text} -> ${form}`
      },
    )
  })

  it('refuses a spec, finalizer, callback or metadata that is not an object', () => {
    const CONTAINERS = ['spec', 'finalizer', 'callback', 'metadata']
    family(
      'jsonl wrong container',
      206,
      ['header', 'record', 'spec'],
      (site) => CONTAINERS.includes(site.obj.members[site.index][0]),
      (site, rng) => {
        const key = site.obj.members[site.index][0]
        // callback: null is documented as "no callback".
        const wrong = ['[]', '[{}]', '"x"', '1', 'true', ...(key === 'callback' ? [] : ['null'])]
        const text = wrong[rng.int(wrong.length)]
        site.obj.members[site.index][1] = { t: 'raw', text }
        return `${key}: ${text}`
      },
    )
  })
})
