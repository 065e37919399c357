/**
 * pyperformance btree / btree_gc: a B-tree (minimum degree 16) of `(key, record)` tuples in
 * `__slots__` nodes (`items`, `nodes`), filled in random key order from a list of records of six
 * fields (an int, a str, random bytes of 0–99, a float, an interned str, None/True/False); then
 * the lowest 20% of keys are deleted (CLRS 19.3, as the benchmark's delete does) and reinserted,
 * scattering new nodes among old ones; then `gc.collect()`, an in-order traversal and random
 * lookups. A large, interconnected, long-lived graph: the cycle collector's real-world case.
 *
 * Every method of the Python program is a call with its own frame; the node it works on comes in
 * through the argument register, the item being inserted sits in a global for the whole `add`.
 */
import { type Mutator, PygcError, type Rng, type Slot } from '@pygc/core'
import { declareGlobals, programGlobal, REG_ARG } from './program.js'
import { listAppend, listConcat, listDelete, listInsert, listLength, listSlice, newList } from './pylist.js'
import type { Workload, WorkloadResult } from './types.js'

const TREE = programGlobal(0)
const RECORDS = programGlobal(1)
const INTERNED = programGlobal(2)
const ITEM = programGlobal(3) // the `item` argument of insert_item, for the whole add()

// BNode slots; BTree's only slot is `root` (field 0).
const ITEMS = 0
const NODES = 1
// Item tuple: field 0 = the record, int 0 = the key.
const VALUE = 0

/** sys.intern(str(rnd.randint(0, 30))): 31 distinct interned strings. */
const INTERNED_STRINGS = 31

interface Types {
  bnode: number
  btree: number
  list: number
  item: number
  record: number
  str: number
  bytes: number
}

class BTreeProgram {
  private readonly maxItems: number

  constructor(
    private readonly m: Mutator,
    private readonly t: Types,
    private readonly degree: number,
  ) {
    this.maxItems = 2 * degree - 1
  }

  /** `BNode()`: items = [], nodes = None. */
  private newNode(dst: Slot, scratch: Slot): void {
    this.m.alloc(dst, this.t.bnode)
    newList(this.m, this.t.list, scratch, this.maxItems)
    this.m.store(dst, ITEMS, scratch)
    this.m.clear(scratch)
  }

  private itemCount(node: Slot, scratch: Slot): number {
    this.m.load(scratch, node, ITEMS)
    const n = listLength(this.m, scratch)
    this.m.clear(scratch)
    return n
  }

  private keyAt(list: Slot, position: number, scratch: Slot): number {
    this.m.load(scratch, list, position)
    const key = this.m.readInt(scratch, 0)
    this.m.clear(scratch)
    return key
  }

  /** get_position: the first item whose key is >= key (a linear scan, as in the benchmark). */
  private position(items: Slot, key: number, scratch: Slot): number {
    const n = listLength(this.m, items)
    for (let p = 0; p < n; p++) if (this.keyAt(items, p, scratch) >= key) return p
    return n
  }

  /** BTree.add(key, value): the item is in ITEM. */
  add(): void {
    const m = this.m
    const ROOT = 0
    const NODE = 1
    const SCRATCH = 2
    m.pushFrame(3)
    m.load(ROOT, TREE, 0)
    if (this.itemCount(ROOT, SCRATCH) === this.maxItems) {
      // Replace and split: a new root whose only child is the old root.
      this.newNode(NODE, SCRATCH)
      newList(m, this.t.list, SCRATCH, this.maxItems + 1)
      listAppend(m, SCRATCH, ROOT)
      m.store(NODE, NODES, SCRATCH)
      m.clear(SCRATCH)
      m.move(REG_ARG, NODE)
      this.splitChild(0)
      m.store(TREE, 0, NODE)
      m.move(ROOT, NODE)
    }
    m.move(REG_ARG, ROOT)
    this.insertItem()
    m.popFrame()
  }

