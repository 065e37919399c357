/**
 * How many modeled bytes an object of each program type takes on the JVM heap.
 *
 * Every size is `align8(base + unit * length)` (ObjectAlignmentInBytes = 8), where `length` is
 * the alloc length of a variable-size type (0 otherwise). Keeping that one linear form lets the
 * collectors parse the heap from a 16-byte header (type + length) with two table look-ups.
 *
 * Two size modes:
 * - `java`: the object is ONE `Object[]` holding its reference fields followed by its payload,
 *   exactly what benchmarks/oracles/jvm/TraceReplay.java allocates: 16-byte array header
 *   (8 mark word + 4 compressed class pointer + 4 length), 4-byte slots (compressed oops), one
 *   slot per int word and one slot per 4 payload bytes. `new Object[2]` = 24 bytes.
 * - `jython`: the Java objects Jython 2.7 makes for the Python object, added up and laid out as
 *   one block (the model moves them together; Jython's pieces are allocated together and die
 *   together, so the GC sees the same bytes). Sizes below are worked out from the classes in
 *   jython/jython src/org/python/core (PyObject: objtype + attributes; PyList, PyTuple,
 *   PyObjectDerived, PyStringMap over java.util.concurrent.ConcurrentHashMap, PyInteger) with
 *   HotSpot's compressed layout (12-byte header, 4-byte refs, 8-byte alignment) and checked
 *   against Jython 2.7.3 on this machine: the JVM's class histogram (-Xlog:gc+classhisto)
 *   over 100,000 objects of each shape gives the exact Java objects and their sizes, e.g.
 *   [None, None] = PyList 32 + ArrayList 24 + DefaultIndexDelegate 16 + Object[2] 24 = 96.
 *   See FIDELITY.md.
 */
import type { TypeSpec } from '@pygc/core'

export type SizeMode = 'java' | 'jython'

/** Bytes of the array header of an `Object[]` with compressed class pointers (arrayOopDesc). */
export const ARRAY_HEADER_BYTES = 16
/** A compressed reference (UseCompressedOops). */
export const REF_BYTES = 4

/**
 * java.lang.ref.WeakReference: 12-byte header + referent, queue, next, discovered (4 each)
 * = 28, aligned to 32. The `java` mode weak reference, as TraceReplay allocates one per weakref.
 */
const JAVA_WEAKREF_BYTES = 32
/**
 * Jython's weakref.ref: a PyWeakReference (PyObject 20 + gref, callback, hash = 32) and the
 * GlobalRef it shares per referent (a WeakReference 28 + references list, pythonHashCode, ...
 * = 48). modules/_weakref/{ReferenceType,GlobalRef}.java.
 */
const JYTHON_WEAKREF_BYTES = 80

/** Jython per-shape fixed parts, in bytes (see the file comment for the classes). */
// Measured with -Xlog:gc+classhisto=trace over 100,000 objects of each shape (FIDELITY.md).
/** PyList 32 + java.util.ArrayList 24 + PySequence$DefaultIndexDelegate 16 (one per sequence). */
const PYLIST_FIXED = 72
/** PyTuple 32 + PySequence$DefaultIndexDelegate 16. */
const PYTUPLE_FIXED = 48
/** PyObjectDerived 32 (objtype, attributes, slots[], dict...). */
const PYSLOTS_FIXED = 32
/** PyObjectDerived 32 + PyStringMap 24 + ConcurrentHashMap 64 + its Node[8] table 48. */
const PYINSTANCE_FIXED = 168
/** A ConcurrentHashMap.Node (32) + its share of the table as it grows. */
const PYINSTANCE_PER_ATTRIBUTE = 36
const PYINTEGER_BYTES = 24 // PyInteger: 12 header + objtype + attributes + int value
const PYSTRING_FIXED = 64 // PyString 24 + java.lang.String 24 + byte[] header 16
/**
 * FinalizeTrigger (toFinalize + flags = 24) + the java.lang.ref.Finalizer registered for it
 * (40) + the JyAttribute$TransientAttributeLink that hangs it on the object (24).
 */
const FINALIZE_TRIGGER_BYTES = 88

export interface TypeLayout {
  /** Bytes before rounding, without the variable part. */
  base: number
  /** Bytes per unit of alloc length (0 for fixed-size types). */
  unit: number
}

export function weakrefBytes(mode: SizeMode): number {
  return mode === 'java' ? JAVA_WEAKREF_BYTES : JYTHON_WEAKREF_BYTES
}

export function layoutOf(spec: TypeSpec, mode: SizeMode): TypeLayout {
  const refs = spec.variable === 'refs' ? 0 : spec.refs
  const ints = spec.ints ?? 0
  const fixedBytes = spec.variable === 'bytes' ? 0 : (spec.bytes ?? 0)
  if (mode === 'java') {
    // One Object[]: refs, then one slot per int, then the payload bytes in 4-byte slots.
    const base = ARRAY_HEADER_BYTES + REF_BYTES * (refs + ints) + Math.ceil(fixedBytes / 4) * 4
    const unit = spec.variable === 'refs' ? REF_BYTES : spec.variable === 'bytes' ? 1 : 0
    return { base, unit }
  }
  const hasBytes = spec.variable === 'bytes' || fixedBytes > 0 ? 1 : 0
  const bytesObject = hasBytes ? PYSTRING_FIXED + fixedBytes : 0
  const slots = refs + ints + hasBytes
  const boxes = PYINTEGER_BYTES * ints + bytesObject + (spec.finalizer ? FINALIZE_TRIGGER_BYTES : 0)
  let base: number
  let perRef: number
  switch (spec.shape ?? 'list') {
    case 'tuple':
      base = PYTUPLE_FIXED + ARRAY_HEADER_BYTES + REF_BYTES * slots
      perRef = REF_BYTES
      break
    case 'slots':
      base = PYSLOTS_FIXED + ARRAY_HEADER_BYTES + REF_BYTES * slots
      perRef = REF_BYTES
      break
    case 'dict-instance':
      base = PYINSTANCE_FIXED + PYINSTANCE_PER_ATTRIBUTE * slots
      perRef = PYINSTANCE_PER_ATTRIBUTE
      break
    default:
      base = PYLIST_FIXED + ARRAY_HEADER_BYTES + REF_BYTES * slots
      perRef = REF_BYTES
  }
  const unit = spec.variable === 'refs' ? perRef : spec.variable === 'bytes' ? 1 : 0
  return { base: base + boxes, unit }
}

/** align8(base + unit * length), in doubles so a huge length cannot wrap. */
export function objectBytes(base: number, unit: number, length: number): number {
  return Math.ceil((base + unit * length) / 8) * 8
}
