/**
 * The worker thread of `pygc validate --jobs N`: tinypool calls the default export with one
 * runtime's validation job and sends back its report, or the error it threw as data
 * (../worker-errors.ts). Each runtime's validator keeps its scratch files apart from the
 * others' (cpython: a directory per process and thread; jython, ironpython, pypy: their own
 * directories), so the runtimes' validations can run side by side.
 */
import { message } from '../cli-support.js'
import { type SentError, sendError } from '../worker-errors.js'
import { VALIDATORS } from './index.js'
import type { ValidateOptions, ValidationReport } from './types.js'

export interface ValidateJob {
  runtime: ValidationReport['runtime']
  options: Omit<ValidateOptions, 'log'>
  /** Write the validator's progress lines to stderr, prefixed like the main thread's. */
  verbose: boolean
}

export type ValidateReply = { ok: true; report: ValidationReport } | { ok: false; error: SentError }

/** One job's validation, its progress lines (when verbose) on stderr: on either thread. */
export function runValidateJob(job: ValidateJob): Promise<ValidationReport> {
  const log = job.verbose ? (text: string) => message(`pygc validate ${job.runtime}: ${text}`) : () => {}
  return VALIDATORS[job.runtime]({ ...job.options, log })
}

export default async function validateInWorker(job: ValidateJob): Promise<ValidateReply> {
  try {
    return { ok: true, report: await runValidateJob(job) }
  } catch (e) {
    return { ok: false, error: sendError(e) }
  }
}
