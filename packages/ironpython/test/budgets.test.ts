/**
 * The budget rules of packages/ironpython/BUDGETS.md, each against its gc.cpp source line,
 * and the probe measurements of .NET 10 (benchmarks/oracles/clr/probes/BudgetProbe) that pin
 * them.
 */
import { globalSlot } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { computeNewDynamicData } from '../src/budgets.js'
import {
  budgetHistory,
  compareGen0Promoted,
  desiredNewAllocation,
  gen0BeginDataSize,
  gen0Budget,
  IronPythonManager,
  linearAllocationModel,
  staticDataTable,
} from '../src/index.js'
import { RUNTIME_BYTES_BETWEEN_COLLECTS } from '../src/runtime-allocation.js'

const G0 = 256 * 1024
const SD = staticDataTable(G0)

describe('linear_allocation_model (gc.cpp)', () => {
  it('blends only when the spent fraction is strictly between 0 and 0.95', () => {
    // "if ((allocation_fraction < 0.95) && (allocation_fraction > 0.0))"
    expect(linearAllocationModel(262144, budgetHistory(1_000_000, 1_000_000))).toBe(262144) // f = 0
    expect(linearAllocationModel(262144, budgetHistory(1_000_000, 40_000))).toBe(262144) // f = 0.96
    // The fraction is a float: 0.95f is 0.9499999881 < 0.95 (a double), so C++ blends there.
    expect(linearAllocationModel(262144, budgetHistory(1_000_000, 50_000))).toBeGreaterThan(262144)
    expect(linearAllocationModel(262144, budgetHistory(1_000_000, -8_000))).toBe(262144) // exhausted
    expect(linearAllocationModel(262144, undefined)).toBe(262144)
  })

  it('is (1 - p) * computed + p * previous with p = 1 - spent fraction (decay 1)', () => {
    // "new_allocation = (size_t)((1.0 - previous_allocation_factor)*new_allocation +
    //  previous_allocation_factor * previous_desired_allocation)"
    expect(linearAllocationModel(200_000, budgetHistory(1_048_576, 524_288))).toBe(624_288)
    expect(linearAllocationModel(200_000, budgetHistory(1_048_576, 786_432))).toBe(836_432) // f = 1/4
    // Float arithmetic as gc.cpp: 0.1f makes 919,999 where exact decimals would give 920,000.
    expect(linearAllocationModel(200_000, budgetHistory(1_000_000, 900_000))).toBe(919_999)
  })

  it('desired_new_allocation: an empty generation at the start gets dd_min_size, unblended', () => {
    // "if (dd_begin_data_size (dd) == 0) new_allocation = dd_min_size (dd)"
    expect(desiredNewAllocation(0, SD[0], 0, 0, 0, budgetHistory(1_000_000, 900_000))).toBe(G0)
    expect(desiredNewAllocation(2, SD[2], 0, 0, 0, budgetHistory(9_000_000, 1))).toBe(SD[2].minSize)
  })
})

describe("compute_new_dynamic_data's gen0 budget (gc.cpp)", () => {
  const history = budgetHistory(1_000_000, 900_000) // 10% spent
  it('after a gen0 GC: the lower bound ("there is no noise")', () => {
    expect(gen0Budget(0, SD[0], 10_000, 0, 100_000, budgetHistory(262144, -100))).toBe(
      desiredNewAllocation(0, SD[0], 10_000, 100_000, 0),
    )
  })
  it('after an older GC: the previous budget when it lies between the bounds', () => {
    // 40,000 of 100,000 survived: surv_to_growth(0.4) = 20, 800,000 for both bounds; the
    // previous 1,000,000 is above them: the higher bound, blended 10% / 90% with it.
    const higher = desiredNewAllocation(0, SD[0], 40_000, 100_000, 0, history)
    expect(gen0Budget(2, SD[0], 40_000, 0, 100_000, history)).toBe(higher)
    // Align rounds up (gc.cpp `Align (new_allocation)`).
    expect(higher).toBe(Math.ceil(linearAllocationModel(800_000, history) / 8) * 8)
    expect(Math.abs(higher - 980_000)).toBeLessThan(16)
    // Finalization-promoted bytes widen the range: lower from 0 survivors, higher from 40,000.
    const wide = budgetHistory(500_000, 450_000)
    expect(gen0Budget(2, SD[0], 40_000, 40_000, 100_000, wide)).toBe(500_000)
  })
  it('after an older GC with nothing spent (f = 0): the computed bound, unblended', () => {
    expect(gen0Budget(2, SD[0], 104, 0, 560, budgetHistory(1_111_000, 1_111_000))).toBe(G0)
  })
})

