#!/usr/bin/env python3
"""Measure how a real CPython lays out every object the pygc interface can make, and check the
per-version formulas of packages/cpython/VERSIONS.md against it. Prints one JSON document.

    python3 benchmarks/oracles/cpython/layouts.py            # the python3 on PATH
    $(pyenv prefix 3.12.1)/bin/python3 benchmarks/oracles/cpython/layouts.py

Each shape is built the way benchmarks/oracles/replay.py builds it (its own make_class is
imported, and its alloc op is repeated below line for line), N objects are kept alive at once,
and tracemalloc records every block they took: the request sizes PyObject_Malloc / PyMem_Malloc
saw, before pymalloc rounds them to its 16-byte size classes. A block size shared by at least
half of the N objects belongs to the object; the count per object is rounded. Per row:

  blocks      the request sizes of one object's blocks (object block first, GC head and
              pre-header included: what the allocator was asked for)
  predicted   the same from the formulas of VERSIONS.md for this interpreter's version
  ok          blocks == predicted
  getsizeof   sys.getsizeof(obj)
  pymalloc    the bytes the blocks take: a request of 1..512 bytes is its 16-byte size class;
              a larger one goes to the system allocator (glibc: request + 8 rounded up to 16,
              at least 32), reported as `system`

The object's `_pygc_id` (replay.py names every object with an int) is set to 0 here, so that
its int object is not counted as the object's: replay.py's ids from 257 on are separate 28-byte
ints (a 32-byte block), reported once as replayIdInt. Bytes payloads (TypeSpec.bytes) are not
replayed by replay.py; the `bytes` and `bytearray` rows measure what a payload of n bytes costs
as its own object.

Written for Python 3.6+ (tracemalloc); run it on every interpreter a preset models.
"""
from __future__ import print_function

import gc
import json
import os
import sys
import tracemalloc
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import replay  # noqa: E402  (benchmarks/oracles/replay.py: make_class, Ref, FIELD_NAMES, INT_NAMES)

N = 2000
WARM = 40  # instances made before measuring: the shared keys of a class settle (see dict-instance)
VERSION = sys.version_info[:2]


# ------------------------------------------------------------------ measuring

def blocks_of(make, n=N):
    """The request sizes of the blocks one object made by make() owns, by tracemalloc."""
    holder = [None] * n
    for _ in range(WARM):
        make()
    gc.collect()
    gc.disable()
    tracemalloc.start(1)
    k = 0
    while k < n:
        holder[k] = make()
        k += 1
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    gc.enable()
    hist = {}
    for t in snap.traces:
        hist[t.size] = hist.get(t.size, 0) + 1
    out = []
    for size in sorted(hist):
        per = int(round(hist[size] / float(n)))
        if hist[size] >= n // 2:
            out.extend([size] * max(per, 1))
    return out, sys.getsizeof(holder[0])


