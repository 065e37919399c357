/**
 * `pygc validate --jobs N`: each runtime's validation (its whole set of cases, one real runtime
 * each) in its own worker thread (tinypool), N at a time. The real runtimes run as child
 * processes, so two validations overlap their oracles' start-up and runs on two cores; the
 * reports come back in the runtimes' order whatever finishes first, so the table and JSON are
 * the same as with --jobs 1 (the real runtimes' own figures aside, which vary run to run on
 * their own).
 *
 * What is left: the cell is a runtime's whole set, not each (case, heap) — one runtime's cases
 * share its oracle session (the start-up measurements every case is corrected by) and scratch
 * directory, so splitting one runtime's set needs per-cell sessions first.
 */
import { Tinypool } from 'tinypool'
import { receiveError } from '../worker-errors.js'
import { compiledWorker, workerExecArgv } from '../worker-pool.js'
import type { ValidationReport } from './types.js'
import { runValidateJob, type ValidateJob, type ValidateReply } from './worker.js'

/** Every job's report, in job order; the first job's error (after all have finished) is thrown. */
export async function runValidateJobs(
  jobs: readonly ValidateJob[],
  threads: number,
): Promise<ValidationReport[]> {
  if (threads <= 1 || jobs.length <= 1) {
    const reports: ValidationReport[] = []
    for (const job of jobs) reports.push(await runValidateJob(job))
    return reports
  }
  const pool = new Tinypool({
    filename: compiledWorker('validate/worker.js'),
    minThreads: Math.min(threads, jobs.length),
    maxThreads: Math.min(threads, jobs.length),
    execArgv: workerExecArgv(process.execArgv),
  })
  try {
    const replies = await Promise.all(
      jobs.map(async (job): Promise<ValidateReply> => {
        try {
          return (await pool.run(job)) as ValidateReply
        } catch (e) {
          return {
            ok: false,
            error: {
              kind: 'other',
              name: 'Error',
              message: `the validation thread of ${job.runtime} died: ${(e as Error).message}`,
            },
          }
        }
      }),
    )
    const failed = replies.find((r) => !r.ok)
    if (failed && !failed.ok) throw receiveError(failed.error)
    return replies.map((r) => (r as { ok: true; report: ValidationReport }).report)
  } finally {
    await pool.destroy()
  }
}