/**
 * The .NET 10 probe (BUDGETS.md#measured): 40-byte objects kept in a ring of 2,000, gen0
 * budget 256 KiB; after the 8th gen0 GC, allocate `fraction` of the window, drop the ring,
 * GC.Collect(), then count the bytes allocated until the next gen0 GC.
 */
function probe(fraction: number, collects: number, between: number): number {
  const m = new IronPythonManager({ preset: 'clr', gen0size: G0 })
  const clr = m.native.clr
  const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
  const young = m.defineType({ name: 'Young', refs: 1, ints: 2 }) // object[2]: 40 bytes
  m.defineGlobals(1)
  m.pushFrame(1)
  m.alloc(globalSlot(0), ring, 2000)
  clr.Collect(2, 'forced', true, true)
  clr.Collect(2, 'forced', true, true)
  clr.Collect(1, 'forced', true, true)
  clr.Collect(0, 'forced', true, true)
  let at = 0
  const churn = () => {
    const c = clr.CollectionCount(0)
    m.alloc(0, young)
    m.store(globalSlot(0), at, 0)
    at = (at + 1) % 2000
    return clr.CollectionCount(0) !== c
  }
  let bytes = 0
  let lastWindow = 0
  for (let gcs = 0; gcs < 8; ) {
    bytes += 40
    if (churn()) {
      gcs++
      lastWindow = bytes
      bytes = 0
    }
  }
  for (bytes = 0; bytes < fraction * lastWindow; bytes += 40) churn()
  m.clear(0)
  for (let i = 0; i < 2000; i++) m.store(globalSlot(0), i, 0)
  for (let i = 0; i < collects; i++) {
    if (i > 0) for (let b = 0; b < between; b += 40) m.alloc(0, young)
    clr.Collect(2)
  }
  for (bytes = 40; !churn(); bytes += 40) {}
  return bytes
}

describe('the gen0 budget after an induced gen2 GC, against .NET 10', () => {
  // Measured windows (bytes to the next gen0 GC), BudgetProbe `2000 f 1 collects between`.
  it.each([
    [0.05, 1, 0, 1_176_304],
    [0.1, 1, 0, 1_111_544],
    [0.5, 1, 0, 606_624],
    [0.7, 1, 0, 354_104],
    [0.1, 2, 40, 1_111_224],
    [0.1, 2, 0, 261_144],
    [0.5, 2, 0, 261_144],
  ])('fraction %f, %i GC.Collect(), %i bytes between: %i bytes', (f, collects, between, real) => {
    const model = probe(f, collects, between)
    expect(Math.abs(model - real)).toBeLessThanOrEqual(real * 0.02)
  })

  it("gc.collect()'s two collections keep the budget: the runtime allocates between them", () => {
    // IronPython's PythonContext.Collect (CleanFunctionCodes, finalizers) and the oracle's
    // GC.GetGCMemoryInfo allocate between the two GC.Collect calls: f > 0, the blend applies.
    expect(RUNTIME_BYTES_BETWEEN_COLLECTS).toBeGreaterThan(0)
    const m = new IronPythonManager({ preset: 'clr', gen0size: G0 })
    const young = m.defineType({ name: 'Young', refs: 1, ints: 2 })
    const ring = m.defineType({ name: 'Ring', refs: 0, variable: 'refs' })
    m.defineGlobals(1)
    m.pushFrame(1)
    m.alloc(globalSlot(0), ring, 2000)
    for (let i = 0; i < 200_000; i++) {
      m.alloc(0, young)
      m.store(globalSlot(0), i % 2000, 0)
    }
    const before = m.heap.desiredAllocation[0]
    expect(before).toBeGreaterThan(4 * G0)
    m.collect()
    expect(m.heap.desiredAllocation[0]).toBeGreaterThan(before / 2)
  })
})

