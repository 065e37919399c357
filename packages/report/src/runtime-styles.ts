/**
 * What the report shows per runtime: its series colour, what its footprint measures, and what
 * the report's rows mean on it where that differs. The report knows no runtime by name: the
 * caller passes these from the runtime registry (each runtime package's RuntimeDescriptor;
 * apps/bench/src/runtimes.ts RUNTIME_STYLES), keyed by runtime name. A runtime without an
 * entry gets a fallback colour by its position and no per-runtime notes.
 */
export interface RuntimeStyle {
  /** CSS colour of the runtime's series, the same in every chart. */
  color: string
  /** What stats().footprintBytes measures on this runtime. */
  footprint: string
  /** What a METRIC_ROWS key means on this runtime, where that differs from METRIC_MEANING. */
  meanings?: Readonly<Record<string, string>>
}

export type RuntimeStyles = Readonly<Record<string, RuntimeStyle>>

export const NO_STYLES: RuntimeStyles = Object.freeze({})

/** The style of a runtime name or `name:preset` label; own keys only (a label may be "__proto__"). */
export function styleOf(styles: RuntimeStyles, runtime: string): RuntimeStyle | undefined {
  const name = runtime.split(':')[0]
  return Object.hasOwn(styles, name) ? styles[name] : undefined
}
