/**
 * The op contract (core/src/types.ts, "The contract") as tables: every op × every class of bad
 * operand (not an integer, NaN, ±Infinity, a BigInt, a string, null, undefined, a boolean, an
 * object, a Symbol, negative, too large, the wrong kind of object), each row with the one code
 * every manager must raise. The rows run on one manager in a fixed state, through a
 * RecordingMutator; after each rejected call the check requires the code, no event, the same
 * fingerprint (stats without wall time and the native summary, the live ids, the object in
 * every slot) and a trace that recorded nothing (the recorder's op count still equals the
 * manager's). Then the manager must still work, and define the next type with the next id.
 *
 * Since every manager runs the same rows, a bad call gets the same code on every runtime.
 */
import {
  DEFAULT_ROOT_SLOT_LIMIT,
  type ErrorCode,
  globalSlot,
  isPygcError,
  MAX_LOCALS,
  MAX_PAYLOAD_BYTES,
  MAX_REF_FIELDS,
  MAX_TYPES,
  type MemoryManager,
  MemorySink,
  type Mutator,
  OutOfMemoryError,
  RecordingMutator,
  type Slot,
  type TypeSpec,
} from '@pygc/core'
import type { ConformanceCheck } from './checks.js'
import { ConformanceFailure, ensure, ensureEqual, expectCode, fingerprint, liveIds } from './helpers.js'

/** A bad call: what it is, the code it must raise, and the call (on the recording mutator). */
export type ContractRow = readonly [what: string, code: ErrorCode, call: (mu: Mutator) => unknown]

// The fixture's slots (fixture() below).
const NODE_SLOT = 0 // a node: refs 2, ints 1 (int 0 = 11), pinned once; also in G0
const WEAK_SLOT = 1 // a weak reference to the node, callback tag 3
const NULL_SLOT = 2 // null
const VEC_SLOT = 3 // a vec of 2 references and 1 int, not pinned
const LOCALS = 4
const G0 = globalSlot(0)
const G1 = globalSlot(1) // null
const GLOBALS = 2
const SLOTS: readonly Slot[] = [NODE_SLOT, WEAK_SLOT, NULL_SLOT, VEC_SLOT, G0, G1]

// The fixture's types.
const NODE = 0
const VEC = 1
const BLOB = 2 // refs 0, variable bytes
const TYPES = 3

/** Values that are not integers, each a class of bad argument. */
const NOT_INTEGERS: readonly (readonly [string, unknown])[] = [
  ['a fraction', 1.5],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['a BigInt', 1n],
  ['a string', '1'],
  ['null', null],
  ['undefined', undefined],
  ['a boolean', true],
  ['an object', {}],
  ['an array', [1]],
  ['a Symbol', Symbol('bad')],
]

/** The classes of a bad operand: not an integer, plus the integers out of range given. */
function classes(
  outOfRange: readonly (readonly [string, unknown])[],
  except: readonly string[] = [],
): (readonly [string, unknown])[] {
  return [...NOT_INTEGERS.filter(([name]) => !except.includes(name)), ...outOfRange]
}

const BAD_SLOTS = classes([
  ['a string "0"', '0'],
  ['a local past the frame', LOCALS],
  ['a global not defined', globalSlot(GLOBALS)],
  ['2^53', 2 ** 53],
  ['-2^53', -(2 ** 53)],
])

// biome-ignore lint/suspicious/noExplicitAny: the rows pass values the Mutator's types forbid, on purpose
type Loose = any

