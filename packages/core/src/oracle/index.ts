export { type OracleOptions, ReachabilityOracle } from './reachability-oracle.js'
export { type OracleTee, type WithOracleOptions, withOracle } from './with-oracle.js'
