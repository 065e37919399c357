import { describe, expect, it } from 'vitest'
import { BaselineManager, baselineLayout } from '../../baseline/src/index.js'
import { ReachabilityOracle, withOracle } from '../src/oracle/index.js'
import { Rng } from '../src/rng.js'
import { globalSlot, type Slot } from '../src/types.js'

/**
 * The baseline with one reference-counting trait, for the tee's ordering: a move that
 * overwrites a slot holding a phoenix runs the phoenix's finalizer inside the move, right after
 * the write (CPython's order: store the new reference, then drop the old one, whose __del__
 * stores it into global `into`). The test arranges that the slot holds the only reference.
 */
class FinalizesOnOverwrite extends BaselineManager {
  constructor(private readonly into: number) {
    super()
  }
  override move(dst: Slot, src: Slot): void {
    const old = this.roots.values[this.roots.index(dst)]
    super.move(dst, src)
    const u32 = this.space.u32
    if (old === 0 || (u32[(old + 4) >>> 2] & baselineLayout.FINALIZABLE_FLAG) === 0) return
    u32[(old + 4) >>> 2] &= ~baselineLayout.FINALIZABLE_FLAG // a finalizer runs once
    this.roots.values[this.into] = old
    this.hub.emit({
      type: 'finalize',
      op: this.counts.ops - 1,
      id: u32[(old + 8) >>> 2],
      typeId: u32[(old + 4) >>> 2] & baselineLayout.TYPE_MASK,
      resurrected: true,
      betweenOps: false,
    })
  }
}

describe('ReachabilityOracle', () => {
  it('dates the death of acyclic garbage exactly, cascading through what it held', () => {
    const o = new ReachabilityOracle()
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(2) // op 0
    o.alloc(0, node) // op 1: id 0
    o.alloc(1, node) // op 2: id 1
    o.store(1, 0, 0) // op 3: 1 -> 0
    o.clear(0) // op 4: 0 still held by 1
    expect(o.deathOpOf(0)).toBe(-1)
    o.clear(1) // op 5: 1 dies, then 0
    expect([o.deathOpOf(0), o.deathOpOf(1)]).toEqual([5, 5])
    expect(o.isExactDeath(0)).toBe(true)
    expect(o.isReachable(0)).toBe(false)
  })

  it('treats a pinned object as a root until its last unpin', () => {
    const o = new ReachabilityOracle()
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(2) // op 0
    o.alloc(0, node) // op 1: id 0
    o.alloc(1, node) // op 2: id 1
    o.store(0, 0, 1) // op 3: 0 -> 1
    o.pin(0) // op 4
    o.pin(0) // op 5: pins nest
    o.clear(1) // op 6
    o.clear(1) // op 7
    o.move(1, 0) // op 8
    o.clear(0) // op 9: only L1 and the pins hold id 0
    o.clear(1) // op 10: only the pins
    expect(o.isReachable(0)).toBe(true)
    expect(o.isReachable(1)).toBe(true)
    expect(o.deathOpOf(0)).toBe(-1)
    o.alloc(0, node) // op 11: id 2, not pinned
    expect(() => o.unpin(0)).toThrow(/unpin: the object in slot 0 is not pinned/)
    expect(() => o.pin(1)).toThrow(/pin: slot 1 is null/)
    // Pinned twice, unpinned once: still a root; the last unpin drops it like a cleared slot.
    const p = new ReachabilityOracle()
    const t = p.defineType({ name: 'node', refs: 0 })
    p.pushFrame(1) // op 0
    p.alloc(0, t) // op 1: id 0
    p.pin(0) // op 2
    p.pin(0) // op 3
    p.unpin(0) // op 4
    p.clear(0) // op 5: the remaining pin holds it
    expect(p.deathOpOf(0)).toBe(-1)
    expect(p.isReachable(0)).toBe(true)
    p.alloc(0, t) // op 6: id 1
    p.pin(0) // op 7
    p.unpin(0) // op 8
    p.clear(0) // op 9: nothing holds it any more
    expect(p.deathOpOf(1)).toBe(9)
    expect(p.isExactDeath(1)).toBe(true)
  })

  it('cascades through a 100,000-long chain without host recursion', () => {
    const o = new ReachabilityOracle()
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(2)
    for (let i = 0; i < 100_000; i++) {
      o.alloc(1, node)
      o.store(1, 0, 0)
      o.move(0, 1)
    }
    o.clear(1)
    const op = o.ops
    o.clear(0)
    expect(o.deathOpOf(0)).toBe(op)
    expect(o.deathOpOf(99_999)).toBe(op)
  })

  it('bounds the death of cyclic garbage by the check interval', () => {
    const o = new ReachabilityOracle({ checkEvery: 10 })
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(2) // op 0
    o.alloc(0, node) // 1
    o.alloc(1, node) // 2
    o.store(0, 0, 1) // 3
    o.store(1, 0, 0) // 4
    o.clear(0) // 5
    o.clear(1) // 6: the cycle dies here, unseen by the counts
    expect(o.deathOpOf(0)).toBe(-1)
    for (let i = 0; i < 4; i++) o.isNull(0) // ops 7..10: the check runs after 10 ops
    expect(o.deathOpOf(0)).toBe(0) // the first op after the previous check (none yet: op 0)
    expect(o.isExactDeath(0)).toBe(false)
    expect(o.reachableIds()).toEqual(new Uint8Array([0, 0]))
  })

  it('releases a popped frame and revives what a slot reaches again', () => {
    const o = new ReachabilityOracle()
    o.defineGlobals(1)
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(1)
    o.alloc(0, node)
    o.pushFrame(1)
    o.alloc(0, node)
    o.popFrame()
    expect(o.isReachable(0)).toBe(true)
    expect(o.isReachable(1)).toBe(false)
    expect(o.deathOpOf(1)).toBeGreaterThan(0)
    o.resurrect(0, 1) // a finalizer stored it into global 0
    expect(o.isReachable(1)).toBe(true)
    expect(o.deathOpOf(1)).toBe(-1)
  })
})

