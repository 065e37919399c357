/**
 * The ONE registry of runtimes the command knows. Every runtime package is imported here
 * statically (a bundler or `tsc` sees the whole dependency graph); nothing else in the app
 * imports a manager package.
 */
import { baselineRuntime, type RuntimeDescriptor } from '@pygc/core'
import { cpythonRuntime } from '@pygc/cpython'
import { ironpythonRuntime } from '@pygc/ironpython'
import { jythonRuntime } from '@pygc/jython'
import { choiceMessage, UsageError, unknownChoice } from './usage.js'

/** In `pygc list` order: the three modeled runtimes, then the plain tracing baseline. */
export const RUNTIMES: readonly RuntimeDescriptor[] = [
  cpythonRuntime,
  jythonRuntime,
  ironpythonRuntime,
  baselineRuntime,
]

/** What `pygc run` compares when --runtimes is not given (issue 6). */
export const DEFAULT_RUNTIMES: readonly string[] = ['cpython', 'jython', 'ironpython']

/** A runtime as chosen on the command line: `name` or `name:preset`. */
export interface RuntimeChoice {
  descriptor: RuntimeDescriptor
  preset: string
  /** The label used in tables and results (`name`, or `name:preset` for a non-default preset). */
  label: string
}

export function runtimeNames(): string[] {
  return RUNTIMES.map((r) => r.name)
}

export function findRuntime(spec: string): RuntimeChoice {
  const [name, given] = spec.split(':', 2)
  const descriptor = RUNTIMES.find((r) => r.name === name)
  if (!descriptor) throw unknownChoice('runtime', name, runtimeNames())
  // `cpython:3.12` is short for `cpython:cpython-3.12`: a preset may be named without its runtime's prefix.
  const preset =
    given !== undefined &&
    !descriptor.presets.some((p) => p.name === given) &&
    descriptor.presets.some((p) => p.name === `${name}-${given}`)
      ? `${name}-${given}`
      : given
  if (preset === undefined) return { descriptor, preset: descriptor.defaultPreset, label: descriptor.name }
  if (!descriptor.presets.some((p) => p.name === preset)) {
    const presets = descriptor.presets.map((p) => p.name)
    throw new UsageError(
      choiceMessage(`unknown preset '${preset}' of runtime '${name}'`, preset, presets, 'valid presets'),
    )
  }
  const label = preset === descriptor.defaultPreset ? descriptor.name : `${descriptor.name}:${preset}`
  return { descriptor, preset, label }
}

/** "cpython,jython:small-heap" -> choices, in the order given, without duplicates. */
export function parseRuntimeList(
  list: string | undefined,
  fallback: readonly string[] = DEFAULT_RUNTIMES,
): RuntimeChoice[] {
  const specs =
    list === undefined
      ? [...fallback]
      : list
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
  if (specs.length === 0)
    throw new UsageError(`no runtime given; valid runtimes: ${runtimeNames().join(', ')}`)
  const choices: RuntimeChoice[] = []
  for (const spec of specs) {
    const choice = findRuntime(spec)
    if (!choices.some((c) => c.label === choice.label)) choices.push(choice)
  }
  return choices
}
