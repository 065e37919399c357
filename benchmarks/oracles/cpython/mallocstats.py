#!/usr/bin/env python3
"""pymalloc's own account of a replay: run a pygc trace with benchmarks/oracles/replay.py in this
process, then read `sys._debugmallocstats()` (which CPython writes to the C stderr) and print it
as JSON, with tracemalloc's view if asked.

    python3 benchmarks/oracles/cpython/mallocstats.py TRACE            # one run
    python3 benchmarks/oracles/cpython/mallocstats.py --empty          # no trace: the baseline
    python3 benchmarks/oracles/cpython/mallocstats.py --tracemalloc TRACE
    python3 benchmarks/oracles/cpython/mallocstats.py --runs 3 TRACE   # 3 fresh processes: spread
    python3 benchmarks/oracles/cpython/mallocstats.py --report TRACE   # + replay.py's whole report
    (--tuples-as-lists: replay.py's option, for traces with tuple-shaped types, e.g. binary-trees)

Printed (one run): `atStart`, the figures at the start of replay.py's op loop (after its setup:
classes, templates, tables, and its setup collections; one more collection follows the reading),
and `atEnd`, at the end of the op loop, before replay.py builds its report, with the collector
disabled from the last op on (the trace's live objects and uncollected garbage still held);
`replay`, what replay.py reported (ops, gc.get_stats() deltas, final counts, number of events).
replay.py runs with IDS_OUTSIDE: its objects carry no `_pygc_id`. With --tracemalloc, pymalloc
cannot be read while tracing: both readings are then taken before and after the whole replay.
Each figure set:
Each figure set:

  arenas        allocated total, reclaimed, highwater mark, allocated current (the
                `# arenas ...` lines)
  classes       per size class: size, pools, blocks in use, blocks available (free slots in
                the class's used pools; never-carved space of a pool counts as available too)
  bytes         in allocated blocks, in available blocks, unused pools, lost to pool headers,
                quantization and arena alignment, total (= arenas * 1 MiB)
  arenaMap      the radix-tree nodes and their bytes (3.10+ with WITH_PYMALLOC_RADIX_TREE)
  freeLists     the `N free X * S bytes each` lines: free-list fill per kind (tuples by size)
  ints          blocks of the live int objects outside -5..256 per size class (int_blocks; not
                with --tracemalloc): the model has none, so the comparison takes them out

`--tracemalloc` starts tracemalloc before the trace (it slows the replay several times; its own
tables live in raw malloc, not in pymalloc, so the arena figures stay comparable) and adds
`tracemalloc: {current, peak}` in bytes requested (not rounded to size classes).

`--report` adds `report`, replay.py's own JSON report (events included) of the same run: what
`pygc validate --runtime cpython` compares, so one process gives both.

`--runs N` runs N fresh interpreter processes (this interpreter, same arguments) and prints,
per figure, the values of each run and their spread (max - min), so a tolerance can be read off:
`varying` (figures that differ between runs, with every run's value), `steady` (the scalar
figures equal in every run). Figures are `atStart.*`, `atEnd.*` and `delta.*` (atEnd - atStart:
what the trace added), for arenas, bytes, and per size class `pools[size]` / `inUse[size]`.
Set PYTHONHASHSEED to fix string hashing across runs (it is passed through to the children).
"""
from __future__ import print_function

import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import replay  # noqa: E402  (benchmarks/oracles/replay.py)

SIZE_CLASS_ROW = re.compile(r'^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$')
HASH_LINE = re.compile(r'^#\s*(.+?)\s*=\s*([\d,]+)\s*$')
UNUSED_POOLS = re.compile(r'^(\d+) unused pools \* (\d+) bytes\s*=\s*([\d,]+)$')
ARENAS_LINE = re.compile(r'^(\d+) arenas \* (\d+) bytes/arena\s*=\s*([\d,]+)$')
FREE_LINE = re.compile(r'^\s*(\d+) free (?:(\d+)-sized )?(\w+) \* (\d+) bytes each\s*=\s*([\d,]+)$')
THRESHOLD_LINE = re.compile(r'^Small block threshold = (\d+), in (\d+) size classes')

HASH_KEYS = {
    'arenas allocated total': ('arenas', 'allocatedTotal'),
    'arenas reclaimed': ('arenas', 'reclaimed'),
    'arenas highwater mark': ('arenas', 'highwater'),
    'arenas allocated current': ('arenas', 'allocatedCurrent'),
    'bytes in allocated blocks': ('bytes', 'allocatedBlocks'),
    'bytes in available blocks': ('bytes', 'availableBlocks'),
    'bytes lost to pool headers': ('bytes', 'poolHeaders'),
    'bytes lost to quantization': ('bytes', 'quantization'),
    'bytes lost to arena alignment': ('bytes', 'arenaAlignment'),
    'arena map mid nodes': ('arenaMap', 'midNodes'),
    'arena map bot nodes': ('arenaMap', 'botNodes'),
    'bytes lost to arena map root': ('arenaMap', 'rootBytes'),
    'bytes lost to arena map mid': ('arenaMap', 'midBytes'),
    'bytes lost to arena map bot': ('arenaMap', 'botBytes'),
}


