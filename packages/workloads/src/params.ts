/**
 * Parameter resolution: a named size's parameters with overrides on top, every name and value
 * checked, so a typo on the command line is an error that lists what is valid, never a silently
 * ignored parameter.
 */
import { PygcError } from '@pygc/core'
import { SIZE_NAMES, type SizeName, type Workload } from './types.js'

function describeParams(workload: Workload): string {
  return Object.entries(workload.params)
    .map(([name, spec]) => `${name} (${spec.min}..${spec.max}): ${spec.description}`)
    .join('; ')
}

function parseValue(workload: Workload, name: string, raw: number | string): number {
  const value =
    typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw.replaceAll('_', ''))
  if (!Number.isSafeInteger(value)) {
    throw new PygcError(
      'VALUE_OUT_OF_RANGE',
      `${workload.name}: parameter ${name} must be an integer, got '${raw}'`,
      { workload: workload.name, param: name, value: raw },
    )
  }
  return value
}

/**
 * The parameters for `size` with `overrides` applied. Unknown sizes and parameter names raise
 * INVALID_PARAM listing the valid ones; a value that is not an integer in its range raises
 * VALUE_OUT_OF_RANGE naming the parameter and its range. Overrides may be strings (`--param k=v`).
 */
export function resolveParams(
  workload: Workload,
  size: SizeName | string = 'small',
  overrides: Readonly<Record<string, number | string>> = {},
): Record<string, number> {
  if (!(SIZE_NAMES as readonly string[]).includes(size)) {
    throw new PygcError(
      'INVALID_PARAM',
      `${workload.name}: unknown size '${size}'; valid sizes: ${SIZE_NAMES.join(', ')}`,
      {
        workload: workload.name,
        size,
        valid: [...SIZE_NAMES],
      },
    )
  }
  const params: Record<string, number> = { ...workload.sizes[size as SizeName] }
  for (const [name, raw] of Object.entries(overrides)) {
    const spec = workload.params[name]
    if (spec === undefined || !Object.hasOwn(workload.params, name)) {
      const valid = Object.keys(workload.params)
      throw new PygcError(
        'INVALID_PARAM',
        `${workload.name}: unknown parameter '${name}'; valid parameters: ${describeParams(workload)}`,
        { workload: workload.name, param: name, valid },
      )
    }
    params[name] = parseValue(workload, name, raw)
  }
  for (const [name, spec] of Object.entries(workload.params)) {
    const value = params[name]
    if (value === undefined) {
      throw new PygcError(
        'INVALID_PARAM',
        `${workload.name}: size '${size}' does not set parameter ${name}`,
        {
          workload: workload.name,
          param: name,
        },
      )
    }
    if (value < spec.min || value > spec.max) {
      throw new PygcError(
        'VALUE_OUT_OF_RANGE',
        `${workload.name}: parameter ${name} = ${value} is outside its range ${spec.min}..${spec.max} (${spec.description})`,
        { workload: workload.name, param: name, value, min: spec.min, max: spec.max },
      )
    }
  }
  return params
}

/** `k=v k=v` in the workload's parameter order: for headers and command lines. */
export function formatParams(workload: Workload, params: Readonly<Record<string, number>>): string {
  return Object.keys(workload.params)
    .map((name) => `${name}=${params[name]}`)
    .join(' ')
}
