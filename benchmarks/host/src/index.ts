/** The host benchmark's reusable parts (the entry point is host-bench.ts). */

export { type AvailableRuntime, loadRuntimes, type RuntimeLoad } from './runtimes.js'
export { formatTable } from './table.js'
export { binaryTreesV8 } from './v8-trees.js'
