/**
 * CPython 3.11 policy constants, each with the place in the CPython tree it comes from.
 * Nothing here is tuned: change a number only when the cited source changes.
 */

/** Include/internal/pycore_runtime_init.h (_GC_RUNTIME_INIT): generation thresholds. */
export const DEFAULT_THRESHOLDS: readonly [number, number, number] = [700, 10, 10]
/** Modules/gcmodule.c: NUM_GENERATIONS. */
export const NUM_GENERATIONS = 3

/** Include/cpython/object.h: _PyTrash_UNWIND_LEVEL, the dealloc nesting depth before deferring. */
export const TRASH_UNWIND_LEVEL = 50

/** Objects/listobject.c: PyList_MAXFREELIST. */
export const LIST_MAXFREELIST = 80
/** Objects/tupleobject.c: PyTuple_NFREELISTS (sizes 1..20) and PyTuple_MAXFREELIST. */
export const TUPLE_NFREELISTS = 20
export const TUPLE_MAXFREELIST = 2000
/** 3.10 Objects/frameobject.c PyFrame_MAXFREELIST (3.10.13 :578); 3.11+ frames are not objects. */
export const FRAME_MAXFREELIST = 200
/** Objects/dictobject.c: PyDict_MAXFREELIST. */
export const DICT_MAXFREELIST = 80

/** Objects/obmalloc.c (64-bit, 3.11): ALIGNMENT, SMALL_REQUEST_THRESHOLD, POOL_SIZE, ARENA_SIZE. */
export const PYMALLOC_ALIGNMENT = 16
export const SMALL_REQUEST_THRESHOLD = 512
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD / PYMALLOC_ALIGNMENT
export const POOL_SIZE = 16 * 1024
export const ARENA_SIZE = 1024 * 1024
/** Objects/obmalloc.c: POOL_OVERHEAD = sizeof(struct pool_header) rounded to ALIGNMENT. */
export const POOL_OVERHEAD = 48
export const POOLS_PER_ARENA = ARENA_SIZE / POOL_SIZE

/** Include/internal/pycore_gc.h: sizeof(PyGC_Head) on 64-bit. */
export const GC_HEAD_SIZE = 16
/** Include/object.h: sizeof(PyObject) and sizeof(PyVarObject) on 64-bit. */
export const OBJECT_HEAD_SIZE = 16
export const VAR_OBJECT_HEAD_SIZE = 24
/** Objects/listobject.c: sizeof(PyListObject) = PyVarObject + ob_item + allocated. */
export const LIST_OBJECT_SIZE = 40
/** Include/cpython/weakrefobject.h: sizeof(PyWeakReference) (sys.getsizeof(weakref.ref(x)) == 80 with the GC head). */
export const WEAKREF_OBJECT_SIZE = 64
/**
 * The two words in front of the GC head: 3.11 dict and values pointers of a managed-dict type
 * (3.11.7 Include/internal/pycore_object.h:222-226); 3.12+ dict-or-values and weakref list of a
 * managed-dict or managed-weakref type (3.12.1 pycore_object.h:339-343, 3.13.0 :672-679).
 */
export const PREHEADER_SIZE = 16
/** Objects/dictobject.c _PyDict_NewKeysForClass: a class's shared keys start with dk_usable = 30 (3.11.7 :5340). */
export const SHARED_KEYS_USABLE_START = 30
/** Include/internal/pycore_dict.h SHARED_KEYS_MAX_SIZE (3.11.7 :128): the 30th key materializes the dict. */
export const SHARED_KEYS_MAX_SIZE = 30
/** sizeof(PyDictObject) 48 + GC head 16. */
export const DICT_OBJECT_SIZE = 64
/** Objects/bytesobject.c PyBytesObject_SIZE = offsetof(PyBytesObject, ob_sval) + 1 (3.11.7 :33; 3.10-3.14). */
export const BYTES_OBJECT_HEADER = 33
/** sizeof(PyByteArrayObject): sys.getsizeof(bytearray()) == 56 (3.10-3.13). */
export const BYTEARRAY_OBJECT_SIZE = 56

/** glibc malloc: 8-byte chunk header, 16-byte granules — the modeled system malloc. */
export const SYSTEM_MALLOC_OVERHEAD = 8
export const SYSTEM_MALLOC_ALIGN = 16
