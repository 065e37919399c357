import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

/**
 * `npm test`: every package's tests in one vitest run, each package a project with its own
 * config (packages/X/vitest.config.ts). One run schedules every file of every package on the
 * machine's cores together, longest first once durations are known, instead of package after
 * package with a core idle whenever one package's longest file runs alone (CI: the PyPy
 * conformance file alone, then the end-to-end files of apps/bench one at a time).
 * Each package's own `npm test` (`vitest run` in its folder) still runs just that package.
 *
 * Every project but @pygc/pypy sets `isolate: false` in its own config: a worker runs its
 * project's files in one module graph instead of importing the workspace's sources afresh for
 * each file (about 0.7 s of CPU per file: cpython's 14 files other than conformance took 20.4 s
 * of CPU isolated and 9.6 s not). No test file leaves state behind (a stubbed global is
 * unstubbed, spies are restored). PyPy's stays isolated: each of its models reserves 2 GiB of
 * address space, and a worker that kept several would have fork() fail when a test starts pypy3.
 *
 * Every project also spreads scripts/vitest/native.mjs into its `test` options: the tests run on
 * Node's own module loader (TypeScript stripped on load) instead of Vite's module runner, whose
 * getter-per-import made the models' hot loops 2-5x slower under test than in use.
 */
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/bench', 'benchmarks/host'],
    // One worker per core. Vitest's default is one fewer than the cores (in run mode), which on a
    // 2-core machine is a single worker: every file one after another, the second core idle
    // except for the real runtimes the validations start (CI: 1.17 cores busy on average).
    maxWorkers: availableParallelism(),
  },
})
