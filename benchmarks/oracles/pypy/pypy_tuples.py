# -*- coding: utf-8 -*-
"""Tuples for replay_pypy.py (capability 'shape-tuple'), imported only for a trace with a
tuple-shaped type.

A Python program makes a tuple with its items at once: `(a, b)` evaluates a and b, then
BUILD_TUPLE makes the tuple (on PyPy a W_SpecialisedTupleObject_oo for two items,
pypy/objspace/std/specialisedtupleobject.py; else a W_TupleObject and its items array). A pygc
trace makes the same tuple as an `alloc` followed by stores into its fields (binary-trees:
packages/workloads/src/trees.ts buildBottomUp; btree: a writeInt and a store with a load
between). PyPy cannot fill a tuple in place (its GC moves objects, and tuples have no
setter), so this replayer fuses the two:

THE FILL RULE. The fill of a tuple allocated by `alloc d` (d: its slot, as an index in R) is
the run of ops after the alloc that are each either
  - a store into d's object (`store d.f = s`, s not d itself) or a writeInt into it, or
  - an op that neither allocates, nor collects, nor runs Python code, nor uses slot d: load,
    move, clear, readInt, isNull, same, lengthOf (none of them on slot d, none writing d),
    pushFrame, popFrame of a frame that does not hold d.
The first op that is neither ends the fill (an alloc, a weakref, deref, collect, gc control,
idOf, pin, a writeInt into another object, which boxes its int; or anything that reads,
moves, overwrites or drops d; or the end of the trace). The tuple is then built, before that
op runs, with the items the fill stored (the others None, or 0 for int words): one
BUILD_TUPLE, as the program's `(a, b)`. Until then slot d holds a preallocated pending list
that the fill's stores and writeInts write into (replay_pypy.py's list paths). Nothing
allocates during the fill, so the tuple is the next object in the nursery either way.

Any other store or writeInt into a tuple (once its fill has ended) has no Python equivalent:
the replay stops with a TraceError naming the op (the capability check, apps/bench/src/
validate/capabilities.ts 'tuple-store', refuses such a trace before anything runs, with the
same op index).

Items are laid out as replay_pypy.py lays out a list: the ref fields, the payload's bytes (if
any), then the int words reversed (int i is item -1 - i).

Kept out of replay_pypy.py so that a trace without tuples runs exactly the code, and leaves
exactly the interpreter heap, it did before tuples were replayed (replay_pypy.py, PAYLOADS).
"""
import array

import replay  # benchmarks/oracles/replay.py (replay_pypy.py has put its directory on sys.path)
from replay import (  # noqa: E402
    OP_ALLOC, OP_CLEAR, OP_DEFINE_GLOBALS, OP_DEFINE_TYPE, OP_END, OP_IS_NULL, OP_LENGTH_OF,
    OP_LOAD, OP_MOVE, OP_POP_FRAME, OP_PUSH_FRAME, OP_READ_INT, OP_SAME, OP_STORE, OP_WRITE_INT,
    TraceError,
)

TUPLE_SHAPE = 1  # replay.SHAPES.index('tuple')

# The open fill: [op index that ends it (-1: none open), fills ended so far, d, type, length]
STATE = array.array('l', [-1, 0, 0, 0, 0])
ST_CLOSE = 0
ST_DONE = 1
ST_SLOT = 2
ST_TYPE = 3
ST_LENGTH = 4
# Per tuple alloc, in trace order: the op index that ends its fill (fill_ends).
CLOSES = array.array('l')


def check_types(types):
    """What this replayer refuses about tuple types themselves (capabilities.ts: 'tuple-finalizer')."""
    for spec in types:
        if spec['shape'] == 'tuple' and (spec['finalizer'] or spec['legacy']):
            raise TraceError('type %r: a tuple with a finalizer cannot be replayed' % spec['name'])
        for made in (spec['allocate'], spec['store_new']):
            if made is not None and types[made[0]]['shape'] == 'tuple':
                raise TraceError('type %r: its finalizer makes a tuple (type %r), which cannot be replayed'
                                 % (spec['name'], types[made[0]]['name']))


def make_builder(items, template):
    """A function taking the pending list P of `items` items and returning the tuple of its
    items (one BUILD_TUPLE: what `(a, b)` compiles to, so PyPy specialises a pair as the
    program's would; tuple(P) would not), after resetting P to `template` (no loop: a loop is a
    JIT trace of its own, entered through a heap-allocated frame)."""
    reset = ''.join('    P[%d] = %s\n' % (k, 'None' if template[k] is None else '0') for k in range(items))
    source = 'def build(P):\n    t = (%s)\n%s    return t\n' % (
        ''.join('P[%d], ' % k for k in range(items)), reset)
    scope = {}
    exec(source, scope)
    return scope['build']


def prepare(tb, types, lengths, path, nglobals):
    """Give `tb` (replay_pypy.Tables) its pending lists and builders per tuple type (and per
    length of a variable one) and read the fills' ends from the trace (fill_ends)."""
    check_types(types)
    ntypes = len(types)
    tb.pending = [None] * ntypes
    tb.builders = [None] * ntypes
    tb.var_pending = [{} for t in range(ntypes)]
    tb.var_builders = [{} for t in range(ntypes)]
    for t in range(ntypes):
        if types[t]['shape'] != 'tuple' or types[t]['variable'] == 1:
            continue
        template = tb.templates[t]
        tb.pending[t] = template * 1
        tb.builders[t] = make_builder(len(template), template)
    for key in lengths:
        if types[key[0]]['shape'] != 'tuple':
            continue
        template = tb.var_templates[key[0]][key[1]]
        tb.var_pending[key[0]][key[1]] = template * 1
        tb.var_builders[key[0]][key[1]] = make_builder(len(template), template)
    del CLOSES[:]
    CLOSES.extend(fill_ends(path, types, nglobals))


