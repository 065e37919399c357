"""GCPerHeapHistory_V3 records from an EventPipe file the runtime itself wrote, one per collection.

Why: the .NET oracle reads GCMemoryInfo after each op, so of several collections inside one op
(a finalizer thread's allocations) it sees the last only, labelled with the highest generation
among them. An in-process EventListener sees every collection but allocates on its dispatch
thread and moves them (finalizer-allocations at 256 KiB: 126/21/14 collections instead of
154/24/14). A file session is native: run the oracle with

    DOTNET_EnableEventPipe=1 DOTNET_EventPipeConfig='Microsoft-Windows-DotNETRuntime:0x1:5' \\
    DOTNET_EventPipeOutputPath=OUT.nettrace DOTNET_gcServer=0 DOTNET_gcConcurrent=0 \\
    DOTNET_GCgen0size=40000 DOTNET_TieredCompilation=0 dotnet ClrOracle.dll TRACE

(the counts are the undisturbed run's) and then `python3 per-heap-history.py OUT.nettrace`.

The file is not parsed as nettrace: the script finds the events' payloads by their layout
(ClrInstanceID u16; FreeListAllocated, FreeListRejected, EndOfSegAllocated, CondemnedAllocated,
PinnedAllocated, PinnedAllocatedAdvance u64; RunningFreeListEfficiency, CondemnReasons0,
CondemnReasons1, CompactMechanisms, ExpandMechanisms, HeapIndex u32; ExtraGen0Commit u64;
Count u32 = 5; then per generation SizeBefore, FreeListSpaceBefore, FreeObjSpaceBefore,
SizeAfter, FreeListSpaceAfter, FreeObjSpaceAfter, In, PinnedSurv, NonePinnedSurv,
NewAllocation u64). Events are in the file in per-thread buffer order, not in time order: a
collection's gen1/gen2 "before" figures equal the previous one's "after" (nothing else allocates
there), which is how to chain them. CondemnReasons1 bit 6 is gen_eph_high_frag_p (gcrecord.h
gc_condemn_reason_condition), bit 0 gen_induced_fullgc_p; CondemnReasons0 holds 2 bits per
gc_condemn_reason_gen (gen_final_per_heap in bits 2-3).
"""

import struct
import sys

PREFIX = 2 + 6 * 8 + 6 * 4 + 8
GENS = 5
FIELDS = 10


def records(data: bytes):
    at = 0
    while True:
        at = data.find(b"\x05\x00\x00\x00", at + 1)
        if at < 0:
            return
        start = at - PREFIX
        end = at + 4 + GENS * FIELDS * 8
        if start < 0 or end > len(data):
            continue
        (clr,) = struct.unpack_from("<H", data, start)
        fla, flr, eos, _ca, _pa, _paa = struct.unpack_from("<6Q", data, start + 2)
        _eff, cr0, cr1, cm, em, heap = struct.unpack_from("<6I", data, start + 50)
        if clr != 0 or heap != 0 or em > 0xFFFF or cr1 > 0xFFFFF or fla > 1 << 40:
            continue
        gens = [struct.unpack_from("<10Q", data, at + 4 + FIELDS * 8 * g) for g in range(GENS)]
        if any(v > 1 << 40 for g in gens for v in g):
            continue
        yield {"fla": fla, "flr": flr, "eos": eos, "cr0": cr0, "cr1": cr1, "cm": cm, "gens": gens}


def main() -> None:
    data = open(sys.argv[1], "rb").read()
    for i, r in enumerate(records(data)):
        gens = " ".join(
            f"g{k}[size {g[0]}->{g[3]} freelist {g[1]}->{g[4]} freeobj {g[2]}->{g[5]}]"
            for k, g in enumerate(r["gens"][:3])
        )
        print(f"{i} cr0={r['cr0']} cr1={r['cr1']} compact={r['cm']:x} fla={r['fla']} {gens}")


if __name__ == "__main__":
    main()
