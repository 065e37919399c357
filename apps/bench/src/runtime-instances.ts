/**
 * A separate copy of pygc's code for each runtime that runs in this thread.
 *
 * Why: V8 keeps its inline caches and call feedback per function instance (per compiled
 * function, not per call). A workload program, and the op counters between it and the manager,
 * call `m.alloc`, `m.store`, `m.load`, `pushFrame`... at the same call sites whatever runtime
 * they drive; once five manager classes have passed through a site it is megamorphic, and V8
 * inlines nothing across it. A model then ran 1.3-2.2x slower in a process that had run the
 * other models than alone (binary-trees N=14 cells, CPU time: cpython 1230 -> 2711 ms, ironpython
 * 911 -> 1290 ms). A program that embeds one model never pays that, so neither should a run of
 * several runtimes side by side.
 *
 * How: a module imported as `…/x.js?pygc-instance=R` is a new module (ES modules are keyed by
 * URL), and runtime-instance-hooks.ts passes the query on to everything it imports, so runtime R
 * gets its own copy of the workloads, core and the managers, with feedback of its own. A copy
 * costs about 0.3-0.5 s of CPU to load (the whole module graph, once per runtime per thread).
 * Its classes are its own: errors cross back as data (worker-errors.ts), as from a worker thread.
 * The code is the same, so every figure is the same in any instance (byte-identical results).
 */
import { register } from 'node:module'
import { INSTANCE_PARAM } from './runtime-instance-hooks.js'

/**
 * PYGC_RUNTIME_INSTANCES: `auto` (the default: cells big enough to repay the load, see
 * cell-instances.ts), `always` (every cell: what the tests of this module use), `off` (none).
 */
export type InstancePolicy = 'auto' | 'always' | 'off'

export function instancePolicy(env: NodeJS.ProcessEnv = process.env): InstancePolicy {
  const value = env.PYGC_RUNTIME_INSTANCES ?? ''
  if (value === '' || value === 'auto') return 'auto'
  if (value === 'always' || value === 'off') return value
  throw new Error(`PYGC_RUNTIME_INSTANCES must be 'auto', 'always' or 'off', got '${value}'`)
}

let hooksRegistered = false

/** The hooks file: built beside this one, or in dist/ when this file runs from src/ (tests). */
function hooksUrl(): URL {
  return new URL(
    import.meta.url.includes('/src/') ? '../dist/runtime-instance-hooks.js' : './runtime-instance-hooks.js',
    import.meta.url,
  )
}

const loaded = new Map<string, Promise<unknown>>()

/**
 * The module at `moduleUrl` (a file: URL without a query) as loaded for runtime `runtime` (a
 * runtime name: presets share their runtime's manager class, so they share its copy): the same
 * promise for the same pair in this thread.
 */
export function runtimeInstance<T>(moduleUrl: string, runtime: string): Promise<T> {
  if (!hooksRegistered) {
    register(hooksUrl())
    hooksRegistered = true
  }
  const url = `${moduleUrl}?${INSTANCE_PARAM}=${encodeURIComponent(runtime)}`
  let module = loaded.get(url)
  if (module === undefined) {
    module = import(url)
    loaded.set(url, module)
  }
  return module as Promise<T>
}
