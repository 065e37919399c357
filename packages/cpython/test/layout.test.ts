/**
 * The per-version object layouts against the blocks the real interpreters allocate: every row of
 * benchmarks/oracles/cpython/measured/layouts-<version>.json (tracemalloc's request sizes of the
 * blocks of 2000 live objects of each shape, printed by layouts.py on CPython 3.11.7, 3.12.1 and
 * 3.13.0; packages/cpython/VERSIONS.md section 1). The rows are replay.py's objects, which carry
 * one more slot or attribute than the interface's (`_pygc_id`): the model's object of refs + ints
 * + 1 fields (slots, plain instances) or its list subclass + 8 bytes is the measured one.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TypeSpec } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { DICT_OBJECT_SIZE } from '../src/constants.js'
import {
  bytearrayBytes,
  bytesObjectBytes,
  type LayoutVersion,
  layoutOf,
  sharedKeysValues,
  sharedKeysWarmup,
  splitDictValuesBytes,
  tupleBytes,
  WEAKREF_BYTES,
  weakrefBytes,
} from '../src/layout.js'
import { blockSizeOf, sizeClassOf, systemChunkSize } from '../src/pymalloc.js'

const MEASURED = fileURLToPath(new URL('../../../benchmarks/oracles/cpython/measured', import.meta.url))

interface Row {
  kind: string
  refs?: number
  ints?: number
  length?: number
  blocks: number[]
  pymalloc: number
  system: number
}
interface Measured {
  python: string
  rows: Row[]
  dictInstanceWarmup3Attrs: number[][]
}

const VERSIONS: [LayoutVersion, string][] = [
  ['3.10', '3.10.13'],
  ['3.11', '3.11.7'],
  ['3.12', '3.12.1'],
  ['3.13', '3.13.0'],
]

function measured(file: string): Measured {
  return JSON.parse(readFileSync(join(MEASURED, `layouts-${file}.json`), 'utf8')) as Measured
}

/** The model's request sizes for one measured row (steady state), or null for a shape the interface cannot make. */
function modelBlocks(version: LayoutVersion, row: Row): number[] | null {
  const r = row.refs ?? 0
  const i = row.ints ?? 0
  const blocks = (spec: TypeSpec, items: number, extraObject = 0): number[] => {
    const l = layoutOf(spec, version)
    // 3.10: a plain instance's dict object (64) and its values block (instance-dict.ts).
    const dict = l.dictValuesBytes(items)
    return [
      l.objectBytes(items, Infinity) + extraObject,
      l.itemsBytes(items, Infinity),
      dict === 0 ? 0 : DICT_OBJECT_SIZE,
      dict,
    ].filter((b) => b > 0)
  }
  switch (row.kind) {
    case 'list':
      return blocks({ name: 'L', refs: r, ints: i }, r + i)
    case 'list variable refs':
      return blocks({ name: 'V', refs: 0, variable: 'refs' }, row.length ?? 0)
    case 'list+__del__': // replay.py's `_pygc_id` slot: 8 bytes more in the object
      return blocks({ name: 'F', refs: r, ints: i, finalizer: {} }, r + i, 8)
    case 'slots':
      return blocks({ name: 'S', refs: r, ints: i, shape: 'slots' }, r + i + 1)
    case 'dict-instance':
      return blocks({ name: 'D', refs: r, ints: i, shape: 'dict-instance' }, r + i + 1)
    case 'weakref':
      return [weakrefBytes(version)]
    case 'bytes':
      return [bytesObjectBytes(row.length ?? 0)].filter((b) => b > 0)
    case 'bytearray': {
      const b = bytearrayBytes(row.length ?? 0)
      return [b.object, b.buffer].filter((x) => x > 0)
    }
    case 'tuple':
      return row.length === 0 ? null : [tupleBytes(row.length ?? 0)]
    default:
      throw new Error(`unknown measured kind ${row.kind}`)
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)
const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b)

