/**
 * The shape every runtime's validation (model vs. the real runtime) reports in, so that
 * `pygc validate` prints one table format for all of them. Rows carry numbers (a figure is a
 * number with a unit, never a formatted string to be parsed again) and, when a figure differs
 * within its bound, an explicit residual: the report's residual list is built from those
 * fields, never by reading notes.
 */
import type { OracleCapabilities, TraceNeeds } from './capabilities.js'

/** The runtimes with a trace validator (./api.ts TRACE_VALIDATORS). */
export type ValidatedRuntime = 'cpython' | 'jython' | 'ironpython' | 'pypy'

/** A difference accepted within a row's bound, and why (the package's FIDELITY.md section). */
export interface Residual {
  /** How far apart the two figures are, in `unit`; null when the difference has no size (an order). */
  amount: number | null
  /** '%' (relative to the real figure), 'count', 'KiB' or 'B'. */
  unit: '%' | 'count' | 'KiB' | 'B'
  /** The explanation, naming the FIDELITY.md section that gives the evidence. */
  why: string
}

export interface ValidationRow {
  /** Validation case, e.g. "binary-trees d=10 -Xmx24m/4m". */
  case: string
  /** What is compared, e.g. "gen0 collections", "event order". */
  metric: string
  /** Numbers for figures (with `unit`), text only for sequences and sets (causes, event order). */
  model: string | number
  real: string | number
  /** The unit of numeric model/real values ('KiB', 'B'); absent for counts and text. */
  unit?: string
  ok: boolean
  /** The bound the row is held to, e.g. "±1", "5%", "equal". */
  tolerance?: string
  /** Set when the row is ok although the figures differ: by how much, and why that is accepted. */
  residual?: Residual
  /** Anything else the reader should know (shown in the table's note column). */
  note?: string
}

export interface ValidationReport {
  /** The registered runtime's name (apps/bench/src/runtimes.ts REGISTRY). */
  runtime: string
  /** The model's preset when it is not the runtime's only one (cpython: 'cpython-3.12'). */
  preset?: string
  /** The real runtime and its version, e.g. "python3 3.11.7". */
  realRuntime: string
  rows: ValidationRow[]
  ok: boolean
  /** Residuals accepted with an explanation, one line per row with a `residual` (built by residualLines). */
  residuals: string[]
}

/** Heap configuration for validating a trace; each runtime reads its own fields. */
export interface HeapConfig {
  /** JVM: -Xms (default = xmx), -Xmx, -Xmn, in bytes. */
  xms?: number
  xmx?: number
  xmn?: number
  /** JVM: thread-local allocation buffers (default off: see packages/jython/FIDELITY.md, "TLAB"). */
  tlab?: boolean
  /** .NET: DOTNET_GCgen0size in bytes. */
  gen0size?: number
  /** CPython: gc.set_threshold(t0, t1, t2). */
  thresholds?: [number, number, number]
  /** PyPy: PYPY_GC_NURSERY in bytes. */
  nursery?: number
}

export interface ValidateOptions {
  /** Restrict to these case names (default: the runtime's whole validation set). */
  cases?: string[]
  /** Progress messages (to stderr in the command). */
  log?: (message: string) => void
  /** Where compiled oracles and traces are cached (default: <repo>/.cache/oracles). */
  cacheDir?: string
  /** More seeds and heap configurations (outside CI). */
  thorough?: boolean
  /** The model's preset, as `--runtime name:preset` names it (cpython: '3.12' or 'cpython-3.12'). */
  preset?: string
  /** The real runtime's executable (`--python PATH`; default: found by version). */
  python?: string
  /** cpython: also compare pymalloc's pools per size class (`--pymalloc`); blocks per size class and arenas always. */
  pymalloc?: boolean
  /**
   * Set when this call is one cell of a larger selection (`validate --jobs`, parallel.ts): false
   * for every cell but the selection's first. What a validator does once per selection (PyPy's
   * run with gc.hooks on) then happens in that cell only, as with --jobs 1.
   */
  firstCell?: boolean
}

export type Validator = (options: ValidateOptions) => Promise<ValidationReport>

/** What `validate(trace, runtime, options)` takes besides the trace. */
export interface TraceValidateOptions {
  /** The case name in the table (default: the trace file's name). */
  name?: string
  /** Heap configurations to compare at (default: the runtime's own, see each validator). */
  heaps?: HeapConfig[]
  log?: (message: string) => void
  cacheDir?: string
}

/** One runtime's validation of one trace, and what its oracles can replay. */
export interface TraceValidator {
  runtime: ValidatedRuntime
  /** The oracles this runtime's validation runs, each with what it can replay. */
  oracles: readonly OracleCapabilities[]
  /** Throw OracleCapabilityError when the oracle this trace would go to cannot replay it. */
  checkTrace(needs: TraceNeeds, trace: string): void
  validateTrace(trace: string, options: TraceValidateOptions): Promise<ValidationReport>
}
