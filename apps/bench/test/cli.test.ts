/**
 * The `pygc` command end to end, on the built dist/cli.js: help, bad input, determinism of the
 * results, the four --out files and the JSON Schema, a failing runtime in its own cell.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deterministicPart, type ResultsDocument } from '../src/results.js'
import { resultsSchemaError } from '../src/results-file.js'
import { DEFAULT_RUNTIMES, runtimeNames, VALIDATIONS } from '../src/runtimes.js'
import { pygc, tempDir } from './cli-helpers.js'
import { inProcess } from './in-process.js'

describe('help and listing', () => {
  // The command's own help from the built command; each subcommand's through main() in this
  // process (the same text and exit code, without a process start each).
  it('prints help for the command and each subcommand', async () => {
    const main = pygc(['--help'])
    expect(main.code).toBe(0)
    for (const command of [
      'list',
      'run',
      'record',
      'replay',
      'validate',
      'sweep',
      'merge',
      'report',
      'compare',
      'diff',
    ]) {
      expect(main.stdout).toContain(command)
      const help = await inProcess([command, '--help'])
      expect(help.code, command).toBe(0)
      expect(help.stdout).toContain(`Usage: pygc ${command}`)
    }
  })

  it('lists the runtimes and the workloads', () => {
    const list = pygc(['list'])
    expect(list.code).toBe(0)
    for (const name of [...runtimeNames(), 'binary-trees', 'gc-collect']) {
      expect(list.stdout).toContain(name)
    }
    const json = JSON.parse(pygc(['list', '--format', 'json']).stdout)
    expect(json.workloads.length).toBeGreaterThanOrEqual(10)
  })
})

describe('bad input names what is valid', () => {
  it('an unknown workload lists the valid ones, exit code non-zero, nothing on stdout', async () => {
    const r = await inProcess(['run', 'no-such-workload', '--size', 'test'])
    expect(r.code).not.toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/unknown workload 'no-such-workload'; valid workloads: .*binary-trees/)
  })

  // Through main() in this process: every one is refused before anything runs (the exit codes of
  // the real process: cli-contract.test.ts, its last test).
  it('an unknown runtime, size or parameter lists the valid ones; a bad value says why', async () => {
    const runtime = await inProcess(['run', 'binary-trees', '--runtimes', 'graalpy'])
    expect(runtime.code).not.toBe(0)
    expect(runtime.stderr).toContain(
      `unknown runtime 'graalpy'; valid runtimes: ${runtimeNames().join(', ')}`,
    )
    const size = await inProcess(['run', 'binary-trees', '--size', 'huge'])
    expect(size.stderr).toMatch(/unknown size 'huge'; valid sizes: test, small, medium, large/)
    const param = await inProcess(['run', 'binary-trees', '--param', 'depth=3'])
    expect(param.code).not.toBe(0)
    expect(param.stderr).toMatch(/unknown parameter 'depth'.*maxDepth/)
    const value = await inProcess(['run', 'binary-trees', '--param', 'maxDepth=999'])
    expect(value.code).not.toBe(0)
    expect(value.stderr).toMatch(/maxDepth.*999.*1\.\.30/)
    const option = await inProcess(['run', 'binary-trees', '--frobnicate'])
    expect(option.code).toBe(2)
    expect(option.stderr).toMatch(/frobnicate/)
    const negative = await inProcess(['run', 'binary-trees', '--seed', '-1'])
    expect(negative.code).toBe(2)
    expect(negative.stderr).toBe("pygc run: --seed must be an integer >= 0, got '-1'\n")
    const cost = await inProcess(['run', 'binary-trees', '--cost', 'nope=1'])
    expect(cost.stderr).toMatch(/unknown cost 'nope'; valid costs: .*markObject/)
    const validate = await inProcess(['validate', '--runtime', 'baseline'])
    expect(validate.code).not.toBe(0)
    expect(validate.stderr).toContain(
      `no validation for runtime 'baseline'; valid: ${[...VALIDATIONS.keys()].join(', ')}, all`,
    )
    const command = await inProcess(['frobnicate'])
    expect(command.code).toBe(2)
    expect(command.stderr).toMatch(
      /valid commands: list, run, record, replay, validate, sweep, merge, report, compare, diff/,
    )
  })
})

// Through main() in this process as well: each is refused before anything runs.
describe('a file that is not what the command needs', () => {
  it('a bad --out or --gc-log path fails before anything runs, exit 1, no stack trace', async () => {
    const out = await inProcess(['run', 'binary-trees', '--size', 'test', '--out', '/proc/pygc-no-such-dir'])
    expect(out.code).toBe(1)
    expect(out.stdout).toBe('')
    expect(out.stderr).toMatch(/cannot create directory \/proc\/pygc-no-such-dir/)
    const log = await inProcess(['run', 'binary-trees', '--size', 'test', '--gc-log', '/no/such/dir/gc.log'])
    expect(log.code).toBe(1)
    expect(log.stdout).toBe('')
    expect(log.stderr).toMatch(
      /--gc-log \/no\/such\/dir\/gc\.log: the directory \/no\/such\/dir does not exist/,
    )
  })

  it('an --out, --gc-log or -o file that cannot be written fails before anything runs', async () => {
    const dir = tempDir('unwritable')
    mkdirSync(join(dir, 'results.json'))
    const out = await inProcess(['run', 'binary-trees', '--size', 'small', '--out', dir])
    expect(out.code).toBe(1)
    expect(out.stdout).toBe('')
    expect(out.stderr).toBe(`pygc run: --out ${join(dir, 'results.json')}: is a directory\n`)
    const sweep = await inProcess(['sweep', 'binary-trees', '--size', 'small', '--out', dir])
    expect(sweep.stderr).toBe(`pygc sweep: --out ${join(dir, 'results.json')}: is a directory\n`)
    // --gc-log names one file per run; each is checked before the first run.
    mkdirSync(join(dir, 'gc.binary-trees.jython.log'))
    const log = await inProcess(['run', 'binary-trees', '--size', 'small', '--gc-log', join(dir, 'gc.log')])
    expect(log.code).toBe(1)
    expect(log.stdout).toBe('')
    expect(log.stderr).toBe(`pygc run: --gc-log ${join(dir, 'gc.binary-trees.jython.log')}: is a directory\n`)
    const report = await inProcess(['report', 'no-such-input.json', '-o', join(dir, 'results.json')])
    expect(report.code).toBe(1)
    expect(report.stderr).toBe(`pygc report: -o ${join(dir, 'results.json')}: is a directory\n`)
    const merge = await inProcess(['merge', 'no-such-input.json', '-o', '/no/such/dir/m.json'])
    expect(merge.stderr).toBe(
      'pygc merge: -o /no/such/dir/m.json: the directory /no/such/dir does not exist\n',
    )
  })

  it('report and merge say which file and why, exit 1, no stack trace', async () => {
    const dir = tempDir('bad-files')
    const notJson = join(dir, 'trace.bin')
    writeFileSync(notJson, 'PYGCTRC\u0000 binary')
    const notResults = join(dir, 'other.json')
    writeFileSync(notResults, '{"hello": 1}')
    for (const [args, pattern] of [
      [['report', notJson], /pygc report: .*trace\.bin: not JSON/],
      [['merge', notResults], /pygc merge: .*other\.json: not a pygc results file/],
      [['report', join(dir, 'missing.json')], /pygc report: cannot read .*missing\.json: no such file/],
    ] as const) {
      const r = await inProcess(args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(pattern)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})

describe('pygc run', () => {
  const args = ['run', 'binary-trees', 'gc-collect', '--size', 'test', '--format', 'json', '--quiet']

  it('gives byte-identical JSON apart from meta and wall, valid against the schema', () => {
    const first = pygc(args)
    const second = pygc(args)
    expect(first.code, first.stderr).toBe(0)
    expect(second.code).toBe(0)
    const a = JSON.parse(first.stdout) as ResultsDocument
    const b = JSON.parse(second.stdout) as ResultsDocument
    expect(JSON.stringify(deterministicPart(a))).toBe(JSON.stringify(deterministicPart(b)))
    expect(resultsSchemaError(a)).toBeUndefined()
    expect(a.settings.runtimes).toEqual(DEFAULT_RUNTIMES)
    for (const w of a.workloads) {
      expect(w.runs.map((r) => r.runtime)).toEqual(DEFAULT_RUNTIMES)
      for (const r of w.runs) {
        expect(r.status, `${w.workload} on ${r.runtime}: ${r.error?.message}`).toBe('ok')
        expect(r.check?.ok).toBe(true)
        expect(r.metrics).toBeDefined()
        expect(r.metrics).not.toHaveProperty('wall')
      }
      // The self-check is the same on every runtime.
      expect(new Set(w.runs.map((r) => r.check?.value)).size).toBe(1)
    }
  })

  it('--out writes results.json, results.csv, summary.md and report.html; --gc-log one file per runtime', () => {
    const dir = tempDir('out')
    const log = join(dir, 'gc.log')
    const r = pygc(['run', 'gc-collect', '--size', 'test', '--out', dir, '--gc-log', log])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/metric\s+cpython\s+jython\s+ironpython/)
    for (const file of ['results.json', 'results.csv', 'summary.md', 'report.html'])
      expect(existsSync(join(dir, file))).toBe(true)
    const doc = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ResultsDocument
    for (const run of doc.workloads[0].runs) {
      // Several runtimes: FILE.<workload>.<runtime> before the extension.
      const lines = readFileSync(join(dir, `gc.gc-collect.${run.runtime}.log`), 'utf8')
        .trim()
        .split('\n')
      const collections = run.metrics?.gcs.op.length ?? 0
      if (run.runtime === 'jython') {
        // The model's own JDK 17 -Xlog:gc lines: "Using Serial", then one pause line per collection.
        expect(lines[0]).toMatch(/^\[0\.000s\]\[info\]\[gc\] Using Serial$/)
        expect(lines.slice(1)).toHaveLength(collections)
        for (const line of lines.slice(1))
          expect(line).toMatch(
            /^\[\d+\.\d{3}s\]\[info\]\[gc\] GC\(\d+\) Pause (Young|Full) \(.+\) \d+M->\d+M\(\d+M\) \d+\.\d{3}ms$/,
          )
      } else if (run.runtime === 'ironpython') {
        // PerfView's GCStats CSV export: its header, then one line per GC.
        const body = lines.filter((l) => !l.startsWith('#'))
        expect(lines[0]).toContain(`# pygc gc log: workload=gc-collect runtime=ironpython; PerfView GCStats`)
        expect(body[0]).toMatch(/^Num,PauseStart,Reason,Gen,PauseMSec,/)
        expect(body.slice(1)).toHaveLength(collections)
      } else {
        const body = lines.filter((l) => !l.startsWith('#'))
        expect(lines[0]).toContain(`# pygc gc log: workload=gc-collect runtime=${run.runtime}`)
        expect(body).toHaveLength(collections)
        expect(body[0]).toMatch(/^gc=0 op=\d+ kind=\S+ generation=\d /)
      }
    }
    // A header, then one row per runtime.
    expect(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(
      1 + DEFAULT_RUNTIMES.length,
    )
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain(
      '| metric | cpython | jython | ironpython |',
    )
  })

  it("--gc-log FILE with one workload on jython writes exactly the model's -Xlog:gc lines to FILE", () => {
    const log = join(tempDir('gclog'), 'gc.log')
    const r = pygc([
      'run',
      'binary-trees',
      '--size',
      'small',
      '--runtimes',
      'jython',
      '--gc-log',
      log,
      '--format',
      'json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const text = readFileSync(log, 'utf8')
    expect(text.startsWith('[0.000s][info][gc] Using Serial\n')).toBe(true)
    expect(text).toMatch(/GC\(0\) Pause Young \(Allocation Failure\) \d+M->\d+M\(\d+M\) \d+\.\d{3}ms\n/)
  })

  it('--gc-log with %r names one file per runtime', () => {
    const dir = tempDir('gclog-pattern')
    const r = pygc([
      'run',
      'gc-collect',
      '--size',
      'test',
      '--runtimes',
      'cpython,baseline',
      '--gc-log',
      join(dir, 'gc-%r.txt'),
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(join(dir, 'gc-cpython.txt'), 'utf8')).toMatch(
      /^# pygc gc log: workload=gc-collect runtime=cpython/,
    )
    expect(existsSync(join(dir, 'gc-baseline.txt'))).toBe(true)
  })

  it('a runtime that runs out of memory is reported in its cell; the others are still written', () => {
    // 2 MiB is the least -Xmx Jython accepts (a smaller limit is a usage error, cli-contract);
    // a 200,000-node chain does not fit in it.
    const r = pygc([
      'run',
      'long-chain',
      '--size',
      'test',
      '--param',
      'length=200000',
      '--heap-limit',
      'jython=2097152',
      '--format',
      'json',
      '--quiet',
    ])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout) as ResultsDocument
    const [cpython, jython, ironpython] = doc.workloads[0].runs
    expect(cpython.status).toBe('ok')
    expect(ironpython.status).toBe('ok')
    expect(jython.status).toBe('error')
    expect(jython.error?.code).toBe('OUT_OF_MEMORY')
    expect(r.stderr).toContain('long-chain failed on jython')
    expect(doc.settings.heapLimits).toEqual({ jython: 2097152 })
  })
})