/** Every op with a slot operand, the slot replaced by `s` (the other operands valid). */
function slotCalls(): (readonly [string, (mu: Mutator, s: Loose) => unknown])[] {
  return [
    ['alloc dst', (mu, s) => mu.alloc(s, NODE)],
    ['load dst', (mu, s) => mu.load(s, NODE_SLOT, 0)],
    ['load obj', (mu, s) => mu.load(NULL_SLOT, s, 0)],
    ['store obj', (mu, s) => mu.store(s, 0, NULL_SLOT)],
    ['store src', (mu, s) => mu.store(NODE_SLOT, 0, s)],
    ['move dst', (mu, s) => mu.move(s, NODE_SLOT)],
    ['move src', (mu, s) => mu.move(NULL_SLOT, s)],
    ['clear', (mu, s) => mu.clear(s)],
    ['readInt obj', (mu, s) => mu.readInt(s, 0)],
    ['writeInt obj', (mu, s) => mu.writeInt(s, 0, 1)],
    ['isNull', (mu, s) => mu.isNull(s)],
    ['same a', (mu, s) => mu.same(s, NODE_SLOT)],
    ['same b', (mu, s) => mu.same(NODE_SLOT, s)],
    ['weakref dst', (mu, s) => mu.weakref(s, NODE_SLOT)],
    ['weakref target', (mu, s) => mu.weakref(NULL_SLOT, s)],
    ['deref dst', (mu, s) => mu.deref(s, WEAK_SLOT)],
    ['deref weak', (mu, s) => mu.deref(NULL_SLOT, s)],
    ['idOf', (mu, s) => mu.idOf(s)],
    ['lengthOf', (mu, s) => mu.lengthOf(s)],
    ['pin', (mu, s) => mu.pin(s)],
    ['unpin', (mu, s) => mu.unpin(s)],
  ]
}

/** A TypeSpec that breaks one rule, for each rule (types.ts TypeSpec and FinalizerSpec). */
const BAD_SPECS: readonly (readonly [string, unknown])[] = [
  ['null', null],
  ['a string', 'node'],
  ['an array', [{ name: 'x', refs: 0 }]],
  ['an empty object', {}],
  ['no refs', { name: 'x' }],
  ['an unknown key', { name: 'x', refs: 0, colour: 'red' }],
  ['an empty name', { name: '', refs: 0 }],
  ['a name of 201 characters', { name: 'x'.repeat(201), refs: 0 }],
  ['a number for a name', { name: 5, refs: 0 }],
  ['negative refs', { name: 'x', refs: -1 }],
  ['fractional refs', { name: 'x', refs: 1.5 }],
  ['refs 2^24 + 1', { name: 'x', refs: MAX_REF_FIELDS + 1 }],
  ['BigInt refs', { name: 'x', refs: 1n }],
  ['string refs', { name: 'x', refs: '1' }],
  ['NaN ints', { name: 'x', refs: 0, ints: Number.NaN }],
  ['negative ints', { name: 'x', refs: 0, ints: -1 }],
  ['bytes 2^31', { name: 'x', refs: 0, bytes: 2 ** 31 }],
  ['an unknown variable kind', { name: 'x', refs: 0, variable: 'ints' }],
  ['an unknown shape', { name: 'x', refs: 0, shape: 'set' }],
  ['finalizer "yes"', { name: 'x', refs: 0, finalizer: 'yes' }],
  ['finalizer true', { name: 'x', refs: 0, finalizer: true }],
  ['finalizer null', { name: 'x', refs: 0, finalizer: null }],
  ['finalizer an array', { name: 'x', refs: 0, finalizer: [] }],
  ['an unknown finalizer key', { name: 'x', refs: 0, finalizer: { resurrect: 0 } }],
  ['resurrectInto a global not defined', { name: 'x', refs: 0, finalizer: { resurrectInto: GLOBALS } }],
  ['resurrectInto -1', { name: 'x', refs: 0, finalizer: { resurrectInto: -1 } }],
  ['resurrectInto 0.5', { name: 'x', refs: 0, finalizer: { resurrectInto: 0.5 } }],
  ['legacy "yes"', { name: 'x', refs: 0, finalizer: { legacy: 'yes' } }],
  [
    'allocate of a type not defined',
    { name: 'x', refs: 0, finalizer: { allocate: { type: 1000, count: 1 } } },
  ],
  ['allocate count 0', { name: 'x', refs: 0, finalizer: { allocate: { type: 0, count: 0 } } }],
  ['allocate without count', { name: 'x', refs: 0, finalizer: { allocate: { type: 0 } } }],
  ['allocate an array', { name: 'x', refs: 0, finalizer: { allocate: [0, 1] } }],
  [
    'storeNew into a global not defined',
    { name: 'x', refs: 0, finalizer: { storeNew: { type: 0, global: GLOBALS } } },
  ],
  [
    'storeNew with an unknown key',
    { name: 'x', refs: 0, finalizer: { storeNew: { type: 0, global: 0, at: 1 } } },
  ],
]