def number(text):
    return int(text.replace(',', ''))


def parse(text):
    """The figures of one `sys._debugmallocstats()` report (CPython 3.10-3.14 print the same
    pymalloc section; the free-list lines differ by version)."""
    out = {'threshold': None, 'sizeClasses': None, 'classes': [], 'arenas': {}, 'bytes': {},
           'arenaMap': {}, 'freeLists': {}}
    first_total = True
    for line in text.splitlines():
        m = THRESHOLD_LINE.match(line)
        if m:
            out['threshold'] = int(m.group(1))
            out['sizeClasses'] = int(m.group(2))
            continue
        m = SIZE_CLASS_ROW.match(line)
        if m:
            c, size, pools, used, avail = (int(g) for g in m.groups())
            out['classes'].append({'class': c, 'size': size, 'pools': pools, 'inUse': used, 'available': avail})
            continue
        m = HASH_LINE.match(line)
        if m and m.group(1) in HASH_KEYS:
            group, key = HASH_KEYS[m.group(1)]
            out[group][key] = number(m.group(2))
            continue
        m = UNUSED_POOLS.match(line)
        if m:
            out['bytes']['unusedPools'] = number(m.group(3))
            out['bytes']['unusedPoolCount'] = int(m.group(1))
            continue
        m = ARENAS_LINE.match(line)
        if m:
            out['bytes']['arenaSize'] = int(m.group(2))
            continue
        m = FREE_LINE.match(line)
        if m:
            count, sized, kind, each = int(m.group(1)), m.group(2), m.group(3), int(m.group(4))
            name = kind if sized is None else '%s[%s]' % (kind, sized)
            out['freeLists'][name] = {'count': count, 'bytesEach': each}
            continue
        if line.startswith('Total') and first_total:
            out['bytes']['total'] = number(line.split('=')[1])
            first_total = False
    return out


def debugmallocstats():
    """sys._debugmallocstats() captured: it writes to file descriptor 2, below Python's sys.stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode='w+b') as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode('utf-8', 'replace')


SMALL_INTS = (-5, 256)  # the interpreter's preallocated ints (_PY_NSMALLNEGINTS, _PY_NSMALLPOSINTS)


def int_blocks():
    """The pymalloc blocks of the live int objects outside the small-int cache, per size class:
    every int reachable from a tracked object, directly or through untracked dicts, tuples and
    lists (a dict of ints is untracked). The model has no int objects (it keeps a trace's int
    words inside its objects, FIDELITY.md "Ints"), replay.py's own ints (ids, op indices, the
    id-keyed tables) are not the trace's: both are taken out of the comparison. An int's block
    is its size rounded up to pymalloc's 16-byte alignment (3.8+ on 64-bit)."""
    stack = gc.get_objects()
    # Made after gc.get_objects(), so that these two tables are not among the objects walked:
    # `seen` holds the ids (ints) of the untracked containers visited so far.
    seen_ints = {}
    seen = set()
    while stack:
        o = stack.pop()
        for r in gc.get_referents(o):
            t = type(r)
            if t is int:
                if r < SMALL_INTS[0] or r > SMALL_INTS[1]:
                    seen_ints[id(r)] = r
            elif (t is dict or t is tuple or t is list) and not gc.is_tracked(r) and id(r) not in seen:
                seen.add(id(r))
                stack.append(r)
    out = {}
    for r in seen_ints.values():
        size = (sys.getsizeof(r) + 15) // 16 * 16
        out[size] = out.get(size, 0) + 1
    return out


def reading(into):
    """replay.py's hook: pymalloc's report, then the int objects (counted after the report is
    captured: counting allocates)."""
    def read():
        into.append(debugmallocstats())
        into.append(int_blocks())
    return read


def empty_trace(path):
    """A version-2 trace with no ops (metadata "{}", END, record count 0): the baseline run."""
    header = b'PYGCTRC\x00' + bytes(bytearray([2, 0, 0, 0]))
    payload = bytes(bytearray([2])) + b'{}' + bytes(bytearray([0xFF])) + bytes(bytearray(8))
    length = bytes(bytearray([len(payload), 0, 0, 0]))
    crc = zlib.crc32(payload, zlib.crc32(length, zlib.crc32(header))) & 0xffffffff
    crc_bytes = bytes(bytearray([(crc >> (8 * k)) & 0xFF for k in range(4)]))
    with open(path, 'wb') as f:
        f.write(header + length + crc_bytes + payload + b'PYGCEND\x00')


