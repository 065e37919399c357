/**
 * What each oracle can replay, and the check that runs before any oracle or model does: a
 * trace needing something an oracle cannot do is refused at once with the op index of the
 * first op that needs it and the capability it lacks (OracleCapabilityError), instead of a
 * crash in the oracle or a silent divergence in the comparison.
 *
 * The needs are found by one pass over the trace with a shadow of its slots and reference
 * fields (so a weak reference's target is known by type even when it was loaded from a field).
 * A need is counted where it first takes effect: a finalizer, a resurrecting, legacy or
 * allocating finalizer at the first allocation of such a type; a shape an oracle cannot build at the type's
 * definition (the op index is then the next op's); a callback at its weakref op; a pin at its
 * PIN op; a gc control at its op; a byte payload at the first allocation of an object that has
 * one (or of a finalizable object whose finalizer allocates one); a store into a tuple after its
 * fill (tuple-fill.ts) at that store.
 */
import { statSync } from 'node:fs'
import { fileSource, PygcError, TraceReader, type TypeSpec } from '@pygc/core'
import { TupleFill } from './tuple-fill.js'

/** The features a trace may need from an oracle. */
export type Capability =
  /** Objects with a finalizer (`__del__`, a .NET finalizer, Object.finalize). */
  | 'finalizer'
  /** A finalizer that stores its object into a global (FinalizerSpec.resurrectInto). */
  | 'resurrection'
  /** CPython's legacy tp_del finalizer (FinalizerSpec.legacy). */
  | 'legacy-finalizer'
  /** A finalizer that allocates objects or stores a new one into a global (FinalizerSpec.allocate, storeNew). */
  | 'finalizer-allocation'
  /** A weak reference with a callback. */
  | 'weakref-callback'
  /** A weak reference to a plain list (shape 'list', no finalizer): exact lists have no weakref slot in Python. */
  | 'weakref-to-list'
  /** The tuple shape (made by the alloc and the stores that fill it: replay_pypy.py builds it from them). */
  | 'shape-tuple'
  /**
   * A store or writeInt into a tuple after its fill (tuple-fill.ts): a Python program cannot
   * store into a tuple; only CPython's replay writes one in place, as a C extension can.
   */
  | 'tuple-store'
  /** A weak reference to a tuple-shaped object: Python's tuples have no weakref slot. */
  | 'weakref-to-tuple'
  /** A tuple-shaped type with a finalizer, or a finalizer that makes tuple-shaped objects. */
  | 'tuple-finalizer'
  /** A variable-length type of shape 'slots' or 'dict-instance'. */
  | 'variable-instance'
  /** A 'slots' or 'dict-instance' type of more than 256 reference or int fields. */
  | 'wide-instance'
  /** pin / unpin. */
  | 'pin'
  /** gc.disable/enable/freeze/unfreeze. */
  | 'gc-control'
  /**
   * Objects carrying opaque payload bytes: a type's fixed `bytes` > 0, or a `variable: 'bytes'`
   * allocation of n > 0 bytes. An oracle without it would replay a smaller program than the
   * model measures (the models count the payload into the object's size).
   */
  | 'byte-payload'

export const CAPABILITIES: readonly Capability[] = [
  'finalizer',
  'resurrection',
  'legacy-finalizer',
  'finalizer-allocation',
  'weakref-callback',
  'weakref-to-list',
  'shape-tuple',
  'tuple-store',
  'weakref-to-tuple',
  'tuple-finalizer',
  'variable-instance',
  'wide-instance',
  'pin',
  'gc-control',
  'byte-payload',
]

/** One oracle and what it can replay (everything not listed is refused). */
export interface OracleCapabilities {
  /** e.g. "replay.py on python3", "TraceReplay.java on java". */
  oracle: string
  can: readonly Capability[]
  /** Where the oracle's limits are explained. */
  source: string
}

const PYTHON_INSTANCE_LIMITS: Capability[] = [
  'finalizer',
  'resurrection',
  'finalizer-allocation',
  'weakref-callback',
  'pin',
]

