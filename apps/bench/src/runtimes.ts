/**
 * The ONE registry of runtimes: every runtime package's descriptor (data: name, package,
 * presets, colour, what its footprint means, size modes, out-of-memory error) and its validator
 * if it has one. The command, the report (through the command), the host benchmarks, `pygc
 * validate` and the tests read this list; adding a runtime is one entry here
 * (ADDING_A_RUNTIME.md). Every runtime package is imported statically, so a bundler or `tsc`
 * sees the whole dependency graph; nothing else in the app imports a manager package.
 */
import { baselineRuntime } from '@pygc/baseline'
import type { RuntimeDescriptor } from '@pygc/core'
import { cpythonRuntime } from '@pygc/cpython'
import { ironpythonRuntime } from '@pygc/ironpython'
import { jythonRuntime } from '@pygc/jython'
import { pypyRuntime } from '@pygc/pypy'
import type { RuntimeStyle } from '@pygc/report'
import { choiceMessage, UsageError, unknownChoice } from './usage.js'
import { CPYTHON_CASE_NAMES, cpythonDefaultCases, validateCpython } from './validate/cpython.js'
import { IRONPYTHON_CASE_NAMES, ironpythonDefaultCases, validateIronPython } from './validate/ironpython.js'
import { JYTHON_CASE_NAMES, jythonDefaultCases, validateJython } from './validate/jython.js'
import { PYPY_CASE_NAMES, pypyDefaultCases, validatePypy } from './validate/pypy.js'
import type { Validator } from './validate/types.js'

/** How `pygc validate --runtime NAME` checks the model against the real runtime. */
export interface RuntimeValidation {
  validate: Validator
  /** Its validation cases (what `--cases` may name). */
  caseNames: readonly string[]
  /** The cases it runs when none are named, in its order (what `--jobs` splits into cells). */
  defaultCases: (thorough: boolean) => readonly string[]
  /** The real runtime it runs, for help text: 'python3', 'pypy3'... */
  real: string
}

export interface RegistryEntry {
  descriptor: RuntimeDescriptor
  validation?: RuntimeValidation
}

/** In `pygc list` order: the modeled runtimes, then the plain tracing baseline. */
export const REGISTRY: readonly RegistryEntry[] = [
  {
    descriptor: cpythonRuntime,
    validation: {
      validate: validateCpython,
      caseNames: CPYTHON_CASE_NAMES,
      defaultCases: cpythonDefaultCases,
      real: 'python3',
    },
  },
  {
    descriptor: jythonRuntime,
    validation: {
      validate: validateJython,
      caseNames: JYTHON_CASE_NAMES,
      defaultCases: jythonDefaultCases,
      real: 'jython, java',
    },
  },
  {
    descriptor: ironpythonRuntime,
    validation: {
      validate: validateIronPython,
      caseNames: IRONPYTHON_CASE_NAMES,
      defaultCases: ironpythonDefaultCases,
      real: 'dotnet',
    },
  },
  {
    descriptor: pypyRuntime,
    validation: {
      validate: validatePypy,
      caseNames: PYPY_CASE_NAMES,
      defaultCases: pypyDefaultCases,
      real: 'pypy3',
    },
  },
  { descriptor: baselineRuntime },
]

export const RUNTIMES: readonly RuntimeDescriptor[] = REGISTRY.map((r) => r.descriptor)

/** What `pygc run` compares when --runtimes is not given: the descriptors that ask for it. */
export const DEFAULT_RUNTIMES: readonly string[] = RUNTIMES.filter((r) => r.runByDefault).map((r) => r.name)

/** The runtimes `pygc validate` knows, by name. */
export const VALIDATIONS: ReadonlyMap<string, RuntimeValidation> = new Map(
  REGISTRY.flatMap((r) => (r.validation ? [[r.descriptor.name, r.validation] as const] : [])),
)

/** What the report shows per runtime (colour, footprint, glossary notes), by name (each registered runtime's name is its family). */
export const RUNTIME_STYLES: Readonly<Record<string, RuntimeStyle>> = Object.fromEntries(
  RUNTIMES.map((r) => [
    r.name,
    { color: r.color, footprint: r.footprint, ...(r.meanings ? { meanings: r.meanings } : {}) },
  ]),
)

/** Package names of every registered runtime (their versions go into results' meta). */
export const RUNTIME_PACKAGES: readonly string[] = RUNTIMES.map((r) => r.package)

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
