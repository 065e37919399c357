#!/usr/bin/env pypy3
# -*- coding: utf-8 -*-
"""Measure what the objects replay_pypy.py makes cost in PyPy's GC heap, in bytes.

    pypy3 benchmarks/oracles/pypy/measure_sizes.py            # prints JSON: {shape: bytes per object}

PyPy has no sys.getsizeof (it raises TypeError), and gc.get_rpy_memory_usage() gives the size
of one RPython object, not of the several an app-level object is made of (a list is a
W_ListObject, its storage and its items array). So the bytes are measured as the GC itself
counts them: N objects are made and kept, one minor collection copies them out of the nursery,
and its "total size of surviving objects" (incminimark.py _minor_collection, PYPYLOG=gc-minor)
divided by N is the size of one. The script runs itself as a child with the GC log on.
"""
from __future__ import print_function

import json
import os
import subprocess
import sys
import tempfile

N = 50000
HERE = os.path.dirname(os.path.abspath(__file__))


def shapes():
    """(name, factory) pairs: each factory makes one object as replay_pypy.py makes it."""
    import weakref
    sys.path.insert(0, HERE)
    import replay_pypy as rp

    def spec(name, refs, ints, shape, finalizer=False):
        return {'name': name, 'refs': refs, 'ints': ints, 'bytes': 0, 'variable': 0, 'shape': shape,
                'finalizer': finalizer, 'legacy': False, 'resurrect': -1}

    out = []

    def exact_list(refs, ints):
        template = [None] * refs + [0] * ints
        return lambda: template * 1

    for refs, ints in [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (8, 0), (16, 0), (0, 1), (0, 2), (0, 4), (1, 1), (2, 1), (2, 2), (1, 3)]:
        out.append(('list refs=%d ints=%d' % (refs, ints), exact_list(refs, ints)))

    def subclass(refs, ints):
        cls = rp.make_class(0, spec('L', refs, ints, 'list', True))
        template = [None] * refs + [0] * ints

        def make():
            o = cls()
            o.extend(template)
            o._pygc_id = 5
            return o
        return make

    for refs, ints in [(0, 0), (1, 0), (2, 0), (4, 0), (1, 1)]:
        out.append(('list+del refs=%d ints=%d' % (refs, ints), subclass(refs, ints)))

    def instance(shape, refs, ints, fin=False):
        cls = rp.make_class(0, spec('I', refs, ints, shape, fin))

        def make():
            o = cls()
            o._pygc_id = 5
            return o
        return make

    for shape in ('slots', 'dict-instance'):
        for refs, ints in [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (8, 0), (0, 1), (1, 1), (2, 2)]:
            out.append(('%s refs=%d ints=%d' % (shape, refs, ints), instance(shape, refs, ints)))
        out.append(('%s+del refs=1 ints=0' % shape, instance(shape, 1, 0, True)))

    slots1 = instance('slots', 1, 0)
    keep_targets = []

    def weak(callback, first):
        def make():
            if first:
                t = slots1()
                keep_targets.append(t)  # old by the time of the measurement? no: see main()
            else:
                t = TARGET[0]
            return rp.Ref(t, callback) if callback is not None else rp.Ref(t)
        return make

    cb = rp.make_callback(1)
    out.append(('weakref to one old target', weak(None, False)))
    out.append(('weakref+callback to one old target', weak(cb, False)))

    # Tuples as replay_pypy.py builds them (pypy_tuples.make_builder: one BUILD_TUPLE from the
    # pending list): a pair is specialised (W_SpecialisedTupleObject_oo, _ii), other counts are
    # a W_TupleObject and its items array. An int item written in the fill is a new W_IntObject
    # (the pending list's ObjectListStrategy boxes it), except in a pair of ints (_ii, unboxed).
    import pypy_tuples
    counter = [0]

    def tuple_of(refs, ints, written):
        template = [None] * refs + [0] * ints
        pending = template * 1
        build = pypy_tuples.make_builder(len(template), template)

        def make():
            counter[0] += 1
            for k in written:
                pending[len(pending) - 1 - k] = counter[0]
            return build(pending)
        return make

    for refs, ints, written in [(1, 0, ()), (2, 0, ()), (3, 0, ()), (4, 0, ()), (1, 1, ()), (1, 1, (0,)),
                                (0, 2, (0, 1)), (2, 1, (0,))]:
        out.append(('tuple refs=%d ints=%d written=%d' % (refs, ints, len(written)), tuple_of(refs, ints, written)))

    # Byte payloads as replay_pypy.py makes them (replay.make_payload: `source * n`): the bytes
    # alone, and held by the item before the int words of an exact list. The length is read
    # from a list at an index that changes every call: `source * n` ends in ll_char_mul, which
    # is @jit.elidable, and with a loop-invariant n the JIT would hoist it out of the loop and
    # every object would share one string.
    source = replay_source()
    turn = [0]

    def payload(n, refs, ints):
        lengths = [n, n]
        template = [None] * (refs + 1) + [0] * ints

        def make():
            turn[0] += 1
            b = rp.replay.make_payload(source, lengths[turn[0] & 1])
            if template is None:
                return b
            o = template * 1
            o[refs] = b
            return o
        if refs < 0:
            template = None
        return make

    for n in (0, 1, 7, 8, 16, 100, 1000):
        out.append(('bytes n=%d' % n, payload(n, -1, 0)))
        out.append(('list refs=1 ints=0 + bytes n=%d' % n, payload(n, 1, 0)))
    out.append(('list refs=0 ints=2 + bytes n=8', payload(8, 0, 2)))
    return out, slots1, keep_targets


