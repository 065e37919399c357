/** The pool's cell weights: an earlier run's wall times when it has every cell, else op estimates. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cellWeights, earlierWallTimes } from '../src/cell-weights.js'
import { tempDir } from './cli-helpers.js'

const cells = [
  { workload: 'btree', runtime: 'cpython', params: { nodes: 10 } },
  { workload: 'btree', runtime: 'jython', params: { nodes: 10 } },
]

describe('cell weights', () => {
  const dir = tempDir('weights')
  mkdirSync(dir, { recursive: true })
  const wall = (runs: object[]) =>
    writeFileSync(join(dir, 'results.json'), JSON.stringify({ wall: { totalMs: 1, runs } }))

  it("uses the earlier run's wall times when it has every cell", () => {
    wall([
      { workload: 'btree', runtime: 'cpython', params: { nodes: 10 }, totalMs: 5, gcMs: 1 },
      { workload: 'btree', runtime: 'jython', params: { nodes: 10 }, totalMs: 50, gcMs: 1 },
      { workload: 'btree', runtime: 'jython', params: { nodes: 10 }, point: '2x', totalMs: 999, gcMs: 1 },
    ])
    expect(cellWeights(cells, earlierWallTimes(dir), () => 7)).toEqual([5, 50])
  })

  it('falls back to the estimates when a cell is missing, the params differ or the file is not JSON', () => {
    wall([{ workload: 'btree', runtime: 'cpython', params: { nodes: 10 }, totalMs: 5, gcMs: 1 }])
    expect(cellWeights(cells, earlierWallTimes(dir), () => 7)).toEqual([7, 7])
    writeFileSync(join(dir, 'results.json'), '{ not json')
    expect(earlierWallTimes(dir).size).toBe(0)
    expect(earlierWallTimes(undefined).size).toBe(0)
  })
})
