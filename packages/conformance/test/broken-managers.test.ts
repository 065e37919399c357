/**
 * The kit must prove it can fail: nine deliberately broken managers, each the baseline with
 * one bug planted through the test-only hooks of ./hooked-baseline.ts, and for each the checks that must reject it.
 */
import { BaselineManager, baselineLayout } from '@pygc/baseline'
import { type GcEventListener, type GcEventType, type MemoryManager, OutOfMemoryError } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import {
  type ConformanceOptions,
  conformanceChecks,
  releasingManagers,
  runConformance,
} from '../src/index.js'
import { HookedBaseline } from './hooked-baseline.js'

const { MARK_BIT, FREE_BIT, SIZE_MASK, WEAK_FLAG, FINALIZABLE_FLAG, TYPE_MASK, HEADER_BYTES, REF_BYTES } =
  baselineLayout

/** Visit every cell of the baseline heap: (address, word 0). */
function forEachCell(
  m: BaselineManager & { heap(): { u32: Uint32Array; frontier: number } },
  visit: (a: number, w0: number) => void,
): void {
  const { u32, frontier } = m.heap()
  for (let a = 16; a < frontier; a += u32[a >>> 2] & SIZE_MASK) visit(a, u32[a >>> 2])
}

/** Frees a reachable object: each collection unmarks the first small object a root holds, so the sweep frees it. */
class FreesReachable extends HookedBaseline {
  heap() {
    return this.space
  }
  protected override afterMark(): void {
    const { values, top } = this.roots
    const u32 = this.space.u32
    for (let i = 0; i < top; i++) {
      const a = values[i]
      if (a !== 0 && (u32[a >>> 2] & SIZE_MASK) <= 512) {
        u32[a >>> 2] &= ~MARK_BIT
        return
      }
    }
  }
}

/** Never frees: every object is marked before the sweep. */
class NeverFrees extends HookedBaseline {
  heap() {
    return this.space
  }
  protected override afterMark(): void {
    forEachCell(this, (a, w0) => {
      if ((w0 & FREE_BIT) === 0) this.space.u32[a >>> 2] = w0 | MARK_BIT
    })
  }
}

/** Loses an int in a collection: the first live object whose int 0 is non-zero gets it zeroed (a collector that forgot part of the payload). */
class LosesInt extends HookedBaseline {
  heap() {
    return this.space
  }
  protected override afterMark(): void {
    const u32 = this.space.u32
    let done = false
    forEachCell(this, (a, w0) => {
      if (done || (w0 & (FREE_BIT | MARK_BIT)) !== MARK_BIT || (u32[(a + 4) >>> 2] & WEAK_FLAG) !== 0) return
      const ints = this.types.get(u32[(a + 4) >>> 2] & TYPE_MASK).ints ?? 0
      const at = (a + HEADER_BYTES + u32[(a + 12) >>> 2] * REF_BYTES) >>> 2
      if (ints > 0 && this.space.i32[at] !== 0) {
        this.space.i32[at] = 0
        done = true
      }
    })
  }
}

/** Runs a finalizer twice: after a finalizer ran, the object is made finalizable again. */
class FinalizesTwice extends HookedBaseline {
  protected override afterFinalizer(address: number): void {
    this.space.u32[(address + 4) >>> 2] |= FINALIZABLE_FLAG
    this.finalizable.push(address)
  }
}

/** Clears weak references too early: every collection clears them all, reachable targets too. */
class ClearsWeakrefsEarly extends HookedBaseline {
  protected override afterMark(): void {
    const u32 = this.space.u32
    for (let i = 0; i < this.weakRefs.length; i++) u32[(this.weakRefs.items[i] + HEADER_BYTES) >>> 2] = 0
  }
}

/** Ignores pins: a pin is counted as an op but never becomes a root. */
class IgnoresPins extends HookedBaseline {
  override pin(obj: number): void {
    super.pin(obj)
    this.pinned.length--
  }
  override unpin(obj: number): void {
    super.pin(obj)
    this.pinned.length--
  }
}

