/**
 * Binary trees of two-reference nodes (fields 0 = left, 1 = right), shared by binary-trees and
 * GCBench: the recursive builders and the recursive node count, each call in its own frame as
 * in the Python ports.
 */
import type { Mutator, TypeId } from '@pygc/core'
import * as program from './program.js'

/**
 * The register slots as this module's own constants: V8 folds a module's own constants into
 * optimized code, but re-reads an imported binding and checks it at every use (IronPython's
 * layout constants the same way: B/A 0.955 on binary-trees N=10, measured in session 10).
 */
const { REG_ARG, REG_RET } = program

const LEFT = 0
const RIGHT = 1

/** Nodes in a complete binary tree of `depth` (a lone leaf has depth 0). */
export function treeSize(depth: number): number {
  return 2 ** (depth + 1) - 1
}

/**
 * Bottom-up construction, leaving the root in the return register: both subtrees are built
 * first and held in the frame's locals, then the node is allocated with them — the order of
 * `(make_tree(d - 1), make_tree(d - 1))` in Python and `new Node(MakeTree(), MakeTree())` in Java.
 *
 * Local `c` holds the child that goes into field `c` (LEFT, RIGHT), so each child is one turn
 * of a loop and each Mutator op has one call site here: V8 inlines the manager's op into this
 * recursive function per call site from one budget of bytecode (about 920 bytes), and a second
 * copy of alloc or store left the later ops out of it.
 */
export function buildBottomUp(m: Mutator, node: TypeId, depth: number): void {
  m.pushFrame(2)
  if (depth > 0) {
    for (let child = LEFT; child <= RIGHT; child++) {
      buildBottomUp(m, node, depth - 1)
      m.move(child, REG_RET)
    }
  }
  m.alloc(REG_RET, node)
  if (depth > 0) for (let child = LEFT; child <= RIGHT; child++) m.store(REG_RET, child, child)
  m.popFrame()
}

/**
 * Top-down construction (GCBench's Populate): the node in the argument register gets two fresh
 * children, then each child is populated in turn; parents are allocated before their children.
 */
export function populateTopDown(m: Mutator, node: TypeId, depth: number): void {
  if (depth <= 0) return
  m.pushFrame(1)
  m.move(0, REG_ARG)
  m.alloc(REG_ARG, node)
  m.store(0, LEFT, REG_ARG)
  m.alloc(REG_ARG, node)
  m.store(0, RIGHT, REG_ARG)
  m.load(REG_ARG, 0, LEFT)
  populateTopDown(m, node, depth - 1)
  m.load(REG_ARG, 0, RIGHT)
  populateTopDown(m, node, depth - 1)
  m.popFrame()
}

/**
 * The node count of the tree in the argument register (CLBG's check_tree): a node whose left
 * child is null is a leaf. Leaves the argument register holding null or a stale leaf; callers
 * clear it.
 */
export function countNodes(m: Mutator): number {
  m.pushFrame(1)
  m.move(0, REG_ARG)
  let count = 1
  // check_tree: `if left is None: return 1`, else 1 + check(left) + check(right). One load site
  // for both children (see buildBottomUp): the leaf test follows the left child's load only.
  for (let child = LEFT; child <= RIGHT; child++) {
    m.load(REG_ARG, 0, child)
    if (child === LEFT && m.isNull(REG_ARG)) break
    count += countNodes(m)
  }
  m.popFrame()
  return count
}