  /** BNode.insert_item(item), self in the argument register. */
  private insertItem(): void {
    const m = this.m
    const SELF = 0
    const ITEMS_L = 1
    const NODES_L = 2
    const CHILD = 3
    const SCRATCH = 4
    m.pushFrame(5)
    m.move(SELF, REG_ARG)
    m.clear(REG_ARG)
    m.load(ITEMS_L, SELF, ITEMS)
    const key = m.readInt(ITEM, 0)
    let p = this.position(ITEMS_L, key, SCRATCH)
    m.load(NODES_L, SELF, NODES)
    if (p < listLength(m, ITEMS_L) && this.keyAt(ITEMS_L, p, SCRATCH) === key) {
      m.store(ITEMS_L, p, ITEM)
    } else if (m.isNull(NODES_L)) {
      listInsert(m, ITEMS_L, p, ITEM, SCRATCH)
    } else {
      m.load(CHILD, NODES_L, p)
      if (this.itemCount(CHILD, SCRATCH) === this.maxItems) {
        m.move(REG_ARG, SELF)
        this.splitChild(p)
        const splitKey = this.keyAt(ITEMS_L, p, SCRATCH)
        if (key === splitKey) {
          m.store(ITEMS_L, p, ITEM)
        } else {
          if (key > splitKey) p++
          m.load(REG_ARG, NODES_L, p)
          this.insertItem()
        }
      } else {
        m.move(REG_ARG, CHILD)
        this.insertItem()
      }
    }
    m.popFrame()
  }

  /** BNode.split_child(position, child): self in the argument register, child = self.nodes[position]. */
  private splitChild(position: number): void {
    const m = this.m
    const SELF = 0
    const CHILD = 1
    const BIGGER = 2
    const CHILD_ITEMS = 3
    const CHILD_NODES = 4
    const FRESH = 5
    const SPLITTING = 6
    const LIST = 7
    const SCRATCH = 8
    const middle = this.degree - 1
    m.pushFrame(9)
    m.move(SELF, REG_ARG)
    m.clear(REG_ARG)
    m.load(LIST, SELF, NODES)
    m.load(CHILD, LIST, position)
    this.newNode(BIGGER, SCRATCH)
    m.load(CHILD_ITEMS, CHILD, ITEMS)
    m.load(SPLITTING, CHILD_ITEMS, middle)
    listSlice(m, this.t.list, FRESH, CHILD_ITEMS, middle + 1, this.maxItems, this.maxItems, SCRATCH)
    m.store(BIGGER, ITEMS, FRESH)
    listSlice(m, this.t.list, FRESH, CHILD_ITEMS, 0, middle, this.maxItems, SCRATCH)
    m.store(CHILD, ITEMS, FRESH)
    m.load(CHILD_NODES, CHILD, NODES)
    if (!m.isNull(CHILD_NODES)) {
      listSlice(m, this.t.list, FRESH, CHILD_NODES, middle + 1, this.maxItems + 1, this.maxItems + 1, SCRATCH)
      m.store(BIGGER, NODES, FRESH)
      listSlice(m, this.t.list, FRESH, CHILD_NODES, 0, middle + 1, this.maxItems + 1, SCRATCH)
      m.store(CHILD, NODES, FRESH)
    }
    m.load(LIST, SELF, ITEMS)
    listInsert(m, LIST, position, SPLITTING, SCRATCH)
    m.load(LIST, SELF, NODES)
    listInsert(m, LIST, position + 1, BIGGER, SCRATCH)
    m.popFrame()
  }

  /** The last (first) item under the node in `node`, into `dst`: get_max_item / get_min_item. */
  private extremeItem(dst: Slot, node: Slot, last: boolean, scratch: Slot): void {
    const m = this.m
    m.move(dst, node)
    for (;;) {
      m.load(scratch, dst, NODES)
      if (m.isNull(scratch)) break
      m.load(dst, scratch, last ? listLength(m, scratch) - 1 : 0)
    }
    m.load(scratch, dst, ITEMS)
    m.load(dst, scratch, last ? listLength(m, scratch) - 1 : 0)
    m.clear(scratch)
  }