def one_run(trace, use_tracemalloc, keep_report=False):
    start = parse(debugmallocstats())
    tm = None
    if use_tracemalloc:
        import tracemalloc
        tracemalloc.start(1)
    # atEnd is read at the end of replay.py's op loop (replay.AT_LOOP_END): after it, building
    # the report allocates tracked objects whose collection would free the trace's garbage.
    # With tracemalloc on, pymalloc cannot be read until tracing stops: read after the replay.
    # atStart likewise at the start of the loop, after replay.py's setup (its classes, templates
    # and tables), so that the deltas are the trace's; `ints` are the int objects' blocks.
    at_start = []
    at_end = []
    replay.IDS_OUTSIDE[0] = True
    if not use_tracemalloc:
        replay.AT_LOOP_START[0] = reading(at_start)
        replay.AT_LOOP_END[0] = reading(at_end)
    try:
        result = replay.replay(trace)
    except replay.TraceError as e:
        result = {'error': str(e)}
    replay.AT_LOOP_START[0] = None
    replay.AT_LOOP_END[0] = None
    if at_start:
        start = parse(at_start[0])
        start['ints'] = at_start[1]
    summary = {k: result.get(k) for k in ('runtime', 'ops', 'stats', 'finalCounts', 'error')}
    summary['events'] = len(result.get('events') or ())
    # --report: replay.py's whole report, kept as one string while atEnd is read (a single
    # block: over 512 bytes it is the system allocator's, not pymalloc's) and parsed afterwards.
    report_text = json.dumps(result) if keep_report else None
    result = None
    if use_tracemalloc:
        current, peak = tracemalloc.get_traced_memory()
        tm = {'current': current, 'peak': peak}
        # With tracemalloc's hooks installed, _PyObject_DebugMallocStats sees no pymalloc and
        # prints nothing: stop tracing first (its tables live in raw malloc, not in arenas).
        tracemalloc.stop()
    end = parse(at_end[0] if at_end else debugmallocstats())
    if at_end:
        end['ints'] = at_end[1]
    out = {'python': '%d.%d.%d' % sys.version_info[:3], 'trace': trace, 'atStart': start, 'atEnd': end,
           'replay': summary}
    if tm is not None:
        out['tracemalloc'] = tm
    if report_text is not None:
        out['report'] = json.loads(report_text)
    return out


def figures(run):
    """The scalar figures of a run, flattened, for the spread over runs."""
    flat = {}
    for when in ('atStart', 'atEnd'):
        for group in ('arenas', 'bytes'):
            for k, v in run[when][group].items():
                flat['%s.%s.%s' % (when, group, k)] = v
        for c in run[when]['classes']:
            flat['%s.pools[%d]' % (when, c['size'])] = c['pools']
            flat['%s.inUse[%d]' % (when, c['size'])] = c['inUse']
    for k in list(flat):
        if k.startswith('atEnd.'):
            rest = k[len('atEnd.'):]
            flat['delta.' + rest] = flat[k] - flat.get('atStart.' + rest, 0)
    for k, v in (run.get('tracemalloc') or {}).items():
        flat['tracemalloc.' + k] = v
    return flat


def many_runs(n, argv):
    runs = []
    for _ in range(n):
        out = subprocess.check_output([sys.executable, os.path.abspath(__file__)] + argv)
        runs.append(json.loads(out.decode('utf-8')))
    flats = [figures(r) for r in runs]
    keys = sorted(set().union(*[set(f) for f in flats]))
    spread = {}
    for k in keys:
        vals = [f.get(k, 0) for f in flats]
        spread[k] = {'values': vals, 'spread': max(vals) - min(vals)}
    varying = {k: v for k, v in spread.items() if v['spread'] != 0}
    steady = {k: v['values'][0] for k, v in spread.items() if v['spread'] == 0 and '[' not in k}
    return {'python': runs[0]['python'], 'trace': runs[0]['trace'], 'runs': n,
            'replay': [r['replay'] for r in runs], 'varying': varying, 'steady': steady}


def main(argv):
    args = list(argv[1:])
    use_tm = '--tracemalloc' in args
    if use_tm:
        args.remove('--tracemalloc')
    passed = []
    if '--tuples-as-lists' in args:  # replay.py's option: tuple-shaped types replayed as lists
        args.remove('--tuples-as-lists')
        replay.TUPLES_AS_LISTS[0] = True
        passed.append('--tuples-as-lists')
    keep_report = '--report' in args
    if keep_report:
        args.remove('--report')
    runs = 0
    if '--runs' in args:
        k = args.index('--runs')
        runs = int(args[k + 1])
        del args[k:k + 2]
    if runs:
        print(json.dumps(many_runs(runs, (['--tracemalloc'] if use_tm else []) + passed + args), sort_keys=True))
        return 0
    if args == ['--empty']:
        fd, trace = tempfile.mkstemp(suffix='.trace')
        os.close(fd)
        empty_trace(trace)
        try:
            print(json.dumps(one_run(trace, use_tm), sort_keys=True))
        finally:
            os.unlink(trace)
        return 0
    if len(args) != 1:
        print('usage: mallocstats.py [--tracemalloc] [--tuples-as-lists] [--report] [--runs N] (TRACE | --empty)', file=sys.stderr)
        return 2
    print(json.dumps(one_run(args[0], use_tm, keep_report), sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
