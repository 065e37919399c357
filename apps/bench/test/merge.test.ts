/**
 * pygc merge joins only files whose figures can share a table (issue 9, item 12): the same
 * size, seed, cost model, promptness, timeline interval and heap limits; runtimes may differ.
 * The same run in two files is kept once when identical and refused when it differs.
 * The refusals run through main() in this process (test/in-process.ts), the merges the command.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deterministicPart, type ResultsDocument } from '../src/results.js'
import { pygc, tempDir } from './cli-helpers.js'
import { inProcess } from './in-process.js'

const RUN = ['run', 'gc-collect', '--size', 'test', '--format', 'json', '--quiet']

describe('pygc merge', () => {
  const dir = tempDir('merge')
  const save = (name: string, args: readonly string[]): string => {
    const r = pygc([...RUN, ...args])
    expect(r.code, r.stderr).toBe(0)
    const file = join(dir, name)
    writeFileSync(file, r.stdout)
    return file
  }
  const cpython = save('cpython.json', ['--runtimes', 'cpython'])
  const jython = save('jython.json', ['--runtimes', 'jython'])

  it('joins runs of different runtimes made with the same settings into one table', () => {
    const out = join(dir, 'joined.json')
    const r = pygc(['merge', cpython, jython, '-o', out, '--quiet'])
    expect(r.code, r.stderr).toBe(0)
    const both = JSON.parse(pygc([...RUN, '--runtimes', 'cpython,jython']).stdout) as ResultsDocument
    const merged = JSON.parse(readFileSync(out, 'utf8')) as ResultsDocument
    expect(JSON.stringify(deterministicPart(merged))).toBe(JSON.stringify(deterministicPart(both)))
  })

  it('refuses files made with different cost models, naming the costs and both files', async () => {
    const repriced = save('repriced.json', ['--runtimes', 'jython', '--cost', 'markObject=10'])
    const r = await inProcess(['merge', cpython, repriced])
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `pygc merge: ${repriced} and ${cpython} were made with different settings ` +
        '(cost model (markObject 10 vs markObject 8)): merge joins files made with the same --size, ' +
        '--seed, --cost, --promptness, --timeline-every, --events and --heap-limit; report such files separately\n',
    )
  })

  it('refuses different heap limits for a runtime both files ran, and a different seed or size', async () => {
    const limited = save('limited.json', ['--runtimes', 'cpython', '--heap-limit', '5000000'])
    const limit = await inProcess(['merge', cpython, limited])
    expect(limit.code).toBe(1)
    expect(limit.stderr).toContain('(heap limit of cpython 5000000 vs none)')
    const seeded = save('seed2.json', ['--runtimes', 'jython', '--seed', '2'])
    expect((await inProcess(['merge', cpython, seeded])).stderr).toContain('(seed 2 vs 1)')
    const small = save('small.json', ['--runtimes', 'jython', '--size', 'small'])
    expect((await inProcess(['merge', cpython, small])).stderr).toContain('(size small vs test)')
  })

  it('keeps a run found in two files once, and says so', () => {
    const r = pygc(['merge', cpython, cpython])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe(
      `pygc merge: ${cpython}: gc-collect (size test, seed 1) on cpython is also in ${cpython} with the same figures; kept once\n`,
    )
    const merged = JSON.parse(r.stdout) as ResultsDocument
    expect(merged.workloads).toHaveLength(1)
    expect(merged.workloads[0].runs).toHaveLength(1)
    expect(merged.wall.runs).toHaveLength(1)
  })

  it('refuses the same run with different figures rather than keep the first', async () => {
    const doc = JSON.parse(readFileSync(cpython, 'utf8')) as ResultsDocument
    doc.workloads[0].runs[0].metrics!.pauses.max += 1
    const other = join(dir, 'other-figures.json')
    writeFileSync(other, JSON.stringify(doc))
    const r = await inProcess(['merge', cpython, other])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `pygc merge: ${other} and ${cpython} both hold gc-collect (size test, seed 1) on cpython with different figures (made by different pygc versions?); merge will not pick one\n`,
    )
  })
})