  /** BNode.delete(key), self in the argument register (CLRS 19.3, cases as the benchmark names them). */
  delete(key: number): void {
    const m = this.m
    const SELF = 0
    const ITEMS_L = 1
    const NODES_L = 2
    const NODE = 3
    const LOWER = 4
    const UPPER = 5
    const EXTREME = 6
    const LIST_A = 7
    const LIST_B = 8
    const FRESH = 9
    const SCRATCH = 10
    m.pushFrame(11)
    m.move(SELF, REG_ARG)
    m.clear(REG_ARG)
    m.load(ITEMS_L, SELF, ITEMS)
    const p = this.position(ITEMS_L, key, SCRATCH)
    const matches = p < listLength(m, ITEMS_L) && this.keyAt(ITEMS_L, p, SCRATCH) === key
    m.load(NODES_L, SELF, NODES)
    if (m.isNull(NODES_L)) {
      if (!matches)
        throw new PygcError('INTERNAL', `btree workload: key ${key} not found in its leaf`, { key })
      listDelete(m, ITEMS_L, p, SCRATCH) // case 1
      m.popFrame()
      return
    }
    const nodeCount = listLength(m, NODES_L)
    m.load(NODE, NODES_L, p)
    const hasLower = p > 0
    const hasUpper = p < nodeCount - 1
    if (hasLower) m.load(LOWER, NODES_L, p - 1)
    if (hasUpper) m.load(UPPER, NODES_L, p + 1)
    const isBig = (node: Slot): boolean => this.itemCount(node, SCRATCH) >= this.degree
    const scratch: MergeSlots = {
      listA: LIST_A,
      listB: LIST_B,
      fresh: FRESH,
      item: EXTREME,
      scratch: SCRATCH,
    }
    if (matches) {
      if (isBig(NODE)) {
        // Case 2a: replace the key by its predecessor, deleted from the child below.
        this.extremeItem(EXTREME, NODE, true, SCRATCH)
        m.move(REG_ARG, NODE)
        this.delete(m.readInt(EXTREME, 0))
        m.store(ITEMS_L, p, EXTREME)
      } else if (isBig(UPPER)) {
        // Case 2b: replace the key by its successor, deleted from the child above.
        this.extremeItem(EXTREME, UPPER, false, SCRATCH)
        m.move(REG_ARG, UPPER)
        this.delete(m.readInt(EXTREME, 0))
        m.store(ITEMS_L, p, EXTREME)
      } else {
        // Case 2c: merge node + the key + the upper sibling, then delete from the merged node.
        this.merge(NODE, NODE, ITEMS_L, p, UPPER, scratch)
        listDelete(m, ITEMS_L, p, SCRATCH)
        listDelete(m, NODES_L, p + 1, SCRATCH)
        m.move(REG_ARG, NODE)
        this.delete(key)
      }
    } else {
      if (!isBig(NODE)) {
        if (hasLower && isBig(LOWER)) {
          // Case 3a1: shift an item (and a child) from the lower sibling through self.
          this.rotate(NODE, LOWER, ITEMS_L, p - 1, true, scratch)
        } else if (hasUpper && isBig(UPPER)) {
          // Case 3a2: shift an item (and a child) from the upper sibling through self.
          this.rotate(NODE, UPPER, ITEMS_L, p, false, scratch)
        } else if (hasLower) {
          // Case 3b1: node = lower sibling + separator + node.
          this.merge(NODE, LOWER, ITEMS_L, p - 1, NODE, scratch)
          listDelete(m, ITEMS_L, p - 1, SCRATCH)
          listDelete(m, NODES_L, p - 1, SCRATCH)
        } else {
          // Case 3b2: node = node + separator + upper sibling.
          this.merge(NODE, NODE, ITEMS_L, p, UPPER, scratch)
          listDelete(m, ITEMS_L, p, SCRATCH)
          listDelete(m, NODES_L, p + 1, SCRATCH)
        }
      }
      m.move(REG_ARG, NODE)
      this.delete(key)
    }
    if (listLength(m, ITEMS_L) === 0) {
      // Only the root can empty: it takes over its single child's items and nodes.
      m.load(NODE, NODES_L, 0)
      m.load(FRESH, NODE, ITEMS)
      m.store(SELF, ITEMS, FRESH)
      m.load(FRESH, NODE, NODES)
      m.store(SELF, NODES, FRESH)
    }
    m.popFrame()
  }

