/**
 * @pygc/workloads: the shared workloads, programs against the one Mutator interface, with their
 * parameters, named sizes and self-checks; and the name and parameter resolution the command uses.
 */
import { PygcError } from '@pygc/core'
import { binaryTrees } from './binary-trees.js'
import { btree } from './btree.js'
import { finalizers } from './finalizers.js'
import { fragmentation } from './fragmentation.js'
import { gcCollect } from './gc-collect.js'
import { gcTraversal } from './gc-traversal.js'
import { gcbench } from './gcbench.js'
import { largeObjects } from './large-objects.js'
import { longChain } from './long-chain.js'
import { lruCache } from './lru-cache.js'
import { oldToYoung } from './old-to-young.js'
import type { Workload } from './types.js'
import { weakrefCache } from './weakref-cache.js'

export { LOH_THRESHOLD_BYTES } from './large-objects.js'
export { formatParams, resolveParams } from './params.js'
export * from './types.js'
export {
  binaryTrees,
  btree,
  finalizers,
  fragmentation,
  gcbench,
  gcCollect,
  gcTraversal,
  largeObjects,
  longChain,
  lruCache,
  oldToYoung,
  weakrefCache,
}

/** Every workload, in the order `pygc list` shows them. */
export const workloads: readonly Workload[] = [
  binaryTrees,
  gcbench,
  gcCollect,
  gcTraversal,
  btree,
  lruCache,
  largeObjects,
  finalizers,
  weakrefCache,
  oldToYoung,
  longChain,
  fragmentation,
]

/** The workload of this name; an unknown name raises UNKNOWN_WORKLOAD listing the valid ones. */
export function getWorkload(name: string): Workload {
  const found = workloads.find((w) => w.name === name)
  if (found) return found
  const valid = workloads.map((w) => w.name)
  throw new PygcError(
    'UNKNOWN_WORKLOAD',
    `unknown workload '${name}'; valid workloads: ${valid.join(', ')}`,
    {
      workload: name,
      valid,
    },
  )
}
