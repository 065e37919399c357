// The pygc .NET oracle: replays a pygc binary trace (packages/core/TRACE_FORMAT.md) on the real
// CLR GC and prints its own GC figures as JSON.
//
// Each traced object is one object[] of its reference fields plus its payload packed into
// 8-byte slots (ints 4 bytes each, then bytes) — the `clr` size mode of @pygc/ironpython. A
// finalizable object is a `Fin` wrapper (header, MT, the array, an int: 32 bytes) around its
// array; a weak reference is a System.WeakReference (short: trackResurrection false). Int
// payloads are not stored (that would box); READ_INT / IS_NULL / SAME / LENGTH_OF results are
// not checked — this replayer is about the GC, and the traces it gets do not branch on them.
//
// The op loop allocates nothing of its own: the trace is read through one fixed buffer, slots
// live in two preallocated arrays, per-collection figures go into preallocated arrays, and the
// finalization tracking uses GC handles (not heap objects). The GC figures after each collection
// are read without allocating either: GC.GetGCMemoryInfo allocates a 288-byte GCMemoryInfoData per
// call, and that record, placed in gen0 right after the collection, spent gen0's budget and (not
// fitting the free gap the compaction leaves before the runtime's pinned object) left that gap's
// unused tail charged to the budget as well: 560 bytes per gen0 window on binary-trees, one gen0
// collection more at GCgen0size=1M than without it (packages/ironpython/BUDGETS.md#host-records).
// So one GCMemoryInfoData is made at start-up and refilled in place after each collection through
// GC's own private GetMemoryInfo(data, kind) (an UnsafeAccessor, .NET 10). --no-gcinfo skips it.
//
// A pin (PIN, 0x14) is a real pinned GC handle. GCHandle.Alloc(o, GCHandleType.Pinned) refuses
// an object[] of references ("Object contains references": Marshal.IsPinnable), so the oracle
// uses .NET 10's PinnedGCHandle<T>, which makes the same kind of handle (HNDTYPE_PINNED) without
// that check. The handle table is a preallocated array of the structs, so pinning allocates no
// managed object.
//
// Both binary versions are read. Version 2 (what `pygc record` writes) comes in chunks of at
// most 64 KiB, each with a CRC-32 running over the file so far: ReadByte loads a chunk into the
// buffer and checks its length and CRC before any of its bytes is decoded, so no op of a
// corrupted chunk runs; the footer (record count, end magic) is checked after the last op.
// CRC-32 is computed with a byte table here: System.IO.Hashing is a NuGet package, not part of
// the .NET 10 shared framework, and this oracle builds offline from the base class library.
//
// Run with DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCgen0size=<hex bytes>.
// Usage: ClrOracle <trace> [--no-gcinfo] [--finalizer-lag]
using System;
using System.IO;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

class Fin
{
    public object[] A;
    public int Index;
    // The global this finalizer stores its object into (FinalizerSpec.resurrectInto), or -1.
    // Header, MT, the array and two ints still make 32 bytes: resurrection costs no size.
    public int Into;
    public Fin(object[] a, int index, int into) { A = a; Index = index; Into = into; }
    ~Fin()
    {
        // The GC that found it dead is the last one counted when the finalizer thread runs it.
        if (Index < Oracle.FinTrackCapacity) Oracle.FinalizedAt[Index] = GC.CollectionCount(0);
        System.Threading.Interlocked.Increment(ref Oracle.FinalizersRun);
        // A Python __del__ storing self into a global: the object is reachable again and, its
        // finalizer having run, is not finalized a second time (as in IronPython).
        if (Into >= 0)
        {
            System.Threading.Volatile.Write(ref Oracle.Globals[Into], this);
            System.Threading.Interlocked.Increment(ref Oracle.Resurrections);
        }
        AfterDel();
    }

    // The rest of a __del__ that allocates (AllocatingFin); nothing for the others.
    protected virtual void AfterDel() { }
}

// An object whose __del__ allocates (FinalizerSpec.allocate, storeNew), on the finalizer thread
// after the GC, as IronPython runs __del__: Count arrays of AllocSlots made and dropped, then one
// of StoreSlots stored into global StoreGlobal (StoreSlots -1: none). A subclass, so that every
// other finalizable object keeps Fin's 32 bytes.
sealed class AllocatingFin : Fin
{
    // Each array lands here for the moment it is made: an allocation nothing reads could be
    // stack-allocated by the JIT's escape analysis; stored into a static field, it is on the heap.
    static object Sink;
    readonly int Count, AllocSlots, StoreSlots, StoreGlobal;

