/**
 * `pygc compare` end to end (issue 14 item 2): two results files of the same runs, one priced
 * with another cost model, every figure compared in four formats; `pygc report --compare`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Comparison, ResultsDocument } from '@pygc/report'
import { describe, expect, it } from 'vitest'
import { pygc, tempDir } from './cli-helpers.js'

describe('pygc compare', () => {
  const dir = tempDir('compare')
  const base = join(dir, 'base.json')
  const repriced = join(dir, 'new.json')
  const run = (file: string, extra: string[]) => {
    const r = pygc([
      'run',
      'gc-collect',
      '--size',
      'test',
      '-r',
      'cpython,jython',
      '--repeat',
      '3',
      '-f',
      'json',
      '-q',
      ...extra,
    ])
    expect(r.code, r.stderr).toBe(0)
    writeFileSync(file, r.stdout)
    return JSON.parse(r.stdout) as ResultsDocument
  }
  const a = run(base, [])
  const b = run(repriced, ['--cost', 'markObject=10'])

  it("--repeat keeps every run's wall times and the mean", () => {
    const wall = a.wall.runs[0]
    expect(wall.repeats?.totalMs).toHaveLength(3)
    expect(wall.totalMs).toBeCloseTo(wall.repeats!.totalMs.reduce((x, y) => x + y, 0) / 3, 9)
    expect(a.settings.repeat).toBe(3)
  })

  it('json: every figure with both values, the ratio and a verdict; wall times tested', () => {
    const r = pygc(['compare', base, repriced, '-f', 'json'])
    expect(r.code, r.stderr).toBe(0)
    const [c] = JSON.parse(r.stdout) as Comparison[]
    expect(c.notes).toEqual([
      'the files were made with different settings: cost model (markObject 10 vs markObject 8)',
    ])
    const pause = c.rows.find((x) => x.runtime === 'cpython' && x.metric === 'pause_total')!
    const before = a.workloads[0].runs[0].metrics!.pauses.total
    const after = b.workloads[0].runs[0].metrics!.pauses.total
    expect([pause.base, pause.new, pause.verdict]).toEqual([before, after, 'changed'])
    expect(pause.ratio).toBeCloseTo(after / before, 12)
    expect(c.rows.find((x) => x.runtime === 'cpython' && x.metric === 'ops')?.verdict).toBe('same')
    const wall = c.rows.find((x) => x.runtime === 'jython' && x.metric === 'wall_ms')!
    expect(wall.wall?.base.n).toBe(3)
    expect(wall.wall?.p).toBeGreaterThanOrEqual(0)
    expect(['slower', 'faster', 'not significant']).toContain(wall.verdict)
  })

  it('table and md list what differs; csv has every figure', () => {
    const table = pygc(['compare', base, repriced])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(
      /^base\.json -> new\.json: \d+ of \d+ deterministic figures differ; wall times: /,
    )
    expect(table.stdout).toMatch(/gc-collect\s+cpython\s+pause total\s+.+\s+changed\n/)
    expect(table.stdout).not.toMatch(/\bops\b.*same/)
    const md = pygc(['compare', base, repriced, '-f', 'md'])
    expect(md.stdout).toContain('| workload | runtime | metric | base | new | new/base | verdict |')
    const csv = pygc(['compare', base, repriced, '-f', 'csv']).stdout.trim().split('\n')
    const json = JSON.parse(pygc(['compare', base, repriced, '-f', 'json']).stdout) as Comparison[]
    expect(csv[0]).toBe(
      'base_file,new_file,workload,params,runtime,metric,base,new,ratio,verdict,base_n,base_sd,new_n,new_sd,p_value',
    )
    expect(csv).toHaveLength(json[0].rows.length + 1)
    const same = pygc(['compare', base, base])
    expect(same.stdout).toMatch(/: 0 of \d+ deterministic figures differ/)
  })

  it('pygc report --compare shows the comparison in the report', () => {
    const html = join(dir, 'report.html')
    const r = pygc(['report', repriced, '--compare', base, '-o', html])
    expect(r.code, r.stderr).toBe(0)
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('<section id="comparison">')
    expect(page).toMatch(/<td class="l">pause total<\/td>.*<td class="r">changed<\/td>/)
  })
})
