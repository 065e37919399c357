/**
 * Accounting that reconciles (issue 10 item 3), on real programs: every workload at size `test`
 * on every preset of every registered runtime, run the way `pygc run` runs a cell, must satisfy
 * every identity of core's reconcile (metrics/reconcile.ts): bytes and objects allocated =
 * freed (refcount + cycle + tracing) + final live; Σ per-collection freed = freed by the
 * collector; Σ pauses = GC virtual time; one record per counted collection (per pause on an
 * incremental runtime). The conformance kit checks the same on a random program.
 */
import { reconcile } from '@pygc/core'
import { describe, expect, it } from 'vitest'
import { executeWorkload } from '../src/execute.js'
import { RUNTIMES } from '../src/runtimes.js'
import { allWorkloads, resolveWorkloadParams } from '../src/workloads.js'

const SEED = 1

describe('every workload at size test reconciles on every runtime and preset', () => {
  for (const descriptor of RUNTIMES) {
    for (const { name: preset } of descriptor.presets) {
      it(`${descriptor.name}:${preset}`, { timeout: 180_000 }, () => {
        const problems: string[] = []
        let checked = 0
        for (const workload of allWorkloads()) {
          const params = resolveWorkloadParams(workload, 'test', new Map())
          const ex = executeWorkload(
            workload,
            params,
            SEED,
            { label: descriptor.name, descriptor, preset },
            {},
          )
          expect(ex.run.status, `${workload.name}: ${JSON.stringify(ex.run.error)}`).toBe('ok')
          const metrics = ex.metrics
          if (metrics === undefined) throw new Error(`${workload.name}: no metrics`)
          const { violations, skipped } = reconcile(metrics)
          for (const v of violations) problems.push(`${workload.name}: ${v}`)
          if (skipped.length === 0) checked++
          // Something was freed and counted on every runtime, so the identities are not vacuous.
          const freed = metrics.freedBytes.refcount + metrics.freedBytes.cycle + metrics.freedBytes.tracing
          if (metrics.bytesAllocated > metrics.finalLiveBytes) expect(freed, workload.name).toBeGreaterThan(0)
        }
        expect(problems).toEqual([])
        // The per-collection identities were checked, not skipped, on every workload.
        expect(checked).toBe(allWorkloads().length)
      })
    }
  }
})
