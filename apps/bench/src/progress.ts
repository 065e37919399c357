/**
 * Progress on stderr, never with --quiet. On a terminal: a one-line bar redrawn in place with
 * done/total steps and, once a step has finished, an ETA. Without a terminal (CI logs, a batch
 * job's output file): nothing for a short command, but once it has run LINE_AFTER_MS, one line
 * per finished step with done/total and the ETA, so a long job's log shows how far it got.
 *
 * Steps may carry weights (a cell's estimated ops, Workload.estimateOps): the bar and the ETA
 * then go by work done rather than by steps done, so one big cell does not skew the estimate.
 */
export interface Progress {
  /** Show that `label` is starting. */
  start(label: string): void
  /** Mark the next step finished (steps finished in order). */
  step(): void
  /** Mark step `index` finished (steps finished in any order, e.g. by worker threads). */
  finish(index: number, label: string): void
  /**
   * Update the detail of the current step (e.g. ops replayed), with the fraction of the step
   * done when known (the bar and the ETA then move inside a long step too).
   */
  detail(text: string, fraction?: number): void
  done(): void
}

const WIDTH = 28
/** How long a command runs before a log without a terminal gets a line per finished step. */
export const LINE_AFTER_MS = 3000

export interface ProgressStream {
  isTTY?: boolean
  columns?: number
  write(text: string): unknown
}

/** "1 h 2 min", "3 min 4 s", "5 s": an ETA needs no more precision. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${s} s`
}

/** The time left at the pace so far: elapsed × work left / work done (undefined before any). */
export function estimateRemaining(
  elapsedMs: number,
  doneWeight: number,
  totalWeight: number,
): number | undefined {
  if (doneWeight <= 0 || totalWeight <= 0) return undefined
  return (elapsedMs * Math.max(0, totalWeight - doneWeight)) / doneWeight
}

const SILENT: Progress = { start() {}, step() {}, finish() {}, detail() {}, done() {} }

export function createProgress(
  steps: number | readonly number[],
  options: { quiet: boolean; stream?: ProgressStream; now?: () => number },
): Progress {
  const stream = options.stream ?? process.stderr
  if (options.quiet) return SILENT
  const now = options.now ?? (() => performance.now())
  const weights =
    typeof steps === 'number' ? new Array<number>(steps).fill(1) : steps.map((w) => Math.max(w, 1))
  const total = weights.length
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  const finished = new Array<boolean>(total).fill(false)
  const started = now()
  let done = 0
  let doneWeight = 0
  let label = ''
  /** The work done inside the step running on the main thread (its weight times its fraction). */
  let partial = 0
  const current = () => finished.indexOf(false)
  const eta = (): string => {
    const left = estimateRemaining(now() - started, doneWeight + partial, totalWeight)
    return left === undefined || done === total ? '' : ` ETA ${formatDuration(left)}`
  }
  const draw = (detail = '') => {
    if (!stream.isTTY) return
    const filled = totalWeight === 0 ? WIDTH : Math.round(((doneWeight + partial) / totalWeight) * WIDTH)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`
    const line = `${bar} ${done}/${total}${eta()} ${label}${detail ? ` ${detail}` : ''}`
    // A pseudo-terminal may report 0 columns: treat that as unknown.
    const columns = stream.columns || 100
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`)
  }
  const finish = (index: number, what: string) => {
    if (index < 0 || index >= total || finished[index]) return
    finished[index] = true
    partial = 0
    done++
    doneWeight += weights[index]
    // Steps finished by worker threads were never started here: name the one just done.
    if (stream.isTTY) draw(label === '' ? `(${what} done)` : '')
    else if (now() - started >= LINE_AFTER_MS)
      stream.write(`pygc: ${done}/${total} done (${what}) after ${formatDuration(now() - started)}${eta()}\n`)
  }
  return {
    start(l) {
      label = l
      partial = 0
      draw()
    },
    step() {
      finish(current(), label)
    },
    finish,
    detail(text, fraction) {
      const step = current()
      if (fraction !== undefined && step >= 0) partial = weights[step] * Math.min(Math.max(fraction, 0), 0.99)
      draw(text)
    },
    done() {
      if (stream.isTTY) stream.write('\r\x1b[2K')
    },
  }
}
