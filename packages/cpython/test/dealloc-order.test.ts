/**
 * The order of deaths when a tuple tree is dropped: tupledealloc drops its items last to first,
 * each death running to completion first, so a tree dies right subtree, left subtree, node;
 * a spine deeper than the trashcan's nesting is deferred and still freed whole. A guard for any
 * shortcut through the dealloc frames (dealloc.ts).
 */
import { describe, expect, it } from 'vitest'
import { CPythonManager } from '../src/index.js'

/** Builds a complete tuple tree of `depth` into local 0 (children first); returns the ids, post-order right to left. */
function buildTree(m: CPythonManager, node: number, depth: number): number[] {
  m.pushFrame(3)
  const order: number[] = []
  if (depth > 0) {
    const left = buildTree(m, node, depth - 1)
    m.move(1, -2) // the child left in the scratch global
    const right = buildTree(m, node, depth - 1)
    m.move(2, -2)
    m.alloc(0, node)
    m.store(0, 0, 1)
    m.store(0, 1, 2)
    order.push(...right, ...left)
  } else {
    m.alloc(0, node)
  }
  order.push(m.objectId(0))
  m.move(-2, 0)
  m.popFrame()
  return order
}

describe('dropping a tuple tree', () => {
  it('frees right subtree, left subtree, then the node (tupledealloc, items last to first)', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'Node', refs: 2, shape: 'tuple' })
    m.defineGlobals(2)
    const expected = buildTree(m, node, 6)
    const freed: number[] = []
    m.on(
      (e) => {
        if (e.type === 'free') freed.push(e.id)
      },
      ['free'],
    )
    m.clear(-2)
    expect(freed).toEqual(expected)
    expect(m.stats().liveObjects).toBe(0)
  })

  it('defers past the trashcan nesting and frees a spine with leaves whole', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'Node', refs: 2, shape: 'tuple' })
    m.defineGlobals(2)
    m.pushFrame(2)
    // A spine of 200 tuples, each with an empty leaf tuple beside the spine's next link.
    for (let i = 0; i < 200; i++) {
      m.alloc(1, node)
      m.store(1, 0, 0)
      m.move(0, 1)
      m.alloc(1, node)
      m.store(0, 1, 1)
    }
    m.clear(1)
    const before = m.stats().liveObjects
    expect(before).toBe(400)
    const freed: number[] = []
    m.on(
      (e) => {
        if (e.type === 'free') freed.push(e.id)
      },
      ['free'],
    )
    m.popFrame()
    expect(m.stats().liveObjects).toBe(0)
    // The leaves past the nesting are deferred too (dealloc.ts deallocLeaf runs a leaf's death
    // without a frame only below the deferral level): 8 deposits, and the deferred chain is
    // freed last, newest first. A shortcut that ignored the trashcan made 4 and ended 0,2,4.
    expect(m.native.summary().trashcanDeposits).toBe(8)
    expect(freed.length).toBe(400)
    expect(freed.slice(-6)).toEqual([2, 4, 7, 105, 203, 301])
  })

  it('frees an item whose own items survive, then its container', () => {
    const m = new CPythonManager()
    const node = m.defineType({ name: 'Node', refs: 2, shape: 'tuple' })
    m.defineGlobals(2)
    m.pushFrame(3)
    m.alloc(0, node) // kept alive by local 0
    m.alloc(1, node)
    m.store(1, 0, 0) // inner = (kept, None)
    m.alloc(2, node)
    m.store(2, 1, 1) // outer = (None, inner)
    const [kept, inner, outer] = [0, 1, 2].map((slot) => m.objectId(slot))
    m.clear(1)
    const freed: number[] = []
    m.on(
      (e) => {
        if (e.type === 'free') freed.push(e.id)
      },
      ['free'],
    )
    // The inner tuple's frame ends with its item alive: the inner tuple dies, then the outer one.
    m.clear(2)
    expect(freed).toEqual([inner, outer])
    expect(m.stats().liveObjects).toBe(1)
    m.clear(0)
    expect(freed).toEqual([inner, outer, kept])
    m.popFrame()
  })
})
