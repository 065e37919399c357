/**
 * A workload is a program against the one Mutator interface: it never imports a manager, so
 * the same program with the same parameters and seed runs identically on every runtime.
 */
import type { Mutator, Rng } from '@pygc/core'

export type SizeName = 'test' | 'small' | 'medium' | 'large'
export const SIZE_NAMES: readonly SizeName[] = ['test', 'small', 'medium', 'large']

export interface ParamSpec {
  description: string
  /** Integer parameters only (counts, depths, percentages): keeps traces and params exact. */
  min: number
  max: number
}

export interface WorkloadResult {
  /** The self-check: identical on every manager (e.g. binary-trees' node count). */
  check: number
  /** What the check means, e.g. "nodes checked". */
  checkLabel: string
  /**
   * Runtime-dependent figures the program saw (weakrefs found alive, what gc.collect returned,
   * whether a finalizer resurrected its object yet): reported as results, never checked, and
   * never used to steer the program, so a trace replays on every runtime.
   */
  observations?: Readonly<Record<string, number>>
}

export interface Workload {
  name: string
  /** One line for `pygc list`. */
  description: string
  /** Where the shape comes from (benchmark, paper, pyperformance file...). */
  source: string
  params: Readonly<Record<string, ParamSpec>>
  /**
   * Named sizes: `test` runs in well under a second, `small` in seconds, `large` = the published
   * size where it fits every runtime's default heap (packages/workloads/README.md).
   */
  sizes: Readonly<Record<SizeName, Readonly<Record<string, number>>>>
  /**
   * About how many ops a run with these params makes (within a factor of ~1.5): what progress
   * bars and ETAs divide by, and how a pool orders its work. Never a result.
   */
  estimateOps(params: Readonly<Record<string, number>>): number
  /** The check value a correct run must give for these params (checked after every run). */
  expectedCheck(params: Readonly<Record<string, number>>): number
  run(m: Mutator, params: Readonly<Record<string, number>>, rng: Rng): WorkloadResult
}
