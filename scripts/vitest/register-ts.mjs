/**
 * Installs ./ts-hooks.mjs in this process, once. Vitest's workers load this file through
 * `--import` (./native.mjs); the main process, which imports the projects' global setup files,
 * through the vitest configs, which all import ./native.mjs.
 */
import { register } from 'node:module'

const installed = Symbol.for('pygc.vitest.ts-hooks')
if (globalThis[installed] !== true) {
  globalThis[installed] = true
  register(new URL('./ts-hooks.mjs', import.meta.url))
}
