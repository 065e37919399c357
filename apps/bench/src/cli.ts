#!/usr/bin/env node
/** The `pygc` process: main() (main.ts) with the process's arguments; its result is the exit code. */
import { main } from './main.js'
import { message } from './usage.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    message(`pygc: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    process.exitCode = 1
  },
)
