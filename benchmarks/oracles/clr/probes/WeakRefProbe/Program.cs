// Probe: does a dead weak reference object survive the gen0 collection that finds it dead?
//
// Churn of object[2]s (40 bytes), each with a weak reference of the chosen kind to it, both
// dropped at once; one in 50 objects kept in a ring of 1,000 so the collections have a little
// to promote. Prints GCMemoryInfo.PromotedBytes and FinalizationPendingCount of every gen0
// collection. Kinds:
//   weakreference   System.WeakReference (what the pygc oracle allocates for WEAKREF)
//   generic         System.WeakReference<object[]>
//   handle-finalizer a class holding a GCHandle (Weak) with a finalizer that frees it: the
//                    shape of IronPython's weakref.ref (_weakref.@ref: a WeakHandle struct, ~@ref)
//   none            no weak reference (the baseline)
// CoreCLR finalizes the first two inside the GC (GCToEEInterface::EagerFinalized,
// src/coreclr/vm/gcenv.ee.cpp): they never reach the f-reachable queue, so each gen0 GC
// promotes about the ring's share; the third is f-reachable, promoted with what it references.
//
// DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCgen0size=40000 DOTNET_TieredCompilation=0 dotnet WeakRefProbe.dll KIND
using System;
using System.Runtime.InteropServices;
using System.Text;

sealed class HandleWithFinalizer
{
    GCHandle handle;
    public HandleWithFinalizer(object target) { handle = GCHandle.Alloc(target, GCHandleType.Weak); }
    ~HandleWithFinalizer() { if (handle.IsAllocated) handle.Free(); }
}

static class Probe
{
    static object sink;

    static int Main(string[] args)
    {
        string kind = args[0];
        var ring = new object[1000];
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.Collect(1, GCCollectionMode.Forced, true, true);
        GC.Collect(0, GCCollectionMode.Forced, true, true);
        int last = GC.CollectionCount(0);
        int gen2Base = GC.CollectionCount(2), gen1Base = GC.CollectionCount(1);
        var promoted = new long[64];
        var pending = new long[64];
        int n = 0;
        for (int i = 0; n < promoted.Length && i < 10_000_000; i++)
        {
            var o = new object[2];
            sink = kind switch
            {
                "weakreference" => new WeakReference(o, false),
                "generic" => new WeakReference<object[]>(o, false),
                "handle-finalizer" => new HandleWithFinalizer(o),
                _ => null,
            };
            if (i % 50 == 0) ring[(i / 50) % ring.Length] = o;
            int c = GC.CollectionCount(0);
            if (c != last)
            {
                last = c;
                var info = GC.GetGCMemoryInfo(GCKind.Any);
                if (info.Generation == 0)
                {
                    promoted[n] = info.PromotedBytes;
                    pending[n] = info.FinalizationPendingCount;
                    n++;
                }
            }
        }
        var sorted = promoted[..n];
        Array.Sort(sorted);
        var sb = new StringBuilder();
        sb.Append("{\"kind\":\"").Append(kind).Append("\",\"gen0\":").Append(n)
          .Append(",\"gen1\":").Append(GC.CollectionCount(1) - gen1Base).Append(",\"gen2\":").Append(GC.CollectionCount(2) - gen2Base)
          .Append(",\"medianPromoted\":").Append(sorted[n / 2])
          .Append(",\"promoted\":[").Append(string.Join(",", promoted[..Math.Min(n, 12)])).Append("]")
          .Append(",\"finalizationPending\":[").Append(string.Join(",", pending[..Math.Min(n, 12)])).Append("]}");
        Console.WriteLine(sb.ToString());
        return 0;
    }
}
