/**
 * @pygc/bench as a library: the runtime registry, workload lookup, the run machinery and the
 * results document, for tools that drive pygc without its command line.
 */

export { type ExecuteOptions, type Execution, executeProgram, executeWorkload } from './execute.js'
export { type MergeInput, type MergeOutcome, mergeDocuments } from './merge.js'
export { findMinHeap, MIN_HEAP_TOLERANCE } from './min-heap.js'
export * from './results.js'
export {
  MAX_RESULTS_DEPTH,
  MAX_RESULTS_FILE_BYTES,
  parseResultsText,
  readResultsFile,
  resultsSchemaError,
} from './results-file.js'
export { instancePolicy, runtimeInstance } from './runtime-instances.js'
export {
  DEFAULT_RUNTIMES,
  findRuntime,
  parseRuntimeList,
  RUNTIMES,
  type RuntimeChoice,
  runtimeNames,
} from './runtimes.js'
export { tuneV8Inlining, V8_INLINING_FLAGS } from './v8-tuning.js'
export { validate } from './validate/api.js'
export {
  type Capability,
  type OracleCapabilities,
  OracleCapabilityError,
  traceNeeds,
} from './validate/capabilities.js'
export { formatValidationTable } from './validate/index.js'
export type {
  HeapConfig,
  Residual,
  TraceValidateOptions,
  ValidatedRuntime,
  ValidateOptions,
  ValidationReport,
  ValidationRow,
  Validator,
} from './validate/types.js'
export { allWorkloads, findWorkload, resolveWorkloadParams, workloadNames } from './workloads.js'
