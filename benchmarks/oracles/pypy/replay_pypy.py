#!/usr/bin/env pypy3
# -*- coding: utf-8 -*-
"""Replay a pygc trace (binary format, packages/core/TRACE_FORMAT.md) on the REAL PyPy and print
what its garbage collector (incminimark) did, as JSON on stdout.

    pypy3 benchmarks/oracles/pypy/replay_pypy.py [options] FILE.trace

Options:
    --nursery BYTES   PYPY_GC_NURSERY for the run (default: PyPy's own choice on this machine)
    --no-warmup       measure the first pass over the trace (default: run it twice, measure the second)
    --no-hooks        do not install gc.hooks (the counts then come from the GC's log only)
    --probe           also measure the nursery bytes the replayer has taken when op 0 runs
                      (probe_nursery_at_start: one more child run): "nurseryAtStart"
    --env NAME=VALUE  another PYPY_GC_* setting for the run (repeatable)

The script runs itself again as a child `pypy3 replay_pypy.py --child ...` with the GC's own
log switched on (PYPYLOG=gc-minor,gc-collect-step,gc-collect-done,pygc:FILE) and the chosen
PYPY_GC_* variables; the child replays the trace and reports gc.hooks, finalizer and callback
order and gc.collect() results; the parent reads the GC log (every minor collection with the
bytes that survived it, every major collection step with its states, every completed major
collection with its arena and raw-malloc figures) and prints one JSON document.

Why not benchmarks/oracles/replay.py (which CPython and Jython run)? On PyPy everything is a GC
object, and replay.py's loop allocates of its own: it reads the trace in 1 MiB chunks (a
large object each, which also moves the major collection threshold), and it maps exact lists
to their type with a dict keyed by id(), which on PyPy gives a nursery object a "shadow" in the
old generation (incminimark.py, _allocate_shadow). So this replayer reads the whole trace into
raw memory first (an array.array, outside the GC heap), keeps int payload words at the end of
each list in reverse order (int i is obj[-1 - i], so no type lookup is needed), and runs the op
loop JIT-compiled: the JIT removes the boxes the decoding makes. The JIT's own compilation
allocates GC memory, so by default the whole trace is replayed once as a warm-up, everything is
dropped, two full collections run, and only the second pass is measured.

It reuses replay.py's trace header, type-record reader and first pass (imported, not copied).
Object mapping (the model in packages/pypy sizes exactly these):
  - shape list, no finalizer   -> an exact `list` [ref fields..., int words reversed...]
  - shape list with finalizer  -> a list subclass with __slots__ = ('__weakref__', '_pygc_id') and __del__
  - shape slots                -> a class with __slots__ f0.., i0.., '__weakref__', '_pygc_id'
  - shape dict-instance        -> a plain class (fields in its instance dict: a mapdict)
  - weak references            -> a weakref.ref subclass instance (a new one per op), with callback
  - locals and globals         -> one preallocated list R: [globals | frame 0 | frame 1 ...]
  - pins                       -> a strong reference in a preallocated pin table
  - a byte payload of n bytes  -> a `bytes` (replay.make_payload; b'' when n = 0) held by one
                                  more item before the int words, or a `_pygc_b` attribute
A trace without payloads runs the very code it ran before payloads were replayed (see
PAYLOADS below): the JIT's compiled loops, and so the interpreter's heap, stay the same.
"""
from __future__ import print_function

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import array

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import replay  # noqa: E402  (benchmarks/oracles/replay.py: header, type records, first pass)
from replay import (  # noqa: E402
    OP_ALLOC, OP_CLEAR, OP_COLLECT, OP_DEFINE_GLOBALS, OP_DEFINE_TYPE, OP_DEREF, OP_END,
    OP_GC_CONTROL, OP_ID_OF, OP_IS_NULL, OP_LENGTH_OF, OP_LOAD, OP_MOVE, OP_PIN, OP_POP_FRAME,
    OP_PUSH_FRAME, OP_READ_INT, OP_SAME, OP_STORE, OP_WEAKREF, OP_WRITE_INT, TraceError,
)


FIELD_NAMES = replay.FIELD_NAMES
INT_NAMES = replay.INT_NAMES
LOG_CATEGORIES = 'gc-minor,gc-collect-step,gc-collect-done,pygc'

# ---------------------------------------------------------------- the child: replay and hooks

# replay.py's object mapping is used as it is: its classes (make_class), its __del__
# (make_del -> record_event into its preallocated event lists, resurrecting into its R), its
# weakref class (Ref), its register list R and its current-op cell OPI. Only the weakref
# callbacks differ: replay.py finds a callback's tag with id(weakref), and on PyPy id() of a
# nursery object reserves its old copy (incminimark.py _allocate_shadow), so here each tag has
# its own callback function.
R = replay.R
OPI = replay.OPI
EVN = replay.EVN
EV_OP = replay.EV_OP
EV_KIND = replay.EV_KIND
EV_VAL = replay.EV_VAL
Ref = replay.Ref
# Hook records: op index of the op during which the hook ran, and the hook's figures.
MINOR_OP = array.array('l')
MINOR_COUNT = array.array('l')
MINOR_MEM = array.array('l')
STEP_OP = array.array('l')
STEP_COUNT = array.array('l')
STEP_OLD = array.array('l')
STEP_NEW = array.array('l')
MAJOR_OP = array.array('l')
MAJOR_COUNT = array.array('l')
MAJOR_ARENA_BYTES = array.array('l')
MAJOR_RAW_AFTER = array.array('l')
HOOKN = [0, 0, 0]
HOOK_CAPACITY = 1 << 16
# Only the measured pass records events and hooks.
RECORDING = [False]


CALLBACKS = {}


def make_callback(tag):
    def callback(wr):
        replay.record_event(2, tag)
    return callback


def on_gc_minor(stats):
    if not RECORDING[0]:
        return
    k = HOOKN[0]
    if k < len(MINOR_OP):
        MINOR_OP[k] = OPI[0]
        MINOR_COUNT[k] = stats.count
        MINOR_MEM[k] = stats.total_memory_used
    HOOKN[0] = k + 1