describe.each(VERSIONS)('CPython %s layouts', (version, file) => {
  const data = measured(file)

  it(`every measured shape of ${file}: the same request sizes`, () => {
    expect(data.python).toBe(file)
    let compared = 0
    for (const row of data.rows) {
      const model = modelBlocks(version, row)
      if (model === null) continue
      compared++
      const what = `${row.kind} refs=${row.refs} ints=${row.ints} length=${row.length}`
      // Over 29 attributes (3.11+) the model holds the dict and its table as one block of both.
      if (row.kind === 'dict-instance' && version !== '3.10' && (row.refs ?? 0) + (row.ints ?? 0) + 1 >= 30)
        expect(sum(model), what).toBe(sum(row.blocks))
      else expect(sorted(model), what).toEqual(sorted(row.blocks))
    }
    expect(compared).toBeGreaterThanOrEqual(88)
  })

  it(`every measured shape of ${file}: the same bytes in pymalloc size classes and glibc chunks`, () => {
    for (const row of data.rows) {
      const model = modelBlocks(version, row)
      if (
        model === null ||
        (row.kind === 'dict-instance' && version !== '3.10' && (row.refs ?? 0) + (row.ints ?? 0) + 1 >= 30)
      )
        continue
      const small = sum(model.filter((b) => b <= 512).map((b) => blockSizeOf(sizeClassOf(b))))
      const system = sum(model.filter((b) => b > 512).map(systemChunkSize))
      expect([small, system], `${row.kind} refs=${row.refs} length=${row.length}`).toEqual([
        row.pymalloc,
        row.system,
      ])
    }
  })

  it.skipIf(version === '3.10')(
    `a class's first plain instances: values from dk_usable = 30 down (${file}, 3 attributes)`,
    () => {
      const l = layoutOf({ name: 'D', refs: 3, shape: 'dict-instance' }, version)
      const warm = data.dictInstanceWarmup3Attrs.map((blocks) => sorted(blocks))
      // layouts.py sets 3 attributes (no _pygc_id here); steady from k = warmup
      const model = warm.map((_, k) => sorted([l.objectBytes(3, k), l.itemsBytes(3, k)].filter((b) => b > 0)))
      expect(model).toEqual(warm)
      expect(l.warmup(3)).toBe(version === '3.13' ? 26 : 25)
    },
  )
})

describe('3.10 layouts (3.10.13)', () => {
  const data = measured('3.10.13')

  it('sys.getsizeof: a plain instance 48 (no pre-header), a weak reference 72 (no vectorcall)', () => {
    for (const row of data.rows) {
      if (row.kind === 'dict-instance')
        expect(layoutOf({ name: 'D', refs: 1, shape: 'dict-instance' }, '3.10').fixedObjectBytes).toBe(
          (row as Row & { getsizeof: number }).getsizeof,
        )
      if (row.kind === 'weakref')
        expect(weakrefBytes('3.10')).toBe((row as Row & { getsizeof: number }).getsizeof)
    }
    expect(WEAKREF_BYTES).toBe(80)
  })

  it("a class's first plain instances are laid out as the rest (no shared-keys warm-up before 3.11)", () => {
    const l = layoutOf({ name: 'D', refs: 3, shape: 'dict-instance' }, '3.10')
    expect(l.warmup(3)).toBe(0)
    // layouts.py's first instances (3 attributes): the object and its values; the dict object
    // came from the dict free list, so tracemalloc saw no new block for it.
    for (const blocks of data.dictInstanceWarmup3Attrs)
      expect(sorted(blocks)).toEqual(sorted([l.objectBytes(3, 0), l.dictValuesBytes(3)]))
  })

  it('split values: 5, 10, 21, 42, 85, 170 slots as the shared keys grow (USABLE_FRACTION of 8, 16, ...)', () => {
    expect([1, 5, 6, 10, 11, 21, 22, 42, 43, 85, 86].map(splitDictValuesBytes)).toEqual([
      40, 40, 80, 80, 168, 168, 336, 336, 680, 680, 1360,
    ])
    expect(splitDictValuesBytes(0)).toBe(0)
    expect(layoutOf({ name: 'D', refs: 3, shape: 'dict-instance' }, '3.11').dictValuesBytes(3)).toBe(0)
  })
})

