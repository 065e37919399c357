/**
 * Seeded random programs for validating against the real PyPy: allocation of every shape the
 * replayer makes (lists of references and of ints, list subclasses, slots and dict-instance
 * objects, lists above the large-object limit), stores building trees, DAGs and cycles, loads,
 * moves, clears, frames, int writes (a W_IntObject each into a list of references), weakrefs
 * with and without callbacks, objects with __del__, gc.collect().
 *
 * Unlike the conformance kit's random program, every op is decided without asking the
 * manager: the generator keeps a shadow of the program's own objects (which slot and which
 * field holds what), so the op stream is the same whatever a runtime answers -- a deref's
 * result goes to a slot that is only ever tested with isNull. Weak references are taken only
 * to objects Python can weakly reference (slots and dict-instance objects, list subclasses).
 */
import { globalSlot, type Mutator, Rng, type Slot } from '@pygc/core'

interface Shadow {
  /** Type index in `types` below. */
  type: number
  refs: (Shadow | null)[]
  ints: number
}

const GLOBALS = 4
const LOCALS = 8
/** Local 7 holds deref results (and is only tested with isNull). */
const DEREF_LOCAL = 7
const MAX_DEPTH = 4
/** A weak reference in the shadow: no fields, no ints, not weakly referenceable here. */
const WEAKREF: Shadow = { type: -1, refs: [], ints: 0 }

export function randomProgram(seed: number, ops: number): (m: Mutator) => void {
  return (m) => {
    const rng = new Rng(seed)
    m.defineGlobals(GLOBALS)
    const types = [
      { spec: { name: 'pair', refs: 2 }, weakable: false, variable: false },
      { spec: { name: 'leaf', refs: 0, ints: 2 }, weakable: false, variable: false },
      { spec: { name: 'node', refs: 2, ints: 1 }, weakable: false, variable: false },
      { spec: { name: 'vec', refs: 0, variable: 'refs' as const }, weakable: false, variable: true },
      { spec: { name: 'rec', refs: 3, ints: 1, shape: 'slots' as const }, weakable: true, variable: false },
      { spec: { name: 'obj', refs: 2, shape: 'dict-instance' as const }, weakable: true, variable: false },
      {
        spec: { name: 'fin', refs: 1, ints: 1, shape: 'slots' as const, finalizer: {} },
        weakable: true,
        variable: false,
      },
      { spec: { name: 'finlist', refs: 2, finalizer: {} }, weakable: true, variable: false },
    ]
    for (const t of types) m.defineType(t.spec)
    // Frames of shadow slots: [globals..., locals of each frame...].
    const globals: (Shadow | null)[] = new Array(GLOBALS).fill(null)
    const frames: (Shadow | null)[][] = []
    let done = 0
    const op = (): void => {
      done++
    }
    const locals = (): (Shadow | null)[] => frames[frames.length - 1]
    const objectSlots = LOCALS - 2 // locals 0-5; local 6 holds weakrefs, 7 deref results
    const anySlot = (): Slot => (rng.chance(0.75) ? rng.int(objectSlots) : globalSlot(rng.int(GLOBALS)))
    const get = (s: Slot): Shadow | null => (s >= 0 ? locals()[s] : globals[-1 - s])
    const set = (s: Slot, v: Shadow | null): void => {
      if (s >= 0) locals()[s] = v
      else globals[-1 - s] = v
    }
    const push = (): void => {
      m.pushFrame(LOCALS)
      op()
      frames.push(new Array(LOCALS).fill(null))
    }
    push()
    const alloc = (dst: Slot): void => {
      const r = rng.int(100)
      const t = r < 30 ? 0 : r < 45 ? 1 : r < 60 ? 2 : r < 70 ? 3 : r < 80 ? 4 : r < 90 ? 5 : r < 96 ? 6 : 7
      const spec = types[t].spec
      let length = 0
      if (types[t].variable) length = rng.chance(0.01) ? 17_000 + rng.int(8_000) : rng.int(40)
      m.alloc(dst, t, types[t].variable ? length : undefined)
      op()
      const refs = types[t].variable ? length : spec.refs
      set(dst, { type: t, refs: new Array(refs).fill(null), ints: 'ints' in spec ? (spec.ints ?? 0) : 0 })
    }
    while (done < ops) {
      const r = rng.int(100)
      if (r < 28) {
        alloc(anySlot())
      } else if (r < 48) {
        const o = anySlot()
        const obj = get(o)
        if (obj === null || obj.refs.length === 0) continue
        const s = anySlot()
        const f = rng.int(obj.refs.length)
        m.store(o, f, s)
        op()
        obj.refs[f] = get(s)
      } else if (r < 60) {
        const o = anySlot()
        const obj = get(o)
        if (obj === null || obj.refs.length === 0) continue
        const d = anySlot()
        const f = rng.int(obj.refs.length)
        m.load(d, o, f)
        op()
        set(d, obj.refs[f])
      } else if (r < 66) {
        const d = anySlot()
        const s = anySlot()
        m.move(d, s)
        op()
        set(d, get(s))
      } else if (r < 72) {
        const d = anySlot()
        m.clear(d)
        op()
        set(d, null)
      } else if (r < 80) {
        const o = anySlot()
        const obj = get(o)
        if (obj === null || obj.ints === 0) continue
        m.writeInt(o, rng.int(obj.ints), rng.int(1 << 20))
        op()
      } else if (r < 84) {
        const o = anySlot()
        const obj = get(o)
        if (obj === null || obj.type < 0 || !types[obj.type].weakable) continue
        m.weakref(6, o, rng.chance(0.6) ? { tag: rng.int(100) } : undefined)
        op()
        locals()[6] = WEAKREF
        if (rng.chance(0.3)) {
          // keep the weakref in a field of the program's objects, or in a global
          const keeper = anySlot()
          const k = get(keeper)
          if (k !== null && k.refs.length > 0) {
            const f = rng.int(k.refs.length)
            m.store(keeper, f, 6)
            op()
            k.refs[f] = WEAKREF
          }
        }
      } else if (r < 87) {
        if (locals()[6] === null) continue
        m.deref(DEREF_LOCAL, 6)
        op()
        m.isNull(DEREF_LOCAL)
        op()
        m.clear(DEREF_LOCAL)
        op()
      } else if (r < 92) {
        if (frames.length < MAX_DEPTH && rng.chance(0.5)) push()
        else if (frames.length > 1) {
          m.popFrame()
          op()
          frames.pop()
        }
      } else if (r < 93) {
        // gc.collect() now and then (one op in 2,000): most collections come from allocation
        if (rng.chance(0.05)) {
          m.collect()
          op()
        }
      } else {
        // a cycle of two or three objects hung off a slot
        const a = anySlot()
        alloc(a)
        const objA = get(a)
        if (objA === null || objA.refs.length === 0) continue
        const b = a === 0 ? 1 : 0
        alloc(b)
        const objB = get(b)
        if (objB === null || objB.refs.length === 0) continue
        m.store(a, 0, b)
        op()
        objA.refs[0] = objB
        m.store(b, objB.refs.length - 1, a)
        op()
        objB.refs[objB.refs.length - 1] = objA
        if (rng.chance(0.5)) {
          m.clear(b)
          op()
          set(b, null)
        }
      }
    }
    while (frames.length > 0) {
      m.popFrame()
      frames.pop()
    }
  }
}
