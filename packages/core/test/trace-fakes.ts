/**
 * Test doubles for the trace tests: a Mutator that logs every call and answers with values
 * derived from the arguments, so a replay of a recording must reproduce the log exactly.
 * (Not a .test.ts file: shared by the trace test files.)
 */
import { PygcError } from '../src/errors.js'
import type { Rng } from '../src/rng.js'
import type { CallbackSpec, GcControl, Mutator, Slot, TypeId, TypeSpec } from '../src/types.js'

export type Call = [string, ...unknown[]]

/** Slot 999 is "invalid": every op naming it throws, like a manager rejecting a bad slot. */
export const BAD_SLOT = 999

export class LoggingMutator implements Mutator {
  readonly log: Call[] = []
  private types = 0
  /** Added to readInt results (a "different runtime" for mismatch tests). */
  readIntSkew = 0
  /** Flips isNull / same results. */
  flipPredicates = false

  private check(...slots: Slot[]): void {
    if (slots.includes(BAD_SLOT))
      throw new PygcError('INVALID_SLOT', `slot ${BAD_SLOT} is not valid`, { slot: BAD_SLOT })
  }

  defineType(spec: TypeSpec): TypeId {
    this.log.push(['defineType', spec])
    return this.types++
  }
  defineGlobals(count: number): void {
    this.log.push(['defineGlobals', count])
  }
  pushFrame(locals: number): void {
    this.log.push(['pushFrame', locals])
  }
  popFrame(): void {
    this.log.push(['popFrame'])
  }
  alloc(dst: Slot, type: TypeId, length?: number): void {
    this.check(dst)
    this.log.push(['alloc', dst, type, length ?? 0])
  }
  load(dst: Slot, obj: Slot, field: number): void {
    this.check(dst, obj)
    this.log.push(['load', dst, obj, field])
  }
  store(obj: Slot, field: number, src: Slot): void {
    this.check(obj, src)
    this.log.push(['store', obj, field, src])
  }
  move(dst: Slot, src: Slot): void {
    this.check(dst, src)
    this.log.push(['move', dst, src])
  }
  clear(dst: Slot): void {
    this.check(dst)
    this.log.push(['clear', dst])
  }
  readInt(obj: Slot, index: number): number {
    this.check(obj)
    this.log.push(['readInt', obj, index])
    return ((obj * 7919 + index * 31 - 1000) | 0) + this.readIntSkew
  }
  writeInt(obj: Slot, index: number, value: number): void {
    this.check(obj)
    this.log.push(['writeInt', obj, index, value])
  }
  isNull(slot: Slot): boolean {
    this.check(slot)
    this.log.push(['isNull', slot])
    return (slot % 2 === 0) !== this.flipPredicates
  }
  same(a: Slot, b: Slot): boolean {
    this.check(a, b)
    this.log.push(['same', a, b])
    return (a === b) !== this.flipPredicates
  }
  weakref(dst: Slot, target: Slot, callback?: CallbackSpec): void {
    this.check(dst, target)
    this.log.push(['weakref', dst, target, callback?.tag])
  }
  deref(dst: Slot, weak: Slot): void {
    this.check(dst, weak)
    this.log.push(['deref', dst, weak])
  }
  collect(generation?: number): number {
    this.log.push(['collect', generation])
    return generation === undefined ? 42 : -generation - 2
  }
  gcControl(action: GcControl): boolean {
    this.log.push(['gcControl', action])
    return action !== 'disable'
  }
  idOf(slot: Slot): number {
    this.check(slot)
    this.log.push(['idOf', slot])
    return 4096 + slot * 16
  }
  lengthOf(slot: Slot): number {
    this.check(slot)
    this.log.push(['lengthOf', slot])
    return Math.abs(slot) + 3
  }
  pin(obj: Slot): void {
    this.check(obj)
    this.log.push(['pin', obj])
  }
  unpin(obj: Slot): void {
    this.check(obj)
    this.log.push(['unpin', obj])
  }
}

/** A mutator that does nothing and answers constants (for big streaming traces). */
export class NullMutator implements Mutator {
  private types = 0
  defineType(): TypeId {
    return this.types++
  }
  defineGlobals(): void {}
  pushFrame(): void {}
  popFrame(): void {}
  alloc(): void {}
  load(): void {}
  store(): void {}
  move(): void {}
  clear(): void {}
  readInt(_obj: Slot, index: number): number {
    return index - 3
  }
  writeInt(): void {}
  isNull(): boolean {
    return false
  }
  same(): boolean {
    return true
  }
  weakref(): void {}
  deref(): void {}
  collect(): number {
    return 0
  }
  gcControl(): boolean {
    return true
  }
  pin(): void {}
  unpin(): void {}
  idOf(): number {
    return 0
  }
  lengthOf(): number {
    return 2
  }
}

