# -*- coding: utf-8 -*-
"""Byte payloads for replay_pypy.py, imported only for a trace that has them.

A payload of n bytes is a real `bytes` (replay.make_payload: `source * n`, b'' when n = 0) its
owner holds by one more list item before the int words (replay_pypy.py keeps int i at
obj[-1 - i]) or by a `_pygc_b` attribute, as the PyPy model lays it out (packages/pypy/src/
layout.ts). Measured on pypy3 7.3.11 (gc-minor "total size of surviving objects" of 20,000
kept objects): a W_BytesObject of 16 B and its rpy_string of 24 + n + 1 B rounded up to 8
(rpython/rtyper/lltypesystem/rstr.py STR: hash, length, chars and the NUL); b'' is a prebuilt
constant, nothing. A string of 135,168 B or more (n >= 135,143) is allocated outside the
nursery (incminimark.py nonlarge_max).

Kept out of replay_pypy.py so that a trace without payloads runs exactly the code, and leaves
exactly the interpreter heap, it did before payloads were replayed (replay_pypy.py, PAYLOADS).
"""
import replay  # benchmarks/oracles/replay.py (replay_pypy.py has put its directory on sys.path)

# replay.new_object as replay.py has it (it puts a list's payload last).
REPLAY_NEW_OBJECT = replay.new_object


def prepare(tb, types):
    """Give `tb` (replay_pypy.Tables) its payload tables and return, per type, the items its
    list template needs for a payload (1 or 0). Objects finalizers make get theirs too:
    replay.make_allocating_del reads the source (replay.finalizer_payload) and calls
    replay.new_object, here new_object_with_payload."""
    ntypes = len(types)
    # per type: replay.PAYLOAD_NONE, PAYLOAD_BY_LENGTH or the fixed payload's bytes
    tb.payload = [replay.payload_size(types[t]) for t in range(ntypes)]
    tb.payload_items = [0 if tb.payload[t] == replay.PAYLOAD_NONE else 1 for t in range(ntypes)]
    tb.payload_source = replay.payload_source()
    replay.PAYLOAD_SOURCE[0] = tb.payload_source
    replay.new_object = new_object_with_payload
    return tb.payload_items


def make_payload(tb, t, n):
    """The payload of an object of type t allocated with length n."""
    size = tb.payload[t]
    return replay.make_payload(tb.payload_source, n if size == replay.PAYLOAD_BY_LENGTH else size)


def new_object_with_payload(cls, template, refs, ints, set_fields, payload=None):
    """replay.new_object with a list's payload where replay_pypy.py keeps it: the item before
    the int words."""
    obj = REPLAY_NEW_OBJECT(cls, template, refs, ints, set_fields, None)
    if payload is not None:
        b = replay.make_payload(payload[0], payload[1])
        if isinstance(obj, list):
            obj[len(obj) - ints - 1] = b
        else:
            setattr(obj, replay.PAYLOAD_NAME, b)
        b = None
    return obj