/**
 * benchmarks/oracles/replay.py on CPython: real lists, __slots__ classes, plain classes; a byte
 * payload is a real `bytes` object held by one more item, slot or attribute of its owner, as the
 * CPython model lays it out (replay.py make_payload, packages/cpython/src/layout.ts); a tuple is
 * made whole and its items written in place, as a C extension fills a tuple it owns
 * (benchmarks/oracles/tuple_items.py TupleItems).
 */
export const REPLAY_PY_CPYTHON: OracleCapabilities = {
  oracle: 'replay.py on python3',
  can: [
    ...PYTHON_INSTANCE_LIMITS,
    'legacy-finalizer',
    'gc-control',
    'byte-payload',
    'shape-tuple',
    'tuple-store',
  ],
  source: 'benchmarks/oracles/replay.py (make_class)',
}

/**
 * replay.py on Jython 2.7: as on CPython; a legacy finalizer is an ordinary __del__ there (the
 * model treats it so too), and gc.disable and friends are refused by Jython itself, a result
 * both sides report.
 */
export const REPLAY_PY_JYTHON: OracleCapabilities = {
  oracle: 'replay.py on jython',
  can: [...PYTHON_INSTANCE_LIMITS, 'legacy-finalizer', 'gc-control'],
  source: 'benchmarks/oracles/replay.py (make_class)',
}

/**
 * benchmarks/oracles/pypy/replay_pypy.py on pypy3: replay.py's classes (make_class), so the
 * same shapes as on CPython; a legacy finalizer is an ordinary __del__ on PyPy (the model
 * treats it so too); gc.disable and friends run as PyPy's gc module does them. A byte payload
 * is a real `bytes` its owner holds by one more item or attribute (replay.make_payload), as the
 * PyPy model lays it out (packages/pypy/src/layout.ts payloadReference). A tuple is built as a
 * program's `(a, b)` from its alloc and the stores that fill it (benchmarks/oracles/pypy/
 * pypy_tuples.py; tuple-fill.ts): a store into a tuple after its fill is refused.
 */
export const REPLAY_PYPY_CAPS: OracleCapabilities = {
  oracle: 'replay_pypy.py on pypy3',
  can: [...PYTHON_INSTANCE_LIMITS, 'legacy-finalizer', 'gc-control', 'byte-payload', 'shape-tuple'],
  source: 'benchmarks/oracles/pypy/replay_pypy.py (file comment)',
}

/**
 * What both array-per-object oracles replay: every shape and width, pins, gc controls,
 * finalizers, resurrection and callbacks the way their Python does (no legacy tp_del), and byte
 * payloads, which size the object's array (TraceReplay.java: one slot per 4 bytes, its type
 * record's fixedSlots/extraSlots; the .NET oracle: packed into 8-byte slots, its ALLOC and SlotsOf).
 */
const ARRAY_ORACLE_CAN: Capability[] = CAPABILITIES.filter((c) => c !== 'legacy-finalizer')

/**
 * TraceReplay.java: one Object[] per object, java.lang.ref.WeakReference, JNI-style pins;
 * finalizers (resurrecting ones too) through a Jython-style FinalizeTrigger, callbacks through
 * one GlobalRef per referent on a ReferenceQueue and a reaper thread.
 */
export const TRACE_REPLAY_JAVA: OracleCapabilities = {
  oracle: 'TraceReplay.java on java',
  can: ARRAY_ORACLE_CAN,
  source: 'benchmarks/oracles/jvm/TraceReplay.java (file comment)',
}

/**
 * The .NET oracle: object[] per object, finalizable subclasses (whose finalizer may store the
 * object into a global), WeakReference with callbacks run by an IronPython-style WeakRefTracker,
 * pinned GCHandles.
 */
export const CLR_ORACLE: OracleCapabilities = {
  oracle: 'ClrOracle on dotnet',
  can: ARRAY_ORACLE_CAN,
  source: 'benchmarks/oracles/clr/README.md',
}

