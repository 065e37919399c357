/**
 * Calling conventions shared by the workloads, so that they use frames the way the Python
 * source they port does: every Python function call pushes a frame of its own locals, and a
 * value crosses a call boundary through one of two registers kept in globals — the argument
 * register (the caller's evaluation stack, about to become the callee's first local) and the
 * return register (the callee's return value, on the caller's stack until it is stored).
 *
 * A caller that takes a value out of a register clears the register afterwards, as the
 * evaluation stack pops it: otherwise the register would keep the object alive, which would
 * change when it becomes garbage (and CPython would free it later than the real program does).
 */
import { globalSlot, type Mutator, type Slot } from '@pygc/core'

/** Global 0: the argument register. */
export const REG_ARG: Slot = globalSlot(0)
/** Global 1: the return register. */
export const REG_RET: Slot = globalSlot(1)
/** Globals reserved by the calling convention; a workload's own globals come after them. */
const RESERVED_GLOBALS = 2

/** Declare the registers and `count` program globals (module-level names of the Python program). */
export function declareGlobals(m: Mutator, count: number): void {
  m.defineGlobals(RESERVED_GLOBALS + count)
}

/** The global index (as FinalizerSpec.resurrectInto wants it) of program global `i`. */
export function programGlobalIndex(i: number): number {
  return RESERVED_GLOBALS + i
}

/** The slot of program global `i`. */
export function programGlobal(i: number): Slot {
  return globalSlot(RESERVED_GLOBALS + i)
}

/** `dst = callee()`: take the return register into `dst` and pop it. */
export function takeReturn(m: Mutator, dst: Slot): void {
  m.move(dst, REG_RET)
  m.clear(REG_RET)
}