    public AllocatingFin(object[] a, int index, int into, int count, int allocSlots, int storeSlots, int storeGlobal)
        : base(a, index, into)
    {
        Count = count; AllocSlots = allocSlots; StoreSlots = storeSlots; StoreGlobal = storeGlobal;
    }

    protected override void AfterDel()
    {
        for (int k = 0; k < Count; k++) Sink = new object[AllocSlots];
        Sink = null;
        if (StoreSlots >= 0) System.Threading.Volatile.Write(ref Oracle.Globals[StoreGlobal], new object[StoreSlots]);
    }
}

// IronPython's WeakRefTracker (Src/IronPython/Runtime/WeakRef.cs): one finalizable object per
// weakly referenced object, reachable only from it (here through a DependentHandle, which is
// what an instance's __weakref__ slot amounts to: the tracker lives exactly as long as its
// object; a ConditionalWeakTable would add its own growing entry arrays, ~2x .NET's promoted
// bytes on callbacks-resurrection, which IronPython's instances with a slot do not have), holding that object's
// callbacks. Its finalizer runs them last registered first, each only while its weakref object
// is still alive (IronPython compares a short and a long handle to the weakref; a short weak
// GCHandle to it is the same test here).
sealed class Tracker
{
    // Callback ordinals (WeakrefCallbacks.cs), oldest first.
    public int[] Callbacks = new int[1];
    public int Count;
    public void Chain(int ordinal)
    {
        if (Count == Callbacks.Length) Array.Resize(ref Callbacks, Count * 2);
        Callbacks[Count++] = ordinal;
    }
    ~Tracker()
    {
        for (int i = Count - 1; i >= 0; i--) Oracle.RunCallback(Callbacks[i]);
    }
}

// A zeroed table of unmanaged values in native memory, never freed (it lives as long as the
// run): the oracle's bookkeeping without a byte on the GC heap.
unsafe readonly struct NativeTable<T> where T : unmanaged
{
    readonly T* items;
    public NativeTable(int count) { items = (T*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(T)); }
    public ref T this[int i] => ref items[i];
}

static partial class Oracle
{
    // Every array of the oracle stays below 85,000 bytes, so none lands on the LOH (where it
    // would feed the LOH budget) and the ritual below moves them all to gen2.
    public const int FinTrackCapacity = 10000;
    public static readonly int[] FinalizedAt = new int[FinTrackCapacity];
    public static int FinalizersRun;
    public static int Resurrections;

    // Weakref callbacks: WeakrefCallbacks.cs.

    const int MaxTypes = 1024, MaxGlobals = 1024, MaxLocals = 8192, MaxFrames = 4096, MaxGcs = 8192;

    // ---- trace input through one fixed buffer ----
    static Stream input;
    // One version 2 chunk (at most 64 KiB of payload) fills it exactly.
    const int MaxChunkPayload = 1 << 16;
    static readonly byte[] buf = new byte[MaxChunkPayload];
    static int pos, len;
    // File offset of buf[0].
    static long consumed;
    static int version;
    // Version 2: the running CRC-32, where the next chunk starts, chunks read.
    static uint crc;
    static long fileAt;
    static int chunks;
    static readonly byte[] small = new byte[12];
    static readonly byte[] EndMagic = { (byte)'P', (byte)'Y', (byte)'G', (byte)'C', (byte)'E', (byte)'N', (byte)'D', 0 };
    static readonly uint[] CrcTable = MakeCrcTable();

    // CRC-32 as zlib computes it (reflected polynomial 0xEDB88320), continuing from `c`.
    static uint[] MakeCrcTable()
    {
        var t = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        return t;
    }

    static uint Crc32(byte[] b, int count, uint c)
    {
        c = ~c;
        for (int i = 0; i < count; i++) c = CrcTable[(c ^ b[i]) & 0xff] ^ (c >> 8);
        return ~c;
    }

    // Up to n bytes of the file into b[0..n), fewer only at its end.
    static int ReadFully(byte[] b, int n)
    {
        int got = 0;
        while (got < n)
        {
            int r = input.Read(b, got, n - got);
            if (r <= 0) break;
            got += r;
        }
        return got;
    }