/** The first op needing each capability (absent: the trace does not need it). */
export type TraceNeeds = Partial<Record<Capability, number>>

/** The refusal: `where` names the oracle, the capability and the op index. */
export class OracleCapabilityError extends PygcError {
  readonly capability: Capability
  readonly op: number
  readonly oracle: string

  constructor(oracle: OracleCapabilities, capability: Capability, op: number, trace: string) {
    super(
      'UNSUPPORTED',
      `${oracle.oracle} cannot replay ${trace}: op ${op} needs '${capability}', which this oracle does not have (${oracle.source}; see apps/bench/VALIDATE.md, "Capabilities")`,
      { oracle: oracle.oracle, capability, op, trace },
    )
    this.name = 'OracleCapabilityError'
    this.capability = capability
    this.op = op
    this.oracle = oracle.oracle
  }
}

/** A slot's or field's content in the shadow: an object's type and fields, or a weak reference. */
interface Shadow {
  type: number
  fields: (Shadow | null)[] | null
  target: Shadow | null
}

/** Needs of the traces read lately, by path, size and modification time (validate() and its validator ask twice). */
const recent = new Map<string, { stamp: string; needs: TraceNeeds }>()
const RECENT_TRACES = 8

/**
 * The capabilities `trace` needs, each with the first op index that needs it. One pass over
 * the trace (remembered for the same unchanged file); the shadow holds what the trace holds, so
 * memory follows the trace's live data.
 */
export function traceNeeds(trace: string): TraceNeeds {
  const { size, mtimeMs } = statSync(trace)
  const stamp = `${size}:${mtimeMs}`
  const known = recent.get(trace)
  if (known !== undefined && known.stamp === stamp) return { ...known.needs }
  const needs = scanTrace(trace)
  recent.set(trace, { stamp, needs })
  if (recent.size > RECENT_TRACES) recent.delete(recent.keys().next().value as string)
  return { ...needs }
}

