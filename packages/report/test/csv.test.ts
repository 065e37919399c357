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