/** Every op kind at least once, with values at the edges of their encodings. */
export function everyOpProgram(m: Mutator): void {
  m.defineType({ name: 'Node', refs: 2, ints: 1 })
  m.defineType({ name: 'Bytes', refs: 0, bytes: 8, variable: 'bytes', shape: 'tuple' })
  m.defineGlobals(4)
  m.pushFrame(8)
  m.alloc(0, 0)
  m.alloc(1, 1, 300)
  m.defineType({
    name: 'Fin ✓ ünïcode',
    refs: 1,
    shape: 'dict-instance',
    finalizer: { resurrectInto: 3, legacy: true },
  })
  m.defineType({ name: 'Plain fin', refs: 0, variable: 'refs', shape: 'slots', finalizer: {} })
  m.defineType({
    name: 'Allocating fin',
    refs: 1,
    finalizer: { allocate: { type: 0, count: 1024 }, storeNew: { type: 0, global: 2 } },
  })
  m.alloc(-4, 2)
  m.store(0, 1, 1)
  m.load(2, 0, 1)
  m.move(3, 2)
  m.clear(3)
  m.writeInt(0, 0, -2147483648)
  m.writeInt(0, 0, 2147483647)
  m.readInt(0, 0)
  m.readInt(-1, 5)
  m.isNull(3)
  m.isNull(2)
  m.same(0, 0)
  m.same(0, 2)
  m.weakref(4, 0)
  m.weakref(5, 0, { tag: 0 })
  m.weakref(6, 0, { tag: 123456789 })
  m.deref(7, 5)
  m.collect()
  m.collect(0)
  m.collect(2)
  for (const action of ['disable', 'enable', 'freeze', 'unfreeze'] as const) m.gcControl(action)
  m.idOf(0)
  m.lengthOf(0)
  m.lengthOf(-2)
  m.pin(0)
  m.pin(-1)
  m.unpin(0)
  m.unpin(-1)
  // Wide values: 2^31 and beyond take the arithmetic encoding paths.
  m.alloc(-2147483649, 2 ** 40, 2 ** 53 - 1)
  m.load(2 ** 52 - 1, -(2 ** 52), 2 ** 32)
  m.writeInt(7, 2 ** 33, -(2 ** 40))
  m.pin(-(2 ** 52))
  m.pushFrame(0)
  m.popFrame()
  m.popFrame()
}

/**
 * A random but valid program for a real manager: `ops` attempts of random ops with random
 * slots through `m` (a RecordingMutator around a real manager). An op the manager rejects is
 * not recorded, so the trace is a program the manager accepts op for op. Every op kind, every
 * type-record field (variable, shape, finalizer with resurrection and legacy) and weakref
 * callbacks appear.
 */
export function randomProgram(m: Mutator, rng: Rng, ops: number): void {
  m.defineGlobals(4)
  m.defineType({ name: 'Node', refs: 2, ints: 1 })
  m.defineType({ name: 'Vec', refs: 0, variable: 'refs' })
  m.defineType({ name: 'Fin', refs: 1, finalizer: { resurrectInto: 0 } })
  m.defineType({ name: 'Blob', refs: 0, bytes: 8, variable: 'bytes', shape: 'tuple' })
  m.defineType({ name: 'Legacy', refs: 1, ints: 2, shape: 'dict-instance', finalizer: { legacy: true } })
  m.pushFrame(8)
  let depth = 1
  const slot = (): Slot => rng.int(12) - 4
  for (let i = 0; i < ops; i++) {
    try {
      switch (rng.int(20)) {
        case 0:
          if (depth < 4) {
            m.pushFrame(2 + rng.int(7))
            depth++
          }
          break
        case 1:
          if (depth > 1) {
            m.popFrame()
            depth--
          }
          break
        case 2:
        case 3:
        case 4:
          m.alloc(slot(), rng.int(5), rng.int(4))
          break
        case 5:
          m.load(slot(), slot(), rng.int(3))
          break
        case 6:
        case 7:
          m.store(slot(), rng.int(3), slot())
          break
        case 8:
          m.move(slot(), slot())
          break
        case 9:
          m.clear(slot())
          break
        case 10:
          m.writeInt(slot(), rng.int(2), rng.int(2000) - 1000)
          break
        case 11:
          m.readInt(slot(), rng.int(2))
          break
        case 12:
          if (rng.int(2) === 0) m.isNull(slot())
          else m.same(slot(), slot())
          break
        case 13:
          m.weakref(slot(), slot(), rng.int(2) === 0 ? undefined : { tag: rng.int(100) })
          break
        case 14:
          m.deref(slot(), slot())
          break
        case 15:
          if (rng.int(64) === 0) m.collect()
          else m.lengthOf(slot())
          break
        case 16:
          m.gcControl((['disable', 'enable', 'freeze', 'unfreeze'] as const)[rng.int(4)])
          break
        case 17:
          m.idOf(slot())
          break
        case 18:
          if (rng.int(2) === 0) m.pin(slot())
          else m.unpin(slot())
          break
        default:
          if (rng.int(50) === 0) m.defineGlobals(4 + rng.int(3))
          else m.alloc(slot(), 0, 0)
      }
    } catch (e) {
      if (!(e instanceof PygcError)) throw e
    }
  }
  while (depth-- > 0) m.popFrame()
}
