/**
 * CSV formula injection (issue 9, item 13): every text cell of every CSV goes through one
 * neutraliser, OWASP's rule; numbers stay numbers.
 */
import { describe, expect, it } from 'vitest'
import { csvCell, csvLine, formatCsv, neutraliseCsvText } from '../src/index.js'
import { sampleDocument } from './fixtures.js'

describe('CSV cells', () => {
  it("prefixes a text cell starting with = + - @ tab or CR with ' (OWASP CSV injection)", () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(neutraliseCsvText(`${start}HYPERLINK("http://evil","x")`)).toBe(
        `'${start}HYPERLINK("http://evil","x")`,
      )
    expect(neutraliseCsvText('binary-trees')).toBe('binary-trees')
    expect(neutraliseCsvText('a=1')).toBe('a=1')
  })

  it('leaves numbers, and text that is exactly a number, as values', () => {
    expect(csvCell(-2)).toBe('-2')
    expect(csvCell('-2')).toBe('-2')
    expect(csvCell('+1.5e3')).toBe('+1.5e3')
    expect(csvCell('-2+3')).toBe("'-2+3")
    expect(csvCell(true)).toBe('true')
    expect(csvCell(undefined)).toBe('')
  })

  it('quotes after neutralising (RFC 4180)', () => {
    expect(csvLine(['=HYPERLINK("http://evil","click")', 'x,y', 3])).toBe(
      `"'=HYPERLINK(""http://evil"",""click"")","x,y",3`,
    )
  })

  it('the runs and sweep CSVs neutralise the text cells of a results document', () => {
    const doc = sampleDocument()
    doc.workloads[0].workload = '=HYPERLINK("http://evil","x")'
    doc.workloads[0].runs[0].preset = '@SUM(A1)'
    doc.sweeps[0].runtime = '+cmd|"/c calc"!A1'
    const [runs, sweep] = formatCsv(doc).split('\n\n')
    expect(runs.split('\n')[1]).toMatch(/^"'=HYPERLINK\(""http:\/\/evil"",""x""\)",/)
    expect(runs.split('\n')[1]).toContain(",'@SUM(A1),")
    expect(sweep.split('\n')[1]).toContain(`,"'+cmd|""/c calc""!A1",`)
  })
})

describe('the runs CSV is machine-friendly (issue 14 item 7)', () => {
  it('names the unit of every time and size column; collections per kind are numbers', () => {
    const [runs] = formatCsv(sampleDocument()).split('\n\n')
    const [header, cpython, jython] = runs
      .trim()
      .split('\n')
      .map((l) => l.split(','))
    for (const column of [
      'pause_total_ns',
      'pause_p99_ns',
      'gc_time_ns',
      'peak_live_bytes',
      'gc_share_fraction',
      'fragmentation_ratio',
      'wall_ms',
    ])
      expect(header).toContain(column)
    for (const bare of ['pause_total', 'gc_share', 'collections_by_kind']) expect(header).not.toContain(bare)
    // One column per collection kind of any runtime; empty where a runtime has no such kind.
    expect(header).toEqual(expect.arrayContaining(['collections_gen0', 'collections_young']))
    const at = (row: string[], column: string) => row[header.indexOf(column)]
    expect(at(cpython, 'collections_gen0')).toMatch(/^\d+$/)
    expect(at(cpython, 'collections_young')).toBe('')
    expect(at(jython, 'collections_young')).toMatch(/^\d+$/)
    for (const row of [cpython, jython]) expect(at(row, 'pause_total_ns')).toMatch(/^\d+(\.\d)?$/)
  })
})
