/**
 * --shard K/N and --shard auto: the scheduler environments it reads (Slurm job arrays,
 * Kubernetes Indexed Jobs) and the cells each shard takes.
 */
import { describe, expect, it } from 'vitest'
import { inShard, parseShard, shardFromEnvironment } from '../src/shard.js'
import { UsageError } from '../src/usage.js'

/** What sbatch --array=MIN-MAX[:STEP] sets in task ID (sbatch(1), OUTPUT ENVIRONMENT VARIABLES). */
function slurmTask(id: number, min: number, max: number, step = 1): Record<string, string> {
  return {
    SLURM_ARRAY_JOB_ID: '77',
    SLURM_ARRAY_TASK_ID: String(id),
    SLURM_ARRAY_TASK_MIN: String(min),
    SLURM_ARRAY_TASK_MAX: String(max),
    SLURM_ARRAY_TASK_STEP: String(step),
    SLURM_ARRAY_TASK_COUNT: String((max - min) / step + 1),
  }
}

describe('--shard K/N', () => {
  it('parses K/N and refuses K outside 1..N', () => {
    expect(parseShard('2/4', {})).toEqual({ index: 2, count: 4 })
    expect(parseShard(undefined, {})).toEqual({ index: 1, count: 1 })
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/3'])
      expect(() => parseShard(bad, {})).toThrow(UsageError)
  })

  it('gives every cell to exactly one shard, K-1 modulo N', () => {
    const count = 3
    const owners = Array.from({ length: 10 }, (_, cell) =>
      [1, 2, 3].filter((index) => inShard(cell, { index, count })),
    )
    expect(owners).toEqual([[1], [2], [3], [1], [2], [3], [1], [2], [3], [1]])
  })
})

describe('--shard auto from a Slurm job array', () => {
  it('maps --array=0-3 and --array=1-4 to shards 1..4 of 4', () => {
    expect([0, 1, 2, 3].map((id) => shardFromEnvironment(slurmTask(id, 0, 3)))).toEqual(
      [1, 2, 3, 4].map((index) => ({ index, count: 4 })),
    )
    expect(shardFromEnvironment(slurmTask(1, 1, 4))).toEqual({ index: 1, count: 4 })
    expect(parseShard('auto', slurmTask(4, 1, 4))).toEqual({ index: 4, count: 4 })
  })

  it('maps a stepped array (--array=0-30:10) by the task position', () => {
    expect(shardFromEnvironment(slurmTask(20, 0, 30, 10))).toEqual({ index: 3, count: 4 })
  })

  it('works without SLURM_ARRAY_TASK_STEP and SLURM_ARRAY_TASK_COUNT (min and max suffice)', () => {
    const { SLURM_ARRAY_TASK_STEP: _s, SLURM_ARRAY_TASK_COUNT: _c, ...env } = slurmTask(5, 3, 6)
    expect(shardFromEnvironment(env)).toEqual({ index: 3, count: 4 })
  })

  it('refuses an array given as a list (its count disagrees with min-max) and a missing min', () => {
    // --array=1,5,9: min 1, max 9, count 3.
    const list = { ...slurmTask(5, 1, 9), SLURM_ARRAY_TASK_COUNT: '3' }
    expect(() => shardFromEnvironment(list)).toThrow(/fixed step/)
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2' })).toThrow(/SLURM_ARRAY_TASK_MIN/)
    expect(() => shardFromEnvironment({ ...slurmTask(2, 0, 3), SLURM_ARRAY_TASK_MIN: 'x' })).toThrow(
      /SLURM_ARRAY_TASK_MIN='x'/,
    )
  })
})

describe('--shard auto from a Kubernetes Indexed Job', () => {
  it('maps JOB_COMPLETION_INDEX 0..N-1 with JOB_COMPLETIONS=N to shards 1..N', () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '4' })).toEqual({
      index: 1,
      count: 4,
    })
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '3', JOB_COMPLETIONS: '4' })).toEqual({
      index: 4,
      count: 4,
    })
  })

  it('needs JOB_COMPLETIONS (Kubernetes does not set the count) and an index below it', () => {
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '1' })).toThrow(/JOB_COMPLETIONS/)
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '4', JOB_COMPLETIONS: '4' })).toThrow(
      /not below JOB_COMPLETIONS=4/,
    )
  })

  it('prefers Slurm when both are set, and says what is missing when neither is', () => {
    const both = { ...slurmTask(1, 0, 1), JOB_COMPLETION_INDEX: '0', JOB_COMPLETIONS: '5' }
    expect(shardFromEnvironment(both)).toEqual({ index: 2, count: 2 })
    expect(() => parseShard('auto', {})).toThrow(/neither a Slurm job array .* nor a Kubernetes Indexed Job/)
  })
})
