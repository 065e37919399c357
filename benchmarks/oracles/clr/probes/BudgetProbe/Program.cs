// Probe: where does .NET's next gen0 collection come after an induced (GC.Collect) collection?
//
// Churn of 40-byte object[2]s; every object is also stored in a ring of `keep` slots (a gen2
// array), so each gen0 collection finds about min(keep, window) * 40 bytes alive and gen0's
// budget settles at a level set by that survival. After the 8th gen0 collection the probe
// allocates `fraction` of the previous window, optionally drops the ring's survivors
// (`clear`), and calls GC.Collect() `collects` times (allocating `between` bytes between two
// calls), then churns on and reports how many bytes it allocated before each following gen0
// collection. Bytes are GC.GetAllocatedBytesForCurrentThread deltas (exact to the byte; a
// collection is seen at the first allocation that observes GC.CollectionCount(0) move, so a
// window is known to within one 8 KB allocation context).
//
// Run as the oracle runs: DOTNET_gcServer=0 DOTNET_gcConcurrent=0 DOTNET_GCgen0size=40000
// (hex: 256 KiB) DOTNET_TieredCompilation=0 dotnet BudgetProbe.dll keep fraction clear collects between
using System;
using System.Text;

static class Probe
{
    static object[] ring;
    static int ringAt;
    static object sink;
    static long lastGcBytes;
    static int lastC0;

    static long Now() => GC.GetAllocatedBytesForCurrentThread();

    /// Allocate one churn object; returns true when a gen0 collection happened since the last call.
    static bool Churn()
    {
        var o = new object[2];
        sink = o;
        if (ring.Length > 0) { ring[ringAt] = o; ringAt = (ringAt + 1) % ring.Length; }
        int c0 = GC.CollectionCount(0);
        if (c0 == lastC0) return false;
        lastC0 = c0;
        return true;
    }

    static int Main(string[] args)
    {
        if (args[0] == "gcinfo-bytes")
        {
            // What the oracle allocates per collection it records (NoteCollections): one
            // GC.GetGCMemoryInfo(GCKind.Any), its GenerationInfo and PauseDurations.
            GC.Collect();
            long b = Now();
            var probe = GC.GetGCMemoryInfo(GCKind.Any);
            long n1 = probe.GenerationInfo.Length + probe.PauseDurations.Length;
            Console.WriteLine("{\"gcinfoBytes\":" + (Now() - b) + ",\"parts\":" + n1 + "}");
            return 0;
        }
        int keep = int.Parse(args[0]);
        double fraction = double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        bool clear = args[2] == "1";
        int collects = int.Parse(args[3]);
        int between = int.Parse(args[4]);
        ring = new object[keep];
        // The oracle's start ritual (benchmarks/oracles/clr/Program.cs).
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, true, true);
        GC.Collect(1, GCCollectionMode.Forced, true, true);
        GC.Collect(0, GCCollectionMode.Forced, true, true);
        lastC0 = GC.CollectionCount(0);
        lastGcBytes = Now();

        var sb = new StringBuilder(4096);
        long[] windows = new long[64];
        long[] promoted = new long[64];
        int n = 0;
        // Warm up: 8 gen0 collections.
        while (n < 8)
        {
            if (Churn())
            {
                long t = Now();
                windows[n] = t - lastGcBytes;
                lastGcBytes = t;
                promoted[n] = GC.GetGCMemoryInfo(GCKind.Any).PromotedBytes;
                n++;
                lastGcBytes = Now();
            }
        }
        long prev = windows[n - 1];
        long target = (long)(fraction * prev);
        while (Now() - lastGcBytes < target)
        {
            if (Churn()) { Console.Error.WriteLine("a gen0 GC came before the collect point"); return 3; }
        }
        long usedAtCollect = Now() - lastGcBytes;
        if (clear) Array.Clear(ring);
        int g2before = GC.CollectionCount(2);
        for (int i = 0; i < collects; i++)
        {
            if (i > 0) for (long b = Now(), e = b + between; Now() < e;) sink = new object[2];
            GC.Collect();
        }
        int induced = GC.CollectionCount(2) - g2before;
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        long inducedPromoted = info.PromotedBytes;
        long gen0SizeBefore = info.GenerationInfo[0].SizeBeforeBytes;
        lastC0 = GC.CollectionCount(0);
        lastGcBytes = Now();
        int after = 0;
        long[] next = new long[6];
        long[] nextPromoted = new long[6];
        while (after < next.Length)
        {
            if (Churn())
            {
                long t = Now();
                next[after] = t - lastGcBytes;
                nextPromoted[after] = GC.GetGCMemoryInfo(GCKind.Any).PromotedBytes;
                after++;
                lastGcBytes = Now();
            }
        }
        sb.Append("{\"keep\":").Append(keep).Append(",\"fraction\":").Append(fraction.ToString(System.Globalization.CultureInfo.InvariantCulture))
          .Append(",\"clear\":").Append(clear ? "true" : "false").Append(",\"collects\":").Append(collects).Append(",\"between\":").Append(between)
          .Append(",\"warmupWindows\":[").Append(string.Join(",", windows[..n])).Append("]")
          .Append(",\"warmupPromoted\":[").Append(string.Join(",", promoted[..n])).Append("]")
          .Append(",\"usedAtCollect\":").Append(usedAtCollect)
          .Append(",\"inducedGen2\":").Append(induced)
          .Append(",\"lastInducedPromoted\":").Append(inducedPromoted)
          .Append(",\"lastInducedGen0SizeBefore\":").Append(gen0SizeBefore)
          .Append(",\"nextWindows\":[").Append(string.Join(",", next)).Append("]")
          .Append(",\"nextPromoted\":[").Append(string.Join(",", nextPromoted)).Append("]}");
        Console.WriteLine(sb.ToString());
        return 0;
    }
}