describe('weak references and finalization', () => {
  /** Promoted bytes (GCMemoryInfo.PromotedBytes) of the gen0 GCs of a weakref-heavy program. */
  function weakrefProgram(sizeMode: 'clr' | 'ironpython') {
    const m = new IronPythonManager({ preset: sizeMode, sizeMode, gen0size: G0, runtimePinnedBytes: 0 })
    const node = m.defineType({ name: 'Node', refs: 2, ints: 2 })
    m.pushFrame(2)
    for (let i = 0; i < 40_000; i++) {
      m.alloc(0, node)
      m.weakref(1, 0)
    }
    const gen0 = m.native.clr.records().filter((r) => r.generation === 0)
    return {
      survived: gen0.map((r) => r.survivedBytes),
      pending: gen0.map((r) => r.finalizationPendingCount),
    }
  }

  it('a dead System.WeakReference is finalized inside the GC, never f-reachable (EagerFinalized)', () => {
    // finalization.cpp ScanForFinalization: "if (GCToEEInterface::EagerFinalized(obj))
    // MoveItem (i, Seg, FreeListSeg)"; gcenv.ee.cpp: true for g_pWeakReferenceClass.
    const { survived, pending } = weakrefProgram('clr')
    expect(survived.length).toBeGreaterThan(5)
    expect(Math.max(...pending)).toBe(0)
    expect(Math.max(...survived)).toBeLessThan(200) // the live frame's pair at most
  })

  it("IronPython's weakref.ref has an ordinary finalizer (~@ref): dead ones are f-reachable", () => {
    const { survived, pending } = weakrefProgram('ironpython')
    expect(Math.min(...pending)).toBeGreaterThan(100)
    expect(Math.min(...survived)).toBeGreaterThan(100 * 40)
  })

  it('compares promoted bytes per gen0 GC by their medians, within 5%', () => {
    expect(compareGen0Promoted([1, 2, 3, 100, 100], [1, 2, 3, 100, 100])).toMatchObject({
      ok: true,
      held: true,
    })
    expect(
      compareGen0Promoted([51_960, 51_960, 51_960, 51_960, 51_960], Array(5).fill(26_876)),
    ).toMatchObject({
      model: 51_960,
      real: 26_876,
      ok: false,
    })
    expect(compareGen0Promoted([104, 105, 99, 100, 100], Array(5).fill(100))).toMatchObject({ ok: true })
    expect(compareGen0Promoted([106, 106, 106, 106, 106], Array(5).fill(100))).toMatchObject({ ok: false })
    expect(compareGen0Promoted([170_200], [85_216])).toMatchObject({ held: false, ok: true })
  })
})

