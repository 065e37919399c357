/**
 * Which real CPython `pygc validate --runtime cpython:<preset>` runs: the preset names a version
 * (cpython-3.12 -> 3.12), and the interpreter of that version is, in this order, the one given
 * with `--python PATH`, `python3.12` on PATH, `python3` when it is 3.12, or pyenv's (`pyenv
 * prefix 3.12` -> <prefix>/bin/python3.12). Each candidate is run and must report that version:
 * pyenv's shims are on PATH for every installed version and fail for those not selected.
 * A candidate found on PATH is then run as the executable it reported (sys.executable): a pyenv
 * shim is a shell script that runs `pyenv exec`, ~1.4 s of CPU before the interpreter starts,
 * paid again by every case's run; pyenv's own versions are run that way already (`pyenv prefix`).
 */
import { PygcError } from '@pygc/core'
import { DEFAULT_PRESET, policyOf, VERSION_POLICIES, type VersionPolicy } from '@pygc/cpython'
import { probeVersion } from './oracles.js'

export interface Interpreter {
  /** What to execute. */
  command: string
  /** sys.version_info as "3.12.1". */
  version: string
  /** For the report's heading: "python 3.12.1 (/root/.pyenv/versions/3.12.1/bin/python3.12)". */
  label: string
}

/**
 * The policy of a preset as the command line names it: `cpython-3.12`, or `3.12` for short
 * (undefined: the default preset). INVALID_PARAM naming the presets for anything else.
 */
export function presetPolicy(preset: string | undefined): VersionPolicy {
  const name =
    preset === undefined ? DEFAULT_PRESET : preset.startsWith('cpython-') ? preset : `cpython-${preset}`
  const policy = policyOf(name)
  if (policy === undefined) {
    throw new PygcError(
      'INVALID_PARAM',
      `unknown cpython preset '${preset}'; valid presets: ${VERSION_POLICIES.map((p) => p.name).join(', ')}`,
      { preset },
    )
  }
  return policy
}

const VERSION_PROBE = ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)']

interface Probed {
  version: string
  /** sys.executable: the interpreter that ran (the real one behind a pyenv shim); '' if unknown. */
  executable: string
}

async function probe(command: string): Promise<Probed | null> {
  const out = await probeVersion(command, VERSION_PROBE, ({ stdout }) => stdout)
  const [version = '', executable = ''] = (out ?? '')
    .trim()
    .split('\n')
    .map((line) => line.trim())
  return /^\d+\.\d+\.\d+$/.test(version) ? { version, executable } : null
}

async function versionOf(command: string): Promise<string | null> {
  return (await probe(command))?.version ?? null
}

async function pyenvCandidate(version: string): Promise<string | null> {
  const prefix = await probeVersion(
    'pyenv',
    ['prefix', version],
    ({ stdout }) => stdout.trim().split('\n')[0] || null,
  )
  return prefix === null ? null : `${prefix}/bin/python${version}`
}

/** `version` is "3.12"; a found interpreter reports 3.12.x. */
function sameMinor(found: string, version: string): boolean {
  return found === version || found.startsWith(`${version}.`)
}

/**
 * The interpreter for `policy.python`, or null when none is installed. An explicit `--python`
 * that is missing or of another version is an error, not a fallback.
 */
export function locateInterpreter(policy: VersionPolicy, explicit?: string): Promise<Interpreter | null> {
  // The interpreters installed do not change while the process runs: each search runs once
  // (a validation, its test and each of its cells would otherwise repeat every probe).
  const key = `${policy.python}\n${explicit ?? ''}`
  let search = located.get(key)
  if (search === undefined) {
    search = searchInterpreter(policy, explicit)
    located.set(key, search)
  }
  return search
}

const located = new Map<string, Promise<Interpreter | null>>()

async function searchInterpreter(policy: VersionPolicy, explicit?: string): Promise<Interpreter | null> {
  const make = (command: string, version: string): Interpreter => ({
    command,
    version,
    label: `python ${version} (${command})`,
  })
  if (explicit !== undefined) {
    const found = await versionOf(explicit)
    if (found === null)
      throw new PygcError(
        'INVALID_PARAM',
        `--python ${explicit}: not a runnable Python (it printed no version)`,
        {
          python: explicit,
        },
      )
    if (!sameMinor(found, policy.python))
      throw new PygcError(
        'INVALID_PARAM',
        `--python ${explicit} is Python ${found}; preset ${policy.name} is validated against Python ${policy.python}`,
        { python: explicit, version: found },
      )
    return make(explicit, found)
  }
  const candidates = [`python${policy.python}`, 'python3']
  for (const command of candidates) {
    const found = await probe(command)
    if (found !== null && sameMinor(found.version, policy.python))
      return make(found.executable.startsWith('/') ? found.executable : command, found.version)
  }
  const pyenv = await pyenvCandidate(policy.python)
  if (pyenv !== null) {
    const found = await versionOf(pyenv)
    if (found !== null && sameMinor(found, policy.python)) return make(pyenv, found)
  }
  return null
}

/** locateInterpreter, or UNKNOWN_RUNTIME saying where it looked and how to name one. */
export async function findInterpreter(policy: VersionPolicy, explicit?: string): Promise<Interpreter> {
  const found = await locateInterpreter(policy, explicit)
  if (found !== null) return found
  throw new PygcError(
    'UNKNOWN_RUNTIME',
    `no Python ${policy.python} for preset ${policy.name}: tried python${policy.python} and python3 on PATH and \`pyenv prefix ${policy.python}\`; install it or name it with --python PATH`,
    { preset: policy.name, python: policy.python },
  )
}
