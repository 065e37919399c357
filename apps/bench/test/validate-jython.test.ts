/**
 * The Jython model against the real HotSpot JVM (java is on every machine of ours) and the
 * real Jython 2.7 (CI installs it with apt-get when missing): every validation case must be
 * within its bounds (packages/jython/FIDELITY.md, "How the comparison is made") -- young collections ±1, full collections equal, heap after
 * collection within 5% (dead wood explained), the same causes, the same event order.
 */
import { describe, expect, it } from 'vitest'
import { sameOrderUpToThreads, validateJython } from '../src/validate/jython.js'

describe('validate jython', () => {
  it('compares finalizer/callback order per collection, not the race between the two threads', () => {
    const model = ['collect', 'finalize', 'callback:1', 'collect']
    expect(sameOrderUpToThreads(model, ['collect', 'callback:1', 'finalize', 'collect'])).toBe(true)
    expect(sameOrderUpToThreads(model, ['finalize', 'collect', 'callback:1', 'collect'])).toBe(false)
    expect(sameOrderUpToThreads(model, ['collect', 'collect', 'finalize', 'callback:1'])).toBe(false)
    expect(
      sameOrderUpToThreads(['collect', 'callback:3', 'callback:2'], ['collect', 'callback:2', 'callback:3']),
    ).toBe(false)
  })

  // 29 cases, each on the JVM and on Jython: minutes on a 2-core machine, more under load. Run
  // once; both tests below read the same report.
  let whole: ReturnType<typeof validateJython> | undefined
  const wholeSet = () => {
    whole ??= validateJython({})
    return whole
  }

  it('agrees with java -XX:+UseSerialGC and jython on every case', { timeout: 600_000 }, async () => {
    const report = await wholeSet()
    const failed = report.rows.filter((r) => !r.ok)
    expect(failed, JSON.stringify(failed, null, 2)).toEqual([])
    expect(report.ok).toBe(true)
    for (const metric of ['young collections', 'full collections', 'causes']) {
      expect(report.rows.filter((r) => r.metric === metric).length).toBe(27) // 9 programs × 3 heaps
    }
    expect(report.rows.filter((r) => r.metric === 'event order').length).toBe(4)
    expect(report.rows.filter((r) => r.metric === 'event order (TraceReplay.java)').length).toBe(4)
  })

  it('replays finalizers, resurrection and callbacks on the real JVM (TraceReplay.java) in the model’s order', {
    timeout: 600_000,
  }, async () => {
    const report = await wholeSet()
    const jvm = report.rows.filter((r) => r.metric === 'event order (TraceReplay.java)')
    expect(jvm.map((r) => r.case)).toEqual([
      'finalizer + weakref',
      'weakref callbacks',
      'resurrection',
      'finalizer allocations',
    ])
    for (const r of jvm) {
      expect(r.ok, JSON.stringify(r)).toBe(true)
      // Real events were recorded: the JVM ran the finalizers and the reaper ran the callbacks.
      expect(String(r.real)).toMatch(/finalize|callback/)
    }
    // Each referent's callbacks newest first, as Jython's GlobalRef runs them.
    expect(jvm[1].real === '(same)' || String(jvm[1].real).includes('callback:3 callback:2 callback:1')).toBe(
      true,
    )
  })

  it('waits at each gc.collect() for the __del__s it made due, even ones that allocate (both oracles)', {
    timeout: 600_000,
  }, async () => {
    const report = await wholeSet()
    const order = report.rows.filter(
      (r) => r.case === 'finalizer allocations' && r.metric.startsWith('event order'),
    )
    expect(order.map((r) => r.metric)).toEqual(['event order', 'event order (TraceReplay.java)'])
    for (const r of order) {
      expect(r.ok, JSON.stringify(r).slice(0, 400)).toBe(true)
      // 200 makers, each finalized between its collection and the next, as the model runs it.
      const segments = String(r.real).split('collect').slice(1, -1)
      expect(segments.length).toBe(200)
      for (const s of segments) expect(s.trim()).toBe('finalize')
    }
  })
})
