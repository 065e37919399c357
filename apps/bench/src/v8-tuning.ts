/**
 * V8's inlining budget for processes that run the models (the `pygc` command, its worker
 * threads, and the host benchmarks).
 *
 * Why: a workload drives a model through about ten Mutator calls per object (pushFrame, move,
 * alloc, store, popFrame, ...), and each call is cheap only when TurboFan inlines it into the
 * workload's function. TurboFan inlines callees into one function from a cumulative budget of
 * bytecode, `--max-inlined-bytecode-size-cumulative` (920 bytes in Node 20's V8, 11.3). A model's
 * alloc path alone takes most of it, so store, move and pushFrame stay calls. A budget of 4,000
 * bytes lets them inline.
 *
 * Measured with `PYGC_BENCH_CLOCK=cpu node benchmarks/host/dist/host-bench.js --speed R N 1500`,
 * quiet machine, default budget then 4,000, slowdown against plain V8 objects in the same process
 * (which runs under the same flag), binary-trees N=10: baseline 12.2 -> 8.8, jython 8.8 -> 7.5,
 * pypy 11.9 -> 9.3, cpython 22.9 -> 21.6; N=14: jython 8.5 -> 4.8, ironpython 9.1 -> 6.4,
 * pypy 6.5 -> 5.7, cpython 18.6 -> 17.6 (single runs vary by up to 1.5x; see the session notes).
 * A larger per-callee limit (--max-inlined-bytecode-size=1000) did not help.
 *
 * The flag changes only what the compiler inlines, never what a program computes: every result
 * is byte-identical with and without it. It is set at run time with v8.setFlagsFromString before
 * any model code is hot (TurboFan reads it when it optimizes a function), so it needs no node
 * command-line option; V8's flags are per process, so worker threads get it too.
 * PYGC_V8_INLINING=default keeps V8's own budget (to measure the difference).
 */
import { setFlagsFromString } from 'node:v8'

/** The V8 flags tuneV8Inlining sets. */
export const V8_INLINING_FLAGS: readonly string[] = Object.freeze([
  '--max-inlined-bytecode-size-cumulative=4000',
])

/**
 * Set V8_INLINING_FLAGS for this process, unless PYGC_V8_INLINING=default; returns the flags set.
 * Call it first thing, before any model code has run long enough to be optimized.
 */
export function tuneV8Inlining(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const choice = env.PYGC_V8_INLINING ?? ''
  if (choice === 'default') return []
  if (choice !== '' && choice !== 'tuned')
    throw new Error(`PYGC_V8_INLINING must be 'tuned' (the default) or 'default', got '${choice}'`)
  for (const flag of V8_INLINING_FLAGS) setFlagsFromString(flag)
  return V8_INLINING_FLAGS
}
