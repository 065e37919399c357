/**
 * Node module hooks that let the tests run on Node's own ES module loader (vitest's
 * `experimental.viteModuleRunner: false`, see ./native.mjs) from the TypeScript sources: a
 * `./x.js` import from a .ts file loads `./x.ts` when there is one (the sources import what tsc
 * will emit), `@pygc/*` packages resolve with the "source" export condition (their src/, not a
 * possibly stale dist/), and a .ts file is stripped of its types by oxc (rolldown/utils, the
 * transformer Vite itself uses), one file at a time as tsconfig's isolatedModules promises.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { transformSync } from 'rolldown/utils'

/** file:///a/b.ts?vitest=123 -> file:///a/b.ts (vitest adds a query to the test file's URL). */
function withoutQuery(url) {
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL === undefined ? undefined : withoutQuery(context.parentURL)
  if (parent?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const ts = new URL(`${specifier.slice(0, -'.js'.length)}.ts`, parent)
    if (existsSync(ts)) return { url: ts.href, format: 'module', shortCircuit: true }
  }
  if (specifier.startsWith('@pygc/'))
    return nextResolve(specifier, { ...context, conditions: ['source', ...context.conditions] })
  return nextResolve(specifier, context)
}

export async function load(url, context, nextLoad) {
  const path = withoutQuery(url)
  if (!path.startsWith('file:') || !path.endsWith('.ts')) return nextLoad(url, context)
  const file = fileURLToPath(path)
  const { code, map, errors } = transformSync(file, await readFile(file, 'utf8'), { sourcemap: true })
  if (errors.length > 0) throw errors[0]
  // An inline source map: stack traces and vitest's code frames point at the TypeScript lines.
  const inlineMap = Buffer.from(JSON.stringify(map)).toString('base64')
  return {
    format: 'module',
    source: `${code}\n//# sourceMappingURL=data:application/json;base64,${inlineMap}\n`,
    shortCircuit: true,
  }
}
