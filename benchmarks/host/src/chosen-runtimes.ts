/**
 * The models a fresh-process benchmark runs: PYGC_BENCH_RUNTIMES (comma-separated names) or every
 * model this machine can load; the ones that cannot load are printed with the reason.
 */
import { envList } from './child.js'
import { loadRuntimes } from './runtimes.js'

export async function chosenRuntimes(exclude: readonly string[] = []): Promise<string[]> {
  const { available, skipped } = await loadRuntimes()
  for (const s of skipped) console.log(`skipped ${s.name}: ${s.reason}`)
  return envList(
    'PYGC_BENCH_RUNTIMES',
    available.map((r) => r.name).filter((n) => !exclude.includes(n)),
  )
}