describe('layout rules', () => {
  it('a bytes payload is its own object of 33 + n bytes; b"" takes no block (Objects/bytesobject.c:33)', () => {
    expect(bytesObjectBytes(0)).toBe(0)
    expect(bytesObjectBytes(479)).toBe(512)
    expect(bytesObjectBytes(480)).toBe(513)
    expect(systemChunkSize(bytesObjectBytes(20_000))).toBe(20_048)
    expect(layoutOf({ name: 'B', refs: 0, ints: 1, bytes: 20_000 }).payloadBytes).toBe(20_033)
    expect(layoutOf({ name: 'B', refs: 0, ints: 1, variable: 'bytes' }).payloadBytes).toBe(-1)
    expect(layoutOf({ name: 'L', refs: 2 }).payloadBytes).toBe(0)
  })

  it('the owner of a payload holds it by one more item, slot or attribute (replay.py make_payload)', () => {
    // An exact list [a, b, payload]: PyList_New(3), 24 bytes of items, not 16.
    expect(layoutOf({ name: 'L', refs: 2, bytes: 10 }).fixedItemsBytes).toBe(24)
    expect(layoutOf({ name: 'L', refs: 2 }).fixedItemsBytes).toBe(16)
    // `variable: 'bytes'` with no reference field: the list still holds its bytes object.
    expect(layoutOf({ name: 'B', refs: 0, variable: 'bytes' }).itemsBytes(0, Infinity)).toBe(8)
    // __slots__ = ('f0', 'f1', '_pygc_b', '__weakref__') on 3.11: GC head 16 + 16 + 3 * 8 + 8.
    expect(layoutOf({ name: 'S', refs: 2, bytes: 10, shape: 'slots' }, '3.11').fixedObjectBytes).toBe(64)
    // 3.10: the payload is one more attribute in the instance's split dict (5 values up to 5).
    const d = layoutOf({ name: 'D', refs: 5, bytes: 10, shape: 'dict-instance' }, '3.10')
    expect(d.dictValuesBytes(5)).toBe(splitDictValuesBytes(6))
  })

  it('3.12 moved the __weakref__ slot into the pre-header: slots and list subclasses +8, id offset 32', () => {
    const slots: TypeSpec = { name: 'S', refs: 3, shape: 'slots' }
    expect(layoutOf(slots, '3.11').fixedObjectBytes).toBe(64)
    expect(layoutOf(slots, '3.12').fixedObjectBytes).toBe(72)
    expect(layoutOf(slots, '3.12').preHeader).toBe(32)
    const sub: TypeSpec = { name: 'F', refs: 3, finalizer: {} }
    expect(layoutOf(sub, '3.11').fixedObjectBytes).toBe(64)
    expect(layoutOf(sub, '3.13').fixedObjectBytes).toBe(72)
    expect(layoutOf(sub, '3.11').fixedItemsBytes).toBe(32) // list_preallocate_exact: 4 items
  })

  it('plain instances: 3.11 56 + values, 3.12 48 + values, 3.13 one block with inline values', () => {
    const spec: TypeSpec = { name: 'D', refs: 3, shape: 'dict-instance' }
    expect([layoutOf(spec, '3.11').fixedObjectBytes, layoutOf(spec, '3.11').fixedItemsBytes]).toEqual([
      56, 40,
    ])
    expect([layoutOf(spec, '3.12').fixedObjectBytes, layoutOf(spec, '3.12').fixedItemsBytes]).toEqual([
      48, 40,
    ])
    expect([layoutOf(spec, '3.13').fixedObjectBytes, layoutOf(spec, '3.13').fixedItemsBytes]).toEqual([96, 0])
    expect(sharedKeysValues('3.11', 3, 0)).toBe(29)
    expect(sharedKeysValues('3.13', 3, 0)).toBe(30)
    expect(sharedKeysWarmup('3.11', 40)).toBe(0)
  })
})
