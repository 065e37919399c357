import { describe, expect, it } from 'vitest'
import {
  deterministicPart,
  formatBytes,
  formatCount,
  formatCsv,
  formatJson,
  formatMarkdown,
  formatNanos,
  formatTable,
  semanticDifferences,
} from '../src/index.js'
import { sampleDocument } from './fixtures.js'

describe('formatting', () => {
  it('prints bytes, counts and virtual times without the host locale', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB')
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatNanos(950)).toBe('950 ns')
    expect(formatNanos(12_345)).toBe('12.3 µs')
    expect(formatNanos(4_560_000)).toBe('4.56 ms')
  })
})

describe('terminal table', () => {
  const text = formatTable(sampleDocument())
  const lines = text.split('\n')

  it('puts the runtimes side by side, one row per metric', () => {
    const header = lines.find((l) => l.startsWith('metric'))!
    expect(header).toMatch(/metric\s+cpython\s+jython\s+ironpython/)
    expect(text).toMatch(/pause p99\s+40 µs\s+80 µs/)
    expect(text).toMatch(/freed by refcount\s+250\s+0/)
  })

  it('aligns every column: all rows of a table have the header width or less', () => {
    const start = lines.findIndex((l) => l.startsWith('metric'))
    const rule = lines[start + 1]
    expect(rule).toMatch(/^-+( +-+)+$/)
    // right-aligned columns end at the same position as the rule's dashes
    const ends = [...rule.matchAll(/-+/g)].map((m) => m.index! + m[0].length)
    const row = lines.find((l) => l.startsWith('objects allocated'))!
    // every column, the failed runtime's "–" included, ends at its rule end
    expect(row.length).toBe(ends[ends.length - 1])
  })

  it('shows metric groups as headings and fits a 120-column terminal', () => {
    expect(text).toMatch(/^── pauses \(virtual time\) ─+$/m)
    expect(text).toMatch(/^── memory \(modeled bytes\) ─+$/m)
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(120)
    expect(text).not.toMatch(/NaN|undefined/)
  })

  it('puts the self-check label in the title and its value in the cells', () => {
    expect(text).toMatch(/^self-check\s+\d[\d,]* ok/m)
  })

  it('reports the failing runtime in its own cell and lists its error', () => {
    expect(text).toMatch(/status\s+ok\s+ok\s+ERROR System.OutOfMemoryException/)
    expect(text).toContain('ironpython: System.OutOfMemoryException: cannot allocate 24 bytes')
  })

  it('shows the sweep one row per runtime and heap size', () => {
    expect(text).toMatch(/^demo — size test, x=1, seed 7\nruntime\s+min heap\s+heap/m)
    expect(text).toMatch(/^jython\s+9\.8 KiB\s+1\.5x/m)
    expect(text).toMatch(/4x\s+39\.1 KiB/)
  })
})

describe('markdown and CSV', () => {
  it('writes a Markdown table per workload with the command in the header', () => {
    const md = formatMarkdown(sampleDocument())
    expect(md).toContain("Command: `pygc run demo --param 'x=1'`")
    expect(md).toContain('| metric | cpython | jython | ironpython |')
    expect(md).toContain('| :--- | ---: | ---: | ---: |')
    expect(md).toContain('### Semantic differences')
  })

  it('writes one CSV row per workload and runtime, with raw numbers and quoted text', () => {
    const csv = formatCsv(sampleDocument()).split('\n\n')
    const runs = csv[0].trim().split('\n')
    expect(runs).toHaveLength(4)
    const header = runs[0].split(',')
    const cpython = runs[1].split(',')
    expect(cpython[header.indexOf('bytes_allocated')]).toBe('30000')
    expect(cpython[header.indexOf('wall_ms')]).toBe('5.5')
    expect(runs[3]).toContain(
      '"System.OutOfMemoryException: System.OutOfMemoryException: cannot allocate 24 bytes"'.replace(
        /"/g,
        '',
      ),
    )
    const sweep = csv[1].trim().split('\n')
    expect(sweep).toHaveLength(4)
    // min_heap_bytes, then min_heap_is_model_floor (issue 14: a model's floor is said so).
    expect(sweep[1]).toMatch(/^demo,test,x=1,7,jython,default,0,10000,false,1\.5,15000,ok,/)
  })

  it('JSON is stable and the deterministic part excludes meta and wall', () => {
    const a = sampleDocument()
    const b = sampleDocument()
    b.meta.date = '2030-01-01T00:00:00.000Z'
    b.wall.totalMs = 99
    expect(formatJson(a)).not.toBe(formatJson(b))
    expect(JSON.stringify(deterministicPart(a))).toBe(JSON.stringify(deterministicPart(b)))
  })
})

describe('semantic differences', () => {
  it('matches finalizers, weakrefs and gc.collect() calls across runtimes by identity', () => {
    const table = semanticDifferences(sampleDocument().workloads[0])
    expect(table.runtimes).toEqual(['cpython', 'jython'])
    const byWhat = new Map(table.rows.map((r) => [r.what, r]))
    expect(byWhat.get('id() values are')?.cells).toEqual(['addresses', 'counters'])
    expect(byWhat.get('finalizer of object #7')?.cells).toEqual(['op 100', 'op 400'])
    expect(byWhat.get('finalizer of object #9')?.cells).toEqual([
      'op 120 (resurrected)',
      'op 400 (resurrected)',
    ])
    expect(byWhat.get('weakref #11 to #10 cleared')?.differs).toBe(true)
    const collect = table.rows.find((r) => r.kind === 'collect')!
    expect(collect.cells).toEqual(['20', '-2'])
    expect(byWhat.get('finalizers run')?.differs).toBe(false)
    // CPython ran both finalizers first; jython 300 and 280 ops later.
    expect(byWhat.get('finalizers: ops later than first runtime')?.cells).toEqual([
      'p50 0 · max 0',
      'p50 280 · max 300',
    ])
    expect(byWhat.get('finalizers: not by the end of the run')?.cells).toEqual(['0', '0'])
  })
})
