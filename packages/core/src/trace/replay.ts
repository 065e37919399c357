/**
 * replayTrace: drive any Mutator from a trace. The loop switches on the cursor's opcode and
 * calls the target with the register values, so replay costs a decode and a call per op.
 *
 * What is checked (TRACE_FORMAT.md, "What a replayer checks"): readInt and lengthOf results and
 * the ids handed out by defineType are program semantics and must match (REPLAY_MISMATCH);
 * isNull and same may legitimately differ after a weak dereference, so they are counted;
 * collect results are runtime-specific and only reported.
 */
import { PygcError, TraceFormatError } from '../errors.js'
import type { GcControl, Mutator } from '../types.js'
import type { OpCursor } from './cursor.js'
import {
  GC_CONTROL_CODES,
  OP_ALLOC,
  OP_CLEAR,
  OP_COLLECT,
  OP_DEFINE_GLOBALS,
  OP_DEFINE_TYPE,
  OP_DEREF,
  OP_END,
  OP_GC_CONTROL,
  OP_ID_OF,
  OP_IS_NULL,
  OP_LENGTH_OF,
  OP_LOAD,
  OP_MOVE,
  OP_PIN,
  OP_POP_FRAME,
  OP_PUSH_FRAME,
  OP_READ_INT,
  OP_SAME,
  OP_STORE,
  OP_WEAKREF,
  OP_WRITE_INT,
} from './format.js'
import type { TraceSource } from './io.js'
import { registersToOp, SCHEMA_BY_CODE, schemaOfRecord } from './op-schema.js'
import { openTraceCursor } from './open-cursor.js'
import { describeTraceOp } from './trace-op.js'

export interface ReplayOptions {
  /** Called with the number of ops replayed so far, every `progressEvery` ops. */
  onProgress?: (opIndex: number) => void
  /** Default 1 << 20. */
  progressEvery?: number
}

export interface ReplayResult {
  /** Records replayed, DEFINE_* included. */
  records: number
  /** Ops replayed (DEFINE_* excluded): what the target's stats().ops should say. */
  ops: number
  metadata: Record<string, unknown>
  /** isNull results that differ from the recording (allowed after weak dereferences). */
  nullMismatches: number
  /** same results that differ from the recording. */
  sameMismatches: number
  /** Every collect: its op index, the recorded and the replayed result. */
  collectResults: { op: number; recorded: number; replayed: number }[]
}

const DEFAULT_PROGRESS_EVERY = 1 << 20

export function replayTrace(source: TraceSource, target: Mutator, options: ReplayOptions = {}): ReplayResult {
  const onProgress = options.onProgress
  const every = options.progressEvery ?? DEFAULT_PROGRESS_EVERY
  if (!Number.isInteger(every) || every < 1) {
    throw new PygcError('INVALID_OPTION', `progressEvery must be a positive integer, got ${every}`)
  }
  const cur = openTraceCursor(source)
  const result: ReplayResult = {
    records: 0,
    ops: 0,
    metadata: cur.metadata,
    nullMismatches: 0,
    sameMismatches: 0,
    collectResults: [],
  }
  let types = 0
  let code = OP_END
  try {
    let nextProgress = onProgress ? every : Number.POSITIVE_INFINITY
    for (code = cur.next(); code !== OP_END; code = cur.next()) {
      switch (code) {
        case OP_ALLOC:
          target.alloc(cur.a, cur.b, cur.c)
          break
        case OP_LOAD:
          target.load(cur.a, cur.b, cur.c)
          break
        case OP_STORE:
          target.store(cur.a, cur.b, cur.c)
          break
        case OP_MOVE:
          target.move(cur.a, cur.b)
          break
        case OP_CLEAR:
          target.clear(cur.a)
          break
        case OP_READ_INT: {
          const got = target.readInt(cur.a, cur.b)
          if (got !== cur.c) mismatch(cur, code, cur.c, got)
          break
        }
        case OP_WRITE_INT:
          target.writeInt(cur.a, cur.b, cur.c)
          break
        case OP_PUSH_FRAME:
          target.pushFrame(cur.a)
          break
        case OP_POP_FRAME:
          target.popFrame()
          break
        case OP_IS_NULL:
          if (target.isNull(cur.a) !== (cur.b === 1)) result.nullMismatches++
          break
        case OP_SAME:
          if (target.same(cur.a, cur.b) !== (cur.c === 1)) result.sameMismatches++
          break
        case OP_WEAKREF:
          if (cur.c === 0) target.weakref(cur.a, cur.b)
          else target.weakref(cur.a, cur.b, { tag: cur.c - 1 })
          break
        case OP_DEREF:
          target.deref(cur.a, cur.b)
          break
        case OP_COLLECT: {
          const replayed = cur.a === -1 ? target.collect() : target.collect(cur.a)
          result.collectResults.push({ op: cur.ops - 1, recorded: cur.b, replayed })
          break
        }
        case OP_GC_CONTROL:
          target.gcControl(GC_CONTROL_CODES[cur.a] as GcControl)
          break
        case OP_ID_OF:
          target.idOf(cur.a)
          break
        case OP_LENGTH_OF: {
          const got = target.lengthOf(cur.a)
          if (got !== cur.b) mismatch(cur, code, cur.b, got)
          break
        }
        case OP_DEFINE_TYPE: {
          const id = target.defineType(cur.spec!)
          if (id !== types) mismatch(cur, code, types, id)
          types++
          break
        }
        case OP_DEFINE_GLOBALS:
          target.defineGlobals(cur.a)
          break
        case OP_PIN:
          if (cur.b === 1) target.pin(cur.a)
          else target.unpin(cur.a)
          break
      }
      if (cur.ops >= nextProgress) {
        onProgress!(cur.ops)
        nextProgress += every
      }
    }
  } catch (e) {
    cur.close()
    // The target's own errors (a bad slot, an OOM...) keep their class and code; we add where
    // in the trace they happened.
    if (
      e instanceof PygcError &&
      !(e instanceof TraceFormatError) &&
      e.code !== 'REPLAY_MISMATCH' &&
      code !== OP_END
    ) {
      e.message = `${e.message} (replaying ${position(cur, code)})`
    }
    throw e
  }
  result.records = cur.records
  result.ops = cur.ops
  if (onProgress && result.ops % every !== 0) onProgress(result.ops)
  return result
}

/** "op 12 at byte 345: readInt L0.int[1] -> 7" (the current record, for messages). */
function position(cur: OpCursor, code: number): string {
  const schema = schemaOfRecord(code, cur)
  const index =
    schema && schema.code !== OP_DEFINE_TYPE && schema.code !== OP_DEFINE_GLOBALS
      ? `op ${cur.ops - 1}`
      : `record ${cur.records - 1}`
  return schema
    ? `${index} at byte ${cur.recordOffset}: ${describeTraceOp(registersToOp(schema, cur))}`
    : index
}

function mismatch(cur: OpCursor, code: number, recorded: number, replayed: number): never {
  const what = SCHEMA_BY_CODE[code]?.name
  const index =
    code === OP_DEFINE_TYPE ? { record: cur.records - 1 } : { op: cur.ops - 1, record: cur.records - 1 }
  throw new PygcError(
    'REPLAY_MISMATCH',
    `replay mismatch at ${position(cur, code)}: ${what} returned ${replayed}, the recording says ${recorded}`,
    { ...index, offset: cur.recordOffset, recorded, replayed },
  )
}
