import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tuneV8Inlining, V8_INLINING_FLAGS } from '../src/v8-tuning.js'

const CLI = resolve(import.meta.dirname, '..', 'dist', 'cli.js')

describe('tuneV8Inlining', () => {
  it('sets the inlining budget by default and with PYGC_V8_INLINING=tuned', () => {
    expect(V8_INLINING_FLAGS).toContain('--max-inlined-bytecode-size-cumulative=4000')
    expect(tuneV8Inlining({})).toEqual(V8_INLINING_FLAGS)
    expect(tuneV8Inlining({ PYGC_V8_INLINING: 'tuned' })).toEqual(V8_INLINING_FLAGS)
  })

  it("keeps V8's own budget with PYGC_V8_INLINING=default", () => {
    expect(tuneV8Inlining({ PYGC_V8_INLINING: 'default' })).toEqual([])
  })

  it('refuses any other value, naming it', () => {
    expect(() => tuneV8Inlining({ PYGC_V8_INLINING: 'fast' })).toThrow(/PYGC_V8_INLINING.*'fast'/)
  })

  it('pygc refuses a bad PYGC_V8_INLINING with exit code 2 before doing anything', () => {
    const r = spawnSync(process.execPath, [CLI, 'list'], {
      encoding: 'utf8',
      env: { ...process.env, PYGC_V8_INLINING: 'fast' },
    })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toContain("PYGC_V8_INLINING must be 'tuned' (the default) or 'default', got 'fast'")
  })
})
