/** record + replay give the figures of the run; a truncated trace fails with its byte offset. */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ResultsDocument } from '../src/results.js'
import { type CliResult, pygc, tempDir } from './cli-helpers.js'

function metricsOf(stdout: string) {
  const doc = JSON.parse(stdout) as ResultsDocument
  return doc.workloads[0].runs.map((r) => ({ runtime: r.runtime, status: r.status, metrics: r.metrics }))
}

describe('pygc record and replay', () => {
  const dir = tempDir('trace')
  // The run both traces are compared with: the same command, run once for the two formats.
  let run: CliResult | undefined
  const runOnce = () => {
    run ??= pygc(['run', 'binary-trees', '--size', 'test', '--format', 'json', '--quiet'])
    return run
  }

  for (const format of ['binary', 'jsonl'] as const) {
    it(`a ${format} trace replays to the same figures as the run, on every runtime`, () => {
      const file = join(dir, `bt.${format === 'binary' ? 'trace' : 'jsonl'}`)
      const rec = pygc(['record', 'binary-trees', '--size', 'test', '-o', file, '--format', format])
      expect(rec.code, rec.stderr).toBe(0)
      expect(rec.stderr).toMatch(/recorded binary-trees .* \d+ ops/)
      const replay = pygc(['replay', file, '--format', 'json', '--quiet'])
      expect(replay.code, replay.stderr).toBe(0)
      expect(metricsOf(replay.stdout)).toEqual(metricsOf(runOnce().stdout))
      const doc = JSON.parse(replay.stdout) as ResultsDocument
      expect(doc.workloads[0].origin).toBe('trace')
      expect(doc.workloads[0].workload).toBe('binary-trees')
      expect(doc.workloads[0].runs[0].replay?.nullMismatches).toBe(0)
    })
  }

  it('a truncated trace fails with a trace-format error naming the byte offset', () => {
    const file = join(dir, 'whole.trace')
    expect(pygc(['record', 'gc-collect', '--size', 'test', '-o', file]).code).toBe(0)
    const bytes = readFileSync(file)
    const cut = join(dir, 'cut.trace')
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)))
    const r = pygc(['replay', cut, '--quiet'])
    expect(r.code).not.toBe(0)
    // The message says what is wrong; the internal code (TRACE_FORMAT) is for programs, not this line.
    expect(r.stderr).toMatch(/^pygc replay: trace format error at byte offset \d+/)
    expect(r.stderr).not.toMatch(/TRACE_FORMAT/)
    expect(r.stderr).toMatch(/byte offset \d+/)
    expect(r.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
  })

  it("a trace naming its workload =HYPERLINK(...) reaches the CSV as text, not a formula (OWASP's rule); odd metadata still gives a readable results file", () => {
    const file = join(dir, 'gc.jsonl')
    expect(pygc(['record', 'gc-collect', '--size', 'test', '-o', file, '--format', 'jsonl']).code).toBe(0)
    const [header, ...records] = readFileSync(file, 'utf8').split('\n')
    const parsed = JSON.parse(header)
    parsed.metadata.workload = '=HYPERLINK("http://evil.example","x")'
    // Values the results schema does not take are not carried into the results.
    parsed.metadata.seed = -1.5
    parsed.metadata.params = { n: 'many', depth: 3 }
    const hostile = join(dir, 'hostile.jsonl')
    writeFileSync(hostile, [JSON.stringify(parsed), ...records].join('\n'))
    const out = join(dir, 'hostile-out')
    const r = pygc(['replay', hostile, '--runtimes', 'cpython', '--format', 'csv', '--out', out, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const row = r.stdout.split('\n')[1]
    expect(row.startsWith(`"'=HYPERLINK(""http://evil.example"",""x"")",`)).toBe(true)
    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe(r.stdout)
    const doc = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsDocument
    expect([doc.workloads[0].seed, doc.workloads[0].params]).toEqual([0, { depth: 3 }])
    const report = pygc(['report', join(out, 'results.json'), '-o', join(out, 'again.html')])
    expect(report.code, report.stderr).toBe(0)
  })

  it('a missing trace file is an error naming the file', () => {
    const r = pygc(['replay', join(dir, 'missing.trace')])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('missing.trace')
  })
})
