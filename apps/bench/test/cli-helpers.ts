/** Running the built command as a user would: `node dist/cli.js ...`, stdout and stderr apart. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
export const CLI = join(APP_DIR, 'dist', 'cli.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export function pygc(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? APP_DIR,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...options.env },
  })
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `pygc-${prefix}-`))
}