def on_gc_collect_step(stats):
    if not RECORDING[0]:
        return
    k = HOOKN[1]
    if k < len(STEP_OP):
        STEP_OP[k] = OPI[0]
        STEP_COUNT[k] = stats.count
        STEP_OLD[k] = stats.oldstate
        STEP_NEW[k] = stats.newstate
    HOOKN[1] = k + 1


def on_gc_collect(stats):
    if not RECORDING[0]:
        return
    k = HOOKN[2]
    if k < len(MAJOR_OP):
        MAJOR_OP[k] = OPI[0]
        MAJOR_COUNT[k] = stats.count
        MAJOR_ARENA_BYTES[k] = stats.arenas_bytes
        MAJOR_RAW_AFTER[k] = stats.rawmalloc_bytes_after
    HOOKN[2] = k + 1


def make_class(t, spec):
    """replay.py's class for trace type t (None for an exact list), with an __init__ that sets
    the fields of a slots or dict-instance object (replay.py sets them in a loop after making it,
    and a loop in the op loop's code is a JIT trace of its own, entered through a heap-allocated
    frame)."""
    if spec['shape'] == 'tuple':
        return tuple  # built by pypy_tuples.py (TUPLES below)
    cls = replay.make_class(t, spec)
    if cls is not None and spec['shape'] != 'list':
        cls.__init__ = make_init(spec['refs'], spec['ints'])
    return cls


def make_init(refs, ints):
    """An __init__ setting the fields one by one, in order (no loop in the op loop's code)."""
    lines = ['def __init__(self):'] + ['    self.f%d = None' % k for k in range(refs)] + [
        '    self.i%d = 0' % k for k in range(ints)] + ['    pass']
    scope = {}
    exec('\n'.join(lines), scope)
    return scope['__init__']


def load_trace(path):
    """The record stream in raw memory (array.array lives outside the GC heap) and the offset of
    its first record. replay.Reader gives the stream of either version: version 1's bytes after
    the header, version 2's chunk payloads end to end, each once its length and CRC-32 check out
    (replay.scan, the first pass, has already checked the whole trace and its footer)."""
    r = replay.Reader(path)
    replay.read_header(r)
    data = bytearray()
    k = r.pos
    while k < r.end:
        data.append(r.buf[k])
        k += 1
    if r.version == 1:
        data += r.f.read()
    else:
        chunk = r.next_chunk()
        while chunk is not None:
            data += chunk
            chunk = r.next_chunk()
    r.f.close()
    BUF.extend(data)
    return 0


# The replay state lives in raw arrays, not in Python locals: a JIT-compiled loop that enters a
# bridge (another op kind than the one it was traced for) and jumps back boxes every int local
# that is live at the loop header, a W_IntObject of 16 bytes each: 90 bytes of garbage per op
# with the state in locals (measured with PYPYLOG=jit-log-opt). With the state in an
# array.array and each op's temporaries dying in step(), nothing is live but pointers.
S = array.array('l', [0] * 8)
S_P = 0          # byte offset of the next record in BUF
S_FB = 1         # frame base (index in R of local 0)
S_TOP = 2        # one past the current frame's last local
S_DEPTH = 3
S_OPI = 4        # op index (definitions excluded)
S_NEXT_ID = 5    # allocation ordinal of the next object
S_NPINS = 6
S_NCOLLECT = 7
FRAMES = array.array('l')
BUF = array.array('B')
# what the pass compares (0 readInt, 1 lengthOf, 2 isNull, 3 same, 4 lengthOf unchecked)
MISMATCHES = array.array('l', [0] * 5)
UNSUPPORTED = array.array('l', [0] * 4)
COLLECTS = array.array('b', [0] * 4096)

# PAYLOADS (whether the trace has byte payloads) and MAKE_PAYLOAD (pypy_payloads.make_payload)
# are module globals written exactly once, by Tables() before the first pass, and never defined
# here: PyPy's JIT constant-folds a global that was written once (pypy/objspace/std/celldict.py:
# a second write of another value makes it a mutable cell, read with a guard). So for a trace
# without payloads the `if PAYLOADS` tests in step() compile to nothing, and what payloads need
# is in pypy_payloads.py, imported only when a trace has them. A guard in the compiled loops
# carries resume data in the GC heap: the interpreter's startup heap grew by 56 KB (779 objects)
# with plain tests and helpers here, and the model, which lays that heap down, marks and sweeps
# it, then made one sweeping step more per major collection in 'random program seed=1' at 1 MiB
# (1,442 minor collections against pypy3's unchanged 1,238: FIDELITY.md, "Byte payloads").


# TUPLES (whether the trace has tuple-shaped types) and TUPLE_OPEN, TUPLE_CLOSE, TUPLE_STATE,
# TUPLE_RESET and LATE_STORE (pypy_tuples.py) are written once by Tables, as PAYLOADS is: a
# trace without tuples runs the code it ran before tuples were replayed.


