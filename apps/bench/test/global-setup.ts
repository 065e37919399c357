/**
 * Build the command (dist/cli.js) once before the end-to-end tests spawn it. A type error is
 * reported (the build and typecheck tasks fail on it) but does not stop the tests when tsc
 * still emitted the command, so one mistyped line does not hide every behaviour test.
 * A command built after every file the build reads was last changed is not built again:
 * `npm test` has just built it (turbo), and tsc would spend ~2 s of CPU before any test starts.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The latest modification time of the build's inputs: the sources (a folder's own time moves
 * when a file is added, removed or renamed in it) and the tsconfig files.
 */
function inputsChangedAt(app: string): number {
  const src = join(app, 'src')
  const paths = [
    src,
    join(app, 'tsconfig.json'),
    join(app, '../../tsconfig.base.json'),
    join(app, 'package.json'),
  ]
  for (const path of readdirSync(src, { recursive: true, encoding: 'utf8' })) paths.push(join(src, path))
  return Math.max(...paths.map((p) => statSync(p).mtimeMs))
}

export default function setup(): void {
  const app = join(dirname(fileURLToPath(import.meta.url)), '..')
  const cli = join(app, 'dist', 'cli.js')
  if (existsSync(cli) && statSync(cli).mtimeMs >= inputsChangedAt(app)) return
  const tsc = join(app, '../../node_modules/typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, stdio: 'inherit' })
  if (result.status !== 0) {
    if (!existsSync(cli)) throw new Error('building apps/bench failed: no dist/cli.js')
    console.warn('apps/bench: tsc reported errors (see above); testing the emitted dist/cli.js')
  }
}
