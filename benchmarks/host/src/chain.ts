/**
 * The memory benchmarks' structure: `objects` one-reference objects in a chain held from global 0,
 * so every one of them is live when the chain is done. Built with ops only (any Mutator).
 */
import { globalSlot, type Mutator } from '@pygc/core'

export function buildChain(m: Mutator, objects: number): void {
  const node = m.defineType({ name: 'Node', refs: 1, shape: 'slots' })
  m.defineGlobals(1)
  const HEAD = globalSlot(0)
  m.pushFrame(1)
  m.alloc(HEAD, node)
  for (let i = 1; i < objects; i++) {
    m.alloc(0, node)
    m.store(0, 0, HEAD)
    m.move(HEAD, 0)
  }
  m.popFrame()
}