class Tables(object):
    """The per-type tables of one trace (read-only during the loop)."""

    def __init__(self, plan, path):
        types = plan['types']
        ntypes = len(types)
        self.classes = [make_class(t, types[t]) for t in range(ntypes)]
        payloads = False
        for t in range(ntypes):
            payloads = payloads or replay.payload_size(types[t]) != replay.PAYLOAD_NONE
        # Per type, the item holding its payload (1 or 0), before the int words.
        items = [0] * ntypes
        if payloads:
            import pypy_payloads
            items = pypy_payloads.prepare(self, types)
            globals()['MAKE_PAYLOAD'] = pypy_payloads.make_payload
        globals()['PAYLOADS'] = payloads
        self.templates = [None] * ntypes
        self.var_templates = [{} for t in range(ntypes)]
        for t in range(ntypes):
            spec = types[t]
            if spec['variable'] != 1:
                # int words are kept reversed at the end: int i is obj[-1 - i]
                self.templates[t] = [None] * (spec['refs'] + items[t]) + [0] * spec['ints']
        for key in plan['lengths']:
            self.var_templates[key[0]][key[1]] = [None] * (key[1] + items[key[0]]) + \
                [0] * types[key[0]]['ints']
        self.nints = [types[t]['ints'] for t in range(ntypes)]
        self.nrefs = [types[t]['refs'] for t in range(ntypes)]
        self.shapes = [replay.SHAPES.index(types[t]['shape']) for t in range(ntypes)]
        self.variable = [types[t]['variable'] for t in range(ntypes)]
        self.resurrect = [types[t]['resurrect'] for t in range(ntypes)]
        # a loop as for payloads above, not any() of a generator: that one generator moved the
        # nursery the replayer has used by op 0 by 20 objects of 80 B (the probe of
        # 'binary-trees d=10' at 1 MiB: first minor collection at op 13,032 instead of 13,052)
        tuples = False
        for t in range(ntypes):
            tuples = tuples or types[t]['shape'] == 'tuple'
        if tuples:
            import pypy_tuples
            pypy_tuples.prepare(self, types, plan['lengths'], path, plan['globals'])
            globals()['TUPLE_OPEN'] = pypy_tuples.open_tuple
            globals()['TUPLE_CLOSE'] = pypy_tuples.close_tuple
            globals()['TUPLE_STATE'] = pypy_tuples.STATE
            globals()['TUPLE_RESET'] = pypy_tuples.reset
            globals()['TUPLE_PROBE'] = pypy_tuples.add_probe
            globals()['LATE_STORE'] = pypy_tuples.late_store
        globals()['TUPLES'] = tuples
        # replay.py's allocating __del__ (FinalizerSpec.allocate, storeNew); make_init sets fields
        replay.install_finalizer_allocations(self.classes, types, self.templates, init_sets_fields=True)
        self.store_new = [-1 if types[t]['store_new'] is None else types[t]['store_new'][1] for t in range(ntypes)]
        self.pin_table = [None] * (plan['pins'] + 1)


def varint():
    """The varint at S[S_P]; advances S[S_P]. No loop for up to 4 bytes (28 bits): a function
    with a loop is compiled as its own trace and called through a heap-allocated JIT frame."""
    buf = BUF
    p = S[S_P]
    b = buf[p]
    if b < 128:
        S[S_P] = p + 1
        return b
    v = b & 127
    b = buf[p + 1]
    if b < 128:
        S[S_P] = p + 2
        return v | (b << 7)
    v |= (b & 127) << 7
    b = buf[p + 2]
    if b < 128:
        S[S_P] = p + 3
        return v | (b << 14)
    v |= (b & 127) << 14
    b = buf[p + 3]
    if b < 128:
        S[S_P] = p + 4
        return v | (b << 21)
    return varint_long()


def varint_long():
    """A varint of 5 bytes or more (an int word of 2**27 or more after zigzag: btree's random
    ints). No loop either: called through a heap-allocated JIT frame, a loop here cost 640
    nursery bytes a call (100,000 writeInts of random 32-bit values into a dict instance: 273
    minor collections at 264 KiB against 35 for small values)."""
    buf = BUF
    p = S[S_P]
    v = (buf[p] & 127) | ((buf[p + 1] & 127) << 7) | ((buf[p + 2] & 127) << 14) | ((buf[p + 3] & 127) << 21)
    b = buf[p + 4]
    v |= (b & 127) << 28
    if b < 128:
        S[S_P] = p + 5
        return v
    b = buf[p + 5]
    v |= (b & 127) << 35
    if b < 128:
        S[S_P] = p + 6
        return v
    b = buf[p + 6]
    v |= (b & 127) << 42
    if b < 128:
        S[S_P] = p + 7
        return v
    b = buf[p + 7]
    v |= (b & 127) << 49
    if b < 128:
        S[S_P] = p + 8
        return v
    b = buf[p + 8]
    v |= (b & 127) << 56
    if b < 128:
        S[S_P] = p + 9
        return v
    raise TraceError('varint longer than 9 bytes at byte offset %d' % p)


def slot_index(v):
    """The index in R of the slot whose zigzag varint is v."""
    s = v >> 1 if (v & 1) == 0 else -((v + 1) >> 1)
    return S[S_FB] + s if s >= 0 else -s - 1


def clear_locals(start, end):
    """R[start:end] = None, unrolled for small frames (a loop would be a trace of its own)."""
    n = end - start
    if n > 8:
        clear_many(start, end)
        return
    if n > 0:
        R[start] = None
    if n > 1:
        R[start + 1] = None
    if n > 2:
        R[start + 2] = None
    if n > 3:
        R[start + 3] = None
    if n > 4:
        R[start + 4] = None
    if n > 5:
        R[start + 5] = None
    if n > 6:
        R[start + 6] = None
    if n > 7:
        R[start + 7] = None


def clear_many(start, end):
    k = start
    while k < end:
        R[k] = None
        k += 1


def skip_definition(code):
    if code == OP_DEFINE_GLOBALS:
        varint()
        return
    # a type record: name (string), refs, ints, bytes (varints), variable, shape, finalizer (u8s), [resurrect]
    n = varint()
    S[S_P] += n
    varint()
    varint()
    varint()
    S[S_P] += 2
    fin = BUF[S[S_P]]
    S[S_P] += 1
    if fin & 2:
        varint()
    if fin & 8:
        varint()
        varint()
    if fin & 16:
        varint()
        varint()


