/**
 * What the trace fuzzers share: a replay target that checks, op by op, that the manager is
 * only ever handed the ops of the uncorrupted trace (a corrupted record must be refused before
 * it runs), the verdict on one corrupted trace, and the per-family tally the fuzz tests assert
 * on and print (PYGC_FUZZ_REPORT=1) for the closing notes.
 * (Not a .test.ts file: shared by the fuzz test files.)
 */
import { BaselineManager } from '../../baseline/src/index.js'
import { PygcError, TraceFormatError } from '../src/errors.js'
import type { Rng } from '../src/rng.js'
import type { TraceWriterOptions } from '../src/trace/create-writer.js'
import { bufferSource, MemorySink, RecordingMutator, replayTrace } from '../src/trace/index.js'
import type { CallbackSpec, GcControl, Mutator, Slot, TypeId, TypeSpec } from '../src/types.js'
import { randomProgram } from './trace-fakes.js'

/** Counts scale with PYGC_FUZZ (the root `npm run fuzz`); the default is CI-sized. */
export const FUZZ_SCALE = process.env.PYGC_FUZZ ? 10 : 1

/** A message longer than this echoes too much of the input. */
export const MAX_MESSAGE_CHARS = 1000

/**
 * Forwards every op to a real manager and compares it with the op the clean trace has at the
 * same index. Without `expected` it records the clean log instead.
 */
export class CheckedTarget implements Mutator {
  readonly log: string[] = []
  private index = 0
  /** Index of the first op that differs from the clean trace, or -1. */
  diverged = -1

  constructor(
    private readonly inner: Mutator,
    private readonly expected: readonly string[] | null = null,
  ) {}

  private note(call: string): void {
    if (this.expected === null) this.log.push(call)
    else if (this.diverged < 0 && this.expected[this.index] !== call) this.diverged = this.index
    this.index++
  }

  defineType(spec: TypeSpec): TypeId {
    this.note(`defineType ${JSON.stringify(spec)}`)
    return this.inner.defineType(spec)
  }
  defineGlobals(count: number): void {
    this.note(`defineGlobals ${count}`)
    this.inner.defineGlobals(count)
  }
  pushFrame(locals: number): void {
    this.note(`pushFrame ${locals}`)
    this.inner.pushFrame(locals)
  }
  popFrame(): void {
    this.note('popFrame')
    this.inner.popFrame()
  }
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.note(`alloc ${dst} ${type} ${length ?? 0}`)
    this.inner.alloc(dst, type, length)
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.note(`load ${dst} ${obj} ${field}`)
    this.inner.load(dst, obj, field)
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.note(`store ${obj} ${field} ${src}`)
    this.inner.store(obj, field, src)
  }
  move(dst: Slot, src: Slot): void {
    this.note(`move ${dst} ${src}`)
    this.inner.move(dst, src)
  }
  clear(dst: Slot): void {
    this.note(`clear ${dst}`)
    this.inner.clear(dst)
  }
  readInt(obj: Slot, index: number): number {
    this.note(`readInt ${obj} ${index}`)
    return this.inner.readInt(obj, index)
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.note(`writeInt ${obj} ${index} ${value}`)
    this.inner.writeInt(obj, index, value)
  }
  isNull(slot: Slot): boolean {
    this.note(`isNull ${slot}`)
    return this.inner.isNull(slot)
  }
  same(a: Slot, b: Slot): boolean {
    this.note(`same ${a} ${b}`)
    return this.inner.same(a, b)
  }
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.note(`weakref ${dst} ${target} ${callback?.tag}`)
    this.inner.weakref(dst, target, callback)
  }
  deref(dst: Slot, weak: Slot): void {
    this.note(`deref ${dst} ${weak}`)
    this.inner.deref(dst, weak)
  }
  collect(generation?: number): number {
    this.note(`collect ${generation}`)
    return this.inner.collect(generation)
  }
  gcControl(action: GcControl): boolean {
    this.note(`gcControl ${action}`)
    return this.inner.gcControl(action)
  }
  idOf(slot: Slot): number {
    this.note(`idOf ${slot}`)
    return this.inner.idOf(slot)
  }
  lengthOf(slot: Slot): number {
    this.note(`lengthOf ${slot}`)
    return this.inner.lengthOf(slot)
  }
  pin(obj: Slot): void {
    this.note(`pin ${obj}`)
    this.inner.pin(obj)
  }
  unpin(obj: Slot): void {
    this.note(`unpin ${obj}`)
    this.inner.unpin(obj)
  }
}

