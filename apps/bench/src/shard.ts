/**
 * `--shard K/N` and `--shard auto`: which of N machines this process is, so N processes split
 * the cells of a run or sweep and `pygc merge` joins their results into what one process writes.
 * A cell belongs to shard K when its index (its place in the command's fixed cell order) is
 * K-1 modulo N: deterministic, independent of timing, and every shard gets a mix of workloads.
 *
 * `auto` reads the index and count from the batch scheduler that started the process:
 * - Slurm job arrays (sbatch --array): SLURM_ARRAY_TASK_ID is this task's id, and
 *   SLURM_ARRAY_TASK_MIN / SLURM_ARRAY_TASK_MAX / SLURM_ARRAY_TASK_STEP / SLURM_ARRAY_TASK_COUNT
 *   describe the array (Slurm sbatch(1), "OUTPUT ENVIRONMENT VARIABLES"). An array `0-3` or
 *   `1-4` or `0-30:10` is 4 shards; the shard is the id's position in the array. An array
 *   given as a list (`--array=1,5,9`) has no min/step rule, so it is refused with a message.
 * - Kubernetes Indexed Jobs (completionMode: Indexed): the Job controller sets
 *   JOB_COMPLETION_INDEX (0 .. completions-1) in every pod, but nothing carries the completion
 *   count (the downward API cannot read spec.completions). The manifest must set
 *   JOB_COMPLETIONS to the Job's spec.completions (examples/k8s/indexed-job.yaml does).
 */
import { UsageError } from './usage.js'

export interface Shard {
  /** 1-based: 1 <= index <= count. */
  index: number
  count: number
}

/** The whole run: one shard. */
export const WHOLE: Shard = { index: 1, count: 1 }

/** Environment variables, as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>

function integerVariable(env: Environment, name: string): number | undefined {
  const text = env[name]
  if (text === undefined || text.trim() === '') return undefined
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new UsageError(`--shard auto: ${name}='${text}' is not an integer >= 0`)
  return value
}

function slurmShard(env: Environment, id: number): Shard {
  const min = integerVariable(env, 'SLURM_ARRAY_TASK_MIN')
  const max = integerVariable(env, 'SLURM_ARRAY_TASK_MAX')
  const step = integerVariable(env, 'SLURM_ARRAY_TASK_STEP') ?? 1
  const count = integerVariable(env, 'SLURM_ARRAY_TASK_COUNT')
  if (min === undefined || max === undefined)
    throw new UsageError(
      '--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN or SLURM_ARRAY_TASK_MAX is not; give --shard K/N',
    )
  const regular = step >= 1 && (max - min) % step === 0
  const span = regular ? (max - min) / step + 1 : 0
  if (!regular || (count !== undefined && count !== span) || (id - min) % step !== 0 || id < min || id > max)
    throw new UsageError(
      `--shard auto: Slurm array ${min}-${max}:${step} (${count ?? '?'} tasks, this one ${id}) is not a ` +
        'range with a fixed step (e.g. --array=0-3 or --array=1-8:1); give --shard K/N',
    )
  return { index: (id - min) / step + 1, count: span }
}

function kubernetesShard(env: Environment, index: number): Shard {
  const count = integerVariable(env, 'JOB_COMPLETIONS')
  if (count === undefined || count < 1)
    throw new UsageError(
      "--shard auto: JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS (the Job's spec.completions) is not; " +
        'set it in the pod template (see examples/k8s/indexed-job.yaml) or give --shard K/N',
    )
  if (index >= count)
    throw new UsageError(`--shard auto: JOB_COMPLETION_INDEX=${index} is not below JOB_COMPLETIONS=${count}`)
  return { index: index + 1, count }
}

/** The shard the scheduler's environment names: a Slurm array task or a Kubernetes Indexed Job pod. */
export function shardFromEnvironment(env: Environment): Shard {
  const slurmId = integerVariable(env, 'SLURM_ARRAY_TASK_ID')
  if (slurmId !== undefined) return slurmShard(env, slurmId)
  const completionIndex = integerVariable(env, 'JOB_COMPLETION_INDEX')
  if (completionIndex !== undefined) return kubernetesShard(env, completionIndex)
  throw new UsageError(
    '--shard auto: neither a Slurm job array (SLURM_ARRAY_TASK_ID) nor a Kubernetes Indexed Job ' +
      '(JOB_COMPLETION_INDEX) started this process; give --shard K/N',
  )
}

/** `--shard K/N` (1 <= K <= N) or `--shard auto`; absent = the whole run. */
export function parseShard(text: string | undefined, env: Environment = process.env): Shard {
  if (text === undefined) return WHOLE
  if (text === 'auto') return shardFromEnvironment(env)
  const match = /^(\d+)\/(\d+)$/.exec(text)
  const index = match ? Number(match[1]) : 0
  const count = match ? Number(match[2]) : 0
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard '${text}': expected K/N with 1 <= K <= N (e.g. 2/4), or auto`)
  }
  return { index, count }
}

/** Whether the cell with this index (0-based, in the command's cell order) is this shard's. */
export function inShard(cellIndex: number, shard: Shard): boolean {
  return cellIndex % shard.count === shard.index - 1
}
