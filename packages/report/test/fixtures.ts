/** A small, hand-made results document: two runtimes, one failing runtime, a sweep. */
import {
  collectionLogOf,
  type DeterministicMetrics,
  type ResultsDocument,
  type RuntimeStyles,
} from '../src/index.js'

/**
 * What a caller's runtime registry would pass (the command passes apps/bench RUNTIME_STYLES):
 * the fixture's own, so a test can tell them from any runtime's real ones.
 */
export const SAMPLE_STYLES: RuntimeStyles = {
  cpython: {
    color: '#123456',
    footprint: 'the fixture cpython arenas',
    meanings: { collections: 'Fixture cycle collections.' },
  },
  jython: { color: '#654321', footprint: 'the fixture JVM heap' },
}

function dist(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b)
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  const total = values.reduce((a, b) => a + b, 0)
  return {
    count: values.length,
    total,
    min: sorted[0] ?? 0,
    mean: values.length ? total / values.length : 0,
    p50: pick(0.5),
    p95: pick(0.95),
    p99: pick(0.99),
    max: sorted[sorted.length - 1] ?? 0,
  }
}

export function metrics(family: 'cpython' | 'jython', scale: number): DeterministicMetrics {
  const generations = family === 'cpython' ? ['gen0', 'gen1', 'gen2'] : ['young', 'full']
  const pauses = [1000 * scale, 2500 * scale, 40000 * scale]
  return {
    runtime: {
      family,
      preset: 'default',
      description: `${family} model`,
      generations,
      sizeMode: family === 'cpython' ? 'python' : 'jython',
      moving: family !== 'cpython',
      idKind: family === 'cpython' ? 'address' : 'counter',
    },
    ops: 1000,
    objectsAllocated: 300,
    bytesAllocated: 30000 * scale,
    peakLiveBytes: 9000,
    finalLiveBytes: 1000,
    peakFootprintBytes: 20000 * scale,
    finalFootprintBytes: 15000,
    fragmentation: (20000 * scale) / 9000,
    collections: Object.fromEntries(generations.map((g, i) => [g, 3 - i])),
    collectionReasons: { allocation: 4, 'gc.collect': 1 },
    freed: {
      refcount: family === 'cpython' ? 250 : 0,
      cycle: family === 'cpython' ? 20 : 0,
      tracing: family === 'cpython' ? 0 : 270,
    },
    work: {
      marked: 100 * scale,
      refsScanned: 200,
      bytesCopied: family === 'jython' ? 5000 : 0,
      bytesCompacted: 0,
      bytesPromoted: 1200,
      objectsSwept: 50,
      refcountOps: family === 'cpython' ? 4000 : 0,
      barrierOps: family === 'jython' ? 600 : 0,
      cardsScanned: 3,
      objectsFreed: 270,
      finalizersRun: 2,
    },
    virtualTime: {
      mutator: 50000,
      gc: 43500 * scale,
      total: 50000 + 43500 * scale,
      gcShare: (43500 * scale) / (50000 + 43500 * scale),
    },
    pauses: dist(pauses),
    finalizers: {
      count: 2,
      events: [
        { op: family === 'cpython' ? 100 : 400, id: 7, typeId: 1, resurrected: false },
        { op: family === 'cpython' ? 120 : 400, id: 9, typeId: 1, resurrected: true },
      ],
    },
    weakrefs: {
      cleared: 1,
      callbacks: 1,
      clearEvents: [{ op: family === 'cpython' ? 130 : 410, weakId: 11, targetId: 10 }],
      callbackEvents: [{ op: family === 'cpython' ? 130 : 410, weakId: 11, tag: 5 }],
    },
    collectCalls: [{ op: 500, generation: 2, result: family === 'cpython' ? 20 : -2 }],
    gcControls: [],
    gcs: collectionLogOf(
      pauses.map((p, i) => ({
        index: i,
        op: 200 * (i + 1),
        generation: 0,
        kind: generations[0],
        reason: 'allocation',
        pauseVirtual: p,
        freedObjects: 10,
        freedBytes: 800,
        liveBytesAfter: 5000 + i * 100,
        footprintAfter: 16000,
        promotedBytes: 100,
        copiedBytes: 400,
        compacted: false,
        spaces: { a: 1 },
      })),
    ),
    truncated: false,
    timeline: {
      everyOps: 100,
      readEvery: 12,
      op: Array.from({ length: 10 }, (_, i) => (i + 1) * 100),
      allocatedBytes: Array.from({ length: 10 }, (_, i) => (i + 1) * 3000),
      liveMin: Array.from({ length: 10 }, (_, i) => 3500 + i * 500),
      liveMax: Array.from({ length: 10 }, (_, i) => 4000 + i * 500),
      footprintMin: Array.from({ length: 10 }, (_, i) => 10000 + i * 1000 * scale),
      footprintMax: Array.from({ length: 10 }, (_, i) => 10000 + i * 1000 * scale),
    },
  }
}

