/**
 * The command's exit-code contract (README "The pygc command"): 0 success, 1 a run failed or a
 * file the command was given cannot be used, 2 a usage error. A usage error is ONE line that
 * names the bad word and the valid choices, with "did you mean" when one is close — never a
 * stack trace or an internal error code. This file says which errors are usage errors and
 * words them; cli.ts only maps them to exit codes.
 */
import { isPygcError, type PygcError } from '@pygc/core'
import leven from 'leven'

/** A line for the user on stderr (stdout is for data). */
export function message(text: string): void {
  process.stderr.write(`${text}\n`)
}

/** A mistake in the command line: exit code 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A file the command was given that it cannot use (missing, not results JSON): exit code 1. */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}

/**
 * The closest choice to a mistyped word, or undefined when none is close: within an edit
 * distance of a third of the word (at least 1), or a choice the word is a prefix of. Ties go
 * to the first choice, so the suggestion is stable.
 */
export function closestChoice(word: string, choices: readonly string[]): string | undefined {
  if (word === '') return undefined
  const lower = word.toLowerCase()
  const prefixed = choices.filter((c) => c.toLowerCase().startsWith(lower))
  if (prefixed.length === 1) return prefixed[0]
  let best: string | undefined
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1
  for (const choice of choices) {
    const d = leven(lower, choice.toLowerCase())
    if (d < bestDistance) {
      best = choice
      bestDistance = d
    }
  }
  return best
}

/** "unknown size 'huge'; valid sizes: test, small, medium, large" (with "did you mean" when close). */
export function unknownChoice(what: string, word: string, choices: readonly string[], plural = `${what}s`) {
  return new UsageError(choiceMessage(`unknown ${what} '${word}'`, word, choices, `valid ${plural}`))
}

/**
 * `head; did you mean 'x'? list: a, b, c`. `shown` replaces the plain list of choices when the
 * valid choices read better another way (options with their short forms, parameters by workload).
 */
export function choiceMessage(
  head: string,
  word: string,
  choices: readonly string[],
  list: string,
  shown = choices.join(', '),
): string {
  const close = closestChoice(word, choices)
  return `${head}${close !== undefined && close !== word ? ` (did you mean '${close}'?)` : ''}; ${list}: ${shown}`
}

/**
 * PygcError codes that, when one escapes a command (runs catch their own errors into result
 * cells), can only come from what the user typed: a name, an option or a parameter value.
 */
const USAGE_CODES: ReadonlySet<string> = new Set([
  'UNKNOWN_WORKLOAD',
  'UNKNOWN_RUNTIME',
  'INVALID_PARAM',
  'INVALID_OPTION',
  'VALUE_OUT_OF_RANGE',
])

/**
 * A PygcError from a package (workloads, core's cost model, the validators) as a usage error
 * when its code says so; when its details carry the bad word and the valid list (`valid`), the
 * message gains a "did you mean".
 */
export function asUsageError(e: unknown): UsageError | undefined {
  if (e instanceof UsageError) return e
  if (!isPygcError(e) || !USAGE_CODES.has(e.code)) return undefined
  return new UsageError(withSuggestion(e))
}

function withSuggestion(e: PygcError): string {
  const where = e.where
  const valid = where.valid
  const word = [where.workload, where.param, where.size, where.runtime].find(
    (w): w is string => typeof w === 'string' && e.message.includes(`'${w}'`),
  )
  if (!Array.isArray(valid) || word === undefined || e.message.includes('did you mean')) return e.message
  const close = closestChoice(
    word,
    valid.filter((v): v is string => typeof v === 'string'),
  )
  if (close === undefined || close === word) return e.message
  const at = e.message.indexOf(`'${word}'`) + word.length + 2
  return `${e.message.slice(0, at)} (did you mean '${close}'?)${e.message.slice(at)}`
}

/** The message without a leading "pygc <command>: " (cli.ts adds it once). */
export function withoutPrefix(text: string, command: string): string {
  return text.startsWith(`pygc ${command}: `) ? text.slice(`pygc ${command}: `.length) : text
}
