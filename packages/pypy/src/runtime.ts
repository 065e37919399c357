/** PyPy as the registry sees it: the runtime's descriptor and its presets, data only (ADDING_A_RUNTIME.md). */
import { type MemoryManager, PygcError, type RuntimeDescriptor } from '@pygc/core'
import { PYPY_FAMILY, PyPyManager } from './manager.js'
import type { PyPyOptions, StartupHeap } from './options.js'

const KiB = 1024

/**
 * The interpreter's own heap when a program starts, measured on Debian's pypy3 7.3.11 here:
 * benchmarks/oracles/pypy/replay_pypy.py replaying an empty trace (its warm-up, two
 * whole major collections), PYPY_GC_NURSERY=1MB. See FIDELITY.md, "The interpreter's own heap".
 */
export const MEASURED_STARTUP: Readonly<Record<string, StartupHeap>> = Object.freeze({
  '1m': {
    arenaBytes: 3_306_040,
    rawBytes: 1_112_048,
    nextMajorThreshold: 8_388_608,
    pages: 666,
    rawObjects: 1_011,
  },
})

/** The same heap; the threshold as this nursery's PYPY_GC_MIN makes it (startup-heap.ts). */
function withoutThreshold(s: StartupHeap): StartupHeap {
  return { ...s, nextMajorThreshold: 0 }
}

interface Preset {
  name: string
  description: string
  options: PyPyOptions
}

export const PYPY_PRESETS: readonly Preset[] = [
  {
    name: 'default',
    description:
      "Debian's pypy3 on this machine: 1 MiB nursery (L2 'cache size' 512 KB -> 1 MiB), the interpreter's measured startup heap",
    options: { startup: MEASURED_STARTUP['1m'] },
  },
  {
    name: 'bare',
    description: 'the 1 MiB nursery and nothing but the program in the heap (no interpreter heap)',
    options: {},
  },
  {
    name: 'nursery-256k',
    description: 'PYPY_GC_NURSERY=256KB (PyPy raises it to its 264 KiB minimum), the interpreter heap',
    options: { nursery: 256 * KiB, startup: withoutThreshold(MEASURED_STARTUP['1m']) },
  },
  {
    name: 'nursery-512k',
    description: 'PYPY_GC_NURSERY=512KB, the interpreter heap',
    options: { nursery: 512 * KiB, startup: withoutThreshold(MEASURED_STARTUP['1m']) },
  },
  {
    name: 'nursery-4m',
    description: 'PYPY_GC_NURSERY=4MB (half an 8 MiB L2 cache), the interpreter heap',
    options: { nursery: 4096 * KiB, startup: withoutThreshold(MEASURED_STARTUP['1m']) },
  },
]

export const pypyRuntime: RuntimeDescriptor<PyPyOptions> = Object.freeze({
  family: PYPY_FAMILY,
  name: 'pypy',
  package: '@pygc/pypy',
  description:
    'PyPy 7.3.11 (incminimark): bump-allocated nursery, incremental non-moving mark-sweep, minimarkpage arenas',
  presets: Object.freeze(PYPY_PRESETS.map((p) => ({ name: p.name, description: p.description }))),
  defaultPreset: 'default',
  runByDefault: true,
  color: '#0f766e',
  footprint: 'the nursery, the minimarkpage arenas and the raw-malloced objects (collector.ts footprint)',
  defaultHeapLimit: 'none (PYPY_GC_MAX unset)',
  sizeModes: Object.freeze(['pypy']),
  outOfMemory: 'MemoryError',
  meanings: Object.freeze({
    collections:
      'incminimark: minor (the nursery copied out) and major (a whole incremental mark-sweep of the old objects, counted when it ends).',
    pauses: 'Each minor collection and each step of an incremental major collection stops the program.',
    peak_footprint_bytes: 'The nursery, the minimarkpage arenas and the raw-malloced (large) objects.',
    freed_refcount: 'Never: PyPy has no reference counts.',
    bytes_copied: 'Bytes a minor collection copied out of the nursery.',
    bytes_compacted: 'Never: old objects never move.',
    cards_scanned: 'Cards of large old arrays scanned for references into the nursery.',
    barrier_ops: 'Write-barrier executions: every reference store tests the flag of the object written into.',
    finalizers_run:
      '__del__ run from the finalizer queue after a major collection, in order along chains and cycles, never twice.',
  }),
  create(options: PyPyOptions = {}): MemoryManager {
    const name = options.preset ?? 'default'
    const preset = PYPY_PRESETS.find((p) => p.name === name)
    if (preset === undefined) {
      throw new PygcError(
        'INVALID_OPTION',
        `unknown pypy preset '${name}' (${PYPY_PRESETS.map((p) => p.name).join(', ')})`,
        { preset: name },
      )
    }
    return new PyPyManager({ ...preset.options, ...options, preset: name })
  },
})
