#!/usr/bin/env node
/**
 * turbo as the root scripts run it: telemetry off (TURBO_TELEMETRY_DISABLED, DO_NOT_TRACK) and no
 * update notice, on every platform (an npm script cannot set an environment variable portably).
 * `--quiet` first: turbo's banner and task output are kept back and shown only when it fails, so
 * `npm run bench` prints the results and nothing before them.
 *
 *   node scripts/turbo.mjs run build          turbo run build, telemetry off
 *   node scripts/turbo.mjs --quiet run build  the same, silent unless the build fails
 */
import { spawnSync } from 'node:child_process'
import { createRequire } from 'node:module'

const args = process.argv.slice(2)
const quiet = args[0] === '--quiet'
const turboArgs = quiet ? args.slice(1) : args
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  TURBO_NO_UPDATE_NOTIFIER: '1',
}
// turbo's own launcher, resolved from the root's node_modules (no shell, no PATH lookup).
const turbo = createRequire(import.meta.url).resolve('turbo/bin/turbo')
const result = spawnSync(process.execPath, [turbo, ...turboArgs], {
  env,
  stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  encoding: 'utf8',
  maxBuffer: 1 << 28,
})
if (quiet && result.status !== 0) {
  process.stderr.write(result.stdout ?? '')
  process.stderr.write(result.stderr ?? '')
}
process.exitCode = result.status ?? 1