  /**
   * `target.items = left.items + [parentItems[p]] + right.items`, and the nodes likewise (without
   * a separator): the merged lists are new, the old ones become garbage. `target` is `left` or
   * `right`; both sides are read before the target is written.
   */
  private merge(target: Slot, left: Slot, parentItems: Slot, p: number, right: Slot, s: MergeSlots): void {
    const m = this.m
    m.load(s.item, parentItems, p)
    m.load(s.listA, left, ITEMS)
    m.load(s.listB, right, ITEMS)
    listConcat(m, this.t.list, s.fresh, s.listA, s.item, s.listB, this.maxItems, s.scratch)
    m.store(target, ITEMS, s.fresh)
    m.load(s.listA, left, NODES)
    if (!m.isNull(s.listA)) {
      m.load(s.listB, right, NODES)
      listConcat(m, this.t.list, s.fresh, s.listA, null, s.listB, this.maxItems + 1, s.scratch)
      m.store(target, NODES, s.fresh)
    }
    m.clear(s.listA)
    m.clear(s.listB)
    m.clear(s.fresh)
    m.clear(s.item)
  }

  /**
   * Cases 3a1/3a2: the separator `parentItems[separator]` moves down into `node` (at the front
   * when the donor is the lower sibling, at the back otherwise), the donor's nearest item moves up
   * to replace it, and the donor's nearest child moves across.
   */
  private rotate(
    node: Slot,
    donor: Slot,
    parentItems: Slot,
    separator: number,
    fromLower: boolean,
    s: MergeSlots,
  ): void {
    const m = this.m
    const moveAcross = (field: number, fromParent: boolean): void => {
      m.load(s.listA, node, field)
      if (m.isNull(s.listA)) return // a leaf has no nodes to move
      m.load(s.listB, donor, field)
      const nearest = fromLower ? listLength(m, s.listB) - 1 : 0
      if (fromParent) {
        m.load(s.item, parentItems, separator)
      } else {
        m.load(s.item, s.listB, nearest)
      }
      if (fromLower) listInsert(m, s.listA, 0, s.item, s.scratch)
      else listAppend(m, s.listA, s.item)
      if (fromParent) {
        m.load(s.item, s.listB, nearest)
        m.store(parentItems, separator, s.item)
      }
      listDelete(m, s.listB, nearest, s.scratch)
    }
    moveAcross(ITEMS, true)
    moveAcross(NODES, false)
    m.clear(s.listA)
    m.clear(s.listB)
    m.clear(s.item)
  }

  /** In-order traversal (BNode.__iter__), self in the argument register: items in key order with their record. */
  iterate(visit: (item: Slot, record: Slot) => void): void {
    const m = this.m
    const SELF = 0
    const ITEMS_L = 1
    const NODES_L = 2
    const ITEM_L = 3
    const RECORD = 4
    m.pushFrame(5)
    m.move(SELF, REG_ARG)
    m.clear(REG_ARG)
    m.load(ITEMS_L, SELF, ITEMS)
    m.load(NODES_L, SELF, NODES)
    const leaf = m.isNull(NODES_L)
    const n = listLength(m, ITEMS_L)
    for (let p = 0; p < n; p++) {
      if (!leaf) {
        m.load(REG_ARG, NODES_L, p)
        this.iterate(visit)
      }
      m.load(ITEM_L, ITEMS_L, p)
      m.load(RECORD, ITEM_L, VALUE)
      visit(ITEM_L, RECORD)
    }
    if (!leaf) {
      m.load(REG_ARG, NODES_L, n)
      this.iterate(visit)
    }
    m.popFrame()
  }

