/**
 * The heap options of `pygc validate --trace FILE` and `pygc validate WORKLOAD`: each takes a
 * comma list, and the lists are zipped into configurations (a one-item list applies to all), so
 * `--xmx 32m,64m --xmn 8m` is two JVM configurations. Sizes take k, m or g (as the JVM's flags).
 *
 *   --xms, --xmx, --xmn   JVM heap (-Xms defaults to -Xmx)      jython
 *   --tlab on|off         JVM thread-local allocation buffers  jython (default off)
 *   --gen0size            DOTNET_GCgen0size                    ironpython
 *   --thresholds T0,T1,T2 gc.set_threshold (repeatable)        cpython
 *   --nursery             PYPY_GC_NURSERY                      pypy
 */
import { UsageError } from '../cli-support.js'
import type { HeapConfig } from '../validate/types.js'

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** "64m" -> 67108864; a positive whole number of bytes. */
export function parseByteSize(option: string, text: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(text.trim())
  if (m === null) throw new UsageError(`--${option} takes sizes like 65536, 512k, 64m or 1g, got '${text}'`)
  const bytes = Number(m[1]) * UNITS[m[2].toLowerCase()]
  if (bytes <= 0 || !Number.isSafeInteger(bytes))
    throw new UsageError(`--${option} must be positive, got '${text}'`)
  return bytes
}

function list(option: string, text: string | undefined): number[] | undefined {
  return text === undefined ? undefined : text.split(',').map((t) => parseByteSize(option, t))
}

function parseThresholds(text: string): [number, number, number] {
  const parts = text.split(',').map((t) => Number(t.trim()))
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0))
    throw new UsageError(`--thresholds takes three non-negative integers T0,T1,T2, got '${text}'`)
  return [parts[0], parts[1], parts[2]]
}

export interface HeapOptionValues {
  xms?: string
  xmx?: string
  xmn?: string
  tlab?: string
  gen0size?: string
  nursery?: string
  thresholds?: string[]
}

/** The configurations the options describe, or undefined when none is given. */
export function parseHeapConfigs(values: HeapOptionValues): HeapConfig[] | undefined {
  const lists: Record<string, number[] | undefined> = {
    xms: list('xms', values.xms),
    xmx: list('xmx', values.xmx),
    xmn: list('xmn', values.xmn),
    gen0size: list('gen0size', values.gen0size),
    nursery: list('nursery', values.nursery),
  }
  let tlab: boolean | undefined
  if (values.tlab !== undefined) {
    if (values.tlab !== 'on' && values.tlab !== 'off')
      throw new UsageError(`--tlab takes on or off, got '${values.tlab}'`)
    tlab = values.tlab === 'on'
  }
  const thresholds = values.thresholds?.map(parseThresholds)
  const lengths = [...Object.values(lists), thresholds].filter((l) => l !== undefined).map((l) => l.length)
  if (lengths.length === 0 && tlab === undefined) return undefined
  const n = Math.max(1, ...lengths)
  for (const [name, l] of Object.entries(lists))
    if (l !== undefined && l.length !== 1 && l.length !== n)
      throw new UsageError(
        `--${name} lists ${l.length} sizes; give 1 or ${n} (the options' lists are zipped)`,
      )
  if (thresholds !== undefined && thresholds.length !== 1 && thresholds.length !== n)
    throw new UsageError(`--thresholds is given ${thresholds.length} times; give it 1 or ${n} times`)
  const at = <T>(l: T[] | undefined, i: number): T | undefined =>
    l === undefined ? undefined : l[l.length === 1 ? 0 : i]
  const configs: HeapConfig[] = []
  for (let i = 0; i < n; i++) {
    const c: HeapConfig = {}
    for (const key of ['xms', 'xmx', 'xmn', 'gen0size', 'nursery'] as const) {
      const v = at(lists[key], i)
      if (v !== undefined) c[key] = v
    }
    if (tlab !== undefined) c.tlab = tlab
    const t = at(thresholds, i)
    if (t !== undefined) c.thresholds = t
    if (c.xmn !== undefined && c.xmx !== undefined && c.xmn >= c.xmx)
      throw new UsageError(`--xmn (${c.xmn} bytes) must be below --xmx (${c.xmx} bytes)`)
    configs.push(c)
  }
  return configs
}
