# -*- coding: utf-8 -*-
"""Stores into tuples for replay.py on CPython (capability 'shape-tuple'). Imported only for a
trace with a tuple-shaped type, so that every other replay starts with exactly the objects it
had before tuples were replayed: the real interpreter's pymalloc at the start of the op loop is
what the model starts from, and an arena boundary is a few blocks away."""
import sys


class TupleItems(object):
    """Stores into tuples on CPython (capability 'shape-tuple'). A Python program cannot store into
    a tuple, but a C extension can into one it owns (PyTuple_SET_ITEM), and the model's tuple is
    such an object: made whole (tuple(TEMPLATE): tuple_vectorcall -> PyTuple_New, its free list or
    a tracked GC object) and then filled field by field.

    The store is done on memory, with no call: `words` is a ctypes array of machine words laid
    over the whole address space, so reading or writing one is an item access, which makes no
    Python object (a ctypes call would pack its arguments in a tuple, a tracked object on an empty
    free list). Refcounts are kept exact: the new item is increfed before its pointer is written
    and the old one decrefed after, as list_ass_item does; an immortal object's refcount (3.12+,
    bit 31 of its low word set: Include/object.h _Py_IsImmortal) is left alone, as Py_INCREF
    does. A tuple that a collection untracked (_PyTuple_MaybeUntrack: only atomic items) stays
    untracked after a store, as in the model (packages/cpython/src/collector.ts untrackTuples)."""

    def __init__(self):
        import ctypes
        # Words up to 2**51 bytes: user-space addresses on x86-64 and arm64 are below 2**48.
        self.words = (ctypes.c_ssize_t * (1 << 48)).from_address(0)
        # ob_item's offset: PyVarObject 24 bytes (3.14 adds ob_hash): tuple's basicsize.
        self.items = tuple.__basicsize__ // 8

    def store(self, t, i, v):
        """t[i] = v on an exact tuple (v None or any object)."""
        words = self.words
        old = t[i]
        k = id(v) // 8
        rc = words[k]
        if not (rc & 0x80000000):
            words[k] = rc + 1
        words[id(t) // 8 + self.items + i] = id(v)
        # The tuple's reference to `old` is dropped here; `old` itself holds one, so the count
        # stays above zero until `old` is released below, where the object dies if it was the last.
        k = id(old) // 8
        rc = words[k]
        if not (rc & 0x80000000):
            words[k] = rc - 1
        old = None


def tuple_items_available():
    """Whether this interpreter can store into tuples (CPython's object layout, ctypes)."""
    impl = getattr(sys, 'implementation', None)
    if impl is None or impl.name != 'cpython':
        return False
    try:
        import ctypes  # noqa: F401
    except ImportError:
        return False
    return True