  /** BNode.search(key), self in the argument register: whether the key is present. */
  search(key: number): boolean {
    const m = this.m
    const SELF = 0
    const ITEMS_L = 1
    const SCRATCH = 2
    m.pushFrame(3)
    m.move(SELF, REG_ARG)
    m.clear(REG_ARG)
    m.load(ITEMS_L, SELF, ITEMS)
    const p = this.position(ITEMS_L, key, SCRATCH)
    let found: boolean
    if (p < listLength(m, ITEMS_L) && this.keyAt(ITEMS_L, p, SCRATCH) === key) {
      found = true
    } else {
      m.load(SCRATCH, SELF, NODES)
      if (m.isNull(SCRATCH)) {
        found = false
      } else {
        m.load(REG_ARG, SCRATCH, p)
        found = this.search(key)
      }
    }
    m.popFrame()
    return found
  }
}

/** Locals a merge or rotation may use in the caller's frame. */
interface MergeSlots {
  listA: Slot
  listB: Slot
  fresh: Slot
  item: Slot
  scratch: Slot
}

/** make_records(num_nodes): the records list, in RECORDS. */
function makeRecords(m: Mutator, t: Types, count: number, rng: Rng): void {
  const RECORD = 0
  const FIELD = 1
  m.pushFrame(2)
  m.alloc(INTERNED, t.list, INTERNED_STRINGS)
  for (let i = 0; i < INTERNED_STRINGS; i++) {
    m.alloc(FIELD, t.str, String(i).length)
    m.store(INTERNED, i, FIELD)
  }
  m.alloc(RECORDS, t.list, count)
  for (let id = 0; id < count; id++) {
    m.alloc(RECORD, t.record)
    m.writeInt(RECORD, 0, id) // a = node_id
    m.alloc(FIELD, t.str, `node ${id}`.length) // b = f'node {node_id}'
    m.store(RECORD, 0, FIELD)
    m.alloc(FIELD, t.bytes, rng.int(100)) // c = random bytes of 0..99
    m.store(RECORD, 1, FIELD)
    m.writeInt(RECORD, 1, rng.nextU32() | 0) // d = rnd.random(), as its high bits
    m.load(FIELD, INTERNED, rng.int(INTERNED_STRINGS)) // e = sys.intern(str(randint(0, 30)))
    m.store(RECORD, 2, FIELD)
    rng.int(3) // f = choice([None, True, False]): singletons, no allocation
    m.store(RECORDS, id, RECORD)
  }
  m.popFrame()
}

/** `tree[key] = records[key]`: the `(key, record)` tuple, then BTree.add. */
function setItem(m: Mutator, t: Types, tree: BTreeProgram, key: number): void {
  m.alloc(ITEM, t.item)
  m.writeInt(ITEM, 0, key)
  m.pushFrame(1)
  m.load(0, RECORDS, key)
  m.store(ITEM, VALUE, 0)
  m.popFrame()
  tree.add()
  m.clear(ITEM)
}

/** make_tree: shuffled insertion, then delete and reinsert the lowest keys. */
function makeTree(
  m: Mutator,
  t: Types,
  program: BTreeProgram,
  p: Readonly<Record<string, number>>,
  rng: Rng,
): void {
  const ids = new Int32Array(p.nodes)
  for (let i = 0; i < p.nodes; i++) ids[i] = i
  for (let i = p.nodes - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const swap = ids[i]
    ids[i] = ids[j]
    ids[j] = swap
  }
  // BTree(): root = BNode(), published in the global (the previous tree becomes garbage).
  const TREE_L = 0
  const ROOT = 1
  const LIST = 2
  m.pushFrame(3)
  m.alloc(TREE_L, t.btree)
  m.alloc(ROOT, t.bnode)
  newList(m, t.list, LIST, 2 * p.degree - 1)
  m.store(ROOT, ITEMS, LIST)
  m.store(TREE_L, 0, ROOT)
  m.move(TREE, TREE_L)
  m.popFrame()
  for (const id of ids) setItem(m, t, program, id)
  const remake = Math.floor((p.nodes * p.recreatePercent) / 100)
  for (let id = 0; id < remake; id++) {
    m.load(REG_ARG, TREE, 0)
    program.delete(id)
  }
  for (let id = 0; id < remake; id++) setItem(m, t, program, id)
}

