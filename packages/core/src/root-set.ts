/**
 * The mutator's roots: globals and a stack of frames of locals, one Float64Array holding
 * `[globals | frame 0 locals | frame 1 locals | ...]`. A value is a manager-defined handle
 * (an address or an object index); 0 is null. Managers scan `values[0..top)` as their root
 * set and rewrite entries when they move objects.
 */
import { PygcError } from './errors.js'
import type { Slot } from './types.js'

const MAX_LOCALS = 1 << 20
const MAX_GLOBALS = 1 << 20

export class RootSet {
  values = new Float64Array(256)
  /** Number of globals (they occupy values[0..globalCount)). */
  globalCount = 0
  /** Start of the current frame's locals in `values`, and one past its end. */
  frameBase = 0
  top = 0
  /** Frame bases of the frames below the current one. */
  private bases: number[] = []
  /** Number of frames pushed. */
  depth = 0

  /** Grow the globals (they must be declared before the first frame is pushed, or grow in place). */
  defineGlobals(count: number): void {
    if (!Number.isInteger(count) || count < this.globalCount || count > MAX_GLOBALS) {
      throw new PygcError(
        'VALUE_OUT_OF_RANGE',
        `defineGlobals(${count}): the global count may only grow, within ${this.globalCount}..${MAX_GLOBALS}`,
        { count },
      )
    }
    const extra = count - this.globalCount
    if (extra === 0) return
    this.ensure(this.top + extra)
    // Shift every frame up to make room; frames are contiguous after the globals.
    this.values.copyWithin(count, this.globalCount, this.top)
    this.values.fill(0, this.globalCount, count)
    for (let i = 0; i < this.bases.length; i++) this.bases[i] += extra
    if (this.depth > 0) this.frameBase += extra
    else this.frameBase = count
    this.top += extra
    this.globalCount = count
  }

  pushFrame(locals: number): void {
    if (!Number.isInteger(locals) || locals < 0 || locals > MAX_LOCALS) {
      throw new PygcError('VALUE_OUT_OF_RANGE', `pushFrame(${locals}): locals must be an integer in 0..${MAX_LOCALS}`, {
        locals,
      })
    }
    if (this.depth > 0) this.bases.push(this.frameBase)
    this.ensure(this.top + locals)
    this.frameBase = this.top
    this.top += locals
    this.values.fill(0, this.frameBase, this.top)
    this.depth++
  }

  /** Check that a frame can be popped; the manager releases values[frameBase..top) then calls dropFrame. */
  checkPop(): void {
    if (this.depth === 0) throw new PygcError('NO_FRAME', 'popFrame with no frame pushed')
  }

  dropFrame(): void {
    this.values.fill(0, this.frameBase, this.top)
    this.top = this.frameBase
    this.depth--
    this.frameBase = this.depth > 0 ? (this.bases.pop() as number) : this.globalCount
  }

  /** The index in `values` of a slot, or an INVALID_SLOT / NO_FRAME error naming it. */
  index(slot: Slot): number {
    if (slot >= 0) {
      const i = this.frameBase + slot
      if (i < this.top && Number.isInteger(slot)) return i
      if (this.depth === 0) throw new PygcError('NO_FRAME', `local slot ${slot} used with no frame pushed`, { slot })
      throw new PygcError(
        'INVALID_SLOT',
        `slot ${slot} is outside the current frame's ${this.top - this.frameBase} locals`,
        { slot },
      )
    }
    const g = -1 - slot
    if (g < this.globalCount && Number.isInteger(slot)) return g
    throw new PygcError(
      'INVALID_SLOT',
      `slot ${slot} names global ${g}, but ${this.globalCount} globals are defined`,
      { slot },
    )
  }

  get(slot: Slot): number {
    return this.values[this.index(slot)]
  }

  private ensure(n: number): void {
    if (n <= this.values.length) return
    let size = this.values.length
    while (size < n) size *= 2
    const next = new Float64Array(size)
    next.set(this.values.subarray(0, this.top))
    this.values = next
  }
}