def step(tb):
    """Run one record of the trace; False at its end."""
    p = S[S_P]
    code = BUF[p]
    S[S_P] = p + 1
    if code == OP_END:
        return False
    if code == OP_DEFINE_TYPE or code == OP_DEFINE_GLOBALS:
        skip_definition(code)
        return True
    opi = S[S_OPI]
    OPI[0] = opi
    S[S_OPI] = opi + 1
    if TUPLES and opi == TUPLE_STATE[0]:  # noqa: F821 (Tables)
        TUPLE_CLOSE(tb)  # noqa: F821 (the op that ends a tuple's fill: pypy_tuples.py)
    if code == OP_ALLOC:
        d = slot_index(varint())
        t = varint()
        n = varint()
        cls = tb.classes[t]
        if TUPLES and tb.shapes[t] == 1:  # noqa: F821 (Tables)
            TUPLE_OPEN(tb, d, t, n)  # noqa: F821 (its pending list; the tuple when its fill ends)
            if PAYLOADS and tb.payload_items[t]:  # noqa: F821 (Tables)
                obj = R[d]
                obj[len(obj) - tb.nints[t] - 1] = MAKE_PAYLOAD(tb, t, n)  # noqa: F821
                obj = None
        elif cls is None:
            if tb.variable[t] == 1:
                R[d] = tb.var_templates[t][n] * 1
            else:
                R[d] = tb.templates[t] * 1
            if PAYLOADS and tb.payload_items[t]:  # noqa: F821 (Tables)
                obj = R[d]
                obj[len(obj) - tb.nints[t] - 1] = MAKE_PAYLOAD(tb, t, n)  # noqa: F821
                obj = None
        else:
            obj = cls()  # slots and dict-instance objects get their fields in make_init's __init__
            if tb.shapes[t] == 0:
                obj.extend(tb.var_templates[t][n] if tb.variable[t] == 1 else tb.templates[t])
            if PAYLOADS and tb.payload_items[t]:  # noqa: F821 (Tables)
                if tb.shapes[t] == 0:
                    obj[len(obj) - tb.nints[t] - 1] = MAKE_PAYLOAD(tb, t, n)  # noqa: F821
                else:
                    obj._pygc_b = MAKE_PAYLOAD(tb, t, n)  # noqa: F821
            if replay.ID_SHIFT[0]:
                S[S_NEXT_ID] += replay.ID_SHIFT[0]
                replay.ID_SHIFT[0] = 0
            obj._pygc_id = S[S_NEXT_ID]
            R[d] = obj
        S[S_NEXT_ID] += 1
    elif code == OP_LOAD:
        d = slot_index(varint())
        obj = R[slot_index(varint())]
        field = varint()
        if isinstance(obj, list):
            R[d] = obj[field]
        elif TUPLES and type(obj) is tuple:  # noqa: F821 (Tables)
            R[d] = obj[field]
        else:
            R[d] = getattr(obj, FIELD_NAMES[field])
    elif code == OP_STORE:
        obj = R[slot_index(varint())]
        field = varint()
        value = R[slot_index(varint())]
        if isinstance(obj, list):
            obj[field] = value
        elif TUPLES and type(obj) is tuple:  # noqa: F821 (Tables)
            raise LATE_STORE(opi, obj)  # noqa: F821
        else:
            setattr(obj, FIELD_NAMES[field], value)
    elif code == OP_MOVE:
        d = slot_index(varint())
        R[d] = R[slot_index(varint())]
    elif code == OP_CLEAR:
        R[slot_index(varint())] = None
    elif code == OP_PUSH_FRAME:
        n = varint()
        FRAMES[S[S_DEPTH]] = S[S_FB]
        S[S_DEPTH] += 1
        S[S_FB] = S[S_TOP]
        S[S_TOP] += n
    elif code == OP_POP_FRAME:
        clear_locals(S[S_FB], S[S_TOP])
        S[S_TOP] = S[S_FB]
        S[S_DEPTH] -= 1
        S[S_FB] = FRAMES[S[S_DEPTH]]
    elif code == OP_READ_INT or code == OP_WRITE_INT:
        obj = R[slot_index(varint())]
        index = varint()
        v = varint()
        value = v >> 1 if (v & 1) == 0 else -((v + 1) >> 1)
        if isinstance(obj, list):
            if code == OP_READ_INT:
                if obj[-1 - index] != value:
                    MISMATCHES[0] += 1
            else:
                obj[-1 - index] = value
        elif TUPLES and type(obj) is tuple:  # noqa: F821 (Tables)
            if code == OP_READ_INT:
                if obj[-1 - index] != value:
                    MISMATCHES[0] += 1
            else:
                raise LATE_STORE(opi, obj)  # noqa: F821
        elif code == OP_READ_INT:
            if getattr(obj, INT_NAMES[index]) != value:
                MISMATCHES[0] += 1
        else:
            setattr(obj, INT_NAMES[index], value)
    elif code == OP_IS_NULL:
        s = slot_index(varint())
        if (R[s] is None) != (varint() == 1):
            MISMATCHES[2] += 1
    elif code == OP_SAME:
        a = slot_index(varint())
        b = slot_index(varint())
        if (R[a] is R[b]) != (varint() == 1):
            MISMATCHES[3] += 1
    elif code == OP_WEAKREF:
        d = slot_index(varint())
        target = R[slot_index(varint())]
        tag = varint()
        if tag == 0:
            R[d] = Ref(target)
        else:
            # one callback function per tag, made by the first pass: no id() (which gives a
            # nursery object a shadow on PyPy) and no per-weakref table entry
            cb = CALLBACKS.get(tag - 1)
            if cb is None:
                cb = make_callback(tag - 1)  # once per tag; the warm-up pass made them all
                CALLBACKS[tag - 1] = cb
            R[d] = Ref(target, cb)
        S[S_NEXT_ID] += 1
    elif code == OP_DEREF:
        d = slot_index(varint())
        R[d] = R[slot_index(varint())]()
    elif code == OP_COLLECT:
        v = varint()
        g = v >> 1 if (v & 1) == 0 else -((v + 1) >> 1)
        varint()
        res = gc.collect() if g < 0 else gc.collect(g)
        k = S[S_NCOLLECT]
        if k < len(COLLECTS):
            COLLECTS[k] = 0 if res is None else 1
        S[S_NCOLLECT] = k + 1
    elif code == OP_GC_CONTROL:
        action = BUF[S[S_P]]
        S[S_P] += 1
        try:
            if action == 0:
                gc.disable()
            elif action == 1:
                gc.enable()
            elif action == 2:
                gc.freeze()
            else:
                gc.unfreeze()
        except (NotImplementedError, AttributeError):
            UNSUPPORTED[action] += 1
    elif code == OP_ID_OF:
        id(R[slot_index(varint())])
    elif code == OP_LENGTH_OF:
        obj = R[slot_index(varint())]
        expected = varint()
        if isinstance(obj, list):
            if type(obj) is not list:
                items = len(obj) - tb.nints[obj._pygc_t]
                if PAYLOADS:  # noqa: F821 (Tables)
                    items -= tb.payload_items[obj._pygc_t]
                if items != expected:
                    MISMATCHES[1] += 1
            else:
                MISMATCHES[4] += 1  # an exact list does not know its type: unchecked
        elif TUPLES and type(obj) is tuple:  # noqa: F821 (Tables)
            MISMATCHES[4] += 1  # nor does a tuple
        elif tb.nrefs[obj._pygc_t] != expected:
            MISMATCHES[1] += 1
    elif code == OP_PIN:
        obj = R[slot_index(varint())]
        pinning = BUF[S[S_P]]
        S[S_P] += 1
        table = tb.pin_table
        if pinning == 1:
            table[S[S_NPINS]] = obj
            S[S_NPINS] += 1
        else:
            k = S[S_NPINS] - 1
            while k >= 0 and table[k] is not obj:
                k -= 1
            if k < 0:
                raise TraceError('unpin of an object that is not pinned at op %d' % opi)
            S[S_NPINS] -= 1
            table[k] = table[S[S_NPINS]]
            table[S[S_NPINS]] = None
    else:
        raise TraceError('unknown opcode 0x%02x at record-stream offset %d' % (code, p))
    return True