def pymalloc_bytes(blocks):
    """(pymalloc bytes, system-malloc bytes) of a list of request sizes."""
    small = 0
    system = 0
    for b in blocks:
        if b <= 512:
            small += (b + 15) // 16 * 16
        else:
            system += max(32, (b + 8 + 15) // 16 * 16)
    return small, system


# ------------------------------------------------------------------ the shapes, as replay.py makes them

def spec(shape, refs, ints=0, variable=0, finalizer=False):
    return {'name': 'T', 'refs': refs, 'ints': ints, 'bytes': 0, 'variable': variable,
            'shape': shape, 'finalizer': finalizer, 'legacy': False, 'resurrect': -1}


def maker(s, length=0):
    """A factory doing what replay.py's OP_ALLOC does for a type of spec s (and alloc length)."""
    cls = replay.make_class(0, s)
    if s['variable'] == 1:
        template = [None] * length + [0] * s['ints']
    else:
        template = [None] * s['refs'] + [0] * s['ints']
    nrefs = s['refs']
    nints = s['ints']
    field = replay.FIELD_NAMES
    intn = replay.INT_NAMES
    if cls is None:
        return lambda: template * 1
    if s['shape'] == 'list':
        def make_list_sub():
            obj = cls()
            obj.extend(template)
            obj._pygc_id = 0
            return obj
        return make_list_sub

    def make_instance():
        obj = cls()
        k = 0
        while k < nrefs:
            setattr(obj, field[k], None)
            k += 1
        k = 0
        while k < nints:
            setattr(obj, intn[k], 0)
            k += 1
        obj._pygc_id = 0
        return obj
    return make_instance


# ------------------------------------------------------------------ the formulas (VERSIONS.md)

GC_HEAD = 16          # sizeof(PyGC_Head), 64-bit, default (GIL) build, 3.8-3.14
OBJ = 16              # sizeof(PyObject)
VAR = 24              # sizeof(PyVarObject)
LIST_OBJ = 40         # sizeof(PyListObject)
PREHEADER = 16        # 3.11: dict + values pointers; 3.12+: Py_TPFLAGS_PREHEADER, 2 words


def round_up(n, k):
    return (n + k - 1) // k * k


def keys_usable_310(n):
    """3.10 split keys: USABLE_FRACTION of a table grown from PyDict_MINSIZE 8 by
    insertion_resize(GROWTH_RATE = used * 3): 5, 10, 21, 42, 85..."""
    size = 8
    while size * 2 // 3 < n:
        used = size * 2 // 3
        want = used * 3
        size = 8
        while size < want:
            size *= 2
    return size * 2 // 3


def predict(shape, refs, ints, length=0, finalizer=False):
    """Request sizes of one object's blocks, as VERSIONS.md states them for this version."""
    v = VERSION
    if shape == 'list' and not finalizer:
        n = length + ints if length or refs == 0 else refs + ints
        return [GC_HEAD + LIST_OBJ] + ([8 * n] if n else [])
    if shape == 'list':
        n = length + ints if length or refs == 0 else refs + ints
        # a list subclass with __slots__ ('__weakref__', '_pygc_id')
        obj = GC_HEAD + LIST_OBJ + 16 if v < (3, 12) else GC_HEAD + PREHEADER + LIST_OBJ + 8
        return [obj] + ([8 * ((n + 1) & ~1)] if n else [])  # list_preallocate_exact: even
    if shape == 'slots':
        fields = refs + ints
        if v < (3, 12):  # __weakref__ is a slot
            return [GC_HEAD + OBJ + 8 * fields + 8 + 8]
        return [GC_HEAD + PREHEADER + OBJ + 8 * fields + 8]  # __weakref__ managed (pre-header)
    if shape == 'dict-instance':
        attrs = refs + ints + 1  # + _pygc_id
        if v < (3, 11):
            # object: PyObject + dict ptr + weakref ptr; a dict object; a values array
            return sorted([GC_HEAD + OBJ + 16, GC_HEAD + 48, 8 * keys_usable_310(attrs)])
        # shared_keys_usable_size once the class's keys have settled: dk_usable starts at 30, the
        # first instance takes one, each key one more, every later instance one while > 1
        size = min(attrs + 1, 29)
        obj = PREHEADER + GC_HEAD + OBJ + (8 if v < (3, 12) else 0)
        if v >= (3, 13):
            obj += round_up(size, 8) + 8 * (size + 1)  # _PyInlineValuesSize, inside the object
        if attrs >= 30:
            # the 30th key does not fit the shared keys: the dict is materialized (a 64-byte
            # dict object) and converted to a combined table, sized by insertion_resize from
            # GROWTH_RATE = used * 3 = 87 -> 128 slots: 32 + 128 one-byte indices + 85 * 16
            if attrs > 85:
                return None
            return sorted([obj, GC_HEAD + 48, 32 + 128 + 85 * 16])
        if v < (3, 13):
            values = round_up(size + 2, 8) + 8 * size  # new_values
            return sorted([obj, values])
        return [obj]
    raise ValueError(shape)


def predict_weakref():
    return [GC_HEAD + (56 if VERSION < (3, 11) else 64)]  # PyWeakReference (+vectorcall, 3.11)


def predict_bytes(n):
    return [] if n == 0 else [33 + n]  # PyBytesObject_SIZE = offsetof(ob_sval) + 1; b'' is a singleton


def predict_bytearray(n):
    return [56] + ([n + 1] if n else [])  # PyByteArrayObject, untracked; buffer n + 1


def predict_tuple(n):
    return [] if n == 0 else [GC_HEAD + VAR + 8 * n]


# ------------------------------------------------------------------ the table

def row(kind, params, measured, predicted):
    blocks, size = measured
    small, system = pymalloc_bytes(blocks)
    r = {'kind': kind}
    r.update(params)
    if predicted is not None:
        predicted = sorted(predicted)
    r.update({'blocks': blocks, 'predicted': predicted, 'ok': predicted is None or blocks == predicted,
              'getsizeof': size, 'pymalloc': small, 'system': system})
    return r


def dict_warmup(attrs, count=36):
    """The values block of each of the first `count` instances of a fresh plain class with
    `attrs` attributes: the shared keys start with dk_usable 30 and lose one per instance."""
    s = spec('dict-instance', attrs - 1)
    make = maker(s)
    sizes = []
    for _ in range(count):
        tracemalloc.start(1)
        obj = make()
        snap = tracemalloc.take_snapshot()
        tracemalloc.stop()
        mine = [t.size for t in snap.traces if t.traceback[0].filename == __file__]
        sizes.append(sorted(mine))
        del obj
    return sizes


def list_growth(appends=80):
    """allocated after each append to an empty list (list_resize), read from __sizeof__."""
    x = []
    seen = []
    last = -1
    for _ in range(appends):
        x.append(None)
        alloc = (x.__sizeof__() - [].__sizeof__()) // 8
        if alloc != last:
            seen.append(alloc)
            last = alloc
    return seen


def main():
    rows = []
    for shape in ('list', 'slots', 'dict-instance'):
        for refs in (0, 1, 2, 3, 5, 8, 16, 28, 29):
            for ints in (0, 2):
                if shape == 'dict-instance' and refs + ints + 1 >= 30:
                    continue
                s = spec(shape, refs, ints)
                rows.append(row(shape, {'refs': refs, 'ints': ints},
                                blocks_of(maker(s)), predict(shape, refs, ints)))
    for refs in (0, 1, 2, 3, 5, 8, 16):
        s = spec('list', refs, 1, finalizer=True)
        rows.append(row('list+__del__', {'refs': refs, 'ints': 1},
                        blocks_of(maker(s)), predict('list', refs, 1, finalizer=True)))
    for length in (0, 1, 7, 100, 1000):
        s = spec('list', 0, 0, variable=1)
        rows.append(row('list variable refs', {'length': length},
                        blocks_of(maker(s, length), n=200 if length >= 1000 else N),
                        predict('list', 0, 0, length=length)))
    for attrs in (30, 31, 40, 85, 86):  # past SHARED_KEYS_MAX_SIZE (3.11+): the dict is materialized
        s = spec('dict-instance', attrs - 1)
        rows.append(row('dict-instance', {'refs': attrs - 1, 'ints': 0},
                        blocks_of(maker(s)), predict('dict-instance', attrs - 1, 0)))
    target = replay.make_class(0, spec('slots', 1))()
    rows.append(row('weakref', {}, blocks_of(lambda: replay.Ref(target)), predict_weakref()))
    for n in (0, 1, 2, 15, 100, 479, 480, 1000, 20000, 200000):
        rows.append(row('bytes', {'length': n}, blocks_of(lambda: bytes(n), n=50 if n >= 20000 else N),
                        predict_bytes(n)))
    for n in (0, 1, 100, 1000, 20000):
        rows.append(row('bytearray', {'length': n}, blocks_of(lambda: bytearray(n), n=50 if n >= 20000 else N),
                        predict_bytearray(n)))
    for n in (0, 1, 3, 19, 20, 100):
        items = [None] * n
        rows.append(row('tuple', {'length': n}, blocks_of(lambda: tuple(items)), predict_tuple(n)))
    print(json.dumps({
        'python': '%d.%d.%d' % sys.version_info[:3],
        'gcHead': blocks_of(list)[0][0] - list.__basicsize__,
        'replayIdInt': {'getsizeof': sys.getsizeof(10 ** 6), 'pymalloc': round_up(sys.getsizeof(10 ** 6), 16)},
        'listAppendGrowth': list_growth(),
        'dictInstanceWarmup3Attrs': dict_warmup(3),
        'rows': rows,
        'mismatches': sum(1 for r in rows if not r['ok']),
    }, sort_keys=True))


if __name__ == '__main__':
    main()
