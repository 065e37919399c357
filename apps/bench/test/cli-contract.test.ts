/**
 * The exit-code contract, table-driven (issue 14 item 1): every command x every class of bad
 * input exits 2 with ONE line on stderr that names the bad word and what is valid — no stack
 * trace, no internal error code, nothing on stdout — and a failed run exits 1. The table runs
 * in-process through main() (a process per row would cost ~0.6 s each); the last test checks
 * the real process's exit codes for a few rows.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { COMMANDS } from '../src/main.js'
import { DEFAULT_RUNTIMES, runtimeNames, VALIDATIONS } from '../src/runtimes.js'
import { pygc } from './cli-helpers.js'
import { inProcess } from './in-process.js'

afterEach(() => vi.restoreAllMocks())

type Row = [args: string[], bad: string, valid: RegExp]

const WORKLOADS = /valid workloads: binary-trees, .*fragmentation/
const RUNTIMES = new RegExp(`valid runtimes: ${runtimeNames().join(', ')}`)
const SIZES = /valid sizes: test, small, medium, large/
const PRESETS = /valid presets: default, java, small-heap/

/** Commands that take a workload name, and the arguments that make the rest of the line valid. */
const WORKLOAD_COMMANDS: Record<string, string[]> = {
  run: ['--size', 'test'],
  record: ['-o', '/tmp/pygc-contract.trace'],
  sweep: [],
  diff: [],
}

const ROWS: Record<string, Row[]> = {
  'unknown command': [
    [['frobnicate'], 'frobnicate', /valid commands: list, run, /],
    [['rn'], 'rn', /did you mean 'run'\?.*valid commands:/],
    [['help', 'rum'], 'rum', /did you mean 'run'\?.*valid commands:/],
    [['--frobnicate'], '--frobnicate', /valid options: --help, --version/],
  ],
  'unknown option': Object.keys(COMMANDS).map(
    (command): Row => [
      [command, '--frobnicate'],
      '--frobnicate',
      /valid options: --help \(-h\), --quiet \(-q\)/,
    ],
  ),
  'unknown workload': Object.entries(WORKLOAD_COMMANDS).map(
    ([command, rest]): Row => [
      [command, 'binary-tree', ...rest],
      'binary-tree',
      new RegExp(`did you mean 'binary-trees'\\?.*${WORKLOADS.source}`),
    ],
  ),
  'unknown runtime': [
    [['run', 'binary-trees', '--runtimes', 'cpython,pypi'], 'pypi', RUNTIMES],
    [['sweep', 'binary-trees', '-r', 'jyton'], 'jyton', /did you mean 'jython'\?.*valid runtimes:/],
    [['diff', 'finalizers', '-r', 'nope'], 'nope', RUNTIMES],
    [['replay', 'x.trace', '-r', 'nope'], 'nope', RUNTIMES],
    [['record', 'binary-trees', '-o', '/tmp/x', '--runtime', 'nope'], 'nope', RUNTIMES],
    [
      ['validate', '--runtime', 'pypi'],
      'pypi',
      new RegExp(`valid: ${[...VALIDATIONS.keys()].join(', ')}, all`),
    ],
  ],
  'unknown preset': [
    [['run', 'binary-trees', '-r', 'jython:smal'], 'smal', PRESETS],
    [['sweep', 'binary-trees', '-r', 'jython:big'], 'big', PRESETS],
    [['diff', 'finalizers', '-r', 'jython:big'], 'big', PRESETS],
    [['replay', 'x.trace', '-r', 'jython:big'], 'big', PRESETS],
  ],
  'unknown size': Object.entries(WORKLOAD_COMMANDS).map(
    ([command, rest]): Row => [
      [command, 'binary-trees', ...rest.filter((a) => a !== '--size' && a !== 'test'), '--size', 'huge'],
      'huge',
      SIZES,
    ],
  ),
  'unknown format': [
    [['list', '--format', 'xml'], 'xml', /valid formats: table, json$/m],
    [['run', 'binary-trees', '-f', 'xml'], 'xml', /valid formats: table, json, csv, md/],
    [['record', 'binary-trees', '-o', '/tmp/x', '-f', 'xml'], 'xml', /valid formats: binary, jsonl/],
    [['replay', 'x.trace', '-f', 'xml'], 'xml', /valid formats: table, json, csv, md/],
    [['sweep', 'binary-trees', '-f', 'xml'], 'xml', /valid formats: table, json, csv, md/],
    [['diff', 'finalizers', '-f', 'xml'], 'xml', /valid formats: table, json, csv, md/],
    [['validate', '--runtime', 'cpython', '-f', 'xml'], 'xml', /valid formats: table, json/],
    [['compare', 'a.json', 'b.json', '-f', 'xml'], 'xml', /valid formats: table, md, csv, json/],
  ],
  'unknown parameter': [
    [
      ['run', 'binary-trees', '--param', 'depth=3'],
      'depth',
      /valid parameters: binary-trees: maxDepth, minDepth/,
    ],
    [['run', 'binary-trees', '--param', 'maxdepth=3'], 'maxdepth', /did you mean 'maxDepth'\?/],
    [['record', 'binary-trees', '-o', '/tmp/x', '-p', 'depth=3'], 'depth', /valid parameters:.*maxDepth/],
    [['sweep', 'binary-trees', '-p', 'depth=3,4'], 'depth', /valid parameters: maxDepth, minDepth/],
    [['diff', 'finalizers', '-p', 'nope=1'], 'nope', /valid parameters: finalizers: /],
    [['run', '--suite', 'all'], 'all', /valid suites: default/],
    [
      ['run', 'binary-trees', '--cost', 'markObjekt=1'],
      'markObjekt',
      /did you mean 'markObject'\?.*valid costs:/,
    ],
    [['validate', '--cases', 'no-such-case'], 'no-such-case', /cases: /],
  ],
  'bad value': [
    [['run', 'binary-trees', '--seed', 'abc'], 'abc', /is not an integer/],
    [['run', 'binary-trees', '--seed', '-1'], '-1', /must be an integer >= 0/],
    [['record', 'binary-trees', '-o', '/tmp/x', '--seed', '1.5'], '1.5', /is not an integer/],
    [['run', 'binary-trees', '--heap-limit', 'abc'], 'abc', /is not an integer/],
    [
      ['run', 'binary-trees', '--heap-limit', 'baseline=1000'],
      'baseline',
      new RegExp(`chosen runtimes: ${DEFAULT_RUNTIMES.join(', ')}`),
    ],
    [
      ['run', 'binary-trees', '--runtimes', 'jython', '--heap-limit', '1000000'],
      '1000000',
      /jython refuses it: .*2097152\.\./,
    ],
    [['run', 'binary-trees', '--timeline-every', '-5'], '-5', /must be an integer >= 1/],
    [['run', 'binary-trees', '--param', 'maxDepth=999'], '999', /range 1\.\.30/],
    [['run', 'binary-trees', '--param', 'maxDepth=abc'], 'abc', /must be an integer/],
    [['run', 'binary-trees', '--cost', 'markObject=abc'], 'abc', /not a number >= 0/],
    [['diff', 'finalizers', '--limit=-1'], '-1', /must be an integer >= 1/],
    [['diff', 'finalizers', '--limit', 'x'], 'x', /is not an integer/],
    [['sweep', 'binary-trees', '--heap', '0.5x'], '0.5x', /multiple >= 1/],
    [['sweep', 'binary-trees', '--shard', '5/4'], '5/4', /K\/N with 1 <= K <= N/],
    [['run', 'binary-trees', '--seed'], '--seed', /needs a value/],
    [['run', 'binary-trees', '--promptness=yes'], '--promptness', /takes no value/],
    [['run', 'binary-trees', '--repeat', '0'], '0', /must be an integer >= 1/],
    [['run', 'binary-trees', '--events', '-1'], '-1', /must be an integer >= 0/],
  ],
}

