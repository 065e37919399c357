/**
 * `pygc validate --jobs N`: the validation's cells, one case of one runtime each (with all of
 * that case's heap sizes, which share its recorded trace), in worker threads (tinypool), N at a
 * time. The real runtimes run as child processes, so cells overlap their oracles' runs on every
 * core. Each cell is a validator called with one case name: its own oracle session (the start-up
 * measurements its case is corrected by) and scratch files, so cells share nothing. The cells'
 * rows come back in the set's order whatever finishes first and are joined into one report per
 * runtime, so the table and JSON are the same as with --jobs 1 (the real runtimes' own figures
 * aside, which vary run to run on their own).
 */
import { Tinypool } from 'tinypool'
import { VALIDATIONS } from '../runtimes.js'
import { receiveError } from '../worker-errors.js'
import { compiledWorker, workerExecArgv } from '../worker-pool.js'
import type { ValidationReport } from './types.js'
import { runValidateJob, type ValidateJob, type ValidateReply } from './worker.js'

/**
 * Every job's report, in job order; the first cell's error (after all have finished) is thrown.
 * With more than one thread each job is split into its cases' cells first.
 */
export async function runValidateJobs(
  jobs: readonly ValidateJob[],
  threads: number,
): Promise<ValidationReport[]> {
  if (threads <= 1) return runInPool(jobs, threads)
  const cells = jobs.map(cellsOf)
  const reports = await runInPool(cells.flat(), threads)
  let next = 0
  return cells.map((own) => joinReports(reports.slice(next, (next += own.length))))
}

/** A job's cells: one per case it runs (its named cases, else its runtime's default set). */
function cellsOf(job: ValidateJob): ValidateJob[] {
  const validation = VALIDATIONS.get(job.runtime)
  const named = job.options.cases
  // Named cases run in the set's order, as a validator orders them itself with --jobs 1.
  const order = validation?.caseNames ?? []
  const rank = (name: string) => {
    const i = order.indexOf(name)
    return i < 0 ? order.length : i
  }
  const names = named
    ? [...named].sort((a, b) => rank(a) - rank(b))
    : validation?.defaultCases(job.options.thorough === true)
  if (names === undefined || names.length <= 1) return [job]
  return names.map((name, i) => ({ ...job, options: { ...job.options, cases: [name], firstCell: i === 0 } }))
}

/** One runtime's report from its cells' reports, rows in the cells' order. */
function joinReports(cells: ValidationReport[]): ValidationReport {
  if (cells.length === 1) return cells[0]
  return {
    ...cells[0],
    rows: cells.flatMap((r) => r.rows),
    ok: cells.every((r) => r.ok),
    residuals: cells.flatMap((r) => r.residuals),
  }
}

async function runInPool(jobs: readonly ValidateJob[], threads: number): Promise<ValidationReport[]> {
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
              message: `the validation thread of ${job.runtime}${job.options.cases?.length === 1 ? ` (${job.options.cases[0]})` : ''} died: ${(e as Error).message}`,
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
