/**
 * Progress on stderr: a one-line bar redrawn in place, only when stderr is a terminal and the
 * user did not ask for --quiet. Piped or captured stderr (CI logs, tests) stays clean.
 */
export interface Progress {
  /** Show that `label` is starting (step `done + 1` of `total`). */
  start(label: string): void
  /** Mark one step finished. */
  step(): void
  /** Update the detail of the current step (e.g. ops replayed). */
  detail(text: string): void
  done(): void
}

const WIDTH = 28

export function createProgress(total: number, options: { quiet: boolean }): Progress {
  const stream = process.stderr
  if (options.quiet || !stream.isTTY) return { start() {}, step() {}, detail() {}, done() {} }
  let done = 0
  let label = ''
  const draw = (detail = '') => {
    const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`
    const line = `${bar} ${done}/${total} ${label}${detail ? ` ${detail}` : ''}`
    // A pseudo-terminal may report 0 columns: treat that as unknown.
    const columns = stream.columns || 100
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`)
  }
  return {
    start(l) {
      label = l
      draw()
    },
    step() {
      done++
      draw()
    },
    detail(text) {
      draw(text)
    },
    done() {
      stream.write('\r\x1b[2K')
    },
  }
}