describe('withOracle', () => {
  it('mirrors the manager: same ids, frees, deref results and resurrections', () => {
    const m = new BaselineManager()
    const { mutator, oracle } = withOracle(m)
    mutator.defineGlobals(2)
    const node = mutator.defineType({ name: 'node', refs: 1, ints: 1 })
    const phoenix = mutator.defineType({ name: 'phoenix', refs: 0, ints: 1, finalizer: { resurrectInto: 1 } })
    mutator.pushFrame(2)
    mutator.alloc(0, node) // id 0
    mutator.weakref(globalSlot(0), 0) // id 1
    mutator.alloc(1, phoenix) // id 2
    expect(oracle.objectCount).toBe(3)
    mutator.clear(0)
    mutator.clear(1)
    expect(oracle.isReachable(0)).toBe(false)
    mutator.deref(0, globalSlot(0)) // not collected yet: the manager hands it back
    expect(oracle.isReachable(0)).toBe(true)
    mutator.clear(0)
    mutator.collect()
    mutator.isNull(0) // op boundary: the finalizer resurrects id 2 into global 1
    expect(oracle.wasFreed(0)).toBe(true)
    expect(oracle.isReachable(2)).toBe(true)
    expect(oracle.idIn(globalSlot(1))).toBe(2)
    mutator.deref(0, globalSlot(0))
    expect(mutator.isNull(0)).toBe(true)
    expect(oracle.revivedAfterFree).toBe(0)
  })
})

