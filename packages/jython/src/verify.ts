/**
 * Heap verification, like HotSpot's -XX:+VerifyAfterGC: every space parses from its bottom
 * to its top, every reference reachable from the roots points at the start of an object in a
 * used part of a space, and every old-to-young reference lies on a dirty card (the invariant
 * the post-write barrier and the young collections keep). For tests and debugging: it
 * allocates host memory per object.
 */
import { IntList, type RootSet } from '@pygc/core'
import { DIRTY } from './card-table.js'
import type { GcContext } from './gc-context.js'
import { FLAG_WEAK, H_KLASS, H_WORDS, type JvmHeap, NOT_PROGRAM, TYPE_MASK } from './heap.js'

export function verifyHeap(heap: JvmHeap, roots: RootSet, ctx: GcContext): string[] {
  const problems: string[] = []
  const starts = new Set<number>()
  const spans: [string, number, number][] = [
    ['old', heap.oldStart, heap.oldTop],
    ['eden', heap.edenStart, heap.edenTop],
    ['from', heap.fromStart, heap.fromTop],
    ['to', heap.toStart, heap.toTop],
  ]
  for (const [name, start, end] of spans) {
    let a = start
    while (a < end) {
      const klass = heap.words[(a >> 2) + H_KLASS]
      const t = klass & TYPE_MASK
      if ((klass & (FLAG_WEAK | NOT_PROGRAM)) === 0 && t >= heap.types.count) {
        problems.push(`${name}: object at ${a} has unknown type ${t}`)
        return problems
      }
      starts.add(a)
      a += heap.sizeOf(a)
    }
    if (a !== end) problems.push(`${name}: objects overrun the top (${a} > ${end})`)
  }
  const seen = new Set<number>()
  const stack = new IntList()
  const visit = (v: number, where: string): void => {
    if (v === 0 || seen.has(v)) return
    if (!starts.has(v)) {
      problems.push(`${where}: ${v} is not the start of an object`)
      return
    }
    seen.add(v)
    stack.push(v)
  }
  for (let i = 0; i < roots.top; i++) visit(roots.values[i], `root ${i}`)
  for (const list of [ctx.hiddenRoots, ctx.jniGlobalRefs, ctx.finalizeQueue, ctx.finalizable, ctx.weakrefs]) {
    for (let i = 0; i < list.length; i++) visit(list.items[i], 'reference list')
  }
  while (stack.length > 0 && problems.length < 20) {
    const a = stack.pop()
    const weak = (heap.words[(a >> 2) + H_KLASS] & FLAG_WEAK) !== 0
    const n = weak ? 1 : heap.refCount(a)
    for (let i = 0; i < n; i++) {
      const f = (a >> 2) + H_WORDS + i
      const v = heap.words[f]
      visit(v, `field ${i} of ${a}`)
      if (
        a >= heap.oldStart &&
        v !== 0 &&
        v < heap.oldStart &&
        heap.cards.bytes[heap.cards.cardOf(f << 2)] !== DIRTY
      ) {
        problems.push(`old object ${a} field ${i} -> young ${v} on a clean card`)
      }
    }
  }
  return problems
}