/** Counts an allocation that failed with MemoryError, as if it had made an object. */
class CountsFailedAlloc extends HookedBaseline {
  override alloc(dst: number, type: number, length?: number): void {
    try {
      super.alloc(dst, type, length)
    } catch (e) {
      if (e instanceof OutOfMemoryError) this.counts.objectsAllocated++
      throw e
    }
  }
}

/** Has no size limit of its own: an object beyond the heap breaks the header's size word. */
class WrapsHugeSizes extends HookedBaseline {
  override alloc(dst: number, type: number, length?: number): void {
    try {
      super.alloc(dst, type, length)
    } catch (e) {
      if (e instanceof OutOfMemoryError)
        throw new RangeError(`the size does not fit the header: ${e.message}`)
      throw e
    }
  }
}

/** Ignores the event filter: a listener that names event types receives every event. */
class IgnoresEventFilter extends HookedBaseline {
  override on(listener: GcEventListener, _types?: readonly GcEventType[]): () => void {
    return super.on(listener)
  }
}

/**
 * The stress check at 20,000 ops with a 2,000-object retained heap: each planted bug shows long
 * before that, and the full size runs against the real managers in their packages.
 */
const KIT: ConformanceOptions = { stressOps: 20_000, stressRetained: 2_000 }

/**
 * Which checks reject the manager: every check, or only the named ones. A test that asserts
 * that some checks fail (not that only they fail) runs just those: the others' verdicts on that
 * manager are asserted nowhere, and the whole kit costs about 4 s of CPU per manager.
 */
function rejecting(create: () => MemoryManager, only?: readonly string[]): string[] {
  const failed: string[] = []
  for (const check of conformanceChecks) {
    if (only !== undefined && !only.includes(check.name)) continue
    try {
      releasingManagers(create, (made) => check.run(made, KIT))
    } catch {
      failed.push(check.name)
    }
  }
  return failed
}

const byName = (fragment: string): string => {
  const check = conformanceChecks.find((c) => c.name.includes(fragment))
  if (!check) throw new Error(`no check named like '${fragment}'`)
  return check.name
}

/**
 * runConformance on the named checks throws, and each of them rejects the manager when run on
 * its own.
 */
function expectRejectedBy(create: () => MemoryManager, fragments: readonly string[]): void {
  const names = fragments.map(byName)
  expect(() => runConformance(create, KIT, names)).toThrow()
  const failed = rejecting(create, names)
  for (const name of names) expect(failed).toContain(name)
}

describe('the conformance kit rejects broken managers', () => {
  it('passes the baseline itself (the control)', () => {
    expect(rejecting(() => new BaselineManager())).toEqual([])
  })

  it('rejects a manager that frees a reachable object', () => {
    expectRejectedBy(() => new FreesReachable(), ['survive many forced collections', 'random-program stress'])
  })

  it('rejects a manager that never frees', () => {
    expectRejectedBy(
      () => new NeverFrees(),
      ['unreachable is reclaimed', 'cycles are reclaimed', 'popping a frame', 'random-program stress'],
    )
  })

  it('rejects a manager that loses an int in a collection', () => {
    expectRejectedBy(() => new LosesInt(), ['survive many forced collections', 'random-program stress'])
  })

  it('rejects a manager that runs a finalizer twice', () => {
    expectRejectedBy(() => new FinalizesTwice(), ['finalizer runs at most once'])
  })

  it('rejects a manager that clears a weakref while its target is reachable', () => {
    expectRejectedBy(
      () => new ClearsWeakrefsEarly(),
      ['weakref derefs to its target', 'random-program stress'],
    )
  })

  it('rejects a manager whose failed allocation changes its figures', () => {
    expect(rejecting(() => new CountsFailedAlloc())).toEqual([byName('size limits of the type registry')])
  })

  it('rejects a manager that fails a huge allocation with something other than its out-of-memory error', () => {
    expect(rejecting(() => new WrapsHugeSizes())).toEqual([byName('size limits of the type registry')])
  })

  it('rejects a manager that ignores pins', () => {
    expectRejectedBy(() => new IgnoresPins(), ['a pinned object survives'])
  })

  it('rejects a manager that ignores the event types a listener names', () => {
    expect(rejecting(() => new IgnoresEventFilter())).toEqual([
      byName('names event types receives only those'),
    ])
  })
})