def run_pass(start, tb):
    """One pass over the op stream, from a fresh state; returns the number of ops run."""
    k = 0
    while k < len(S):
        S[k] = 0
        k += 1
    S[S_P] = start
    replay.ID_SHIFT[0] = 0  # the warm-up's finalizers (and the last pass's) made objects
    S[S_TOP] = NGLOBALS[0]
    S[S_FB] = NGLOBALS[0]
    if TUPLES:  # noqa: F821 (Tables)
        TUPLE_RESET(start)  # noqa: F821
    while step(tb):
        pass
    if TUPLES and TUPLE_STATE[0] >= 0:  # noqa: F821 (a fill open at the end of the trace)
        TUPLE_CLOSE(tb)  # noqa: F821
    # the frames the trace left open are dropped with the pass
    k = 0
    while k < len(R):
        R[k] = None
        k += 1
    return S[S_OPI]


NGLOBALS = [0]


FINALIZER_WARMUP_CALLS = 4000  # above the JIT's function_threshold (1619)


def warm_finalizers(tb):
    """Call every __del__ and weakref callback of the trace until the JIT has compiled them.

    A finalizer the JIT has not compiled checks the interpreter's pending actions when it
    starts, and gc.collect() runs its queue while the action its collection fired is pending:
    the first __del__ then runs every other queued finalizer before its own body (P, Q, R run
    Q, R, P). Compiled, it does not check, and the queue runs in order. Which one a program
    sees depends on how often it ran finalizers before; the replayer makes it the compiled
    case, as in a program that runs long. Nothing is recorded: EVN is reset before the program."""
    for t in range(len(tb.classes)):
        cls = tb.classes[t]
        if cls is None or getattr(cls, '__del__', None) is None:
            continue
        obj = cls()
        obj._pygc_id = -1
        # map() calls from interpreter level, entering the function as the finalizer queue
        # does (a Python loop would have the JIT inline it into the loop instead)
        for ignored in map(cls.__del__, [obj] * FINALIZER_WARMUP_CALLS):
            pass
        if tb.resurrect[t] >= 0:
            R[tb.resurrect[t]] = None
        if tb.store_new[t] >= 0:
            R[tb.store_new[t]] = None
        obj = None
    for tag in list(CALLBACKS):
        for ignored in map(CALLBACKS[tag], [None] * FINALIZER_WARMUP_CALLS):
            pass


def clear_registers():
    k = 0
    while k < len(R):
        R[k] = None
        k += 1


def full_collection():
    """A whole major collection and its finalizers, by gc.collect_step(). Not gc.collect(): that
    also empties the method and map caches (pypy/module/gc/interp_gc.py collect), which
    invalidates the JIT's compiled code, so the program would start by compiling it again."""
    while not gc.collect_step().major_is_done:
        pass


PROBE_MIN_OBJECT = 16  # the smallest nursery object (a header and one word), for the probe's length


def probe_type(tb):
    """The trace type the probe allocates: a small fixed-size one without __del__ or payload (an
    object with a __del__ is not allocated in the nursery, incminimark.py malloc_fixedsize), or
    None when the trace has none."""
    best = None
    for t in range(len(tb.classes)):
        cls = tb.classes[t]
        if tb.variable[t] == 1 or tb.resurrect[t] >= 0 or tb.store_new[t] >= 0:
            continue
        if cls is not None and getattr(cls, '__del__', None) is not None:
            continue
        if PAYLOADS and tb.payload_items[t]:  # noqa: F821 (Tables)
            continue
        # the fewest fields: the smallest object, the finest measure
        if best is None or tb.nrefs[t] + tb.nints[t] < tb.nrefs[best] + tb.nints[best]:
            best = t
    return best


def append_probe(start, t, nursery_size, tb):
    """Append to BUF, after the trace, the trace's leading definition records (the measured
    pass runs them before its op 0) and a stream of OP_ALLOC of type t into local 0 (each drops
    the last), long enough for three nurseries; returns its offset."""
    p = start
    while BUF[p] == OP_DEFINE_TYPE or BUF[p] == OP_DEFINE_GLOBALS:
        S[S_P] = p + 1
        skip_definition(BUF[p])
        p = S[S_P]
    S[S_P] = 0
    probe_start = len(BUF)
    BUF.extend(BUF[start:p])
    record = array.array('B', [OP_ALLOC, 0])
    v = t
    while v >= 128:
        record.append((v & 127) | 128)
        v >>= 7
    record.append(v)
    record.append(0)  # n (a fixed-size type ignores it)
    count = 3 * nursery_size // PROBE_MIN_OBJECT + 64
    if tb.shapes[t] == 1:
        # each alloc of a tuple opens a fill the next alloc ends (pypy_tuples.py)
        TUPLE_PROBE(probe_start, count)  # noqa: F821 (Tables)
    BUF.extend(record * count)
    BUF.append(OP_END)
    return probe_start