def replay_source():
    import replay_pypy as rp
    return rp.replay.payload_source()


TARGET = [None]


def fill(keep, make):
    for i in range(N):
        keep[i] = make()


def clear(keep):
    for i in range(N):
        keep[i] = None


def measure_child():
    import gc
    import __pypy__
    table, slots1, keep_targets = shapes()
    TARGET[0] = slots1()
    keep = [None] * N
    gc.collect()
    for name, make in table:
        # warm up (the JIT, the maps, the type caches) with the very loop that is measured
        fill(keep, make)
        clear(keep)
        gc.collect()
        __pypy__.debug_start('pygc-measure')
        __pypy__.debug_print(name)
        __pypy__.debug_stop('pygc-measure')
        fill(keep, make)
        gc.collect_step()  # one minor collection (and one major step)
        __pypy__.debug_start('pygc-measure')
        __pypy__.debug_print('end')
        __pypy__.debug_stop('pygc-measure')
        clear(keep)
        del keep_targets[:]
        gc.collect()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '--child':
        measure_child()
        return 0
    fd, log = tempfile.mkstemp(prefix='pygc-sizes-', suffix='.log')
    os.close(fd)
    env = dict(os.environ)
    env['PYPYLOG'] = 'gc-minor,pygc:' + log
    env['PYTHONHASHSEED'] = '0'
    try:
        subprocess.check_call([env.get('PYGC_PYPY', 'pypy3'), os.path.abspath(__file__), '--child'], env=env)
        sizes = {}
        name = None
        stack = []
        total = 0
        for line in open(log):
            line = line.rstrip('\n')
            if line.startswith('[') and '] ' in line:
                rest = line.split('] ', 1)[1]
                if rest.startswith('{'):
                    stack.append(rest[1:])
                elif rest.endswith('}') and stack:
                    stack.pop()
                continue
            if stack and stack[-1] == 'pygc-measure':
                if line == 'end':
                    sizes[name] = total / float(N)
                    name = None
                else:
                    name = line
                    total = 0
            elif stack and stack[-1] == 'gc-minor' and name is not None:
                # every minor collection of the batch: the nursery may fill before its end
                if line.startswith('total size of surviving objects:'):
                    total += int(line.split(':')[1])
    finally:
        os.unlink(log)
    print(json.dumps(sizes, indent=1, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
