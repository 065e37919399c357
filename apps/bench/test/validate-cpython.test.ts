/**
 * The CPython model against the real python3 (on every machine of ours): every case of the
 * validation set must give identical per-generation collections, collected and uncollectable
 * counts, final gc.get_count(), and the same sequence of __del__ calls and weakref callbacks.
 */
import { describe, expect, it } from 'vitest'
import { CPYTHON_CASES, validateCpython } from '../src/validate/cpython.js'

const only = process.env.PYGC_CPYTHON_CASES?.split(',')

describe('validate cpython', () => {
  it('agrees with python3 on every case', async () => {
    const report = await validateCpython(only ? { cases: only } : {})
    const failed = report.rows.filter((r) => !r.ok)
    if (process.env.PYGC_SHOW)
      console.log(
        report.rows.map((r) => `${r.case} | ${r.metric} | ${r.model} | ${r.real} | ${r.ok}`).join('\n'),
      )
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
    expect(report.ok).toBe(true)
    expect(new Set(report.rows.map((r) => r.case)).size).toBe(only ? only.length : CPYTHON_CASES.length)
  })
})