def child(path, warmup, hooks, dump_path, probe=False):
    try:
        import pypyjit
        # A guard that failed once gets its bridge compiled at once (default: after 200
        # failures): after the warm-up pass every path of the op loop is compiled, so no
        # rarely taken op runs in the blackhole interpreter, whose materialized frames would
        # survive the next minor collection.
        pypyjit.set_param('trace_eagerness=1')
    except ImportError:
        pass
    plan = replay.scan(path)
    tb = Tables(plan, path)
    NGLOBALS[0] = plan['globals']
    R.extend([None] * (plan['globals'] + plan['locals'] + 1))
    FRAMES.extend([0] * (plan['depth'] + 2))
    EV_OP.extend([0] * plan['events'])
    EV_KIND.extend([0] * plan['events'])
    EV_VAL.extend([0] * plan['events'])
    for lst in (MINOR_OP, MINOR_COUNT, MINOR_MEM, STEP_OP, STEP_COUNT, STEP_OLD, STEP_NEW,
                MAJOR_OP, MAJOR_COUNT, MAJOR_ARENA_BYTES, MAJOR_RAW_AFTER):
        lst.extend([0] * HOOK_CAPACITY)
    start = load_trace(path)
    measured_start = start
    probe_t = None
    if probe:
        # The probe (see probe_nursery_at_start in the parent): the same set-up and warm-ups, then
        # the measured pass runs a stream of same-size allocations instead of the trace.
        probe_t = probe_type(tb)
        if probe_t is None:
            return {'probe': None}
        measured_start = append_probe(start, probe_t, gc.get_stats()._s.nursery_size, tb)
        hooks = True
    import __pypy__
    if warmup:
        run_pass(start, tb)
        run_pass(start, tb)
        if probe_t is not None and TUPLES:  # noqa: F821 (Tables)
            # In a trace with tuples, the probe's stream takes paths the trace may not (a
            # tuple's fill ended by the next alloc: binary-trees never does; an alloc with no
            # fill open after one of the trace's): compiled now, or the interpreter's frames
            # fill the nursery in the measured pass (seen: 4,432 bytes a tuple alloc, 1,336 a
            # slots one). Traces without tuples probe as they did before.
            run_pass(measured_start, tb)
        k = 0
        while k < len(MISMATCHES):
            MISMATCHES[k] = 0
            k += 1
        k = 0
        while k < len(UNSUPPORTED):
            UNSUPPORTED[k] = 0
            k += 1
    warm_finalizers(tb)
    try:
        import pypyjit
        # No more bridges: tracing one allocates the trace and the compiled code's data in the
        # GC heap, many times what the program allocates meanwhile. A guard that first fails
        # in the measured pass (rare after two passes) runs its path in the interpreter.
        pypyjit.set_param('trace_eagerness=100000000')
    except ImportError:
        pass
    if hooks:
        gc.hooks.on_gc_minor = on_gc_minor
        gc.hooks.on_gc_collect_step = on_gc_collect_step
        gc.hooks.on_gc_collect = on_gc_collect
    # The starting state: nothing of the warm-up left but what the interpreter and the JIT keep.
    # Everything made after the last gc.collect() below is in the nursery when the program
    # starts, so nothing is made there but the two log markers.
    start_stats = gc.get_stats()
    baseline = {
        'nurserySize': start_stats._s.nursery_size,
        'jitBackendUsed': start_stats._s.jit_backend_used,
    }
    start_stats = None
    full_collection()
    full_collection()
    clear_registers()  # a warmed-up __del__ that resurrects stored its dummy object here
    if dump_path is not None:
        # The live heap, for its page count (the parent reads it): gc.dump_rpy_heap writes every
        # reachable object (address, type, size, references), /proc/self/maps tells the arenas
        # (anonymous memory) from the objects prebuilt in libpypy's data.
        fd = os.open(dump_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        gc.dump_rpy_heap(fd)
        os.close(fd)
        with open('/proc/self/maps') as f:
            maps = f.read()
        with open(dump_path + '.maps', 'w') as f:
            f.write(maps)
        maps = None
        full_collection()
    EVN[0] = 0  # the warm-up's __del__ and callbacks (run by the collections above) are not the program's
    RECORDING[0] = True
    __pypy__.debug_start('pygc-measure')
    __pypy__.debug_print('start')
    __pypy__.debug_stop('pygc-measure')
    t0 = time.time()
    ops = run_pass(measured_start, tb)
    wall_ms = (time.time() - t0) * 1000.0
    __pypy__.debug_start('pygc-measure')
    __pypy__.debug_print('end')
    __pypy__.debug_stop('pygc-measure')
    RECORDING[0] = False
    if hooks:
        gc.hooks.reset()
    if probe:
        return {'probe': {'type': probe_t, 'ops': ops, 'nurserySize': baseline['nurserySize'],
                          'minorOps': [MINOR_OP[k] for k in range(min(HOOKN[0], 4))]}}
    ncollect = S[S_NCOLLECT]
    mismatches = MISMATCHES
    unsupported = UNSUPPORTED
    hook_capacity = HOOK_CAPACITY
    events = []
    for k in range(min(EVN[0], len(EV_OP))):
        events.append([EV_OP[k], 'finalize' if EV_KIND[k] == 1 else 'callback', EV_VAL[k]])
    hook = {
        'minor': [[MINOR_OP[k], MINOR_COUNT[k], MINOR_MEM[k]] for k in range(min(HOOKN[0], hook_capacity))],
        'step': [[STEP_OP[k], STEP_COUNT[k], STEP_OLD[k], STEP_NEW[k]] for k in range(min(HOOKN[1], hook_capacity))],
        'major': [[MAJOR_OP[k], MAJOR_COUNT[k], MAJOR_ARENA_BYTES[k], MAJOR_RAW_AFTER[k]] for k in range(min(HOOKN[2], hook_capacity))],
    } if hooks else None
    return {
        'runtime': replay.runtime_name(),
        'pypy': '%d.%d.%d' % sys.pypy_version_info[:3] if hasattr(sys, 'pypy_version_info') else None,
        'trace': plan['meta'],
        'ops': ops,
        'warmup': warmup,
        'baseline': baseline,
        'hooks': hook,
        'events': events,
        'eventsDropped': max(0, EVN[0] - len(EV_OP)),
        # what each gc.collect() of the trace returned (PyPy: None), in order
        'collectResults': ['None' if COLLECTS[k] == 0 else 'value' for k in range(min(ncollect, len(COLLECTS)))],
        'mismatches': {'readInt': mismatches[0], 'lengthOf': mismatches[1], 'isNull': mismatches[2],
                       'same': mismatches[3], 'lengthOfUnchecked': mismatches[4]},
        'gcControlUnsupported': {'disable': unsupported[0], 'enable': unsupported[1],
                                 'freeze': unsupported[2], 'unfreeze': unsupported[3]},
        'wallMs': wall_ms,
    }


# ---------------------------------------------------------------- the parent: the GC's log

def parse_log(text):
    """The measured section of a PYPYLOG file: minor collections, major steps, completed majors.

    A section opens with "[timestamp] {name" and closes with "[timestamp] name}"; sections nest
    (gc-minor holds gc-minor-walkroots), so the innermost open one owns the lines that follow.
    """
    minors = []
    steps = []
    majors = []
    startup = None
    startup_steps = []
    measuring = False
    stack = []
    cur = {}
    for line in text.splitlines():
        if line.startswith('[') and '] ' in line:
            rest = line.split('] ', 1)[1]
            if rest.startswith('{'):
                name = rest[1:]
                stack.append(name)
                if name == 'gc-minor':
                    cur['gc-minor'] = {'memoryUsed': 0, 'surviving': 0, 'pinned': 0}
                elif name == 'gc-collect-step':
                    cur['gc-collect-step'] = {'from': None, 'to': None}
                elif name == 'gc-collect-done':
                    cur['gc-collect-done'] = {}
                continue
            if rest.endswith('}'):
                name = rest[:-1]
                if stack and stack[-1] == name:
                    stack.pop()
                if measuring:
                    if name == 'gc-minor':
                        minors.append(cur['gc-minor'])
                    elif name == 'gc-collect-step':
                        cur['gc-collect-step']['afterMinor'] = len(minors)  # minor collections before it
                        steps.append(cur['gc-collect-step'])
                    elif name == 'gc-collect-done':
                        majors.append(cur['gc-collect-done'])
                elif name == 'gc-collect-step':
                    # the steps of the last major collection before the program
                    if cur['gc-collect-step']['from'] == 'SCANNING':
                        startup_steps = []
                    startup_steps.append(cur['gc-collect-step'])
                elif name == 'gc-collect-done':
                    startup = cur['gc-collect-done']  # the last one before the program: its heap
                continue
        section = stack[-1] if stack else None
        if section == 'pygc-measure':
            measuring = line.strip() == 'start'
            if not measuring:
                stack = []  # nothing after the program is the program's
        elif section == 'gc-minor':
            record = cur['gc-minor']
            if line.startswith('minor collect, total memory used:'):
                record['memoryUsed'] = int(line.split(':')[1])
            elif line.startswith('total size of surviving objects:'):
                record['surviving'] = int(line.split(':')[1])
            elif line.startswith('number of pinned objects:'):
                record['pinned'] = int(line.split(':')[1])
        elif section == 'gc-collect-step':
            record = cur['gc-collect-step']
            if line.startswith('starting gc state:'):
                record['from'] = line.split(':')[1].strip()
            elif line.startswith('stopping, now in gc state:'):
                record['to'] = line.split(':')[1].strip()
            elif line.startswith('number of objects to mark'):
                # MARKING: the two mark stacks' lengths when the step starts
                parts = line.split()
                record['toMark'] = [int(parts[5]), int(parts[7])]
        elif section == 'gc-collect-done':
            key, _, value = line.partition(':')
            cur['gc-collect-done'][key.strip()] = ' '.join(value.split())
    return {'minor': minors, 'steps': steps, 'majors': majors, 'startup': startup,
            'startupSteps': startup_steps}


SMALL_REQUEST_THRESHOLD = 35 * 8  # incminimark.py:252: larger old objects are raw-malloced
PAGE_SIZE = 1024 * 8  # incminimark.py:242


def startup_heap(done, dump_path):
    """The interpreter's own live heap when the program starts: from the last gc-collect-done
    before it (bytes in arenas, raw-malloced bytes, the next threshold) and from the heap dump
    (the arena pages its small objects occupy, its raw-malloced objects)."""
    if done is None:
        return None
    ranges = []
    with open(dump_path + '.maps') as f:
        for line in f:
            parts = line.split()
            lo, hi = [int(x, 16) for x in parts[0].split('-')]
            anonymous = len(parts) < 6 or parts[5].startswith('[')
            if anonymous:
                ranges.append((lo, hi))
    ranges.sort()
    words = array.array('q')
    with open(dump_path, 'rb') as f:
        words.frombytes(f.read())
    pages = set()
    class_objects = {}
    class_pages = {}
    small = 0
    raw_objects = 0
    raw_sizes = []  # in the dump's order (a walk from the roots, as the marking's)
    i = 0
    n = len(words)
    import bisect
    starts = [r[0] for r in ranges]
    while i < n:
        addr = words[i]
        size = words[i + 2]
        j = i + 3
        while words[j] != -1:
            j += 1
        i = j + 1
        k = bisect.bisect_right(starts, addr) - 1
        if addr == 0 or k < 0 or addr >= ranges[k][1]:
            continue  # a marker, or an object prebuilt in libpypy's data: not in the GC's memory
        # The dump's address is the block's (its GC header's) and its size, as
        # gc.get_rpy_memory_usage() gives it, includes the header: in the dump, the blocks of
        # a page lie at page + 32 (the page header) + k x size exactly.
        total = size
        if total <= SMALL_REQUEST_THRESHOLD:
            page = addr // PAGE_SIZE
            pages.add(page)
            small += 1
            size_class = (total + 7) // 8
            class_objects[size_class] = class_objects.get(size_class, 0) + 1
            class_pages.setdefault(size_class, set()).add(page)
        else:
            raw_objects += 1
            raw_sizes.append(size)

    def figure(key):
        value = done.get(key, '0').split('=>')[-1].strip()
        return int(float(value))

    return {
        'arenaBytes': figure('bytes used in arenas'),
        'rawBytes': figure('bytes raw-malloced'),
        'nextMajorThreshold': figure('next major collection threshold'),
        'arenas': figure('arenas'),
        'pages': len(pages),
        'smallObjects': small,
        'rawObjects': raw_objects,
        # Each raw-malloced object's size: a marking step ends after the object that passes its
        # budget, so a few large ones (86 of 131-200 KB after a random program's warm-up) make
        # fewer, longer steps than the same bytes in even pieces (FIDELITY.md, "Major steps").
        'rawSizes': raw_sizes,
        # per size class (8-byte words): [class, objects, pages]
        'classes': [[c, class_objects[c], len(class_pages[c])] for c in sorted(class_objects)],
    }


def probe_nursery_at_start(cmd, env):
    """The nursery bytes the replayer itself has taken when the trace's op 0 runs.

    The child runs again with --probe: the same set-up, warm-up passes and last collections,
    then the measured pass through the same run_pass and compiled loop, but on a stream of
    allocations of one trace type instead of the trace; gc.hooks gives the op of each minor
    collection. Between two collections the nursery holds N / (k2 - k1) objects, which gives
    their size s (a multiple of a word); the first came at op k1, so the bytes taken before op 0
    lie in (N - (k1 + 1) s, N - k1 s]: the middle of that, rounded down to a word."""
    probe_cmd = [a for a in cmd if a != '--no-hooks']
    probe_cmd.insert(probe_cmd.index('--child') + 1, '--probe')
    # the same set-up as the measured run's, heap dump included (into a file of its own; its
    # GC log, switched on as in the measured run, overwrites that run's, already read)
    fd, dump_path = tempfile.mkstemp(prefix='pygc-pypyprobe-', suffix='.dump')
    os.close(fd)
    probe_cmd[probe_cmd.index('--dump') + 1] = dump_path
    try:
        proc = subprocess.Popen(probe_cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
    finally:
        for p in (dump_path, dump_path + '.maps'):
            if os.path.exists(p):
                os.unlink(p)
    if proc.returncode != 0:
        raise RuntimeError('pypy3 probe failed (exit %d): %s' % (
            proc.returncode, err.decode('utf-8', 'replace')[-2000:]))
    probe = json.loads(out.decode('utf-8')).get('probe')
    if probe is None or len(probe['minorOps']) < 2:
        return None
    n = probe['nurserySize']
    k1, k2 = probe['minorOps'][0], probe['minorOps'][1]
    size = int(round(float(n) / (k2 - k1) / 8)) * 8
    used = n - k1 * size - size // 2
    if size <= 0 or used < 0 or k1 > k2 - k1:
        # Not a nursery filled by the stream from op 0 on (seen with 'finalizers and weakrefs':
        # no collection for 12,991 allocations of a 2,752-byte object): no measure.
        return None
    return {'bytes': used // 8 * 8, 'objectSize': size, 'firstMinorOp': k1,
            'secondMinorOp': k2, 'type': probe['type'], 'nurserySize': n}


def parent(argv):
    nursery = None
    warmup = True
    hooks = True
    probe = False
    extra_env = {}
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == '--nursery':
            nursery = argv[i + 1]
            i += 2
            continue
        if a == '--no-warmup':
            warmup = False
        elif a == '--no-hooks':
            hooks = False
        elif a == '--probe':
            probe = True
        elif a == '--env':
            name, _, value = argv[i + 1].partition('=')
            extra_env[name] = value
            i += 2
            continue
        else:
            args.append(a)
        i += 1
    if len(args) != 1:
        print('usage: replay_pypy.py [--nursery BYTES] [--no-warmup] [--no-hooks] [--probe] [--env NAME=VALUE] TRACE',
              file=sys.stderr)
        return 2
    fd, log_path = tempfile.mkstemp(prefix='pygc-pypylog-', suffix='.log')
    os.close(fd)
    fd, dump_path = tempfile.mkstemp(prefix='pygc-pypyheap-', suffix='.dump')
    os.close(fd)
    env = dict(os.environ)
    env['PYPYLOG'] = LOG_CATEGORIES + ':' + log_path
    env['PYTHONHASHSEED'] = '0'
    if nursery is not None:
        env['PYPY_GC_NURSERY'] = str(nursery)
    env.update(extra_env)
    interpreter = env.get('PYGC_PYPY', 'pypy3')
    cmd = [interpreter, os.path.abspath(__file__), '--child']
    if not warmup:
        cmd.append('--no-warmup')
    if not hooks:
        cmd.append('--no-hooks')
    cmd.extend(['--dump', dump_path, args[0]])
    try:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
        if proc.returncode != 0:
            print(json.dumps({'error': 'pypy3 child failed (exit %d): %s' % (
                proc.returncode, err.decode('utf-8', 'replace')[-2000:])}))
            return 1
        result = json.loads(out.decode('utf-8'))
        if 'error' in result:
            print(json.dumps(result))
            return 1
        with open(log_path) as f:
            result['log'] = parse_log(f.read())
        result['startupHeap'] = startup_heap(result['log'].get('startup'), dump_path)
        if probe:
            result['nurseryAtStart'] = probe_nursery_at_start(cmd, env)
    finally:
        for p in (log_path, dump_path, dump_path + '.maps'):
            if os.path.exists(p):
                os.unlink(p)
    result['env'] = dict((k, v) for k, v in env.items() if k.startswith('PYPY_GC') or k == 'PYTHONHASHSEED')
    print(json.dumps(result, sort_keys=True))
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == '--child':
        args = argv[2:]
        warmup = '--no-warmup' not in args
        hooks = '--no-hooks' not in args
        dump_path = None
        if '--dump' in args:
            dump_path = args[args.index('--dump') + 1]
            args = [a for a in args if a != dump_path]
        paths = [a for a in args if not a.startswith('--')]
        try:
            result = child(paths[0], warmup, hooks, dump_path, '--probe' in args)
        except TraceError as e:
            print(json.dumps({'error': str(e)}))
            return 0
        print(json.dumps(result))
        return 0
    return parent(argv[1:])


if __name__ == '__main__':
    sys.exit(main(sys.argv))
