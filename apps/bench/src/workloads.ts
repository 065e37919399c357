/**
 * The command's view of @pygc/workloads: lookup and parameter resolution are the workloads
 * package's own (getWorkload, resolveParams — they list valid names and ranges); this file adds
 * what a command line needs on top: `--param k=v` parsing, and overrides given to a run of
 * several workloads (each applies to the workloads that have that parameter).
 */
import {
  getWorkload,
  resolveParams,
  SIZE_NAMES,
  type SizeName,
  type Workload,
  workloads,
} from '@pygc/workloads'
import { choiceMessage, UsageError, unknownChoice } from './usage.js'

/** Every workload, in the order `pygc list` shows them. */
export function allWorkloads(): readonly Workload[] {
  return workloads
}

export function workloadNames(): string[] {
  return allWorkloads().map((w) => w.name)
}

/** The workload of this name; an unknown name raises UNKNOWN_WORKLOAD listing the valid ones. */
export function findWorkload(name: string): Workload {
  if (!workloadNames().includes(name)) throw unknownChoice('workload', name, workloadNames())
  return getWorkload(name)
}

export function parseSize(size: string | undefined, fallback: SizeName): SizeName {
  if (size === undefined) return fallback
  if (!(SIZE_NAMES as readonly string[]).includes(size)) throw unknownChoice('size', size, SIZE_NAMES)
  return size as SizeName
}

/** `--param k=v` values as given (strings: resolveParams checks and converts them). */
export type ParamOverrides = ReadonlyMap<string, string>

export function parseParamOverrides(items: readonly string[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const item of items) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new UsageError(`--param '${item}': expected name=value`)
    out.set(item.slice(0, eq), item.slice(eq + 1))
  }
  return out
}

export function parseIntegerValue(what: string, text: string): number {
  const value = Number(text)
  if (text.trim() === '' || !Number.isSafeInteger(value)) {
    throw new UsageError(`${what}: '${text}' is not an integer`)
  }
  return value
}

/** Check that every override names a parameter of at least one of the chosen workloads. */
export function checkOverridesApply(chosen: readonly Workload[], overrides: ParamOverrides): void {
  for (const name of overrides.keys()) {
    if (!chosen.some((w) => Object.hasOwn(w.params, name))) {
      const names = [...new Set(chosen.flatMap((w) => Object.keys(w.params)))]
      const valid = chosen.map((w) => `${w.name}: ${Object.keys(w.params).join(', ') || '(none)'}`).join('; ')
      throw new UsageError(
        choiceMessage(`unknown parameter '${name}'`, name, names, 'valid parameters', valid),
      )
    }
  }
}

/** The parameters of one workload: its size, then the overrides it has a parameter for. */
export function resolveWorkloadParams(
  workload: Workload,
  size: SizeName,
  overrides: ParamOverrides,
): Record<string, number> {
  const own: Record<string, string> = {}
  for (const [name, value] of overrides) if (Object.hasOwn(workload.params, name)) own[name] = value
  return resolveParams(workload, size, own)
}
