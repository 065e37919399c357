/**
 * Build the command (dist/cli.js) once before the end-to-end tests spawn it. A type error is
 * reported (the build and typecheck tasks fail on it) but does not stop the tests when tsc
 * still emitted the command, so one mistyped line does not hide every behaviour test.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const app = join(dirname(fileURLToPath(import.meta.url)), '..')
  const tsc = join(app, '../../node_modules/typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, stdio: 'inherit' })
  if (result.status !== 0) {
    if (!existsSync(join(app, 'dist', 'cli.js')))
      throw new Error('building apps/bench failed: no dist/cli.js')
    console.warn('apps/bench: tsc reported errors (see above); testing the emitted dist/cli.js')
  }
}