def open_tuple(tb, d, t, n):
    """The alloc of a tuple into R[d]: the pending list goes there until its fill ends."""
    if tb.variable[t] == 1:
        pending = tb.var_pending[t][n]
    else:
        pending = tb.pending[t]
    k = STATE[ST_DONE]
    STATE[ST_CLOSE] = CLOSES[k]
    STATE[ST_DONE] = k + 1
    STATE[ST_SLOT] = d
    STATE[ST_TYPE] = t
    STATE[ST_LENGTH] = n
    replay.R[d] = pending


def close_tuple(tb):
    """The end of the open fill: R[d] becomes the tuple of the pending list's items."""
    STATE[ST_CLOSE] = -1
    d = STATE[ST_SLOT]
    t = STATE[ST_TYPE]
    if tb.variable[t] == 1:
        build = tb.var_builders[t][STATE[ST_LENGTH]]
    else:
        build = tb.builders[t]
    replay.R[d] = build(replay.R[d])


# replay_pypy.py's probe (probe_nursery_at_start) with a tuple type: [its stream's offset in
# replay_pypy.BUF, the index in CLOSES of its first fill's end]
PROBE = [-1, 0]


def reset(start):
    """Before a pass from BUF offset `start`: no fill open, the pass's first tuple alloc next."""
    STATE[ST_CLOSE] = -1
    STATE[ST_DONE] = PROBE[1] if start == PROBE[0] else 0


def add_probe(start, count):
    """The fills of the probe's stream of `count` tuple allocs (from BUF offset `start`): each
    ends at the next alloc (op k + 1), after the trace's own in CLOSES."""
    PROBE[0] = start
    PROBE[1] = len(CLOSES)
    CLOSES.extend(array.array('l', range(1, count + 1)))


def late_store(opi, obj):
    return TraceError(
        'op %d stores into a tuple (%d items) after its fill ended: a Python tuple is made with '
        'its items at once, so only the stores right after its alloc, before anything that could '
        'observe the heap, are replayed (benchmarks/oracles/pypy/pypy_tuples.py, the fill rule)'
        % (opi, len(obj)))


def fill_ends(path, types, nglobals):
    """Pass 1 for tuples: per tuple alloc, in trace order, the index of the op that ends its
    fill (the fill rule above; the trace's op count when the fill runs to the end)."""
    r = replay.Reader(path)
    replay.read_header(r)
    ends = []
    frames = []
    fb = nglobals  # R's index of local 0 (replay_pypy.py slot_index)
    top = nglobals
    opi = 0
    d = -1  # the open fill's slot, -1 when none is open

    def at(s):
        return fb + s if s >= 0 else -s - 1

    while True:
        r.fill()
        code = r.u8()
        if code == OP_END:
            break
        if code == OP_DEFINE_TYPE:
            replay.skip_type(r)
            continue
        if code == OP_DEFINE_GLOBALS:
            r.varint()
            continue
        keeps = False  # whether this op belongs to the open fill
        if code == OP_PUSH_FRAME:
            n = r.varint()
            frames.append(fb)
            fb = top
            top += n
            keeps = True
        elif code == OP_POP_FRAME:
            keeps = d < fb
            top = fb
            fb = frames.pop() if frames else nglobals
        elif code == OP_ALLOC:
            dst = at(r.svarint())
            t = r.varint()
            r.varint()
            if d >= 0:
                ends.append(opi)
                d = -1
            if types[t]['shape'] == 'tuple':
                d = dst
            opi += 1
            continue
        elif code == OP_STORE:
            obj = at(r.svarint())
            r.varint()
            src = at(r.svarint())
            keeps = obj == d and src != d
        elif code == OP_WRITE_INT:
            obj = at(r.svarint())
            r.varint()
            r.svarint()
            keeps = obj == d
        elif code == OP_LOAD:
            dst = at(r.svarint())
            obj = at(r.svarint())
            r.varint()
            keeps = dst != d and obj != d
        elif code == OP_MOVE:
            dst = at(r.svarint())
            src = at(r.svarint())
            keeps = dst != d and src != d
        elif code == OP_CLEAR:
            keeps = at(r.svarint()) != d
        elif code == OP_READ_INT:
            obj = at(r.svarint())
            r.varint()
            r.svarint()
            keeps = obj != d
        elif code == OP_IS_NULL:
            keeps = at(r.svarint()) != d
            r.u8()
        elif code == OP_SAME:
            a = at(r.svarint())
            b = at(r.svarint())
            r.u8()
            keeps = a != d and b != d
        elif code == OP_LENGTH_OF:
            keeps = at(r.svarint()) != d
            r.varint()
        else:
            skip_operands(r, code)
        if d >= 0 and not keeps:
            ends.append(opi)
            d = -1
        opi += 1
    if d >= 0:
        ends.append(opi)
    r.f.close()
    return ends


def skip_operands(r, code):
    """The operands of the ops that always end a fill (replay.scan reads the same)."""
    if code == replay.OP_WEAKREF:
        r.svarint(); r.svarint(); r.varint()
    elif code == replay.OP_DEREF or code == replay.OP_COLLECT:
        r.svarint(); r.svarint()
    elif code == replay.OP_GC_CONTROL:
        r.u8()
    elif code == replay.OP_ID_OF:
        r.svarint()
    elif code == replay.OP_PIN:
        r.svarint(); r.u8()
    else:
        raise TraceError('unknown opcode 0x%02x at %s' % (code, r.where(1)))