export function sampleDocument(): ResultsDocument {
  return {
    format: 'pygc-results',
    schemaVersion: 3,
    meta: {
      command: "pygc run demo --param 'x=1'",
      date: '2026-01-01T00:00:00.000Z',
      seed: 7,
      versions: { '@pygc/core': '0.1.0', node: 'v20' },
    },
    settings: {
      runtimes: ['cpython', 'jython', 'ironpython'],
      size: 'test',
      seed: 7,
      costOverrides: {},
      costs: {
        gcFixed: 2000,
        markObject: 8,
        scanRef: 2,
        copyByte: 0.3,
        compactByte: 0.4,
        sweepObject: 3,
        cardScan: 20,
        freeObject: 6,
        finalizer: 200,
        refcountOp: 1,
        barrierOp: 1.5,
      },
      promptness: false,
      timelineEvery: 100,
    },
    workloads: [
      {
        workload: 'demo',
        description: 'a demo workload <with markup>',
        source: 'tests',
        origin: 'workload',
        size: 'test',
        params: { x: 1 },
        seed: 7,
        runs: [
          {
            runtime: 'cpython',
            preset: 'default',
            status: 'ok',
            check: { label: 'nodes', value: 42, expected: 42, ok: true },
            metrics: metrics('cpython', 1),
            native: { gc: 1 },
          },
          {
            runtime: 'jython',
            preset: 'default',
            status: 'ok',
            check: { label: 'nodes', value: 42, expected: 42, ok: true },
            metrics: metrics('jython', 2),
          },
          {
            runtime: 'ironpython',
            preset: 'default',
            status: 'error',
            error: {
              code: 'OUT_OF_MEMORY',
              name: 'System.OutOfMemoryException',
              message: 'System.OutOfMemoryException: cannot allocate 24 bytes',
            },
          },
        ],
      },
    ],
    sweeps: [
      {
        workload: 'demo',
        size: 'test',
        params: { x: 1 },
        seed: 7,
        runtime: 'jython',
        preset: 'default',
        cell: 0,
        minHeap: { status: 'ok', bytes: 10000, tolerance: 1 / 64, probes: [{ heapLimit: 20000, ok: true }] },
        points: [1.5, 2, 4].map((multiple) => ({
          multiple,
          heapLimit: 10000 * multiple,
          status: 'ok' as const,
          figures: {
            collections: Math.round(20 / multiple),
            collectionsByKind: { young: Math.round(20 / multiple) },
            gcVirtual: 1000 / multiple,
            mutatorVirtual: 5000,
            totalVirtual: 5000 + 1000 / multiple,
            gcShare: 1000 / multiple / (5000 + 1000 / multiple),
            pauseP50: 100,
            pauseP99: 300,
            pauseMax: 400,
            peakFootprintBytes: 10000 * multiple,
            peakLiveBytes: 9000,
          },
        })),
      },
    ],
    wall: {
      totalMs: 12,
      runs: [{ workload: 'demo', runtime: 'cpython', params: { x: 1 }, totalMs: 5.5, gcMs: 1.25 }],
    },
  }
}