/** A recorded random program on the baseline manager, and its clean replay log. */
export interface FuzzTrace {
  bytes: Uint8Array
  log: readonly string[]
}

export function recordRandomProgram(
  seed: number,
  ops: number,
  options: TraceWriterOptions & Record<string, unknown>,
  rng: Rng,
): FuzzTrace {
  const sink = new MemorySink()
  const rec = new RecordingMutator(new BaselineManager(), sink, {
    ...options,
    metadata: { workload: 'fuzz', seed, params: { ops, shape: { nested: [1, 2.5, 'x'] } } },
  })
  randomProgram(rec, rng, ops)
  rec.finish()
  const bytes = sink.bytes()
  const clean = new CheckedTarget(new BaselineManager())
  replayTrace(bufferSource(bytes), clean)
  return { bytes, log: clean.log }
}

/** What went wrong with one corrupted trace; both null if it was handled right. */
export interface Verdict {
  /** Not refused with a TraceFormatError at an offset inside the trace, in a message of bounded length. */
  wrongError: string | null
  /** An op that differs from the clean trace reached the manager (at this op index). */
  ranCorrupted: number | null
}

export function verdict(bytes: Uint8Array, clean: FuzzTrace): Verdict {
  const target = new CheckedTarget(new BaselineManager(), clean.log)
  let wrongError: string | null = null
  try {
    replayTrace(bufferSource(bytes), target)
    wrongError = 'accepted (replayed to the end)'
  } catch (e) {
    if (!(e instanceof PygcError))
      wrongError = `${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 120)}`
    else if (!(e instanceof TraceFormatError)) wrongError = `${e.code}: ${e.message.slice(0, 120)}`
    else if (!(e.offset >= 0 && e.offset <= bytes.length)) wrongError = `offset ${e.offset} outside the trace`
    else if (e.message.length > MAX_MESSAGE_CHARS) wrongError = `a message of ${e.message.length} characters`
  }
  return { wrongError, ranCorrupted: target.diverged >= 0 ? target.diverged : null }
}

export interface FamilyTally {
  family: string
  variants: number
  /** Variants with either problem. */
  failures: number
  /** Variants not refused with a proper TraceFormatError (another error, or none). */
  wrongError: number
  /** Variants that handed the manager an op the clean trace does not have. */
  ranCorrupted: number
  /** The first few failures, for the assertion message. */
  examples: string[]
}

/**
 * Run `variants` corruptions of one family. `make` returns the corrupted bytes and a label, or
 * null when the edit left the trace unchanged (not counted).
 */
export function runFamily(
  family: string,
  variants: number,
  clean: FuzzTrace,
  make: (i: number) => { bytes: Uint8Array; label: string } | null,
): FamilyTally {
  const tally: FamilyTally = {
    family,
    variants: 0,
    failures: 0,
    wrongError: 0,
    ranCorrupted: 0,
    examples: [],
  }
  for (let i = 0; i < variants; i++) {
    const variant = make(i)
    if (variant === null || sameBytes(variant.bytes, clean.bytes)) continue
    tally.variants++
    const { wrongError, ranCorrupted } = verdict(variant.bytes, clean)
    if (wrongError !== null) tally.wrongError++
    if (ranCorrupted !== null) tally.ranCorrupted++
    if (wrongError !== null || ranCorrupted !== null) {
      tally.failures++
      const ran = ranCorrupted === null ? '' : `ran corrupted op ${ranCorrupted}; `
      if (tally.examples.length < 3)
        tally.examples.push(`${variant.label}: ${ran}${wrongError ?? 'then TRACE_FORMAT'}`)
    }
  }
  if (process.env.PYGC_FUZZ_REPORT) {
    console.log(
      `fuzz ${family}: ${tally.variants} variants, ${tally.failures} failures ` +
        `(${tally.wrongError} without a TraceFormatError, ${tally.ranCorrupted} ran a corrupted op)`,
    )
    for (const e of tally.examples) console.log(`  e.g. ${e}`)
  }
  return tally
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
