/**
 * The test options every project's vitest config spreads into `test`: run the tests on Node's
 * own module loader, not Vite's module runner.
 *
 * Why: Vite's runner rewrites every imported binding into a getter on a module object made by
 * Object.create(null) (a dictionary-mode object V8 does not inline), so a hot loop that reads
 * imported constants pays a lookup and a call per read. The trace replay loop switches on
 * eighteen imported opcodes: a binary-trees d=14 trace replayed on the Jython model took 3.3 s
 * of CPU under the runner and 0.75 s here (0.90 s from dist/ in plain node); the Jython
 * conformance file 38 s of CPU and 28 s.
 *
 * The sources still run as they are (./ts-hooks.mjs strips the types on load; @pygc/* imports
 * resolve to src/ by the "source" condition), so a change is tested without a rebuild. Not
 * available this way (no test uses them): vi.mock and other module mocking, import.meta.vitest.
 * PYGC_VITEST_RUNNER=vite runs the tests on Vite's runner as before (to compare, or to debug).
 */
import { fileURLToPath } from 'node:url'
import './register-ts.mjs'

export const nativeTypeScript =
  process.env.PYGC_VITEST_RUNNER === 'vite'
    ? {}
    : {
        experimental: { viteModuleRunner: false, nodeLoader: false },
        execArgv: ['--import', fileURLToPath(new URL('./register-ts.mjs', import.meta.url))],
      }
