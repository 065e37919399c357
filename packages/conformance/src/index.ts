export { accountingReconciles } from './accounting.js'
export {
  type ConformanceCheck,
  type ConformanceOptions,
  conformanceChecks,
  runConformance,
  variantStressOps,
} from './checks.js'
export { type ContractRow, contractChecks, contractFailures, contractRows } from './contract-checks.js'
export { describeConformance } from './describe.js'
export {
  ConformanceFailure,
  deterministicStats,
  fingerprint,
  liveIds,
  releasingManagers,
  SETTLE_ROUNDS,
  settle,
} from './helpers.js'
export { oracleScene, resurrectionBeforeAnOp } from './oracle-scene.js'
export {
  PROGRAM_GLOBALS,
  PROGRAM_LOCALS,
  type RandomProgramOptions,
  type RandomProgramResult,
  RESURRECT_GLOBAL,
  runRandomProgram,
} from './random-program.js'
export {
  runShadowGraphProgram,
  type ShadowGraphOptions,
  type ShadowGraphResult,
} from './shadow-graph-program.js'
