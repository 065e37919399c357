/**
 * The speed anchor: binary-trees with the same shape, the same order of allocation and the same
 * node count as the workload, but as plain JS objects in V8, collected by V8's own generational
 * GC. What a manager costs on top of the host is the ratio to this.
 */

interface TreeNode {
  left: TreeNode | null
  right: TreeNode | null
}

/** Children first, then the node: `(make_tree(d - 1), make_tree(d - 1))`. */
function bottomUpTree(depth: number): TreeNode {
  if (depth > 0) {
    const left = bottomUpTree(depth - 1)
    const right = bottomUpTree(depth - 1)
    return { left, right }
  }
  return { left: null, right: null }
}

function countNodes(node: TreeNode): number {
  return node.left === null ? 1 : 1 + countNodes(node.left) + countNodes(node.right!)
}

/** The CLBG program (min depth 4, max depth max(6, N)); returns the same check as the workload. */
export function binaryTreesV8(maxDepthParam: number, minDepth = 4): number {
  const maxDepth = Math.max(minDepth + 2, maxDepthParam)
  let check = countNodes(bottomUpTree(maxDepth + 1))
  const longLived = bottomUpTree(maxDepth)
  for (let d = minDepth; d <= maxDepth; d += 2) {
    const iterations = 2 ** (maxDepth - d + minDepth)
    for (let i = 0; i < iterations; i++) check += countNodes(bottomUpTree(d))
  }
  return check + countNodes(longLived)
}
