import { runRandomProgram } from '@pygc/conformance'
import { afterEach, describe, expect, it } from 'vitest'
import { PYPY_PRESETS, PyPyManager, type PyPyOptions } from '../src/index.js'
import { Memory } from '../src/memory.js'
import { forgetStartupImages } from '../src/startup-image.js'

const DEFAULT = PYPY_PRESETS[0].options
const made: PyPyManager[] = []

function built(options: PyPyOptions): PyPyManager {
  forgetStartupImages()
  return fromCache(options)
}

function fromCache(options: PyPyOptions): PyPyManager {
  const m = new PyPyManager(options)
  made.push(m)
  return m
}

afterEach(() => {
  for (const m of made.splice(0)) m.release()
})

/** The first word where the memories differ below the higher break, or -1. */
function firstDifferentWord(a: Memory, b: Memory): number {
  const end = Math.max(a.writtenRanges()[1], b.writtenRanges()[1]) >> 2
  for (let i = 0; i < end; i++) if (a.w[i] !== b.w[i]) return i
  return -1
}

/**
 * Every difference between two object graphs, walked field by field (functions skipped, a
 * memory compared word by word); with `ownOnly`, also every mutable object both reach.
 */
function differences(a: unknown, b: unknown, ownOnly: boolean): string[] {
  const found: string[] = []
  const seen = new Set<object>()
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (typeof x === 'function' && typeof y === 'function') return
    if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) {
      if (!Object.is(x, y)) found.push(`${path}: ${String(x)} vs ${String(y)}`)
      return
    }
    if (seen.has(x)) return
    seen.add(x)
    if (ownOnly && x === y && !Object.isFrozen(x)) found.push(`${path}: shared`)
    if (x instanceof Memory && y instanceof Memory) {
      const word = firstDifferentWord(x, y)
      if (word >= 0) found.push(`${path}: word ${word} ${x.w[word]} vs ${y.w[word]}`)
      if (ownOnly && x.buffer === y.buffer) found.push(`${path}.buffer: shared`)
      for (const k of Object.keys(x))
        if (k !== 'buffer' && k !== 'w' && k !== 'bytes')
          walk(x[k as keyof Memory], y[k as keyof Memory], `${path}.${k}`)
      return
    }
    if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
      const xs = Array.from(x as Int32Array)
      const ys = Array.from(y as Int32Array)
      if (JSON.stringify(xs) !== JSON.stringify(ys)) found.push(`${path}: typed arrays differ`)
      return
    }
    if (x instanceof Map && y instanceof Map) {
      walk([...x.entries()], [...y.entries()], path)
      return
    }
    const keys = new Set([...Object.keys(x), ...Object.keys(y)])
    for (const k of keys) {
      if (ownOnly && k === 'options') continue // the resolved options: read only
      walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`)
    }
  }
  walk(a, b, '')
  return found
}

function hiddenRoots(m: PyPyManager): unknown {
  return m['hiddenRoots' as keyof PyPyManager]
}

describe('the start-up heap copied from the first one built (startup-image.ts)', () => {
  for (const [name, options] of [
    ['default preset', DEFAULT],
    ['256 KiB nursery, no threshold', PYPY_PRESETS[1].options],
    ['no start-up heap', {}],
  ] as const) {
    it(`gives a manager exactly the state building gives it (${name})`, () => {
      const first = built(options)
      const copied = fromCache(options)
      const rebuilt = built(options)
      expect(copied.gc.s.ac.arenasCount).toBe(rebuilt.gc.s.ac.arenasCount)
      expect(differences(copied, rebuilt, false)).toEqual([])
      expect(differences(copied, first, false)).toEqual([])
    })
  }

  it('the default preset really lays a heap down (the comparison is not of empty heaps)', () => {
    const m = built(DEFAULT)
    expect(m.gc.s.ac.arenasCount).toBeGreaterThan(5)
    expect(m.gc.s.oldRawmallocedObjects.length).toBe(1011)
    expect(m.gc.s.mem.writtenRanges()[1]).toBeGreaterThan(8 * 1024 * 1024)
  })

  it('shares no mutable state between managers from the same image', () => {
    const a = built(DEFAULT)
    const b = fromCache(DEFAULT)
    const c = fromCache(DEFAULT)
    expect(differences(b.gc.s, c.gc.s, true)).toEqual([])
    expect(differences(a.gc.s, b.gc.s, true)).toEqual([])
    expect(Object.isFrozen(hiddenRoots(b))).toBe(true) // one array for all: no one can change it
    // Running a program in one leaves the next copy as built.
    runRandomProgram(b, { seed: 7, ops: 20_000, retained: 1_000, collectRate: 0.002, generations: 2 })
    expect(b.stats().collections[1]).toBeGreaterThan(0)
    const d = fromCache(DEFAULT)
    expect(differences(d, built(DEFAULT), false)).toEqual([])
  })

  it('runs a program to the same figures and heap as a built manager', () => {
    built(DEFAULT)
    const copied = fromCache(DEFAULT)
    const program = { seed: 3, ops: 20_000, retained: 1_000, collectRate: 0.002, generations: 2 }
    const r1 = runRandomProgram(copied, program)
    const rebuilt = built(DEFAULT)
    const r2 = runRandomProgram(rebuilt, program)
    expect(r1).toEqual(r2)
    const figures = (m: PyPyManager) => ({ ...m.stats(), wallGcMs: 0 }) // host wall clock, not a figure
    expect(figures(copied)).toEqual(figures(rebuilt))
    expect(firstDifferentWord(copied.gc.s.mem, rebuilt.gc.s.mem)).toBe(-1)
  })
})
