/**
 * The runtime registry (src/runtimes.ts): each descriptor is data that agrees with the managers
 * it makes and with its package, so the command, the report and the tests can trust it without
 * knowing any runtime by name.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_RUNTIMES, REGISTRY, RUNTIME_STYLES, RUNTIMES } from '../src/runtimes.js'

const require = createRequire(import.meta.url)

/** The package.json of a workspace package, found from its resolved entry point. */
function packageJson(name: string): { name: string; dependencies?: Record<string, string> } {
  let dir = dirname(require.resolve(name))
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      if (pkg.name === name) return pkg
    } catch {
      // not here: one directory up
    }
  }
  throw new Error(`no package.json for ${name}`)
}

describe('the runtime registry', () => {
  it('has one entry per name, family and colour', () => {
    for (const key of ['name', 'family', 'color', 'package'] as const)
      expect(new Set(RUNTIMES.map((r) => r[key])).size, key).toBe(RUNTIMES.length)
    expect(DEFAULT_RUNTIMES.length).toBeGreaterThan(0)
  })

  for (const { descriptor: d, validation } of REGISTRY) {
    it(`${d.name}: every preset makes a manager that matches the descriptor`, () => {
      expect(d.presets.map((p) => p.name)).toContain(d.defaultPreset)
      for (const preset of d.presets) {
        const info = d.create({ preset: preset.name }).info
        expect(info.family).toBe(d.family)
        expect(info.outOfMemory).toBe(d.outOfMemory)
        expect(d.sizeModes).toContain(info.sizeMode)
      }
      expect(d.create().info.preset).toBe(d.defaultPreset)
      expect(d.color).toMatch(/^#[0-9a-f]{6}$/i)
      expect(d.footprint.length).toBeGreaterThan(0)
      if (validation) expect(validation.caseNames.length).toBeGreaterThan(0)
    })

    it(`${d.name}: its package exports the descriptor and the command depends on it`, async () => {
      const mod = (await import(d.package)) as Record<string, unknown>
      expect(Object.values(mod)).toContain(d)
      expect(packageJson('@pygc/bench').dependencies).toHaveProperty(d.package)
    })

    it(`${d.name}: the report gets its colour, footprint and notes`, () => {
      expect(RUNTIME_STYLES[d.name]).toEqual({
        color: d.color,
        footprint: d.footprint,
        ...(d.meanings ? { meanings: d.meanings } : {}),
      })
    })
  }
})