    static uint U32(byte[] b, int at) => (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));

    // The 12-byte header: magic, version, flags.
    static void ReadHeader()
    {
        int got = ReadFully(small, 12);
        for (int i = 0; i < 8; i++)
            if (i >= got || small[i] != (byte)"PYGCTRC\0"[i]) throw new InvalidDataException("not a pygc binary trace (bad magic)");
        if (got < 12) throw new InvalidDataException("truncated trace: the header is cut off");
        version = small[8] | (small[9] << 8);
        int flags = small[10] | (small[11] << 8);
        if ((version != 1 && version != 2) || flags != 0) throw new InvalidDataException($"unsupported trace version {version} / flags {flags}");
        consumed = fileAt = 12;
        crc = Crc32(small, 12, 0);
    }

    static int ReadByte()
    {
        if (pos == len)
        {
            if (version == 1)
            {
                consumed += len;
                len = input.Read(buf, 0, buf.Length);
                pos = 0;
                if (len <= 0) throw new InvalidDataException($"truncated trace at byte {consumed}");
            }
            else NextChunk();
        }
        return buf[pos++];
    }

    // Version 2: load the next chunk's payload into buf once its length and CRC-32 check out.
    static void NextChunk()
    {
        long at = fileAt;
        int got = ReadFully(small, 8);
        if (got == 0 || (got >= 4 && small[0] == 'P' && small[1] == 'Y' && small[2] == 'G' && small[3] == 'C'))
            throw new InvalidDataException($"truncated trace: the records end without END at byte {at}");
        if (got < 8) throw new InvalidDataException($"truncated trace: the header of chunk {chunks} at byte {at} is cut off");
        uint length = U32(small, 0), stored = U32(small, 4);
        if (length < 1 || length > MaxChunkPayload)
            throw new InvalidDataException($"chunk {chunks} at byte {at} claims {length} payload bytes (a chunk holds 1 to {MaxChunkPayload})");
        int n = ReadFully(buf, (int)length);
        if (n < length) throw new InvalidDataException($"truncated trace: chunk {chunks} at byte {at} has {length} payload bytes, the file ends first");
        uint c = Crc32(buf, n, Crc32(small, 4, crc));
        if (c != stored) throw new InvalidDataException($"checksum mismatch in chunk {chunks} at byte {at} (the trace is corrupted)");
        crc = c;
        consumed = at + 8;
        fileAt = at + 8 + n;
        chunks++;
        pos = 0;
        len = n;
    }

    // Version 2, after END: the record count, nothing more in the last chunk, then the end magic
    // and the end of the file. (Version 1's footer is not checked here.)
    static void CheckFooter(long records)
    {
        if (version == 1) return;
        long count = 0;
        for (int i = 0; i < 8; i++) count |= (long)ReadByte() << (8 * i);
        if (count != records) throw new InvalidDataException($"op count mismatch: the footer says {count} records, the trace has {records}");
        if (pos != len) throw new InvalidDataException("trailing bytes after the footer");
        int got = ReadFully(small, 8);
        for (int i = 0; i < 8; i++)
        {
            if (i >= got) throw new InvalidDataException("truncated trace: the end magic is missing or cut off");
            if (small[i] != EndMagic[i]) throw new InvalidDataException($"bad end magic at byte {fileAt + i}");
        }
        if (input.ReadByte() != -1) throw new InvalidDataException("trailing bytes after the end magic");
    }

    static long ReadVarint()
    {
        long v = 0; int shift = 0;
        for (int i = 0; i < 8; i++)
        {
            int b = ReadByte();
            v |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
            shift += 7;
        }
        throw new InvalidDataException($"varint longer than 8 bytes near byte {consumed + pos}");
    }

    static long ReadSvarint()
    {
        long v = ReadVarint();
        return (v & 1) == 0 ? v >> 1 : -((v + 1) >> 1);
    }

    static void Skip(long n) { for (long i = 0; i < n; i++) ReadByte(); }

    // ---- types ----
    static readonly int[] tRefs = new int[MaxTypes], tInts = new int[MaxTypes], tBytes = new int[MaxTypes], tVar = new int[MaxTypes];
    static readonly bool[] tFin = new bool[MaxTypes];
    static readonly int[] tInto = new int[MaxTypes];
    // What a type's finalizer allocates (FinalizerSpec.allocate: type, count; storeNew: type,
    // global); -1 / 0 when it does not.
    static readonly int[] tAllocType = new int[MaxTypes];
    static readonly int[] tAllocCount = new int[MaxTypes];
    static readonly int[] tStoreType = new int[MaxTypes];
    static readonly int[] tStoreGlobal = new int[MaxTypes];
    // The object[] slots of a fixed-size type's object, as ALLOC makes it (refs, then the ints and
    // payload bytes in 8-byte slots).
    static int SlotsOf(int t) => tRefs[t] + (tInts[t] * 4 + tBytes[t] + 7) / 8;

    // Out of the op loop, so the loop's own code (and what the JIT keeps alive in it) is the same
    // as for a trace without allocating finalizers: made inline, this one expression moved every
    // random-graph case's gen0 count on .NET from 7 to 9-10.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static Fin NewAllocatingFin(object[] arr, int index, int type) =>
        new AllocatingFin(arr, index, tInto[type], tAllocCount[type],
            tAllocType[type] < 0 ? 0 : SlotsOf(tAllocType[type]),
            tStoreType[type] < 0 ? -1 : SlotsOf(tStoreType[type]), tStoreGlobal[type]);
    static int typeCount;

    // ---- slots: globals, and a stack of frames ----
    public static readonly object[] Globals = new object[MaxGlobals];
    static readonly object[] globals = Globals;
    static readonly object[] stack = new object[MaxLocals];
    static readonly int[] frameBases = new int[MaxFrames];
    static int depth, frameBase, top, globalCount;

    static ref object Slot(long s)
    {
        if (s >= 0) return ref stack[frameBase + (int)s];
        return ref globals[(int)(-s - 1)];
    }

    static object[] Fields(object o) => o is Fin f ? f.A : (object[])o;

    // ---- what is measured ----
    static readonly long[] gcIndex = new long[MaxGcs], gcHeap = new long[MaxGcs], gcPromoted = new long[MaxGcs], gcFrag = new long[MaxGcs];
    static readonly long[] gcOp = new long[MaxGcs];
    static readonly int[] gcGen = new int[MaxGcs];
    static readonly bool[] gcCompacted = new bool[MaxGcs];
    static readonly long[][] gcGenSize = { new long[MaxGcs], new long[MaxGcs], new long[MaxGcs], new long[MaxGcs], new long[MaxGcs] };
    static readonly double[] gcPauseMs = new double[MaxGcs];
    // When each collection was noticed, in ms since the op loop began: gc.cpp's
    // new_allocation_allowed (WKS) ends a gen0 window early once more than a second has passed
    // since the last GC, so a window that took over 1 s on a loaded machine may be the clock's,
    // not the budget's (apps/bench/src/validate/ironpython.ts clockWindows).
    static readonly double[] gcMs = new double[MaxGcs];
    static readonly System.Diagnostics.Stopwatch loopClock = new();
    static int gcCount;
    static readonly int[] baseCounts = new int[3], lastCounts = new int[3];
    static bool gcInfo = true;

    // The one GCMemoryInfoData of the run (made before the start ritual, so it lives in gen2 with
    // the oracle's other tables) and GC's private refill of it: GC.GetGCMemoryInfo is
    // `var data = new GCMemoryInfoData(); GetMemoryInfo(data, (int)kind); return new GCMemoryInfo(data);`
    // (System.Private.CoreLib, GC.CoreCLR.cs), so refilling the same data object updates what the
    // GCMemoryInfo wrapping it reports, and allocates nothing.
    static GCMemoryInfo gcInfoBox;
    [UnsafeAccessor(UnsafeAccessorKind.StaticMethod, Name = "GetMemoryInfo")]
    static extern void RefillMemoryInfo([UnsafeAccessorType("System.GC, System.Private.CoreLib")] object gcClass,
        [UnsafeAccessorType("System.GCMemoryInfoData, System.Private.CoreLib")] object data, int kind);
    // Not inlined, and NoteCollections compiled before the start ritual: resolving the accessor's
    // type names while compiling a caller allocates (measured: about 800 bytes in the first gen0
    // window when NoteCollections was first compiled inside the op loop).
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ReadGcInfo() => RefillMemoryInfo(null, Unsafe.As<GCMemoryInfo, object>(ref gcInfoBox), (int)GCKind.Any);

    // What the runtime allocates between the two collections of gc.collect() (IronPython's
    // PythonContext.Collect: FunctionCode.CleanFunctionCodes, the finalizers' work), stood for by one
    // 352-byte object: the model's RUNTIME_BYTES_BETWEEN_COLLECTS (packages/ironpython/src/
    // runtime-allocation.ts). Stored into a static so the JIT cannot put it on the stack.
    static byte[] runtimeBetweenCollects;
    const int RuntimeBytesBetweenCollects = 352, ByteArrayBaseBytes = 24;

    // Pinned handles, one per pin held (pins nest). Unpin finds one by its target: no second
    // array of the objects, which would add old-to-young references the model does not have.
    const int MaxPins = 4096;
    static readonly PinnedGCHandle<object>[] pinHandles = new PinnedGCHandle<object>[MaxPins];
    static int pinCount;
    static readonly long[] gcPinned = new long[MaxGcs];

    static readonly GCHandle[] finHandles = new GCHandle[FinTrackCapacity];
    static readonly int[] reclaimedAt = new int[FinTrackCapacity];
    static int finCount;
    static long lohAllocs, lohBytes, allocs;

    static void NoteCollections(long op)
    {
        int c0 = GC.CollectionCount(0);
        if (c0 == lastCounts[0]) return;
        int c1 = GC.CollectionCount(1), c2 = GC.CollectionCount(2);
        // One entry per collection; the generation of the newest is the highest count that moved.
        int gen = c2 != lastCounts[2] ? 2 : c1 != lastCounts[1] ? 1 : 0;
        for (int k = lastCounts[0]; k < c0 && gcCount < MaxGcs; k++)
        {
            int i = gcCount++;
            gcOp[i] = op;
            gcGen[i] = k == c0 - 1 ? gen : -1;
            gcIndex[i] = k + 1 - baseCounts[0];
            gcMs[i] = loopClock.Elapsed.TotalMilliseconds;
            if (gcInfo && k == c0 - 1)
            {
                ReadGcInfo();
                ref readonly GCMemoryInfo info = ref gcInfoBox;
                gcHeap[i] = info.HeapSizeBytes;
                gcPromoted[i] = info.PromotedBytes;
                gcFrag[i] = info.FragmentedBytes;
                gcPinned[i] = info.PinnedObjectsCount;
                gcCompacted[i] = info.Compacted;
                var gi = info.GenerationInfo;
                for (int g = 0; g < 5 && g < gi.Length; g++) gcGenSize[g][i] = gi[g].SizeAfterBytes;
                var pauses = info.PauseDurations;
                gcPauseMs[i] = pauses.Length > 0 ? pauses[0].TotalMilliseconds : 0;
            }
        }
        lastCounts[0] = c0; lastCounts[1] = c1; lastCounts[2] = c2;
        // Finalizable objects whose memory this collection reclaimed (long weak handles clear then).
        int collectionIndex = c0;
        for (int i = 0; i < finCount && i < FinTrackCapacity; i++)
        {
            if (reclaimedAt[i] == 0 && finHandles[i].Target == null) reclaimedAt[i] = collectionIndex;
        }
        PollCallbackReferents(gen, collectionIndex);
        // The finalizer thread's turn right after the collection, before the next op: what it gets
        // with a core of its own, and the model's finalizerDrain 'next-op'. On this loaded 2-core
        // machine it otherwise lagged up to several collections behind, and the f-reachable
        // objects it had not yet finalized (trackers, __del__ objects) survived those collections:
        // callbacks-resurrection at 256 KiB made 15, 16, 16, 15 gen0 collections in four runs.
        // Waiting allocates nothing; --finalizer-lag leaves the thread to the scheduler.
        if (finalizerTurnAfterGc) GC.WaitForPendingFinalizers();
    }
    static bool finalizerTurnAfterGc = true;
    static bool commitProbe = false;

    // --commit-probe (run with the empty trace, in a process of its own, never in a measured
    // run): how far the region gen0 allocates in is committed when the program starts, which
    // bounds allocation contexts (gc.cpp a_fit_segment_end_p: `heap_segment_committed (seg) -
    // pad` first) and depends on the process's start-up (BUDGETS.md#home-commit). After the start
    // ritual it allocates object[2]s (40 bytes): a first window kept alive as a chain, so the
    // next window is large, then a second one dropped, logging each address off the GC heap.
    // Contexts at the top are 8,224 bytes apart (205 objects); the first shorter one that ends
    // within 0x80 bytes of a page boundary, not one of a window's last two (the budget's end
    // cuts those), was cut at the committed end: printed as that page boundary's region offset.
    static unsafe int CommitProbe()
    {
        const int Cap = 1 << 20, Size = 40, Full = 205;
        const long Region = 4L << 20;
        long* addr = (long*)NativeMemory.Alloc((nuint)Cap, 8);
        int* window = (int*)NativeMemory.Alloc((nuint)Cap, 4);
        int start = GC.CollectionCount(0), n = 0;
        object[] chain = null;
        while (n < Cap && GC.CollectionCount(0) < start + 2)
        {
            object[] o = new object[2];
            if (GC.CollectionCount(0) == start) { o[0] = chain; chain = o; }
            addr[n] = (long)Unsafe.As<object[], IntPtr>(ref o);
            window[n++] = GC.CollectionCount(0) - start;
        }
        GC.KeepAlive(chain);
        long committed = 0;
        // Contexts: runs of objects 40 bytes apart within one window; [first, last] indices.
        for (int w = 0; w <= 1 && committed == 0; w++)
        {
            var runs = new System.Collections.Generic.List<(int first, int last)>();
            for (int i = 0; i < n; i++)
            {
                if (window[i] != w) continue;
                if (runs.Count > 0 && runs[^1].last == i - 1 && addr[i] - addr[i - 1] == Size) runs[^1] = (runs[^1].first, i);
                else runs.Add((i, i));
            }
            for (int r = 1; r < runs.Count - 2 && committed == 0; r++)
            {
                var (first, last) = runs[r];
                if (last - first + 1 >= Full - 1) continue;
                long end = (addr[last] - 8 + Size) % Region; // memory end of the context's last object
                long page = (end + 0xFFF) & ~0xFFFL;
                if (page - end <= 0x80) committed = page;
            }
        }
        Console.Out.WriteLine($"{{\"runtime\":\".NET {Environment.Version}\",\"homeRegionCommitted\":{committed}}}");
        return 0;
    }

    static int Main(string[] args)
    {
        if (args.Length < 1) { Console.Error.WriteLine("usage: ClrOracle <trace> [--no-gcinfo] [--finalizer-lag]"); return 2; }
        foreach (var a in args)
        {
            if (a == "--no-gcinfo") gcInfo = false;
            if (a == "--finalizer-lag") finalizerTurnAfterGc = false;
            if (a == "--commit-probe") commitProbe = true;
        }
        input = new FileStream(args[0], FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        ReadHeader();
        Skip(ReadVarint()); // metadata JSON

        // A known start, done identically by the model before it runs the program (see
        // apps/bench/src/validate/ironpython.ts): two full blocking compacting collections put
        // every object of the runtime and of this oracle in gen2, then gen1 and gen0 collections
        // with nothing to find leave the gen0 and gen1 budgets at their minimums and the gen2
        // budget computed from the gen2 size printed as startGen2Bytes. Counts printed are
        // relative to this point.
        var wall = loopClock;
        gcInfoBox = GC.GetGCMemoryInfo(GCKind.Any);
        ReadGcInfo(); // compiled now, not after the first collection of the trace
        // Compiled now too: what the op loop calls out of line at a trace's first weakref callback
        // and first collection (compiling mid-loop could allocate, as resolving types does).
        foreach (var method in new[] { nameof(NoteCollections), nameof(RegisterCallback), nameof(TrackerOrdinalOf), nameof(PollCallbackReferents), nameof(RunCallback) })
            RuntimeHelpers.PrepareMethod(typeof(Oracle).GetMethod(method, System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!.MethodHandle);
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        ReadGcInfo();
        long startGen2 = gcInfoBox.GenerationInfo[2].SizeAfterBytes;
        GC.Collect(1, GCCollectionMode.Forced, true, true);
        // Measured: ending with a gen1 collection leaves .NET 10's first gen0 budget far above
        // GCgen0size here (about 7.5 MB); a final gen0 collection makes it GCgen0size.
        GC.Collect(0, GCCollectionMode.Forced, true, true);
        for (int g = 0; g < 3; g++) lastCounts[g] = baseCounts[g] = GC.CollectionCount(g);
        if (commitProbe) return CommitProbe();
        wall.Start();

        long ops = 0, definitions = 0;
        for (; ; )
        {
            int code = ReadByte();
            opNow = ops;
            if (code == 0xFF)
            {
                CheckFooter(ops + definitions);
                break;
            }
            switch (code)
            {
                case 0x01: // PUSH_FRAME
                {
                    int n = (int)ReadVarint();
                    if (depth > 0) frameBases[depth - 1] = frameBase;
                    frameBase = top;
                    top += n;
                    if (top > MaxLocals) throw new InvalidDataException($"more than {MaxLocals} locals");
                    Array.Clear(stack, frameBase, n);
                    depth++;
                    ops++;
                    break;
                }
                case 0x02: // POP_FRAME
                    Array.Clear(stack, frameBase, top - frameBase);
                    top = frameBase;
                    depth--;
                    frameBase = depth > 0 ? frameBases[depth - 1] : 0;
                    ops++;
                    break;
                case 0x03: // ALLOC
                {
                    long dst = ReadSvarint(); int type = (int)ReadVarint(); long length = (long)ReadVarint();
                    int refs = tRefs[type], bytes = tBytes[type];
                    if (tVar[type] == 1) refs = (int)length; else if (tVar[type] == 2) bytes = (int)length;
                    int slots = refs + (tInts[type] * 4 + bytes + 7) / 8;
                    object[] arr = new object[slots];
                    allocs++;
                    if (GC.GetGeneration(arr) == 2) { lohAllocs++; lohBytes += Math.Max(24, 24 + 8L * slots); }
                    if (tFin[type])
                    {
                        Fin f = tAllocCount[type] == 0 && tStoreType[type] < 0
                            ? new Fin(arr, finCount, tInto[type])
                            : NewAllocatingFin(arr, finCount, type);
                        if (finCount < FinTrackCapacity) finHandles[finCount] = GCHandle.Alloc(f, GCHandleType.WeakTrackResurrection);
                        finCount++;
                        Slot(dst) = f;
                    }
                    else Slot(dst) = arr;
                    ops++;
                    NoteCollections(ops);
                    break;
                }
                case 0x04: // LOAD
                {
                    long dst = ReadSvarint(), obj = ReadSvarint(); int field = (int)ReadVarint();
                    Slot(dst) = Fields(Slot(obj))[field];
                    ops++;
                    break;
                }
                case 0x05: // STORE
                {
                    long obj = ReadSvarint(); int field = (int)ReadVarint(); long src = ReadSvarint();
                    Fields(Slot(obj))[field] = Slot(src);
                    ops++;
                    break;
                }
                case 0x06: { long dst = ReadSvarint(), src = ReadSvarint(); Slot(dst) = Slot(src); ops++; break; }
                case 0x07: { long dst = ReadSvarint(); Slot(dst) = null; ops++; break; }
                case 0x08: { ReadSvarint(); ReadVarint(); ReadSvarint(); ops++; break; } // READ_INT
                case 0x09: { ReadSvarint(); ReadVarint(); ReadSvarint(); ops++; break; } // WRITE_INT
                case 0x0A: { ReadSvarint(); ReadByte(); ops++; break; } // IS_NULL
                case 0x0B: { ReadSvarint(); ReadSvarint(); ReadByte(); ops++; break; } // SAME
                case 0x0C: // WEAKREF
                {
                    long dst = ReadSvarint(), target = ReadSvarint(); long callback = (long)ReadVarint();
                    object referent = Slot(target);
                    var weak = new WeakReference(referent, false);
                    Slot(dst) = weak;
                    if (callback != 0 && referent != null) RegisterCallback(referent, weak, (int)(callback - 1), ops);
                    ops++;
                    NoteCollections(ops);
                    break;
                }
                case 0x0D: // DEREF
                {
                    long dst = ReadSvarint(), weak = ReadSvarint();
                    Slot(dst) = ((WeakReference)Slot(weak)).Target;
                    ops++;
                    break;
                }
                case 0x0E: // COLLECT: IronPython's PythonContext.Collect — twice Collect + WaitForPendingFinalizers
                {
                    long gen = ReadSvarint(); ReadSvarint();
                    int g = gen < 0 ? 2 : (int)gen;
                    for (int i = 0; i < 2; i++)
                    {
                        if (i > 0)
                        {
                            runtimeBetweenCollects = new byte[RuntimeBytesBetweenCollects - ByteArrayBaseBytes];
                            runtimeBetweenCollects = null;
                        }
                        GC.Collect(g);
                        NoteCollections(ops);
                        GC.WaitForPendingFinalizers();
                        NoteCollections(ops);
                    }
                    ops++;
                    break;
                }
                case 0x0F: ReadByte(); ops++; break; // GC_CONTROL: IronPython's gc.disable only warns
                case 0x10: // DEFINE_TYPE
                {
                    Skip(ReadVarint());
                    int t = typeCount++;
                    tRefs[t] = (int)ReadVarint(); tInts[t] = (int)ReadVarint(); tBytes[t] = (int)ReadVarint();
                    tVar[t] = ReadByte(); ReadByte();
                    int fin = ReadByte();
                    tFin[t] = (fin & 1) != 0;
                    tInto[t] = (fin & 2) != 0 ? (int)ReadVarint() : -1;
                    tAllocType[t] = (fin & 8) != 0 ? (int)ReadVarint() : -1;
                    tAllocCount[t] = (fin & 8) != 0 ? (int)ReadVarint() : 0;
                    tStoreType[t] = (fin & 16) != 0 ? (int)ReadVarint() : -1;
                    tStoreGlobal[t] = (fin & 16) != 0 ? (int)ReadVarint() : -1;
                    definitions++;
                    break;
                }
                case 0x11: // DEFINE_GLOBALS
                    globalCount = (int)ReadVarint();
                    if (globalCount > MaxGlobals) throw new InvalidDataException($"more than {MaxGlobals} globals");
                    definitions++;
                    break;
                case 0x12: ReadSvarint(); ops++; break; // ID_OF
                case 0x13: ReadSvarint(); ReadVarint(); ops++; break; // LENGTH_OF
                case 0x14: // PIN: 1 = GCHandle.Alloc(o, Pinned), 0 = Free one of the object's pinned handles
                {
                    long s = ReadSvarint();
                    int pinning = ReadByte();
                    object o = Slot(s);
                    if (o == null) throw new InvalidDataException($"pin of a null slot at op {ops}");
                    if (pinning == 1)
                    {
                        if (pinCount == MaxPins) throw new InvalidDataException($"more than {MaxPins} pins held at once");
                        pinHandles[pinCount++] = new PinnedGCHandle<object>(o);
                    }
                    else if (pinning == 0)
                    {
                        int k = pinCount - 1;
                        while (k >= 0 && !ReferenceEquals(pinHandles[k].Target, o)) k--;
                        if (k < 0) throw new InvalidDataException($"unpin of an object that is not pinned at op {ops}");
                        pinHandles[k].Dispose();
                        pinCount--;
                        pinHandles[k] = pinHandles[pinCount];
                        pinHandles[pinCount] = default;
                    }
                    else throw new InvalidDataException($"pin action must be below 2, got {pinning}");
                    ops++;
                    break;
                }
                default:
                    throw new InvalidDataException($"unknown opcode 0x{code:X2} at byte {consumed + pos - 1}");
            }
        }
        wall.Stop();
        GC.KeepAlive(globals);
        GC.KeepAlive(stack);
        PrintJson(ops, wall.Elapsed.TotalMilliseconds, startGen2);
        return 0;
    }

    static void PrintJson(long ops, double wallMs, long startGen2)
    {
        var sb = new StringBuilder();
        sb.Append("{\"runtime\":\".NET ").Append(Environment.Version).Append('"');
        sb.Append(",\"server\":").Append(GCSettings.IsServerGC ? "true" : "false");
        sb.Append(",\"latencyMode\":\"").Append(GCSettings.LatencyMode).Append('"');
        sb.Append(",\"gen0size\":\"").Append(Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "").Append('"');
        sb.Append(",\"ops\":").Append(ops);
        sb.Append(",\"wallMs\":").Append(wallMs.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
        sb.Append(",\"startGen2Bytes\":").Append(startGen2);
        sb.Append(",\"collectionCount\":[");
        for (int g = 0; g < 3; g++) sb.Append(g > 0 ? "," : "").Append(GC.CollectionCount(g) - baseCounts[g]);
        sb.Append("],\"allocations\":").Append(allocs);
        sb.Append(",\"lohAllocations\":").Append(lohAllocs).Append(",\"lohBytes\":").Append(lohBytes);
        sb.Append(",\"finalizable\":").Append(finCount).Append(",\"finalizersRun\":").Append(FinalizersRun);
        sb.Append(",\"resurrections\":").Append(Resurrections);
        AppendCallbacksJson(sb, baseCounts[0]);
        sb.Append(",\"finalization\":[");
        int tracked = Math.Min(finCount, FinTrackCapacity);
        for (int i = 0; i < tracked; i++)
        {
            int fz = FinalizedAt[i] == 0 ? 0 : FinalizedAt[i] - baseCounts[0];
            int rc = reclaimedAt[i] == 0 ? 0 : reclaimedAt[i] - baseCounts[0];
            sb.Append(i > 0 ? "," : "").Append('[').Append(fz).Append(',').Append(rc).Append(']');
        }
        sb.Append("],\"collections\":[");
        for (int i = 0; i < gcCount; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append("{\"index\":").Append(gcIndex[i]).Append(",\"op\":").Append(gcOp[i]).Append(",\"generation\":").Append(gcGen[i]);
            sb.Append(",\"ms\":").Append(gcMs[i].ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
            if (gcInfo)
            {
                sb.Append(",\"compacted\":").Append(gcCompacted[i] ? "true" : "false");
                sb.Append(",\"promotedBytes\":").Append(gcPromoted[i]).Append(",\"heapSizeBytes\":").Append(gcHeap[i]);
                sb.Append(",\"fragmentedBytes\":").Append(gcFrag[i]);
                sb.Append(",\"pinnedObjectsCount\":").Append(gcPinned[i]);
                sb.Append(",\"pauseMs\":").Append(gcPauseMs[i].ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
                sb.Append(",\"sizeAfter\":[");
                for (int g = 0; g < 5; g++) sb.Append(g > 0 ? "," : "").Append(gcGenSize[g][i]);
                sb.Append(']');
            }
            sb.Append('}');
        }
        sb.Append("]}");
        Console.Out.WriteLine(sb.ToString());
    }
}
