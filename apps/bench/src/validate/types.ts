/**
 * The shape every runtime's validation (model vs. the real runtime) reports in, so that
 * `pygc validate --runtime X` prints one table format for all of them.
 */
export interface ValidationRow {
  /** Validation case, e.g. "binary-trees d=10". */
  case: string
  /** What is compared, e.g. "gen0 collections", "event order". */
  metric: string
  model: string | number
  real: string | number
  ok: boolean
  /** Tolerance or explanation of a residual (see the package's FIDELITY.md). */
  note?: string
}

export interface ValidationReport {
  /** The registered runtime's name (apps/bench/src/runtimes.ts REGISTRY). */
  runtime: string
  /** The real runtime and its version, e.g. "python3 3.11.7". */
  realRuntime: string
  rows: ValidationRow[]
  ok: boolean
  /** Residuals accepted with an explanation (each names the FIDELITY.md section). */
  residuals: string[]
}

export interface ValidateOptions {
  /** Restrict to these case names (default: the runtime's whole validation set). */
  cases?: string[]
  /** Progress messages (to stderr in the command). */
  log?: (message: string) => void
  /** Where compiled oracles and traces are cached (default: <repo>/.cache/oracles). */
  cacheDir?: string
}

export type Validator = (options: ValidateOptions) => Promise<ValidationReport>
