/**
 * Which validation cases a `--cases` list selects. Case names are per runtime (each runtime's
 * set is shaped by what its real runtime can show), so with several runtimes a name selects
 * the cases of whichever runtimes have it, and only a name that no selected runtime has is an
 * error. A validator called with names picks its own cases and rejects any other name.
 */
import { PygcError } from '@pygc/core'
import type { ValidationReport } from './types.js'

type Runtime = ValidationReport['runtime']

/** One validator to run, restricted to `cases` when a list was given. */
export interface PlannedRun {
  runtime: Runtime
  cases?: string[]
}

function knownCases(caseNames: Readonly<Partial<Record<Runtime, readonly string[]>>>): string {
  return Object.entries(caseNames)
    .map(([runtime, names]) => `${runtime}: ${(names ?? []).map((n) => `'${n}'`).join(', ')}`)
    .join('; ')
}

/**
 * The runs a `--cases` list asks of `runtimes`: every runtime when there is no list, else the
 * runtimes that have at least one of the names, each with its own names only. Throws
 * INVALID_PARAM naming the names no runtime has and listing each runtime's cases.
 */
export function planRuns(
  runtimes: readonly Runtime[],
  cases: readonly string[] | undefined,
  caseNames: Readonly<Record<Runtime, readonly string[]>>,
): PlannedRun[] {
  if (cases === undefined) return runtimes.map((runtime) => ({ runtime }))
  const unknown = cases.filter((name) => !runtimes.some((runtime) => caseNames[runtime].includes(name)))
  if (unknown.length > 0) {
    const offered = Object.fromEntries(runtimes.map((runtime) => [runtime, caseNames[runtime]]))
    throw new PygcError(
      'INVALID_PARAM',
      `no validation case of ${runtimes.join(', ')} is named ${unknown.map((n) => `'${n}'`).join(', ')}; cases: ${knownCases(offered)}`,
      { cases: unknown },
    )
  }
  return runtimes
    .map((runtime) => ({ runtime, cases: cases.filter((name) => caseNames[runtime].includes(name)) }))
    .filter((run) => run.cases.length > 0)
}

/**
 * A validator's own selection: its whole set without names, else the named cases in the set's
 * order. A name outside the set is an INVALID_PARAM error listing the set.
 */
export function selectCases<C extends { name: string }>(
  runtime: Runtime,
  all: readonly C[],
  names: readonly string[] | undefined,
): readonly C[] {
  if (names === undefined) return all
  const own = all.map((c) => c.name)
  const foreign = names.filter((name) => !own.includes(name))
  if (foreign.length > 0) {
    throw new PygcError(
      'INVALID_PARAM',
      `no ${runtime} validation case is named ${foreign.map((n) => `'${n}'`).join(', ')}; cases: ${knownCases({ [runtime]: own })}`,
      { cases: foreign },
    )
  }
  return all.filter((c) => names.includes(c.name))
}