/** Every row of the table, for the fixture's state. */
export function contractRows(): ContractRow[] {
  const rows: ContractRow[] = []
  const add = (what: string, code: ErrorCode, call: (mu: Mutator) => unknown): void => {
    rows.push([what, code, call])
  }

  // 1. Slots.
  for (const [op, call] of slotCalls()) {
    for (const [name, s] of BAD_SLOTS) add(`${op}: ${name}`, 'INVALID_SLOT', (mu) => call(mu, s))
  }
  // 2. Operands that need no object.
  const loose = (mu: Mutator): Loose => mu
  for (const [name, t] of classes([
    ['a string "0"', '0'],
    ['-1', -1],
    ['the count of types', TYPES],
    ['MAX_TYPES', MAX_TYPES],
  ])) {
    add(`alloc type: ${name}`, 'UNKNOWN_TYPE', (mu) => loose(mu).alloc(NULL_SLOT, t))
  }
  for (const [name, n] of classes(
    [
      ['1', 1],
      ['-1', -1],
      ['a string "0"', '0'],
      ['a BigInt 0n', 0n],
    ],
    ['undefined'],
  )) {
    add(`alloc length of a fixed-size type: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) =>
      loose(mu).alloc(NULL_SLOT, NODE, n),
    )
  }
  for (const [name, n] of classes(
    [
      ['-1', -1],
      ['2^24 + 1', MAX_REF_FIELDS + 1],
    ],
    ['undefined'],
  )) {
    add(`alloc length of a vec: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) => loose(mu).alloc(NULL_SLOT, VEC, n))
  }
  add('alloc length of a blob: 2^31', 'VALUE_OUT_OF_RANGE', (mu) =>
    mu.alloc(NULL_SLOT, BLOB, MAX_PAYLOAD_BYTES + 1),
  )
  for (const [name, v] of classes([
    ['2^31', 2 ** 31],
    ['-2^31 - 1', -(2 ** 31) - 1],
  ])) {
    add(`writeInt value: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) => loose(mu).writeInt(NODE_SLOT, 0, v))
  }
  const badCallbacks: [string, unknown][] = [
    ['null', null],
    ['a number', 3],
    ['a string', 'cb'],
    ['a boolean', true],
    ['an array', []],
    ['an object without a tag', {}],
    ['tag -1', { tag: -1 }],
    ['tag 1.5', { tag: 1.5 }],
    ['tag NaN', { tag: Number.NaN }],
    ['tag 2^31', { tag: 2 ** 31 }],
    ['tag a string', { tag: '1' }],
    ['tag a BigInt', { tag: 1n }],
    ['tag null', { tag: null }],
    ['an unknown key', { tag: 1, when: 'later' }],
    ['a Symbol', Symbol('cb')],
  ]
  for (const [name, cb] of badCallbacks) {
    add(`weakref callback: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) =>
      loose(mu).weakref(NULL_SLOT, NODE_SLOT, cb),
    )
  }
  for (const [name, g] of classes(
    [
      ['-1', -1],
      ['3', 3],
      ['-2', -2],
      ['a string "0"', '0'],
    ],
    ['undefined'],
  )) {
    add(`collect generation: ${name}`, 'INVALID_GENERATION', (mu) => loose(mu).collect(g))
  }
  for (const [name, a] of [
    ['an unknown name', 'bogus'],
    ['an empty string', ''],
    ['upper case', 'DISABLE'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 0],
    ['a BigInt', 0n],
    ['an object', {}],
    ['a Symbol', Symbol('disable')],
  ] as const) {
    add(`gcControl action: ${name}`, 'UNKNOWN_ACTION', (mu) => loose(mu).gcControl(a))
  }
  for (const [name, n] of classes([
    ['-1', -1],
    ['2^20 + 1', MAX_LOCALS + 1],
  ])) {
    add(`pushFrame locals: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) => loose(mu).pushFrame(n))
  }
  for (const [name, n] of classes([
    ['-1', -1],
    ['fewer than defined', GLOBALS - 1],
    ['2^20 + 1', 2 ** 20 + 1],
  ])) {
    add(`defineGlobals count: ${name}`, 'VALUE_OUT_OF_RANGE', (mu) => loose(mu).defineGlobals(n))
  }
  for (const [name, spec] of BAD_SPECS) {
    add(`defineType spec: ${name}`, 'INVALID_TYPE_SPEC', (mu) => mu.defineType(spec as TypeSpec))
  }
  // 3. The objects in the slots.
  add('load from null', 'NULL_REFERENCE', (mu) => mu.load(VEC_SLOT, NULL_SLOT, 0))
  add('store into null', 'NULL_REFERENCE', (mu) => mu.store(NULL_SLOT, 0, NODE_SLOT))
  add('readInt of null', 'NULL_REFERENCE', (mu) => mu.readInt(NULL_SLOT, 0))
  add('writeInt into null', 'NULL_REFERENCE', (mu) => mu.writeInt(NULL_SLOT, 0, 1))
  add('lengthOf null', 'NULL_REFERENCE', (mu) => mu.lengthOf(NULL_SLOT))
  add('idOf null', 'NULL_REFERENCE', (mu) => mu.idOf(NULL_SLOT))
  add('idOf a null global', 'NULL_REFERENCE', (mu) => mu.idOf(G1))
  add('pin null', 'NULL_REFERENCE', (mu) => mu.pin(NULL_SLOT))
  add('unpin null', 'NULL_REFERENCE', (mu) => mu.unpin(NULL_SLOT))
  add('deref of null', 'NULL_REFERENCE', (mu) => mu.deref(NODE_SLOT, NULL_SLOT))
  add('weakref to null', 'NULL_REFERENCE', (mu) => mu.weakref(NODE_SLOT, NULL_SLOT))
  add('weakref to a null global', 'NULL_REFERENCE', (mu) => mu.weakref(NODE_SLOT, G1, { tag: 1 }))
  add('load from a weak reference', 'WEAKREF_FIELD', (mu) => mu.load(NULL_SLOT, WEAK_SLOT, 0))
  add('store into a weak reference', 'WEAKREF_FIELD', (mu) => mu.store(WEAK_SLOT, 0, NODE_SLOT))
  add('readInt of a weak reference', 'WEAKREF_FIELD', (mu) => mu.readInt(WEAK_SLOT, 0))
  add('writeInt into a weak reference', 'WEAKREF_FIELD', (mu) => mu.writeInt(WEAK_SLOT, 0, 1))
  add('deref of a node', 'NOT_A_WEAKREF', (mu) => mu.deref(NULL_SLOT, NODE_SLOT))
  add('deref of a vec', 'NOT_A_WEAKREF', (mu) => mu.deref(NULL_SLOT, VEC_SLOT))
  // 4. Fields and ints against the object.
  for (const [name, f] of classes([
    ['-1', -1],
    ['the node has 2 refs: 2', 2],
    ['2^32', 2 ** 32],
  ])) {
    add(`load field: ${name}`, 'FIELD_OUT_OF_RANGE', (mu) => loose(mu).load(NULL_SLOT, NODE_SLOT, f))
    add(`store field: ${name}`, 'FIELD_OUT_OF_RANGE', (mu) => loose(mu).store(NODE_SLOT, f, NULL_SLOT))
  }
  add('load field 2 of a vec of 2', 'FIELD_OUT_OF_RANGE', (mu) => mu.load(NULL_SLOT, VEC_SLOT, 2))
  for (const [name, i] of classes([
    ['-1', -1],
    ['the node has 1 int: 1', 1],
    ['2^32', 2 ** 32],
  ])) {
    add(`readInt index: ${name}`, 'FIELD_OUT_OF_RANGE', (mu) => loose(mu).readInt(NODE_SLOT, i))
    add(`writeInt index: ${name}`, 'FIELD_OUT_OF_RANGE', (mu) => loose(mu).writeInt(NODE_SLOT, i, 1))
  }
  // 5. State.
  add('unpin of an object with no pin', 'VALUE_OUT_OF_RANGE', (mu) => mu.unpin(VEC_SLOT))
  // The order of the checks when several operands are bad (types.ts: slots, operands, objects, fields).
  add('load: a bad dst before a null object', 'INVALID_SLOT', (mu) => mu.load(99, NULL_SLOT, -1))
  add('load: a null object before a bad field', 'NULL_REFERENCE', (mu) => mu.load(VEC_SLOT, NULL_SLOT, -1))
  add('load: a weak reference before a bad field', 'WEAKREF_FIELD', (mu) =>
    mu.load(NULL_SLOT, WEAK_SLOT, 1.5),
  )
  add('store: a bad src before a null object', 'INVALID_SLOT', (mu) => mu.store(NULL_SLOT, 0, 99))
  add('store: a null object before a bad field', 'NULL_REFERENCE', (mu) => mu.store(NULL_SLOT, 9, NODE_SLOT))
  add('writeInt: a bad value before a null object', 'VALUE_OUT_OF_RANGE', (mu) =>
    mu.writeInt(NULL_SLOT, 0, 0.5),
  )
  add('writeInt: a bad value before a bad index', 'VALUE_OUT_OF_RANGE', (mu) =>
    mu.writeInt(NODE_SLOT, 9, 2 ** 31),
  )
  add('weakref: a bad dst before a null target', 'INVALID_SLOT', (mu) => mu.weakref(99, NULL_SLOT))
  add('weakref: a bad callback before a null target', 'VALUE_OUT_OF_RANGE', (mu) =>
    mu.weakref(NODE_SLOT, NULL_SLOT, { tag: -1 }),
  )
  add('alloc: a bad dst before an unknown type', 'INVALID_SLOT', (mu) => mu.alloc(99, 99))
  add('alloc: an unknown type before a bad length', 'UNKNOWN_TYPE', (mu) => mu.alloc(NULL_SLOT, 99, -1))
  add('deref: a bad dst before an ordinary object', 'INVALID_SLOT', (mu) => mu.deref(99, NODE_SLOT))
  return rows
}

interface Fixture {
  m: MemoryManager
  mu: RecordingMutator
}

/** The state every row starts from (see the slot and type constants above). */
function fixture(create: () => MemoryManager): Fixture {
  const m = create()
  const mu = new RecordingMutator(m, new MemorySink())
  mu.defineGlobals(GLOBALS)
  mu.defineType({ name: 'node', refs: 2, ints: 1 })
  mu.defineType({ name: 'vec', refs: 0, ints: 1, variable: 'refs' })
  mu.defineType({ name: 'blob', refs: 0, variable: 'bytes' })
  mu.pushFrame(LOCALS)
  mu.alloc(NODE_SLOT, NODE)
  mu.writeInt(NODE_SLOT, 0, 11)
  mu.move(G0, NODE_SLOT)
  mu.pin(NODE_SLOT)
  mu.weakref(WEAK_SLOT, NODE_SLOT, { tag: 3 })
  mu.alloc(VEC_SLOT, VEC, 2)
  mu.store(VEC_SLOT, 1, NODE_SLOT)
  mu.isNull(NULL_SLOT) // an op boundary, so nothing is left pending
  return { m, mu }
}

/** Everything a rejected call must leave as it was (`slots`: the slots that exist). */
function state(m: MemoryManager, slots: readonly Slot[] = SLOTS): string {
  const ids = [...liveIds(m)].sort((a, b) => a - b).join(',')
  const held = slots.map((s) => m.objectId(s)).join(',')
  return `${fingerprint(m)}\nlive ${ids}\nslots ${held}`
}

/** Run `row` and require its code, no event, the same state, and nothing recorded. */
function expectRejected(f: Fixture, [what, code, call]: ContractRow, before: string): void {
  let events = 0
  const off = f.m.on(() => events++)
  try {
    expectCode(code, what, () => call(f.mu))
  } finally {
    off()
  }
  ensureEqual(events, 0, `events emitted by the rejected call "${what}"`)
  const after = state(f.m)
  if (after !== before) {
    throw new ConformanceFailure(
      `the rejected call "${what}" changed the manager:\nbefore ${before}\nafter  ${after}`,
    )
  }
  ensureEqual(f.mu.ops, f.m.stats().ops, `ops the trace recorded against the manager's after "${what}"`)
}

const badCallsChangeNothing: ConformanceCheck = {
  name: 'the contract: every bad call raises its code and changes nothing',
  run(create) {
    const f = fixture(create)
    const before = state(f.m)
    const rows = contractRows()
    for (const row of rows) expectRejected(f, row, before)
    // Still usable, exactly as it was: the next type gets the next id, every slot still works.
    const { mu } = f
    ensureEqual(
      mu.defineType({ name: 'after', refs: 1 }),
      TYPES,
      'the id of the type defined after the rejected calls',
    )
    ensureEqual(mu.readInt(NODE_SLOT, 0), 11, 'int 0 of the node')
    mu.load(NULL_SLOT, VEC_SLOT, 1)
    ensure(mu.same(NULL_SLOT, NODE_SLOT), 'field 1 of the vec no longer holds the node')
    mu.deref(NULL_SLOT, WEAK_SLOT)
    ensure(mu.same(NULL_SLOT, G0), 'the weak reference no longer derefs to the node')
    ensureEqual(mu.lengthOf(VEC_SLOT), 2, 'length of the vec')
    mu.unpin(NODE_SLOT)
    mu.clear(NULL_SLOT)
    mu.alloc(NULL_SLOT, TYPES)
    mu.collect()
    ensureEqual(mu.ops, f.m.stats().ops, "ops the trace recorded against the manager's")
  },
}

/**
 * Every row on a fresh manager of its own, the failures collected instead of thrown: which bad
 * calls a manager gets wrong, all at once (for a runtime being ported, or a report).
 */
export function contractFailures(create: () => MemoryManager): {
  rows: number
  failures: { row: string; message: string }[]
} {
  const rows = contractRows()
  const failures: { row: string; message: string }[] = []
  for (const row of rows) {
    try {
      const f = fixture(create)
      expectRejected(f, row, state(f.m))
    } catch (e) {
      failures.push({ row: row[0], message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })
    }
  }
  return { rows: rows.length, failures }
}

const noFrameCodes: ConformanceCheck = {
  name: 'the contract: a local slot with no frame is NO_FRAME, a malformed one INVALID_SLOT',
  run(create) {
    const m = create()
    m.defineGlobals(1)
    const node = m.defineType({ name: 'node', refs: 1, ints: 1 })
    m.alloc(G0, node)
    const before = state(m, [G0])
    const rows: ContractRow[] = [
      ['popFrame with no frame', 'NO_FRAME', (mu) => mu.popFrame()],
      ['alloc into local 0 with no frame', 'NO_FRAME', (mu) => mu.alloc(0, node)],
      ['load into local 0 with no frame', 'NO_FRAME', (mu) => mu.load(0, G0, 0)],
      ['store from local 0 with no frame', 'NO_FRAME', (mu) => mu.store(G0, 0, 0)],
      ['isNull of local 3 with no frame', 'NO_FRAME', (mu) => mu.isNull(3)],
      ['alloc into slot 0.5 with no frame', 'INVALID_SLOT', (mu) => mu.alloc(0.5, node)],
      ['isNull of a BigInt slot with no frame', 'INVALID_SLOT', (mu) => mu.isNull(0n as unknown as number)],
      ['isNull of slot "0" with no frame', 'INVALID_SLOT', (mu) => mu.isNull('0' as unknown as number)],
    ]
    for (const [what, code, call] of rows) {
      expectCode(code, what, () => call(m))
      ensureEqual(state(m, [G0]), before, `state after the rejected call "${what}"`)
    }
  },
}

const rootSetCapped: ConformanceCheck = {
  name: 'the contract: the root set is capped and a frame past the cap is the runtime out-of-memory error',
  run(create) {
    const m = create()
    m.defineGlobals(1)
    // 1 global + 15 frames of 2^20 locals + one of 2^20 - 2: one slot short of the cap.
    const frames = DEFAULT_ROOT_SLOT_LIMIT / MAX_LOCALS - 1
    for (let i = 0; i < frames; i++) m.pushFrame(MAX_LOCALS)
    m.pushFrame(MAX_LOCALS - 2)
    const before = state(m, [G0])
    let error: unknown
    try {
      m.pushFrame(2)
    } catch (e) {
      error = e
    }
    ensure(
      error instanceof OutOfMemoryError && isPygcError(error, 'OUT_OF_MEMORY'),
      `pushFrame past ${DEFAULT_ROOT_SLOT_LIMIT} root slots: expected OUT_OF_MEMORY, got ${String(error)}`,
    )
    ensureEqual(
      (error as OutOfMemoryError).runtimeError,
      m.info.outOfMemory,
      'the name of the out-of-memory error (the one ManagerInfo.outOfMemory declares)',
    )
    ensureEqual(state(m, [G0]), before, 'state after the rejected pushFrame')
    expectCode('OUT_OF_MEMORY', 'defineGlobals past the cap', () => m.defineGlobals(3))
    ensureEqual(state(m, [G0]), before, 'state after the rejected defineGlobals')
    m.pushFrame(1) // the last slot still fits
    for (let i = 0; i < frames + 2; i++) m.popFrame()
    expectCode('NO_FRAME', 'popFrame after every frame was popped', () => m.popFrame())
  },
}

/** The contract's checks, in the order describeConformance runs them. */
export const contractChecks: readonly ConformanceCheck[] = [
  badCallsChangeNothing,
  noFrameCodes,
  rootSetCapped,
]
