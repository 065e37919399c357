/**
 * `pygc validate --runtime cpython:A,cpython:B` validates each preset named, in the order given,
 * once each. (It used to keep only the last preset and validate it once per entry, under
 * that preset's label.) One small case per preset, against the real interpreters where they are
 * installed.
 */
import { describe, expect, it } from 'vitest'
import { locateInterpreter, presetPolicy } from '../src/validate/cpython-interpreter.js'
import { inProcess } from './in-process.js'

const [py310, py313] = await Promise.all([
  locateInterpreter(presetPolicy('3.10')),
  locateInterpreter(presetPolicy('3.13')),
])

describe('validate with several cpython presets', () => {
  it.skipIf(py310 === null || py313 === null)(
    'gives one report per preset named, in order, a repeated one once',
    async () => {
      const r = await inProcess([
        'validate',
        '--runtime',
        'cpython:3.13,cpython:3.10,cpython:3.13',
        '--cases',
        'gc-collect 2-cycles',
        '--format',
        'json',
        '--quiet',
        '--jobs',
        '1',
      ])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const reports = JSON.parse(r.stdout) as { realRuntime: string; ok: boolean }[]
      expect(reports.map((rep) => rep.realRuntime.match(/python (3\.\d+)/)?.[1])).toEqual(['3.13', '3.10'])
      expect(reports.every((rep) => rep.ok)).toBe(true)
    },
    120_000,
  )
})
