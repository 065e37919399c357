/**
 * The contract checks must prove they can fail: the baseline with one contract bug planted
 * each — the bugs the managers really had before core held the checks — and for each, the
 * table rows that must catch it.
 */
import { BaselineManager } from '@pygc/baseline'
import { type CallbackSpec, type GcControl, type MemoryManager, PygcError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { contractChecks, contractFailures, contractRows, runConformance } from '../src/index.js'

/** Skips the generation check: collect(-1) is taken for the default full collection (what CPython's and Jython's models did). */
class AcceptsCollectMinusOne extends BaselineManager {
  override collect(generation?: number): number {
    return super.collect(generation === -1 ? undefined : generation)
  }
}

/** Counts the op before checking the action: a rejected gcControl changes the stats. */
class CountsBeforeChecking extends BaselineManager {
  override gcControl(action: GcControl): boolean {
    this.counts.ops++
    const supported = super.gcControl(action)
    this.counts.ops--
    return supported
  }
}

/** Raises its own code for an unknown action (INVALID_OPTION, the Jython and baseline models' old code). */
class OwnCodeForActions extends BaselineManager {
  override gcControl(action: GcControl): boolean {
    if (!['disable', 'enable', 'freeze', 'unfreeze'].includes(action)) {
      throw new PygcError('INVALID_OPTION', `gcControl: unknown action ${String(action)}`)
    }
    return super.gcControl(action)
  }
}

/** Lets a BigInt slot reach its arithmetic (a raw TypeError, as every model did). */
class RawTypeErrorOnBigInt extends BaselineManager {
  override isNull(slot: number): boolean {
    if (typeof slot === 'bigint') return this.roots.values[this.roots.frameBase + slot] === 0
    return super.isNull(slot)
  }
}

/** Takes a negative callback tag (the baseline model's old range), which no trace can hold. */
class TakesNegativeTags extends BaselineManager {
  override weakref(dst: number, target: number, callback?: CallbackSpec): void {
    super.weakref(dst, target, callback?.tag === -1 ? { tag: 0 } : callback)
  }
}

const contractCheck = contractChecks[0].name

/** The rows a manager gets wrong, by name. */
function failingRows(create: () => MemoryManager): string[] {
  return contractFailures(create).failures.map((f) => f.row)
}

describe('the contract checks reject managers that break the contract', () => {
  it('has a row for every op and every class of bad operand', () => {
    const rows = contractRows()
    const ops = new Set(rows.map(([what]) => what.split(/[ :]/)[0]))
    for (const op of [
      'alloc',
      'load',
      'store',
      'move',
      'clear',
      'readInt',
      'writeInt',
      'isNull',
      'same',
      'weakref',
      'deref',
      'collect',
      'gcControl',
      'idOf',
      'lengthOf',
      'pin',
      'unpin',
      'pushFrame',
      'defineGlobals',
      'defineType',
    ]) {
      expect(ops).toContain(op)
    }
    expect(rows.length).toBeGreaterThan(500)
  })

  it('passes the baseline itself (the control)', () => {
    expect(contractFailures(() => new BaselineManager()).failures).toEqual([])
    expect(() => runConformance(() => new BaselineManager(), {}, [contractCheck])).not.toThrow()
  })

  it('rejects a manager that skips the generation check', () => {
    expect(() => runConformance(() => new AcceptsCollectMinusOne(), {}, [contractCheck])).toThrow(
      /collect generation: -1/,
    )
    expect(failingRows(() => new AcceptsCollectMinusOne())).toEqual(['collect generation: -1'])
  })

  it('rejects a manager whose rejected call changes the stats', () => {
    expect(() => runConformance(() => new CountsBeforeChecking(), {}, [contractCheck])).toThrow(
      /changed the manager/,
    )
    const rows = failingRows(() => new CountsBeforeChecking())
    expect(rows.length).toBe(9) // every bad action
    expect(rows.every((r) => r.startsWith('gcControl action'))).toBe(true)
  })

  it('rejects a manager that raises its own code', () => {
    expect(() => runConformance(() => new OwnCodeForActions(), {}, [contractCheck])).toThrow(
      /expected a PygcError UNKNOWN_ACTION, got PygcError/,
    )
    expect(failingRows(() => new OwnCodeForActions()).length).toBe(9)
  })

  it('rejects a manager that lets a raw TypeError out', () => {
    expect(() => runConformance(() => new RawTypeErrorOnBigInt(), {}, [contractCheck])).toThrow(/TypeError/)
    expect(failingRows(() => new RawTypeErrorOnBigInt())).toEqual(['isNull: a BigInt'])
  })

  it('rejects a manager that takes a call its trace cannot record', () => {
    expect(() => runConformance(() => new TakesNegativeTags(), {}, [contractCheck])).toThrow(/tag -1/)
    expect(failingRows(() => new TakesNegativeTags())).toEqual([
      'weakref callback: tag -1',
      'weakref: a bad callback before a null target',
    ])
  })
})