describe('every usage error exits 2 with one line naming the bad word and what is valid', () => {
  for (const [kind, rows] of Object.entries(ROWS)) {
    it.each(rows)(`${kind}: pygc %j`, async (args, bad, valid) => {
      const r = await inProcess(args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.split('\n')
      expect(lines, r.stderr).toHaveLength(2) // one line and its newline
      expect(lines[0]).toContain(bad)
      expect(lines[0]).toMatch(valid)
      expect(lines[0]).toMatch(/^pygc( \w+)?: /)
      expect(lines[0]).not.toMatch(/[A-Z]{3,}_[A-Z_]+/) // an internal code such as UNKNOWN_WORKLOAD
      expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/) // a stack frame
    })
  }

  it('covers every command with every class that applies to it', () => {
    const covered = new Map<string, Set<string>>()
    for (const [kind, rows] of Object.entries(ROWS))
      for (const [args] of rows) {
        const set = covered.get(args[0]) ?? new Set<string>()
        set.add(kind)
        covered.set(args[0], set)
      }
    for (const command of Object.keys(COMMANDS)) expect(covered.get(command)).toContain('unknown option')
    for (const command of Object.keys(WORKLOAD_COMMANDS))
      for (const kind of [
        'unknown workload',
        'unknown size',
        'unknown parameter',
        'unknown format',
        'bad value',
      ])
        expect(covered.get(command), `${command}: ${kind}`).toContain(kind)
  })
})

describe('the process exit codes', () => {
  it('2 for a usage error, 1 for a failed run, 0 for success', () => {
    const usage = pygc(['run', 'binary-tree'])
    expect(usage.code).toBe(2)
    expect(usage.stderr.trim().split('\n')).toHaveLength(1)
    const failed = pygc([
      'run',
      'binary-trees',
      '--size',
      'test',
      '-r',
      'cpython',
      '--heap-limit',
      '100000',
      '-q',
    ])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/binary-trees failed on cpython: MemoryError/)
    expect(pygc(['list']).code).toBe(0)
  })
})
