/** The host benchmark's reusable parts (the entry point is host-bench.ts). */
export { binaryTreesV8 } from './v8-trees.js'
export { loadRuntimes, type AvailableRuntime, type RuntimeLoad } from './runtimes.js'
export { formatTable } from './table.js'