function scanTrace(trace: string): TraceNeeds {
  const needs: TraceNeeds = {}
  const need = (c: Capability, op: number): void => {
    if (needs[c] === undefined) needs[c] = op
  }
  const types: TypeSpec[] = []
  const globals: (Shadow | null)[] = []
  const stack: (Shadow | null)[] = []
  const bases: number[] = []
  let base = 0
  const at = (slot: number): number => (slot >= 0 ? base + slot : -1)
  const get = (slot: number): Shadow | null =>
    slot >= 0 ? (stack[base + slot] ?? null) : (globals[-slot - 1] ?? null)
  const set = (slot: number, v: Shadow | null): void => {
    if (slot >= 0) stack[at(slot)] = v
    else globals[-slot - 1] = v
  }
  // replay_pypy.py's index of a slot in its registers (tuple-fill.ts): globals below locals
  const key = (slot: number): number => (slot >= 0 ? base + slot : slot)
  const fill = new TupleFill()
  const isTuple = (s: Shadow | null): boolean => s !== null && s.type >= 0 && types[s.type]?.shape === 'tuple'
  const reader = new TraceReader(fileSource(trace))
  for (let op = reader.next(); op !== null; op = reader.next()) {
    const index = reader.ops - 1
    if (op.op !== 'defineType' && op.op !== 'defineGlobals' && !fill.keeps(op, key, base)) {
      fill.open = null
      if ((op.op === 'store' || op.op === 'writeInt') && isTuple(get(op.obj))) need('tuple-store', index)
    }
    switch (op.op) {
      case 'defineType': {
        const spec = op.spec
        types.push(spec)
        const shape = spec.shape ?? 'list'
        const next = reader.ops
        if (shape === 'tuple') need('shape-tuple', next)
        if (shape === 'tuple' && spec.finalizer) need('tuple-finalizer', next)
        const f = spec.finalizer
        for (const made of [f?.allocate?.type, f?.storeNew?.type])
          if (made !== undefined && (types[made]?.shape ?? 'list') === 'tuple') need('tuple-finalizer', next)
        if ((shape === 'slots' || shape === 'dict-instance') && spec.variable !== undefined)
          need('variable-instance', next)
        if ((shape === 'slots' || shape === 'dict-instance') && (spec.refs > 256 || (spec.ints ?? 0) > 256))
          need('wide-instance', next)
        break
      }
      case 'pushFrame':
        bases.push(base)
        base = stack.length
        for (let i = 0; i < op.locals; i++) stack.push(null)
        break
      case 'popFrame':
        stack.length = base
        base = bases.pop() ?? 0
        break
      case 'alloc': {
        const spec = types[op.type]
        if (spec.finalizer) {
          need('finalizer', index)
          if (spec.finalizer.resurrectInto !== undefined) need('resurrection', index)
          if (spec.finalizer.legacy) need('legacy-finalizer', index)
          if (spec.finalizer.allocate !== undefined || spec.finalizer.storeNew !== undefined)
            need('finalizer-allocation', index)
        }
        const payload = spec.variable === 'bytes' ? op.length : (spec.bytes ?? 0)
        if (payload > 0 || finalizerPayload(spec, types)) need('byte-payload', index)
        const refs = spec.variable === 'refs' ? op.length : spec.refs
        set(op.dst, {
          type: op.type,
          fields: refs > 0 ? new Array<Shadow | null>(refs).fill(null) : null,
          target: null,
        })
        if (spec.shape === 'tuple') fill.open = key(op.dst)
        break
      }
      case 'load':
        set(op.dst, get(op.obj)?.fields?.[op.field] ?? null)
        break
      case 'store': {
        const fields = get(op.obj)?.fields
        if (fields) fields[op.field] = get(op.src)
        break
      }
      case 'move':
        set(op.dst, get(op.src))
        break
      case 'clear':
        set(op.dst, null)
        break
      case 'weakref': {
        const target = get(op.target)
        if (op.callback !== undefined) need('weakref-callback', index)
        if (target !== null && target.type >= 0) {
          const spec = types[target.type]
          if ((spec.shape ?? 'list') === 'list' && !spec.finalizer) need('weakref-to-list', index)
          if (spec.shape === 'tuple') need('weakref-to-tuple', index)
        }
        set(op.dst, { type: -1, fields: null, target })
        break
      }
      case 'deref':
        set(op.dst, get(op.weak)?.target ?? null)
        break
      case 'pin':
      case 'unpin':
        need('pin', index)
        break
      case 'gcControl':
        need('gc-control', index)
        break
      default:
        break
    }
  }
  return needs
}

/** Whether `spec`'s finalizer allocates objects of a type with payload bytes (such types are fixed-size). */
function finalizerPayload(spec: TypeSpec, types: readonly TypeSpec[]): boolean {
  const f = spec.finalizer
  if (f === undefined) return false
  const hasBytes = (t: number | undefined): boolean => t !== undefined && (types[t]?.bytes ?? 0) > 0
  return hasBytes(f.allocate?.type) || hasBytes(f.storeNew?.type)
}

/** The first need (by op index) that `oracle` lacks, or null when it can replay the trace. */
export function firstMissing(
  needs: TraceNeeds,
  oracle: OracleCapabilities,
): { capability: Capability; op: number } | null {
  let first: { capability: Capability; op: number } | null = null
  for (const c of CAPABILITIES) {
    const op = needs[c]
    if (op === undefined || oracle.can.includes(c)) continue
    if (first === null || op < first.op) first = { capability: c, op }
  }
  return first
}

/** Throw OracleCapabilityError when `oracle` cannot replay a trace with these needs. */
export function requireCapabilities(needs: TraceNeeds, oracle: OracleCapabilities, trace: string): void {
  const missing = firstMissing(needs, oracle)
  if (missing !== null) throw new OracleCapabilityError(oracle, missing.capability, missing.op, trace)
}
