/**
 * The accounting check: a manager's figures reconcile (core/src/metrics/reconcile.ts) and come
 * from what actually happened. A seeded random program (retained heap, byte blobs on both
 * sides of 85,000 B, cycles, finalizers that resurrect, weak references, forced and
 * allocation-started collections) runs under collectMetrics; then
 *
 *  - every identity of `reconcile` holds (allocated = freed + live, bytes and objects;
 *    Σ per-collection freed = freed by the collector; Σ pauses = GC time);
 *  - each collection's freed objects and bytes equal the `free` events of cause cycle or
 *    tracing seen between its gc-start and gc-end, and no such free happens outside one;
 *  - the `free` events, summed by cause, equal the freed counts and bytes of stats();
 *  - every `finalize` event is counted once in work.finalizersRun.
 */
import { collectMetrics, type GcEvent, reconcile } from '@pygc/core'
import type { ConformanceCheck } from './checks.js'
import { ConformanceFailure, ensure, ensureEqual } from './helpers.js'
import { runRandomProgram } from './random-program.js'

const ACCOUNTING_OPS = 60_000
const ACCOUNTING_RETAINED = 2_000

export const accountingReconciles: ConformanceCheck = {
  name: 'the figures reconcile: allocated = freed + live, per-collection frees and pauses add up, from what happened',
  run(create) {
    const m = create()
    const byCause = { refcount: [0, 0], cycle: [0, 0], tracing: [0, 0] }
    let open: { freedObjects: number; freedBytes: number } | null = null
    let finalizes = 0
    const problems: string[] = []
    const off = m.on(
      (e: GcEvent) => {
        switch (e.type) {
          case 'gc-start':
            if (open !== null) problems.push(`op ${e.op}: gc-start inside an open collection`)
            open = { freedObjects: 0, freedBytes: 0 }
            break
          case 'free': {
            const c = byCause[e.cause]
            c[0]++
            c[1] += e.bytes
            if (e.cause !== 'refcount') {
              if (open === null)
                problems.push(`op ${e.op}: a ${e.cause} free of object ${e.id} outside any collection`)
              else {
                open.freedObjects++
                open.freedBytes += e.bytes
              }
            }
            break
          }
          case 'gc-end':
            if (open === null) problems.push(`op ${e.op}: gc-end without gc-start`)
            else {
              if (e.freedObjects !== open.freedObjects || e.freedBytes !== open.freedBytes)
                problems.push(
                  `op ${e.op}: gc-end says ${e.freedObjects} objects / ${e.freedBytes} B freed, its free events ${open.freedObjects} / ${open.freedBytes} B`,
                )
              open = null
            }
            break
          case 'finalize':
            finalizes++
            break
        }
      },
      ['gc-start', 'gc-end', 'free', 'finalize'],
    )
    const { metrics } = collectMetrics(
      m,
      (mut) => {
        runRandomProgram(mut, {
          seed: 20_240_601,
          ops: ACCOUNTING_OPS,
          retained: ACCOUNTING_RETAINED,
          collectRate: 0.002,
          generations: m.info.generations.length,
        })
      },
      { maxRecords: 1_000_000 },
    )
    off()
    if (problems.length > 0)
      throw new ConformanceFailure(
        `${problems.length} event problems, e.g.\n  ${problems.slice(0, 5).join('\n  ')}`,
      )
    const { violations } = reconcile(metrics)
    ensure(violations.length === 0, `the figures do not reconcile:\n  ${violations.join('\n  ')}`)
    const s = m.stats()
    ensure(metrics.gcs.length > 0, 'the program made no collection')
    ensure(s.freedByCycle + s.freedByTracing > 0, 'no object was freed by a collection')
    ensureEqual(
      byCause.refcount[0],
      s.freedByRefcount,
      'free events of cause refcount vs stats().freedByRefcount',
    )
    ensureEqual(byCause.cycle[0], s.freedByCycle, 'free events of cause cycle vs stats().freedByCycle')
    ensureEqual(
      byCause.tracing[0],
      s.freedByTracing,
      'free events of cause tracing vs stats().freedByTracing',
    )
    ensureEqual(
      byCause.refcount[1],
      s.freedBytesByRefcount,
      'bytes of refcount free events vs stats().freedBytesByRefcount',
    )
    ensureEqual(
      byCause.cycle[1],
      s.freedBytesByCycle,
      'bytes of cycle free events vs stats().freedBytesByCycle',
    )
    ensureEqual(
      byCause.tracing[1],
      s.freedBytesByTracing,
      'bytes of tracing free events vs stats().freedBytesByTracing',
    )
    // work.objectsFreed prices the frees, so it counts every object a collector freed — also the
    // ones a runtime makes for itself (PyPy's int boxes and weakref lifelines), which are not
    // the program's and so not in the identities above: never fewer than the program's frees.
    const programFrees = s.freedByRefcount + s.freedByCycle + s.freedByTracing
    ensure(
      s.work.objectsFreed >= programFrees,
      `work.objectsFreed ${s.work.objectsFreed} counts fewer frees than the ${programFrees} freed by cause`,
    )
    ensureEqual(finalizes, s.work.finalizersRun, 'finalize events vs work.finalizersRun')
  },
}
