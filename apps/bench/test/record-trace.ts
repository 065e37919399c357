/** A trace file of `program` recorded on the baseline manager, for tests of what reads traces. */
import { join } from 'node:path'
import { BaselineManager } from '@pygc/baseline'
import { fileSink, type Mutator, RecordingMutator } from '@pygc/core'

export function recordTrace(dir: string, name: string, program: (m: Mutator) => void): string {
  const path = join(dir, `${name}.trace`)
  const recorder = new RecordingMutator(new BaselineManager(), fileSink(path), { metadata: { name } })
  program(recorder)
  recorder.finish()
  return path
}
