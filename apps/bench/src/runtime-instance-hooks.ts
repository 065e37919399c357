/**
 * The module resolve hook behind runtime-instances.ts (registered with node:module `register`,
 * so it runs on Node's module-hooks thread). A module loaded as `file:///…/x.js?pygc-instance=R`
 * passes the same query on to every pygc module it imports, so the whole graph under it (the
 * workload programs, core's op counters, the manager packages) is a second copy of pygc's code,
 * evaluated afresh, with its own V8 feedback: see runtime-instances.ts for why.
 *
 * Not copied: third-party packages (under node_modules/: they never see a manager); core's
 * host-buffers module, the thread's one pool of released heap buffers (a copy per runtime would
 * keep up to MAX_LENT buffers per runtime alive instead of per thread); and, to load a copy
 * faster (Node's loader costs about 2 ms of CPU per module), modules a cell never calls into
 * with a manager: the validators (pygc validate runs them on its own threads) and @pygc/report
 * (results as data; it takes nothing but a constant from core).
 */

/** The query parameter that names a module's instance. */
export const INSTANCE_PARAM = 'pygc-instance'

/** Modules every instance shares with the thread's own graph (by path, .js built or .ts source). */
const SHARED = [
  /\/core\/(dist|src)\/host-buffers\.(js|ts)$/,
  /\/(dist|src)\/validate\//,
  /\/packages\/report\//,
]

/** The instance named in `url`'s query, or null. */
export function instanceOf(url: string | undefined): string | null {
  const q = url?.indexOf('?') ?? -1
  if (url === undefined || q < 0) return null
  return new URLSearchParams(url.slice(q + 1)).get(INSTANCE_PARAM)
}

/** Whether a module at `url` (no query) is copied into an instance that imports it. */
export function copiedIntoInstances(url: string): boolean {
  return url.startsWith('file:') && !url.includes('/node_modules/') && !SHARED.some((s) => s.test(url))
}

interface ResolveContext {
  parentURL?: string
  conditions: string[]
}
interface Resolved {
  url: string
  format?: string | null
  shortCircuit?: boolean
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => Promise<Resolved>,
): Promise<Resolved> {
  const resolved = await nextResolve(specifier, context)
  const instance = instanceOf(context.parentURL)
  if (instance === null || resolved.url.includes('?') || !copiedIntoInstances(resolved.url)) return resolved
  return { ...resolved, url: `${resolved.url}?${INSTANCE_PARAM}=${encodeURIComponent(instance)}` }
}
