#!/usr/bin/env node
/** The `pygc` process: main() (main.ts) with the process's arguments; its result is the exit code. */
import { main } from './main.js'
import { message } from './usage.js'
import { tuneV8Inlining } from './v8-tuning.js'

function start(): void {
  try {
    // Before any model code runs: V8's inlining budget for the op loop (v8-tuning.ts).
    tuneV8Inlining()
  } catch (e) {
    message(`pygc: ${e instanceof Error ? e.message : String(e)}`)
    process.exitCode = 2
    return
  }
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (e: unknown) => {
      message(`pygc: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
      process.exitCode = 1
    },
  )
}

start()