describe('resurrections', () => {
  it('apply a finalizer that runs inside an op after the op has read its operands and written', () => {
    const m = new FinalizesOnOverwrite(1)
    const { mutator, oracle } = withOracle(m)
    mutator.defineGlobals(2)
    const leaf = mutator.defineType({ name: 'leaf', refs: 0, ints: 1 })
    const phoenix = mutator.defineType({ name: 'phoenix', refs: 0, ints: 1, finalizer: { resurrectInto: 1 } })
    mutator.pushFrame(1)
    mutator.alloc(globalSlot(1), leaf) // id 0, held only by global 1
    mutator.alloc(0, phoenix) // id 1, held only by local 0
    // Local 0 takes global 1's object, then the phoenix's finalizer stores it into global 1.
    mutator.move(0, globalSlot(1))
    expect([m.objectId(0), m.objectId(globalSlot(1))]).toEqual([0, 1])
    expect([oracle.idIn(0), oracle.idIn(globalSlot(1))]).toEqual([0, 1])
    expect(oracle.deathOpOf(0)).toBe(-1)
    expect(oracle.isReachable(0)).toBe(true)
    // The phoenix died in the move and came back in it: alive, reachable.
    expect(oracle.deathOpOf(1)).toBe(-1)
    expect(oracle.isReachable(1)).toBe(true)
  })

  it('flag everything a resurrected object reaches, through objects flagged before', () => {
    const o = new ReachabilityOracle({ verifyWeakrefs: true })
    o.defineGlobals(1)
    const G0 = globalSlot(0)
    const node = o.defineType({ name: 'node', refs: 1 })
    o.pushFrame(3)
    o.alloc(0, node) // A, id 0
    o.clear(0)
    o.resurrect(0, 0) // A's finalizer stores A into global 0: A is flagged
    o.alloc(1, node) // X, id 1
    o.store(G0, 0, 1) // A -> X, stored after A was flagged
    o.weakref(2, 1) // W, id 2: a weak reference to X
    o.clear(1)
    o.alloc(0, node) // B, id 3
    o.store(0, 0, G0) // B -> A -> X
    o.clear(G0)
    o.clear(0) // B, A and X are unreachable: a collector may clear W now
    o.resurrect(0, 3) // B's finalizer brings B back, and with it A and X
    expect(o.isReachable(1)).toBe(true)
    o.derefAs(1, 2, -1) // the runtime cleared W while X was unreachable: rightly
    expect(o.prematureWeakClears).toBe(0)
    // The control: clearing a weak reference to an object that was never unreachable is counted.
    o.alloc(0, node) // Y, id 4
    o.weakref(1, 0) // id 5
    o.derefAs(2, 1, -1)
    expect(o.prematureWeakClears).toBe(1)
  })
})

describe('ReachabilityOracle against brute force', () => {
  it('never calls a reachable object dead, and after a check calls exactly the unreachable ones dead', () => {
    const m = new BaselineManager()
    const { mutator, oracle } = withOracle(m)
    const rng = new Rng(42)
    mutator.defineGlobals(2)
    const pair = mutator.defineType({ name: 'pair', refs: 2 })
    mutator.pushFrame(6)
    const slot = () => (rng.chance(0.8) ? rng.int(6) : globalSlot(rng.int(2)))
    const steps = process.env.CI ? 1500 : 4000
    for (let step = 0; step < steps; step++) {
      const r = rng.int(10)
      const s = slot()
      if (r < 3) mutator.alloc(s, pair)
      else if (r < 6 && !mutator.isNull(s)) mutator.store(s, rng.int(2), slot())
      else if (r < 8 && !mutator.isNull(s)) mutator.load(slot(), s, rng.int(2))
      else if (r < 9) mutator.clear(s)
      else mutator.collect()
      const reachable = oracle.reachableIds()
      for (let id = 0; id < oracle.objectCount; id++) {
        if (reachable[id] === 1) expect(oracle.deathOpOf(id)).toBe(-1)
        if (reachable[id] === 1) expect(oracle.wasFreed(id)).toBe(false)
      }
      if (step % 97 === 0) {
        oracle.detectCyclicGarbage()
        for (let id = 0; id < oracle.objectCount; id++)
          expect(oracle.deathOpOf(id) < 0).toBe(reachable[id] === 1)
      }
    }
  })
})