function run(m: Mutator, p: Readonly<Record<string, number>>, rng: Rng): WorkloadResult {
  const t: Types = {
    bnode: m.defineType({ name: 'BNode', refs: 2, shape: 'slots' }),
    btree: m.defineType({ name: 'BTree', refs: 1, shape: 'slots' }),
    list: m.defineType({ name: 'list', refs: 0, ints: 1, variable: 'refs', shape: 'list' }),
    item: m.defineType({ name: 'tuple', refs: 1, ints: 1, shape: 'tuple' }),
    record: m.defineType({ name: 'Record', refs: 3, ints: 2, shape: 'dict-instance' }),
    str: m.defineType({ name: 'str', refs: 0, variable: 'bytes' }),
    bytes: m.defineType({ name: 'bytes', refs: 0, variable: 'bytes' }),
  }
  declareGlobals(m, 4)
  makeRecords(m, t, p.nodes, rng)
  const program = new BTreeProgram(m, t, p.degree)
  let check = 0
  let found = 0
  let collectedSum = 0
  for (let loop = 0; loop < p.loops; loop++) {
    makeTree(m, t, program, p, rng)
    collectedSum += m.collect()
    // Iterate over all items in key order; an item counts if its key follows the previous one
    // and its record is the record of that key.
    let previous = -1
    let ordered = 0
    m.load(REG_ARG, TREE, 0)
    program.iterate((item, record) => {
      const key = m.readInt(item, 0)
      if (key > previous && m.readInt(record, 0) === key) ordered++
      previous = key
    })
    if (loop === p.loops - 1) check = ordered
    // Look up a random subset: max(200, NUM_NODES // 20) keys from randint(0, NUM_NODES).
    const lookups = Math.max(200, Math.floor(p.nodes / 20))
    for (let i = 0; i < lookups; i++) {
      m.load(REG_ARG, TREE, 0)
      if (program.search(rng.int(p.nodes + 1))) found++
    }
  }
  m.clear(TREE)
  return {
    check,
    checkLabel: 'items found in key order',
    observations: { found, collectReturnedSum: collectedSum },
  }
}

export const btree: Workload = {
  name: 'btree',
  description:
    'pyperformance btree: a degree-16 B-tree of records built in random order, 20% deleted and reinserted',
  source: 'pyperformance bm_btree (BNode __slots__, minimum_degree = 16, RECREATE_FRACTION = 0.2)',
  params: {
    nodes: { description: 'NUM_NODES: records inserted', min: 1, max: 10_000_000 },
    recreatePercent: {
      description: 'RECREATE_FRACTION as a percentage: lowest keys deleted and reinserted',
      min: 0,
      max: 100,
    },
    degree: { description: 'minimum_degree (t): nodes hold t-1..2t-1 items', min: 2, max: 1_000 },
    loops: { description: 'trees built (each replaces the last)', min: 1, max: 10_000 },
  },
  sizes: {
    test: { nodes: 2_000, recreatePercent: 20, degree: 16, loops: 1 },
    small: { nodes: 15_000, recreatePercent: 20, degree: 16, loops: 2 },
    medium: { nodes: 50_000, recreatePercent: 20, degree: 16, loops: 3 },
    large: { nodes: 200_000, recreatePercent: 20, degree: 16, loops: 3 },
  },
  // Fitted to the op counts of the test and small sizes on the baseline (pygc run --format json, metrics.ops).
  estimateOps: (p) => 20 * p.nodes * p.loops * Math.log2(Math.max(2, p.nodes)), // ~20 ops per node per tree level
  expectedCheck: (p) => p.nodes,
  run,
}
