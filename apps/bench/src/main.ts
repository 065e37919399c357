/**
 * The `pygc` command's dispatcher. Each subcommand lives in commands/ and returns its exit
 * code; this file only dispatches and turns errors into messages: a usage error exits 2 (one
 * line, usage.ts), a rejected input or a failed run exits 1, and neither prints a stack trace
 * (bad input is not a crash). cli.ts runs it as a process.
 */
import { isPygcError } from '@pygc/core'
import { asUsageError, InputError, message, unknownChoice, withoutPrefix } from './usage.js'

type Command = (args: readonly string[]) => number | Promise<number>

/**
 * Each command's module, imported when that command runs. A process runs one command, and the
 * commands' modules between them load the whole workspace, ajv and the worker pool: imported
 * all at once they cost every start ~0.45 s of CPU over bare node's ~0.13 s, `--help` included.
 */
export const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  list: async () => (await import('./commands/list.js')).listCommand,
  run: async () => (await import('./commands/run.js')).runCommand,
  record: async () => (await import('./commands/record.js')).recordCommand,
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  validate: async () => (await import('./commands/validate.js')).validateCommand,
  sweep: async () => (await import('./commands/sweep.js')).sweepCommand,
  merge: async () => (await import('./commands/files.js')).mergeCommand,
  report: async () => (await import('./commands/files.js')).reportCommand,
  compare: async () => (await import('./commands/compare.js')).compareCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  versions: async () => (await import('./commands/versions.js')).versionsCommand,
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv
  const commands = Object.keys(COMMANDS)
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const { COMMAND_HELP, MAIN_HELP } = await import('./help.js')
    const topic = name === 'help' ? args[0] : undefined
    if (topic !== undefined && !Object.hasOwn(COMMAND_HELP, topic)) {
      message(`pygc help: ${unknownChoice('command', topic, commands).message}`)
      return 2
    }
    process.stdout.write(`${topic !== undefined ? COMMAND_HELP[topic] : MAIN_HELP}\n`)
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${(await import('./results.js')).toolVersions()['@pygc/bench']}\n`)
    return 0
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    const what = name.startsWith('-') ? 'option' : 'command'
    const valid = what === 'option' ? ['--help', '--version'] : commands
    message(`pygc: ${unknownChoice(what, name, valid).message}`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${(await import('./help.js')).COMMAND_HELP[name]}\n`)
    return 0
  }
  try {
    return await (await COMMANDS[name]())(args)
  } catch (e) {
    const usage = asUsageError(e)
    if (usage !== undefined) {
      // One line: the bad word and what is valid (`pygc <command> --help` has the rest).
      message(`pygc ${name}: ${withoutPrefix(usage.message, name).replace(/\s*\n\s*/g, ' ')}`)
      return 2
    }
    if (e instanceof InputError || isPygcError(e)) {
      // A file the command cannot use (a broken trace, a bad results file): its message says
      // where; the internal error code is for programs (PygcError.code), not for this line.
      message(`pygc ${name}: ${withoutPrefix((e as Error).message, name)}`)
      return 1
    }
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
      message(`pygc ${name}: ${e.message}`) // a file-system error: the message names the path
      return 1
    }
    throw e
  }
}