describe("gen0's begin data size: the pads between allocation contexts are data (gc.cpp)", () => {
  // .NET 10, GCgen0size=256K, the validation case cycle-churn n=40000: after each gen0
  // collection GC.GetGenerationBudget(0) (dd_desired_allocation), GCMemoryInfo.PromotedBytes
  // and gen0's SizeBeforeBytes (BUDGETS.md#begin-data-size).
  const measured = [
    { promoted: 29936, sizeBefore: 580592, budget: 476800 },
    { promoted: 25880, sizeBefore: 476912, budget: 430584 },
    { promoted: 25304, sizeBefore: 508112, budget: 392176 },
    { promoted: 31568, sizeBefore: 604616, budget: 508000 },
    { promoted: 24080, sizeBefore: 418592, budget: 423560 },
  ]
  // At a collection triggered by allocation the last context's unused tail (24 bytes and up)
  // is the only accounted free space (fix_allocation_context).
  const LAST_TAIL = 24

  it("surv_to_growth over gen0's whole size (pads included) gives .NET's budget within 24 bytes", () => {
    for (const r of measured) {
      const contexts = Math.round(r.sizeBefore / 8192)
      const begin = gen0BeginDataSize(r.sizeBefore, LAST_TAIL + 24 * (contexts - 1), 24 * (contexts - 1))
      expect(begin).toBe(r.sizeBefore - LAST_TAIL)
      const model = desiredNewAllocation(0, SD[0], r.promoted, begin, 0)
      expect(Math.abs(model - r.budget)).toBeLessThanOrEqual(24)
    }
  })

  it('subtracting the pads as free space misses by about a kilobyte', () => {
    for (const r of measured) {
      const contexts = Math.round(r.sizeBefore / 8192)
      const model = desiredNewAllocation(
        0,
        SD[0],
        r.promoted,
        r.sizeBefore - LAST_TAIL - 24 * (contexts - 1),
        0,
      )
      expect(Math.abs(model - r.budget)).toBeGreaterThan(500)
    }
  })

  it('the manager counts one 24-byte pad per context after the first of a window', () => {
    const m = new IronPythonManager({ preset: 'clr', sizeMode: 'clr', gen0size: G0 })
    const node = m.defineType({ name: 'Node', refs: 2 }) // object[2]: 40 bytes
    m.pushFrame(1)
    m.native.clr.Collect(0, 'forced', true, true)
    // 8168 usable bytes per 8 KB context: 500 objects (20,000 bytes) take three contexts.
    for (let i = 0; i < 500; i++) m.alloc(0, node)
    expect(m.heap.contextPadBytes).toBe(2 * 24)
    m.native.clr.Collect(0, 'forced', true, true)
    expect(m.heap.contextPadBytes).toBe(0)
  })
})

describe('compute_in (gc.cpp): promotion spends the receiving generation budget', () => {
  // A gen2 collection (gc.collect()'s first GC.Collect(2)) that promotes 40,584 bytes of gen0
  // into gen1, with gen1 holding the 232 bytes the start ritual left and a 4,194,016-byte
  // budget nothing had spent: compute_new_dynamic_data runs compute_in before
  // desired_new_allocation, so the fraction it reads counts those bytes as spent and blends
  // (~4.16 MB), where the gen1 survivors alone ask for the minimum (262,144).
  const run = (heapLayout: 'regions' | 'segments') => {
    const desired = [G0, 4_194_016, 1_057_312, 3 << 20]
    const b = {
      newAllocation: [...desired],
      desiredAllocation: [...desired],
      genSize: (g: number) => (g === 2 ? 1_400_000 : 0),
      freeBytes: [0, 0, 0],
      lohFreeBytes: 0,
    }
    computeNewDynamicData(b, SD, {
      generation: 2,
      survived: [40_584, 232, 1_340_000],
      beginData: [60_000, 232, 1_340_000],
      finalizationPromotedBytes: 0,
      promotedInto: [0, 40_584, 232],
      heapLayout,
      lohSurvived: 0,
      lohLiveBefore: 0,
      history: desired.map((d) => budgetHistory(d, d)),
    })
    return b
  }

  it('counts what the collection itself promoted as spent when it blends a collected generation', () => {
    const regions = run('regions')
    expect(regions.desiredAllocation[1]).toBeGreaterThan(4_100_000)
    expect(regions.desiredAllocation[1]).toBeLessThan(4_194_016)
    // regions: a collected generation's budget is desired - in
    expect(regions.newAllocation[1]).toBe(regions.desiredAllocation[1] - 40_584)
    expect(regions.newAllocation[2]).toBe(regions.desiredAllocation[2] - 232)
    // segments: a collected generation's budget is its desired one
    const segments = run('segments')
    expect(segments.newAllocation[1]).toBe(segments.desiredAllocation[1])
  })
})
