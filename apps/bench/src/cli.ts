#!/usr/bin/env node
/**
 * The `pygc` command. Each subcommand lives in commands/ and returns its exit code; this file
 * only dispatches and turns errors into messages: a usage error exits 2, a rejected input or
 * a failed run exits 1, and neither prints a stack trace (bad input is not a crash).
 */
import { isPygcError } from '@pygc/core'
import { InputError, message, UsageError } from './cli-support.js'
import { diffCommand } from './commands/diff.js'
import { mergeCommand, reportCommand } from './commands/files.js'
import { listCommand } from './commands/list.js'
import { recordCommand } from './commands/record.js'
import { replayCommand } from './commands/replay.js'
import { runCommand } from './commands/run.js'
import { sweepCommand } from './commands/sweep.js'
import { COMMAND_HELP, MAIN_HELP } from './help.js'
import { validateCommand } from './validate/index.js'

type Command = (args: readonly string[]) => number | Promise<number>

const COMMANDS: Record<string, Command> = {
  list: listCommand,
  run: runCommand,
  record: recordCommand,
  replay: replayCommand,
  validate: validateCommand,
  sweep: sweepCommand,
  merge: mergeCommand,
  report: reportCommand,
  diff: diffCommand,
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined
    process.stdout.write(`${topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : MAIN_HELP}\n`)
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${(await import('./results.js')).toolVersions()['@pygc/bench']}\n`)
    return 0
  }
  const command = COMMANDS[name]
  if (!command) {
    message(`pygc: unknown command '${name}'; valid commands: ${Object.keys(COMMANDS).join(', ')}`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${COMMAND_HELP[name]}\n`)
    return 0
  }
  try {
    return await command(args)
  } catch (e) {
    if (e instanceof UsageError) {
      message(`${e.message}\n(pygc ${name} --help for usage)`)
      return 2
    }
    if (e instanceof InputError) {
      message(`pygc ${name}: ${e.message}`)
      return 1
    }
    if (isPygcError(e)) {
      message(`pygc ${name}: ${e.code}: ${e.message}`)
      return 1
    }
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
      message(`pygc ${name}: ${e.message}`) // a file-system error: the message names the path
      return 1
    }
    throw e
  }
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
