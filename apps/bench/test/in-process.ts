/**
 * The `pygc` command in this process: main() with stdout and stderr captured, the exit code
 * returned. Output and exit code are what `node dist/cli.js` gives for input main() refuses or
 * answers at once (help, bad names and values), at no process start (~0.7 s of CPU each).
 */
import { vi } from 'vitest'
import { main } from '../src/main.js'
import type { CliResult } from './cli-helpers.js'

export async function inProcess(args: readonly string[]): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  })
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk)
    return true
  })
  try {
    const code = await main(args)
    return { code, stdout, stderr }
  } finally {
    vi.restoreAllMocks()
  }
}
