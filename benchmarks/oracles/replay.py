#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Replay a pygc trace (binary format, packages/core/TRACE_FORMAT.md) on a REAL Python and
print what its memory manager did, as JSON on stdout.

    python3 benchmarks/oracles/replay.py [--thresholds T0,T1,T2] FILE.trace
    jython  benchmarks/oracles/replay.py FILE.trace

Every trace object becomes a real Python object:
  - shape list, no finalizer   -> an exact `list` of [ref fields..., int words...]
  - shape list with finalizer  -> a list subclass with __slots__ = ('__weakref__', '_pygc_id') and __del__
  - shape slots                -> a class with __slots__ f0.., i0.., '__weakref__', '_pygc_id'
    (under mallocstats.py, IDS_OUTSIDE: no '_pygc_id'; a finalizable object's id is in IDS)
  - shape dict-instance        -> a plain class (fields in its instance dict)
  - shape tuple (CPython only) -> an exact `tuple` made whole from its template, its items then
                                  written in place (tuple_items.py: what a C extension's
                                  PyTuple_SET_ITEM does on a tuple it owns)
  - a byte payload (a type's `bytes`, a `variable: 'bytes'` alloc's length n)
                               -> a `bytes` of n zero bytes (b'' when n = 0), made after the
                                  object, held by one more reference (an exact list's or list
                                  subclass's last item, a `_pygc_b` slot or attribute), as the
                                  CPython model lays it out (packages/cpython/src/layout.ts)
  - weak references            -> weakref.ref(target[, callback])
  - locals and globals         -> one preallocated list R: [globals | frame 0 | frame 1 ...]
  - pins                       -> a strong reference in a preallocated pin table (CPython never
                                  moves objects, so a pin is an incref: what a C extension does)
The op loop allocates no tracked (GC) object of its own: every list, class, name and template
is made before it starts, so gc.get_count() and gc.get_stats() see the program's objects only.
The trace is streamed twice: a first pass learns the types, the globals and the deepest frame
stack so that the second pass, which executes, never has to allocate a container.

Both binary versions are read. Version 2 (what `pygc record` writes) comes in chunks, each with
a CRC-32 running over the file so far: a chunk's payload joins the stream only once its length
and CRC check out, and the first pass checks every chunk and the footer (record count, end
magic) before the second pass runs a single op, so a corrupted trace is an error, never a
replay of garbage. Version 1 is read as before (its footer checksum is not checked here).

Printed JSON: the starting state (gc.get_count(), objects per generation, thresholds, free-list
fill), gc.get_stats() deltas per generation, the final gc.get_count(), and the op index of every
__del__ call and weakref callback, in the order they ran.

Written in the subset of Python that runs unchanged on CPython 3.11, Jython 2.7 and PyPy3:
no f-strings, no int.from_bytes, no nonlocal; print_function from __future__.
"""
from __future__ import print_function

import gc
import io
import json
import sys
import time
import weakref
import zlib

MAGIC = bytearray(b'PYGCTRC\x00')
END_MAGIC = bytearray(b'PYGCEND\x00')
CHUNK = 1 << 20
LOW_WATER = 64
MAX_CHUNK_PAYLOAD = 1 << 16  # version 2: a chunk holds 1 to 65536 payload bytes

OP_PUSH_FRAME = 0x01
OP_POP_FRAME = 0x02
OP_ALLOC = 0x03
OP_LOAD = 0x04
OP_STORE = 0x05
OP_MOVE = 0x06
OP_CLEAR = 0x07
OP_READ_INT = 0x08
OP_WRITE_INT = 0x09
OP_IS_NULL = 0x0A
OP_SAME = 0x0B
OP_WEAKREF = 0x0C
OP_DEREF = 0x0D
OP_COLLECT = 0x0E
OP_GC_CONTROL = 0x0F
OP_DEFINE_TYPE = 0x10
OP_DEFINE_GLOBALS = 0x11
OP_ID_OF = 0x12
OP_LENGTH_OF = 0x13
OP_PIN = 0x14  # slot obj, u8 1 = pin, 0 = unpin
OP_END = 0xFF

SHAPES = ('list', 'tuple', 'slots', 'dict-instance')


class TraceError(Exception):
    pass


class Reader(object):
    """A streaming byte reader over a bytearray window of the record stream; refills never
    slice (no slice objects). Opening reads the 12-byte header (magic, version, flags)."""

    def __init__(self, path):
        # Unbuffered: BufferedReader.read of a large chunk goes through raw.readinto(memoryview),
        # and a memoryview and its managed buffer are two tracked allocations inside the op loop.
        self.f = io.open(path, 'rb', buffering=0)
        self.buf = bytearray()
        self.pos = 0
        self.end = 0
        self.base = 0  # stream offset of buf[0] (version 1: the file offset)
        self.eof = False
        # Version 2: where the next chunk starts, the running CRC-32, chunks read, end magic seen.
        self.file_at = 12
        self.crc = 0
        self.chunks = 0
        self.ended = False
        self.len4 = bytearray(4)  # a chunk's length field, for the CRC (no slice of the header)
        head = self.read_exact(12)
        hb = bytearray()
        hb += head
        k = 0
        while k < 8:
            if k >= len(hb) or hb[k] != MAGIC[k]:
                raise TraceError('bad magic: not a binary pygc trace')
            k += 1
        if len(hb) < 12:
            raise TraceError('truncated trace: the header is cut off')
        self.version = hb[8] | (hb[9] << 8)
        flags = hb[10] | (hb[11] << 8)
        if self.version not in (1, 2) or flags != 0:
            raise TraceError('unsupported trace version %d / flags %d' % (self.version, flags))
        if self.version == 1:
            self.base = 12
        else:
            self.crc = zlib.crc32(head) & 0xffffffff

    def read_exact(self, n):
        """Up to n bytes from the file, fewer only at its end."""
        data = self.f.read(n)
        while len(data) < n:
            more = self.f.read(n - len(data))
            if not more:
                break
            data += more
        return data

    def fill(self):
        """Keep at least LOW_WATER bytes ahead of pos unless at end of file. Called between ops."""
        if self.eof or self.end - self.pos >= LOW_WATER:
            return
        self.fill_more()

    def need(self, n):
        while self.end - self.pos < n and not self.eof:
            self.fill_more()
        if self.end - self.pos < n:
            raise TraceError('truncated trace at %s' % self.where(0))

    def fill_more(self):
        """Append the next chunk after the unread bytes (the reader's only refill)."""
        if self.version == 1:
            chunk = self.f.read(CHUNK)
            if not chunk:
                self.eof = True
                return
        else:
            chunk = self.next_chunk()
            if chunk is None:
                return
        nb = bytearray()
        k = self.pos
        while k < self.end:
            nb.append(self.buf[k])
            k += 1
        nb += chunk  # not bytearray(chunk): a call with arguments packs them in a tracked tuple
        self.base += self.pos
        self.buf = nb
        self.end = len(nb)
        self.pos = 0

    def next_chunk(self):
        """Version 2: the next chunk's payload once its length and CRC-32 check out; None (and
        eof) after the end magic or at the end of the file."""
        at = self.file_at
        head = self.read_exact(8)
        if not head:
            self.eof = True
            return None
        hb = bytearray()
        hb += head
        if len(hb) >= 4 and hb[0] == 0x50 and hb[1] == 0x59 and hb[2] == 0x47 and hb[3] == 0x43:
            if hb != END_MAGIC:
                raise TraceError('bad end magic at byte offset %d' % at)
            if self.f.read(1):
                raise TraceError('trailing bytes after the end magic at byte offset %d' % (at + 8))
            self.file_at = at + 8
            self.ended = True
            self.eof = True
            return None
        if len(hb) < 8:
            raise TraceError('truncated trace: the header of chunk %d at byte offset %d is cut off' % (self.chunks, at))
        length = hb[0] | (hb[1] << 8) | (hb[2] << 16) | (hb[3] << 24)
        stored = hb[4] | (hb[5] << 8) | (hb[6] << 16) | (hb[7] << 24)
        if length < 1 or length > MAX_CHUNK_PAYLOAD:
            raise TraceError('chunk %d at byte offset %d claims %d payload bytes (a chunk holds 1 to %d)'
                             % (self.chunks, at, length, MAX_CHUNK_PAYLOAD))
        payload = self.read_exact(length)
        if len(payload) < length:
            raise TraceError('truncated trace: chunk %d at byte offset %d has %d payload bytes, the file ends first'
                             % (self.chunks, at, length))
        k = 0
        while k < 4:
            self.len4[k] = hb[k]
            k += 1
        crc = zlib.crc32(payload, zlib.crc32(self.len4, self.crc)) & 0xffffffff
        if crc != stored:
            raise TraceError('checksum mismatch in chunk %d at byte offset %d (the trace is corrupted)' % (self.chunks, at))
        self.crc = crc
        self.file_at = at + 8 + length
        self.chunks += 1
        return payload

    def check_footer(self, records):
        """Version 2, after END: the record count, then nothing more in the last chunk, then the
        end magic and the end of the file. (Version 1's footer is not checked here.)"""
        if self.version == 1:
            return
        self.need(8)
        b = self.buf
        p = self.pos
        count = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) + \
            (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) * 4294967296
        self.pos = p + 8
        if count != records:
            raise TraceError('op count mismatch: the footer says %d records, the trace has %d' % (count, records))
        while not self.eof and self.pos == self.end:
            self.fill_more()
        if self.pos < self.end:
            raise TraceError('trailing bytes after the footer')
        if not self.ended:
            raise TraceError('truncated trace: the end magic is missing')

    def u8(self):
        self.need(1)
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def varint(self):
        buf = self.buf
        p = self.pos
        if self.end - p < 9:
            self.need(min(9, self.end - p + 1))
            buf = self.buf
            p = self.pos
        b = buf[p]
        p += 1
        if b < 128:
            self.pos = p
            return b
        v = b & 127
        shift = 7
        while True:
            if p >= self.end:
                self.pos = p
                self.need(1)
                buf = self.buf
                p = self.pos
            b = buf[p]
            p += 1
            v |= (b & 127) << shift
            if b < 128:
                break
            shift += 7
            if shift > 56:
                self.pos = p
                raise TraceError('varint longer than 8 bytes at %s' % self.where(0))
        self.pos = p
        return v

    def svarint(self):
        v = self.varint()
        if v & 1:
            return -((v + 1) >> 1)
        return v >> 1

    def string(self):
        n = self.varint()
        self.need(n)
        out = bytearray()
        k = 0
        while k < n:
            out.append(self.buf[self.pos + k])
            k += 1
        self.pos += n
        return out.decode('utf-8')

    def offset(self):
        """Where the reader is, for messages: the file offset (version 1) or the offset in the
        record stream, the chunks' payloads end to end (version 2)."""
        return self.base + self.pos

    def where(self, back):
        what = 'byte offset' if self.version == 1 else 'record-stream offset'
        return '%s %d' % (what, self.offset() - back)


def read_header(r):
    """The metadata (magic, version and flags were read by the Reader)."""
    return json.loads(r.string())


def read_type(r):
    name = r.string()
    refs = r.varint()
    ints = r.varint()
    nbytes = r.varint()
    variable = r.u8()
    shape = r.u8()
    fin = r.u8()
    if fin & ~FINALIZER_KNOWN_BITS:
        raise TraceError('type %r: unknown finalizer flag bits 0x%x' % (name, fin))
    resurrect = -1
    if fin & 2:
        resurrect = r.varint()
    allocate = None
    if fin & 8:
        allocate = (r.varint(), r.varint())  # (type, count)
    store_new = None
    if fin & 16:
        store_new = (r.varint(), r.varint())  # (type, global)
    return {'name': name, 'refs': refs, 'ints': ints, 'bytes': nbytes, 'variable': variable,
            'shape': SHAPES[shape], 'finalizer': (fin & 1) != 0, 'legacy': (fin & 4) != 0,
            'resurrect': resurrect, 'allocate': allocate, 'store_new': store_new}


def skip_type(r):
    """Step over a type record without building anything (the op loop must not allocate)."""
    n = r.varint()
    r.need(n)
    r.pos += n
    r.varint()
    r.varint()
    r.varint()
    r.u8()
    r.u8()
    fin = r.u8()
    if fin & 2:
        r.varint()
    if fin & 8:
        r.varint()
        r.varint()
    if fin & 16:
        r.varint()
        r.varint()


def scan(path):
    """Pass 1: types, globals, the deepest locals stack, list lengths, event capacity."""
    r = Reader(path)
    meta = read_header(r)
    types = []
    globals_max = 0
    top = 0
    top_max = 0
    frames = [0]
    depth = 0
    depth_max = 0
    lengths = {}
    events = 16
    ops = 0
    definitions = 0
    pins = 0
    pins_max = 0
    while True:
        r.fill()
        code = r.u8()
        if code == OP_END:
            r.check_footer(ops + definitions)
            break
        if code == OP_DEFINE_TYPE:
            types.append(read_type(r))
            definitions += 1
            continue
        if code == OP_DEFINE_GLOBALS:
            globals_max = max(globals_max, r.varint())
            definitions += 1
            continue
        ops += 1
        if code == OP_PUSH_FRAME:
            n = r.varint()
            frames.append(top)
            top += n
            depth += 1
            depth_max = max(depth_max, depth)
            top_max = max(top_max, top)
        elif code == OP_POP_FRAME:
            top = frames.pop()
            depth -= 1
        elif code == OP_ALLOC:
            r.svarint()
            t = r.varint()
            n = r.varint()
            spec = types[t]
            if spec['finalizer'] or spec['legacy']:
                events += 1
            if spec['variable'] == 1:
                key = (t, n)
                if key not in lengths:
                    lengths[key] = True
        elif code == OP_LOAD:
            r.svarint(); r.svarint(); r.varint()
        elif code == OP_STORE:
            r.svarint(); r.varint(); r.svarint()
        elif code == OP_MOVE:
            r.svarint(); r.svarint()
        elif code == OP_CLEAR:
            r.svarint()
        elif code == OP_READ_INT or code == OP_WRITE_INT:
            r.svarint(); r.varint(); r.svarint()
        elif code == OP_IS_NULL:
            r.svarint(); r.u8()
        elif code == OP_SAME:
            r.svarint(); r.svarint(); r.u8()
        elif code == OP_WEAKREF:
            r.svarint(); r.svarint()
            if r.varint() != 0:
                events += 1
        elif code == OP_DEREF:
            r.svarint(); r.svarint()
        elif code == OP_COLLECT:
            r.svarint(); r.svarint()
        elif code == OP_GC_CONTROL:
            r.u8()
        elif code == OP_ID_OF:
            r.svarint()
        elif code == OP_LENGTH_OF:
            r.svarint(); r.varint()
        elif code == OP_PIN:
            r.svarint()
            pinning = r.u8()
            if pinning > 1:
                raise TraceError('pin action must be below 2, got %d at %s' % (pinning, r.where(1)))
            pins += 1 if pinning == 1 else -1
            pins_max = max(pins_max, pins)
        else:
            raise TraceError('unknown opcode 0x%02x at %s' % (code, r.where(1)))
    r.f.close()
    return {'meta': meta, 'types': types, 'globals': globals_max, 'locals': top_max,
            'depth': depth_max, 'lengths': sorted(lengths.keys()), 'events': events, 'ops': ops,
            'pins': pins_max}


# ---------------------------------------------------------------- the objects of the replay

FIELD_NAMES = tuple('f%d' % k for k in range(256))
INT_NAMES = tuple('i%d' % k for k in range(256))

# Event log, preallocated by setup(): kind 1 = __del__ (value: object id), 2 = weakref callback (value: tag).
EV_OP = []
EV_KIND = []
EV_VAL = []
EVN = [0, 0]
OPI = [0]
R = []
TAGS = {}


class Ref(weakref.ref):
    """Every weakref op makes a new reference object: an exact weakref.ref(x) without a callback
    would return x's existing one, a subclass never does (weakref___new__)."""
    __slots__ = ()


def record_event(kind, value):
    k = EVN[0]
    if k < len(EV_OP):
        EV_OP[k] = OPI[0]
        EV_KIND[k] = kind
        EV_VAL[k] = value
    EVN[0] = k + 1


ON_JYTHON = sys.platform.startswith('java')


def settle_threads():
    """On Jython, let the JVM's finalizer thread and the weakref reaper finish what a collection
    already queued before the process ends: they are other threads, and on a loaded machine they
    may not have run by the last op. Nothing is collected here; events recorded now carry the
    last op index, after every collection of the trace. Waits until no event arrived for 0.3 s,
    at most 3 s."""
    quiet = 0
    waited = 0
    seen = EVN[0]
    while quiet < 6 and waited < 60:
        time.sleep(0.05)
        waited += 1
        if EVN[0] == seen:
            quiet += 1
        else:
            seen = EVN[0]
            quiet = 0


# On Jython, gc.collect() is System.gc() and returns at once (org.python.modules.gc, no
# monitored objects): the finalizer thread runs the __del__s it made due while the op loop goes
# on, so with a few ops between two collections a __del__ lands after the next one. The model
# runs them at the op after their collection, so COLLECT here waits until every __del__ it made
# due has returned (jython_collect_and_wait): each finalizable object is watched through a
# java.lang.ref.WeakReference, which the collection that finds it unreachable clears (before
# finalization), and each __del__ counts its return. replay.py's Jython runs are compared for
# event order, never for counts. Defined on Jython only, so CPython's replay starts with the
# same objects as before.
if ON_JYTHON:
    FIN_WATCH = []
    FIN_DUE = [0]
    FIN_DONE = [0]
    FIN_WAIT_S = 30.0

    def count_del_returns(del_fn):
        """A __del__ that also counts its return (FIN_DONE), for jython_collect_and_wait."""
        def __del__(self):
            try:
                del_fn(self)
            finally:
                FIN_DONE[0] += 1
        return __del__

    def jython_collect_and_wait(generation=-1):
        """gc.collect(), then wait until every __del__ the collection made due has returned (at most
        FIN_WAIT_S: a __del__ still missing then shows as missing in the events)."""
        gc.collect()
        k = len(FIN_WATCH) - 1
        while k >= 0:
            if FIN_WATCH[k].get() is None:
                FIN_DUE[0] += 1
                FIN_WATCH[k] = FIN_WATCH[-1]
                FIN_WATCH.pop()
            k -= 1
        waited = 0.0
        while FIN_DONE[0] < FIN_DUE[0] and waited < FIN_WAIT_S:
            time.sleep(0.001)
            waited += 0.001


GCLOG_OP = []
GCLOG_GEN = []
GCLOG_COLLECTED = []


def gc_log_callback(phase, info):
    """Debugging aid (PYGC_REPLAY_GCLOG=1): the op index of each collection. It perturbs the run
    slightly (the interpreter builds an info dict per call), so it is off for validation."""
    k = EVN[1]
    if phase == 'start':
        if k < len(GCLOG_OP):
            GCLOG_OP[k] = OPI[0]
            GCLOG_GEN[k] = info['generation']
    else:
        if k < len(GCLOG_OP):
            GCLOG_COLLECTED[k] = info['collected']
        EVN[1] = k + 1


def weakref_callback(wr):
    record_event(2, TAGS.get(id(wr), -1))


def own_id(obj):
    """The trace's id of a finalizable object: its `_pygc_id`, or with IDS_OUTSIDE its entry in
    IDS (dropped here: __del__ runs once per object, PEP 442)."""
    if IDS_OUTSIDE[0]:
        return IDS.pop(id(obj), -1)
    return obj._pygc_id


# Type record finalizer bits (TRACE_FORMAT.md, "Type record"): has one, resurrects, legacy,
# allocates (FinalizerSpec.allocate), stores a new object (FinalizerSpec.storeNew).
FINALIZER_KNOWN_BITS = 1 | 2 | 4 | 8 | 16

# Objects the finalizers made since the op loop last gave out an id: the model numbers them in
# allocation order with the program's objects, so the next id the loop gives out skips them.
ID_SHIFT = [0]


def new_object(cls, template, refs, ints, set_fields, payload=None):
    """An object of a fixed-size type as the op loop makes one (fields null, ints 0), made by a
    finalizer: an exact list copied from its template, a list subclass extended from it, or an
    instance with its fields set (`set_fields`: unless the class's __init__ sets them); then its
    payload (`payload`: (source, bytes), None without one) in its last item or _pygc_b."""
    if cls is None:
        obj = template * 1
        if payload is not None:
            obj[-1] = make_payload(payload[0], payload[1])
        return obj
    obj = cls()
    if isinstance(obj, list):
        obj.extend(template)
    elif set_fields:
        k = 0
        while k < refs:
            setattr(obj, FIELD_NAMES[k], None)
            k += 1
        k = 0
        while k < ints:
            setattr(obj, INT_NAMES[k], 0)
            k += 1
    if payload is not None:
        if isinstance(obj, list):
            obj[-1] = make_payload(payload[0], payload[1])
        else:
            setattr(obj, PAYLOAD_NAME, make_payload(payload[0], payload[1]))
    if not IDS_OUTSIDE[0]:
        obj._pygc_id = -1
    return obj


def install_finalizer_allocations(classes, types, templates, init_sets_fields=False):
    """Give each class whose finalizer allocates (FinalizerSpec.allocate, storeNew) a __del__
    that does: the event, the resurrection, `count` objects dropped as made, then one stored
    into its global (R[g]). The objects are made as the op loop makes them (new_object)."""
    for t in range(len(types)):
        spec = types[t]
        if classes[t] is None or (spec['allocate'] is None and spec['store_new'] is None):
            continue
        classes[t].__del__ = make_allocating_del(spec, classes, types, templates, not init_sets_fields)


def finalizer_payload(spec):
    """new_object's `payload` for an object a finalizer makes: a fixed payload's bytes; a
    `variable: 'bytes'` type has no alloc length there, so b''."""
    size = payload_size(spec)
    if size == PAYLOAD_NONE or PAYLOAD_SOURCE[0] is None:
        return None  # no payload, or not replay()'s objects (replay_pypy.py builds none)
    return (PAYLOAD_SOURCE[0], size if size > 0 else 0)


def make_allocating_del(spec, classes, types, templates, set_fields):
    resurrect_index = spec['resurrect']
    a_cls = a_tpl = s_cls = s_tpl = None
    a_n = a_refs = a_ints = s_g = s_refs = s_ints = 0
    a_t = s_t = -1
    if spec['allocate'] is not None:
        a_t, a_n = spec['allocate']
        a_cls, a_tpl, a_refs, a_ints = classes[a_t], templates[a_t], types[a_t]['refs'], types[a_t]['ints']
    if spec['store_new'] is not None:
        s_t, s_g = spec['store_new']
        s_cls, s_tpl, s_refs, s_ints = classes[s_t], templates[s_t], types[s_t]['refs'], types[s_t]['ints']
    made = a_n + (1 if s_t >= 0 else 0)
    a_pay = finalizer_payload(types[a_t]) if a_t >= 0 else None
    s_pay = finalizer_payload(types[s_t]) if s_t >= 0 else None
    s_list_ints = s_t >= 0 and s_cls is None and s_ints > 0

    def __del__(self):
        record_event(1, own_id(self))
        if resurrect_index >= 0:
            R[resurrect_index] = self
        k = 0
        while k < a_n:
            new_object(a_cls, a_tpl, a_refs, a_ints, set_fields, a_pay)
            k += 1
        if s_t >= 0:
            obj = new_object(s_cls, s_tpl, s_refs, s_ints, set_fields, s_pay)
            if s_list_ints:
                TYPE_OF_LIST[id(obj)] = s_t  # an exact list does not know its type (readInt)
            R[s_g] = obj
            obj = None
        ID_SHIFT[0] += made
    return __del__


def make_del(resurrect_index):
    if resurrect_index < 0:
        def __del__(self):
            record_event(1, own_id(self))
    else:
        def __del__(self):
            record_event(1, own_id(self))
            R[resurrect_index] = self
    return __del__


# --tuples-as-lists: replay tuple-shaped types as lists. A tuple cannot be built field by field,
# so a trace that stores into tuples has no exact replay; as lists the op stream still runs, which
# is what a speed comparison needs (benchmarks/host), but the GC figures are then those of lists
# (tuples are untracked when all their items are atomic, lists never are): never for validation.
TUPLES_AS_LISTS = [False]


# IDS_OUTSIDE (set by mallocstats.py): the objects carry no `_pygc_id`, so that they have the
# interface's fields only (the model's layout, FIDELITY.md "pymalloc"); a finalizable object's
# id is kept in IDS, keyed by id(obj), only __del__ reads it. Off by default: the PyPy and
# Jython models' layouts count the `_pygc_id` attribute.
IDS_OUTSIDE = [False]
IDS = {}
# Exact lists do not know their trace type: id(list) -> type, for those with int words.
TYPE_OF_LIST = {}

# mallocstats.py's readings of pymalloc at the start and at the end of the op loop (functions of
# no arguments; AT_LOOP_START is followed by one more gc.collect(), so the starting state stays
# the one after a collection).
AT_LOOP_START = [None]

# mallocstats.py's reading of pymalloc at the end of the op loop (a function of no arguments,
# called once after the gc counts and stats are read, with the collector disabled); None: none.
AT_LOOP_END = [None]

# --thresholds T0,T1,T2: gc.set_threshold before the starting state is taken (pygc validate's
# heap configuration for CPython); the reported start thresholds are then these.
THRESHOLDS = [None]


# A byte payload: the attribute or slot holding it (an object with a list shape holds it as its
# last item), and how it is made (make_payload).
PAYLOAD_NAME = '_pygc_b'
PAYLOAD_NONE = -1
PAYLOAD_BY_LENGTH = -2  # variable: 'bytes', the alloc's length is the payload's


def has_payload(spec):
    return spec['variable'] == 2 or spec['bytes'] > 0


def payload_size(spec):
    """PAYLOAD_NONE, PAYLOAD_BY_LENGTH or the fixed payload's bytes."""
    if spec['variable'] == 2:
        return PAYLOAD_BY_LENGTH
    return spec['bytes'] if spec['bytes'] > 0 else PAYLOAD_NONE


def payload_source():
    """What make_payload repeats: one zero byte of a bytes subclass, so that `source * n` is a
    new exact bytes object of one block of PyBytesObject_SIZE + n for every n >= 1 (bytes_repeat
    returns an exact bytes operand itself when n = 1), with no call (a call with arguments packs
    them in a tracked tuple). Made only for traces with payloads: other replays start with the
    same objects as before."""
    class ZeroByte(bytes):
        __slots__ = ()
    return ZeroByte(b'\x00')


# payload_source(), set by replay() before any class or __del__ is made when the trace has payloads.
PAYLOAD_SOURCE = [None]


def payload_items(payload, t):
    """The items an object of type t with a list shape has for its payload's reference: 1 or 0."""
    return 1 if payload is not None and payload[t] != PAYLOAD_NONE else 0


def make_payload(source, n):
    """The payload of n bytes: the b'' singleton (bytes_repeat would make a 33-byte object of
    `source * 0`), else a new bytes object."""
    if n == 0:
        return b''
    return source * n


def make_class(t, spec):
    """The Python class standing for trace type t (None for an exact list)."""
    shape = spec['shape']
    fin = spec['finalizer'] or spec['legacy']
    if shape == 'tuple' and TUPLES_AS_LISTS[0]:
        shape = 'list'
    if shape == 'tuple':
        from tuple_items import tuple_items_available
        if not tuple_items_available():
            raise TraceError('type %r: the tuple shape cannot be replayed here (tuples are immutable; only CPython\'s are filled in place)' % spec['name'])
        if fin:
            raise TraceError('type %r: a tuple with a finalizer cannot be replayed' % spec['name'])
        return tuple
    if shape == 'list' and not fin:
        return None
    body = {'_pygc_t': t}
    if fin:
        body['__del__'] = make_del(spec['resurrect'])
    if shape == 'list':
        body['__slots__'] = ('__weakref__',) if IDS_OUTSIDE[0] else ('__weakref__', '_pygc_id')
        return type(str('T%d_%s' % (t, spec['name'])), (list,), body)
    if spec['variable'] == 1:
        raise TraceError('type %r: variable-length %s objects cannot be replayed' % (spec['name'], shape))
    if spec['refs'] > 256 or spec['ints'] > 256:
        raise TraceError('type %r: too many fields for the %s shape' % (spec['name'], shape))
    if shape == 'slots':
        body['__slots__'] = FIELD_NAMES[:spec['refs']] + INT_NAMES[:spec['ints']] + \
            ((PAYLOAD_NAME,) if has_payload(spec) else ()) + \
            (('__weakref__',) if IDS_OUTSIDE[0] else ('__weakref__', '_pygc_id'))
    return type(str('T%d_%s' % (t, spec['name'])), (object,), body)


def snapshot_stats(into):
    """gc.get_stats() as 9 ints in a preallocated list; the temporaries die by refcount here."""
    try:
        s = gc.get_stats()
    except Exception:
        return False
    for g in range(3):
        into[3 * g] = s[g]['collections']
        into[3 * g + 1] = s[g]['collected']
        into[3 * g + 2] = s[g]['uncollectable']
    s = None
    return True


def warm_up_functions(classes, tuple_items=None):
    """Call once, before the setup's last gc.collect(), every Python function the op loop can
    call that the first pass did not (the __del__s, the event recorders, new_object, the payload's
    payload_items and make_payload, skip_type):
    on CPython 3.10 the first call of a function allocates its frame, a GC object that counts
    toward generation 0 (a later call reuses the code object's zombie frame;
    Objects/frameobject.c frame_alloc, 3.10.13 :781-829), so a first call inside the loop would
    be the interpreter's allocation, not the trace's. 3.11+ frames are not objects: nothing changes there. What the calls record or store is
    undone here (the event log is not allocated yet: record_event only counts). Not on Jython,
    whose finalizer bookkeeping (count_del_returns) must see the trace's __del__s only."""
    if ON_JYTHON:
        return
    record_event(0, 0)
    weakref_callback(None)
    try:
        own_id(None)  # None has no _pygc_id unless IDS_OUTSIDE: the frame is made all the same
    except AttributeError:
        pass
    for cls in classes:
        d = getattr(cls, '__del__', None) if cls is not None else None
        if d is not None:
            try:
                d(None)
            except Exception:
                pass
    new_object(None, [], 0, 0, False)
    if tuple_items is not None:
        tuple_items.store(tuple([None]), 0, None)
    payload_items(None, 0)
    make_payload(None, 0)
    try:
        skip_type(None)  # the loop's type records (the first pass read them with read_type)
    except AttributeError:
        pass
    k = 0
    while k < len(R):
        R[k] = None
        k += 1
    EVN[0] = 0
    ID_SHIFT[0] = 0
    IDS.clear()
    TAGS.clear()
    TYPE_OF_LIST.clear()


def runtime_name():
    impl = getattr(sys, 'implementation', None)
    name = impl.name if impl is not None else ('jython' if sys.platform.startswith('java') else 'cpython')
    v = sys.version_info
    return '%s %d.%d.%d' % (name, v[0], v[1], v[2])


def replay(path):
    plan = scan(path)
    types = plan['types']
    ntypes = len(types)
    nglobals = plan['globals']
    # Per type, its payload_size; None when no type has a payload (then no list is made here:
    # a replay without payloads starts with the same objects as before payloads were replayed).
    payload = None
    for t in range(ntypes):
        if payload_size(types[t]) != PAYLOAD_NONE:
            payload = [payload_size(types[k]) for k in range(ntypes)]
            break
    PAYLOAD_SOURCE[0] = payload_source() if payload is not None else None
    source = PAYLOAD_SOURCE[0]
    classes = [make_class(t, types[t]) for t in range(ntypes)]
    # Templates: an exact list is allocated as TEMPLATE * 1 (list_repeat -> PyList_New: the list
    # free list, then pymalloc), a list subclass is filled by extend(TEMPLATE).
    templates = [None] * ntypes
    # By type, then by length: a (type, length) key would build a tuple inside the op loop.
    var_templates = [{} for t in range(ntypes)]
    for t in range(ntypes):
        spec = types[t]
        if spec['variable'] != 1:
            templates[t] = [None] * spec['refs'] + [0] * spec['ints'] + [None] * payload_items(payload, t)
    install_finalizer_allocations(classes, types, templates)
    ID_SHIFT[0] = 0
    # Tuple-shaped types (tuple_items.py): their class is `tuple`; made whole as tuple(TEMPLATE),
    # then stored into in place. Nothing is made here for a trace without them.
    tuple_type = tuple
    tuple_items = None
    if tuple_type in classes:
        from tuple_items import TupleItems
        tuple_items = TupleItems()
        for t in range(ntypes):
            spec = types[t]
            for made in (spec['allocate'], spec['store_new']):
                if made is not None and classes[made[0]] is tuple_type:
                    raise TraceError('type %r: its finalizer makes a tuple (type %r), which cannot be replayed'
                                     % (spec['name'], types[made[0]]['name']))
    for key in plan['lengths']:
        var_templates[key[0]][key[1]] = [None] * key[1] + [0] * types[key[0]]['ints'] + \
            [None] * payload_items(payload, key[0])
    nints = [types[t]['ints'] for t in range(ntypes)]
    finalizable = [types[t]['finalizer'] or types[t]['legacy'] for t in range(ntypes)]
    ids_outside = IDS_OUTSIDE[0]
    nrefs = [types[t]['refs'] for t in range(ntypes)]
    # Exact lists do not know their type; readInt / lengthOf on them need it (id -> type).
    list_types_with_ints = False
    for t in range(ntypes):
        if (classes[t] is None or classes[t] is tuple) and types[t]['ints'] > 0:
            list_types_with_ints = True
    # Module-level (TYPE_OF_LIST), so that mallocstats.py can count its id keys as replay.py's.
    type_of_list = TYPE_OF_LIST
    type_of_list.clear()
    IDS.clear()
    frames = [0] * (plan['depth'] + 2)
    R.extend([None] * (nglobals + plan['locals'] + 1))
    # One entry per pin held at once (pins nest); sized by the first pass, so pinning allocates nothing.
    pin_table = [None] * (plan['pins'] + 1)
    npins = 0
    warm_up_functions(classes, tuple_items)
    EV_OP.extend([0] * plan['events'])
    EV_KIND.extend([0] * plan['events'])
    EV_VAL.extend([0] * plan['events'])
    mismatches = [0, 0, 0, 0]  # readInt, lengthOf, isNull, same
    unsupported = [0, 0, 0, 0]  # gc control ops the runtime does not have: disable, enable, freeze, unfreeze
    wref = Ref
    cb = weakref_callback
    list_type = list
    collect = gc.collect
    watch_finalizable = False
    if ON_JYTHON and True in finalizable:
        from java.lang.ref import WeakReference as JavaWeakReference
        for t in range(ntypes):
            if classes[t] is not None and '__del__' in classes[t].__dict__:
                classes[t].__del__ = count_del_returns(classes[t].__dict__['__del__'])
        collect = jython_collect_and_wait
        watch_finalizable = True
    r = Reader(path)
    read_header(r)

    # The starting state, made exact by construction: a full collection empties generations 0
    # and 1, zeroes the counts and clears the free lists; the survivors are generation 2 and
    # long_lived_total. Measuring allocates (a list, the stats), so collect once more after
    # measuring: the measurements die by refcount, nothing new survives, the state is as measured.
    thresholds = None
    if THRESHOLDS[0] is not None:
        gc.set_threshold(THRESHOLDS[0][0], THRESHOLDS[0][1], THRESHOLDS[0][2])
    try:
        thresholds = list(gc.get_threshold())
    except Exception:
        pass
    before = [0] * 9
    after = [0] * 9  # made here: at the end of the loop it would come from the list free list
    start_wall = time.time()
    collect()
    gens = [0, 0, 0]
    try:
        gens[2] = len(gc.get_objects(2))
    except Exception:
        gens = None
    have_stats = snapshot_stats(before)
    gclog = False
    try:
        import os
        gclog = os.environ.get('PYGC_REPLAY_GCLOG') == '1'
    except Exception:
        pass
    if gclog:
        GCLOG_OP.extend([0] * 100000)
        GCLOG_GEN.extend([0] * 100000)
        GCLOG_COLLECTED.extend([0] * 100000)
    collect()
    setup_collections = 1  # the full collections after `before` was taken
    if AT_LOOP_START[0] is not None:
        AT_LOOP_START[0]()
        collect()
        setup_collections += 1
    if gclog:
        # Registered after the last setup collection: the info dicts the interpreter builds then
        # come and go through the dict free list without touching generation 0's count, except
        # around full collections (which clear that free list).
        gc.callbacks.append(gc_log_callback)

    # ------------------------------------------------------------ the op loop (no allocation)
    fb = nglobals
    top = nglobals
    depth = 0
    opi = 0
    next_id = 0
    while True:
        if r.end - r.pos < LOW_WATER:
            r.fill()
        code = r.buf[r.pos]
        r.pos += 1
        if code == OP_END:
            break
        if code == OP_DEFINE_TYPE:
            skip_type(r)
            continue
        if code == OP_DEFINE_GLOBALS:
            r.varint()
            continue
        OPI[0] = opi
        if code == OP_LOAD:
            d = r.svarint()
            o = r.svarint()
            field = r.varint()
            obj = R[(fb + o) if o >= 0 else (-o - 1)]
            if isinstance(obj, list_type) or type(obj) is tuple_type:
                R[(fb + d) if d >= 0 else (-d - 1)] = obj[field]
            else:
                R[(fb + d) if d >= 0 else (-d - 1)] = getattr(obj, FIELD_NAMES[field])
            obj = None
        elif code == OP_STORE:
            o = r.svarint()
            field = r.varint()
            s = r.svarint()
            obj = R[(fb + o) if o >= 0 else (-o - 1)]
            if isinstance(obj, list_type):
                obj[field] = R[(fb + s) if s >= 0 else (-s - 1)]
            elif type(obj) is tuple_type:
                tuple_items.store(obj, field, R[(fb + s) if s >= 0 else (-s - 1)])
            else:
                setattr(obj, FIELD_NAMES[field], R[(fb + s) if s >= 0 else (-s - 1)])
            obj = None
        elif code == OP_ALLOC:
            d = r.svarint()
            t = r.varint()
            n = r.varint()
            cls = classes[t]
            if cls is None:
                if types[t]['variable'] == 1:
                    R[(fb + d) if d >= 0 else (-d - 1)] = var_templates[t][n] * 1
                else:
                    R[(fb + d) if d >= 0 else (-d - 1)] = templates[t] * 1
                if list_types_with_ints:
                    type_of_list[id(R[(fb + d) if d >= 0 else (-d - 1)])] = t
                if payload is not None and payload[t] != PAYLOAD_NONE:
                    R[(fb + d) if d >= 0 else (-d - 1)][-1] = make_payload(source, n if payload[t] == PAYLOAD_BY_LENGTH else payload[t])
            elif cls is tuple_type:
                obj = tuple_type(var_templates[t][n] if types[t]['variable'] == 1 else templates[t])
                if list_types_with_ints:
                    type_of_list[id(obj)] = t
                if payload is not None and payload[t] != PAYLOAD_NONE:
                    tuple_items.store(obj, len(obj) - 1, make_payload(source, n if payload[t] == PAYLOAD_BY_LENGTH else payload[t]))
                R[(fb + d) if d >= 0 else (-d - 1)] = obj
                obj = None
            else:
                obj = cls()
                if types[t]['shape'] == 'list':
                    obj.extend(var_templates[t][n] if types[t]['variable'] == 1 else templates[t])
                else:
                    k = 0
                    while k < nrefs[t]:
                        setattr(obj, FIELD_NAMES[k], None)
                        k += 1
                    k = 0
                    while k < nints[t]:
                        setattr(obj, INT_NAMES[k], 0)
                        k += 1
                if payload is not None and payload[t] != PAYLOAD_NONE:
                    if types[t]['shape'] == 'list':
                        obj[-1] = make_payload(source, n if payload[t] == PAYLOAD_BY_LENGTH else payload[t])
                    else:
                        setattr(obj, PAYLOAD_NAME, make_payload(source, n if payload[t] == PAYLOAD_BY_LENGTH else payload[t]))
                if ID_SHIFT[0]:
                    next_id += ID_SHIFT[0]
                    ID_SHIFT[0] = 0
                if not ids_outside:
                    obj._pygc_id = next_id
                elif finalizable[t]:
                    IDS[id(obj)] = next_id
                if watch_finalizable and finalizable[t]:
                    FIN_WATCH.append(JavaWeakReference(obj))
                R[(fb + d) if d >= 0 else (-d - 1)] = obj
                obj = None
            next_id += 1
        elif code == OP_MOVE:
            d = r.svarint()
            s = r.svarint()
            R[(fb + d) if d >= 0 else (-d - 1)] = R[(fb + s) if s >= 0 else (-s - 1)]
        elif code == OP_CLEAR:
            d = r.svarint()
            R[(fb + d) if d >= 0 else (-d - 1)] = None
        elif code == OP_PUSH_FRAME:
            n = r.varint()
            frames[depth] = fb
            depth += 1
            fb = top
            top += n
        elif code == OP_POP_FRAME:
            k = fb
            while k < top:
                R[k] = None
                k += 1
            top = fb
            depth -= 1
            fb = frames[depth]
        elif code == OP_READ_INT or code == OP_WRITE_INT:
            o = r.svarint()
            index = r.varint()
            value = r.svarint()
            obj = R[(fb + o) if o >= 0 else (-o - 1)]
            if isinstance(obj, list_type) or type(obj) is tuple_type:
                t = obj._pygc_t if type(obj) is not list_type and type(obj) is not tuple_type else type_of_list.get(id(obj), 0)
                at = len(obj) - nints[t] - payload_items(payload, t) + index
                if code == OP_READ_INT:
                    if obj[at] != value:
                        mismatches[0] += 1
                elif type(obj) is tuple_type:
                    tuple_items.store(obj, at, value)
                else:
                    obj[at] = value
            else:
                if code == OP_READ_INT:
                    if getattr(obj, INT_NAMES[index]) != value:
                        mismatches[0] += 1
                else:
                    setattr(obj, INT_NAMES[index], value)
            obj = None
        elif code == OP_IS_NULL:
            s = r.svarint()
            expected = r.u8()
            if (R[(fb + s) if s >= 0 else (-s - 1)] is None) != (expected == 1):
                mismatches[2] += 1
        elif code == OP_SAME:
            a = r.svarint()
            b = r.svarint()
            expected = r.u8()
            if (R[(fb + a) if a >= 0 else (-a - 1)] is R[(fb + b) if b >= 0 else (-b - 1)]) != (expected == 1):
                mismatches[3] += 1
        elif code == OP_WEAKREF:
            d = r.svarint()
            s = r.svarint()
            tag = r.varint()
            if tag == 0:
                R[(fb + d) if d >= 0 else (-d - 1)] = wref(R[(fb + s) if s >= 0 else (-s - 1)])
            else:
                obj = wref(R[(fb + s) if s >= 0 else (-s - 1)], cb)
                TAGS[id(obj)] = tag - 1
                R[(fb + d) if d >= 0 else (-d - 1)] = obj
                obj = None
            next_id += 1
        elif code == OP_DEREF:
            d = r.svarint()
            w = r.svarint()
            R[(fb + d) if d >= 0 else (-d - 1)] = R[(fb + w) if w >= 0 else (-w - 1)]()
        elif code == OP_COLLECT:
            g = r.svarint()
            r.svarint()
            if g < 0:
                collect()
            else:
                collect(g)
        elif code == OP_GC_CONTROL:
            action = r.u8()
            # Jython raises NotImplementedError for gc.disable() and has no gc.freeze(): a
            # result (the op is unsupported there), not the end of the run.
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
                unsupported[action] += 1
        elif code == OP_ID_OF:
            s = r.svarint()
            id(R[(fb + s) if s >= 0 else (-s - 1)])
        elif code == OP_LENGTH_OF:
            s = r.svarint()
            expected = r.varint()
            obj = R[(fb + s) if s >= 0 else (-s - 1)]
            if isinstance(obj, list_type) or type(obj) is tuple_type:
                t = obj._pygc_t if type(obj) is not list_type and type(obj) is not tuple_type else type_of_list.get(id(obj), 0)
                n = len(obj) - nints[t] - payload_items(payload, t)
            else:
                n = nrefs[obj._pygc_t]
            obj = None
            if n != expected:
                mismatches[1] += 1
        elif code == OP_PIN:
            s = r.svarint()
            pinning = r.u8()
            obj = R[(fb + s) if s >= 0 else (-s - 1)]
            if pinning == 1:
                pin_table[npins] = obj
                npins += 1
            else:
                k = npins - 1
                while k >= 0 and pin_table[k] is not obj:
                    k -= 1
                if k < 0:
                    raise TraceError('unpin of an object that is not pinned at op %d' % opi)
                npins -= 1
                pin_table[k] = pin_table[npins]
                pin_table[npins] = None
            obj = None
        else:
            raise TraceError('unknown opcode 0x%02x at %s' % (code, r.where(1)))
        opi += 1

    # ------------------------------------------------------------ after the loop
    if AT_LOOP_END[0] is not None:
        # mallocstats.py reads pymalloc below, at the end of the trace: no collection may run
        # before (reading the counts and stats allocates tracked objects, enough to trigger one
        # near the threshold, which would free the trace's uncollected garbage).
        gc.disable()
    if ON_JYTHON:  # a constant: sys.platform.startswith(...) here would allocate a tracked bound method
        settle_threads()
    # The raw tuple (a list of it after mallocstats.py's reading: a list here would be taken from
    # the list free list, which the model's still holds).
    try:
        counts_now = gc.get_count()
    except Exception:
        counts_now = None
    if gclog:
        gc.callbacks.remove(gc_log_callback)
    snapshot_stats(after)
    if AT_LOOP_END[0] is not None:
        # The loop's own ints (op index, next id) are replay.py's, not the trace's: kept where
        # mallocstats.py's count of int objects finds them, in `frames` (a tracked list made
        # before the loop, at least 2 long, unused now: the loop has popped every frame; fb, top
        # and depth are back at their starting objects), and the last op's operands dropped
        # (small ints are the interpreter's). No object is made here: the real run's pymalloc
        # must not change between the loop's end and the reading. The wall time is taken after
        # the reading, since its float is a pymalloc block too.
        frames[0] = opi
        frames[1] = next_id
        d = t = n = o = s = a = b = w = g = k = at = field = value = index = tag = expected = pinning = action = code = 0
        # Before the report is built (its objects are replay.py's, not the trace's).
        AT_LOOP_END[0]()
        gc.enable()
    wall_ms = (time.time() - start_wall) * 1000.0
    final_counts = list(counts_now) if counts_now is not None else None
    counts_now = None
    deltas = None
    if have_stats:
        # Less the setup's last gc.collect()s, which ran after `before` was taken.
        before[6] += setup_collections
        deltas = []
        for g in range(3):
            deltas.append({
                'collections': after[3 * g] - before[3 * g],
                'collected': after[3 * g + 1] - before[3 * g + 1],
                'uncollectable': after[3 * g + 2] - before[3 * g + 2],
            })
    events = []
    for k in range(min(EVN[0], len(EV_OP))):
        events.append([EV_OP[k], 'finalize' if EV_KIND[k] == 1 else 'callback', EV_VAL[k]])
    r.f.close()
    return {
        'runtime': runtime_name(),
        'trace': plan['meta'],
        'ops': opi,
        'start': {
            'counts': [0, 0, 0] if gens is not None else None,
            'generations': gens,
            'thresholds': thresholds,
            'freeLists': {'list': 0, 'tuple': [0] * 20, 'dict': 0},
            'note': 'after gc.collect(): counts zeroed, free lists cleared, survivors in generation 2',
        },
        'stats': deltas,
        'finalCounts': final_counts,
        'events': events,
        'eventsDropped': max(0, EVN[0] - len(EV_OP)),
        'mismatches': {'readInt': mismatches[0], 'lengthOf': mismatches[1], 'isNull': mismatches[2], 'same': mismatches[3]},
        'gcControlUnsupported': {'disable': unsupported[0], 'enable': unsupported[1], 'freeze': unsupported[2], 'unfreeze': unsupported[3]},
        'tuplesAsLists': TUPLES_AS_LISTS[0],
        'wallMs': wall_ms,
        'gcLog': [[GCLOG_OP[k], GCLOG_GEN[k], GCLOG_COLLECTED[k]] for k in range(min(EVN[1], len(GCLOG_OP)))] if gclog else None,
    }


def main(argv):
    args = argv[1:]
    if '--tuples-as-lists' in args:
        TUPLES_AS_LISTS[0] = True
        args.remove('--tuples-as-lists')
    if '--thresholds' in args:
        k = args.index('--thresholds')
        if k + 1 >= len(args):
            print('replay.py: --thresholds needs T0,T1,T2', file=sys.stderr)
            return 2
        THRESHOLDS[0] = [int(x) for x in args[k + 1].split(',')]
        if len(THRESHOLDS[0]) != 3:
            print('replay.py: --thresholds needs three integers T0,T1,T2', file=sys.stderr)
            return 2
        del args[k:k + 2]
    if len(args) != 1:
        print('usage: replay.py [--tuples-as-lists] [--thresholds T0,T1,T2] TRACE_FILE', file=sys.stderr)
        return 2
    argv = [argv[0], args[0]]
    try:
        result = replay(argv[1])
    except TraceError as e:
        print(json.dumps({'error': str(e)}))
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
