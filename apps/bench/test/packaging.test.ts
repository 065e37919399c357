/**
 * Packages that install (issue 14 item 5): every publishable package is packed, the tarballs
 * are installed in a fresh project outside the repository (third-party dependencies from the
 * npm registry, from npm's cache when it has them), and there the README's library example
 * runs and `npx pygc run binary-trees --size test` prints its table. Skipped, saying so, only
 * when the npm registry cannot be reached.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { APP_DIR } from './cli-helpers.js'
import { FULL_TIER, fullTierTitle } from './tier.js'

const ROOT = join(APP_DIR, '../..')
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'

/**
 * The workspace packages meant for users, found from the root's workspaces (a new runtime
 * package joins by itself): every one that is not private (the host benchmarks stay home).
 */
function publishablePackages(): Record<string, string> {
  const dirs: Record<string, string> = {}
  for (const parent of ['packages', 'apps', 'benchmarks'])
    for (const entry of readdirSync(join(ROOT, parent), { withFileTypes: true })) {
      const file = join(ROOT, parent, entry.name, 'package.json')
      if (!entry.isDirectory() || !existsSync(file)) continue
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean }
      if (!pkg.private) dirs[pkg.name] = `${parent}/${entry.name}`
    }
  return dirs
}
const PACKAGE_DIRS = publishablePackages()
const PACKAGES = Object.keys(PACKAGE_DIRS)

function npm(args: string[], cwd: string, timeout = 120_000) {
  const r = spawnSync(NPM, args, {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, npm_config_fund: 'false' },
  })
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
}

const registryReachable = npm(['ping'], ROOT, 20_000).code === 0

/** The first code block under a README heading. */
function readmeExample(heading: string): string {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = text.slice(text.indexOf(heading))
  const match = /```(?:ts|js)\n([\s\S]*?)```/.exec(section)
  if (!match) throw new Error(`no code block under ${heading}`)
  return match[1]
}

describe.skipIf(!registryReachable)(
  `the packages install from their tarballs${registryReachable ? '' : ' (SKIPPED: the npm registry is unreachable)'}`,
  () => {
    const work = mkdtempSync(join(tmpdir(), 'pygc-install-'))
    const tarballs = join(work, 'tarballs')
    mkdirSync(tarballs)
    afterAll(() => rmSync(work, { recursive: true, force: true }))
    /** The tarballs npm pack wrote (the first test packs them). */
    let tarballFiles: string[] = []

    it('every package packs with its README, LICENSE and the docs its README links to', () => {
      const packed = npm(
        ['pack', '--json', '--pack-destination', tarballs, ...PACKAGES.map((p) => `--workspace=${p}`)],
        ROOT,
      )
      expect(packed.code, packed.stderr).toBe(0)
      const manifests = JSON.parse(packed.stdout) as {
        name: string
        filename: string
        files: { path: string }[]
      }[]
      expect(manifests.map((m) => m.name).sort()).toEqual([...PACKAGES].sort())
      expect(PACKAGES).toEqual(
        expect.arrayContaining(['@pygc/core', '@pygc/cpython', '@pygc/report', '@pygc/bench']),
      )
      tarballFiles = manifests.map((m) => join(tarballs, m.filename))
      const files = (name: string) => manifests.find((m) => m.name === name)?.files.map((f) => f.path) ?? []
      for (const name of PACKAGES) {
        expect(files(name), name).toContain('README.md')
        expect(files(name), name).toContain('LICENSE')
        expect(files(name), name).toContain('dist/index.js')
      }
      // The documents the READMEs link to travel with them.
      for (const [name, dir] of Object.entries(PACKAGE_DIRS))
        for (const doc of ['FIDELITY.md', 'TRACE_FORMAT.md'])
          if (existsSync(join(ROOT, dir, doc))) expect(files(name), `${name} ${doc}`).toContain(doc)
      expect(files('@pygc/core')).toContain('TRACE_FORMAT.md')
      expect(files('@pygc/cpython')).toContain('FIDELITY.md')
      for (const [name, dir] of Object.entries(PACKAGE_DIRS)) {
        const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'))
        expect(pkg.private, name).toBeUndefined()
        expect(pkg.engines?.node, name).toBe('>=20')
        expect(pkg.repository?.directory, name).toBe(dir)
        expect(pkg.license, name).toBe('MIT')
      }
      const conformance = JSON.parse(readFileSync(join(ROOT, 'packages/conformance/package.json'), 'utf8'))
      expect(conformance.dependencies.vitest).toBeUndefined()
      expect(conformance.peerDependencies.vitest).toBeDefined()
      expect(files('@pygc/bench')).toEqual(
        expect.arrayContaining(['bin/pygc.js', 'dist/cli.js', 'results.schema.json']),
      )
    })

    // npm install of every tarball and its third-party dependencies in a fresh project: the
    // longest part of this file (about 13 s of a quiet npm test), so the full tier's
    // (PYGC_TESTS=full, what CI runs); the packing test above stays in every run.
    it.skipIf(!FULL_TIER)(
      fullTierTitle(`installs outside the repository; the README's example and npx pygc run work there`),
      () => {
        const project = join(work, 'project')
        mkdirSync(project)
        writeFileSync(
          join(project, 'package.json'),
          JSON.stringify({ name: 'pygc-install-test', private: true, type: 'module' }),
        )
        const files = tarballFiles
        expect(files).toHaveLength(PACKAGES.length)
        // --omit=peer: the conformance kit's peer (vitest) is the user's own test runner.
        const install = npm(
          ['install', '--no-audit', '--prefer-offline', '--omit=peer', ...files],
          project,
          300_000,
        )
        expect(install.code, install.stderr).toBe(0)

        writeFileSync(join(project, 'example.mjs'), readmeExample('## Using a manager as a package'))
        const example = spawnSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8' })
        expect(example.status, example.stderr).toBe(0)
        // console.log(m.stats().collections, m.native.get_count()): one collection of the 2-cycle.
        expect(example.stdout).toMatch(/\[\s*0,\s*0,\s*1\s*\]/)

        const run = spawnSync(
          NPM === 'npm' ? 'npx' : 'npx.cmd',
          ['pygc', 'run', 'binary-trees', '--size', 'test'],
          {
            cwd: project,
            encoding: 'utf8',
            timeout: 120_000,
          },
        )
        expect(run.status, run.stderr).toBe(0)
        expect(run.stdout).toMatch(/^binary-trees — size test/)
        expect(run.stdout).toMatch(/metric\s+cpython\s+jython\s+ironpython/)
        process.stdout.write(
          `install test: ${files.length} tarballs installed in ${project}\n${example.stdout}${run.stdout.split('\n').slice(0, 6).join('\n')}\n`,
        )
      },
    )
  },
)
