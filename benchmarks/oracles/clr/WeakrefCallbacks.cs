// The .NET oracle's bookkeeping of weakref callbacks: which tracker a new callback chains into,
// the collection that cleared each callback's referent, and the runs in the order the trackers'
// finalizers made them. All of it in native memory and GC handles, so nothing here is a heap
// object per callback except the tracker itself, which IronPython allocates too.
//
// Its cost per collection is bounded by the collection's own work, so that a program with
// hundreds of thousands of callbacks (weakref-cache --size small: over 200,000) keeps its gen0
// windows far under the second after which gc.cpp's new_allocation_allowed (WKS) ends a window
// on the clock rather than the budget:
// - a referent not yet cleared sits in the pending list of the generation it was in when last
//   seen; after a collection only the lists of the condemned generations are polled (an object
//   of an older generation cannot have died in it, nor changed generation), and each referent
//   still alive moves to the list of its generation now (promotion, or demotion under regions);
// - the tracker a new weakref chains into (the newest earlier callback on the same referent whose
//   tracker is attached) is found through a hash table keyed by RuntimeHelpers.GetHashCode, which
//   lives in the object's header (no allocation; stable while the GC moves the object), not by
//   scanning every earlier callback.
// With 10,000 callbacks at most and both done by scanning every callback, raising the capacity
// to 4M made weakref-cache's gen0 windows last over a second on the loaded validation machine.
using System;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

static partial class Oracle
{
    // Callbacks the tables hold. Native memory is zeroed lazily by the OS (pages are touched only
    // as ordinals reach them), so the capacity costs address space, not memory.
    public const int CallbackCapacity = 1 << 22;
    // The callback tables live in native memory (NativeTable), allocated at start-up: on the GC
    // heap they were ~400 KB of arrays, allocated at a trace's first callback so that traces
    // without callbacks were undisturbed, but then gen0 survivors of the collection after it,
    // which grew gen0's budget and made callbacks-resurrection at 256 KiB 3 gen0 collections on
    // .NET against 17 on the model. Native memory is no part of any generation or budget.
    // Per callback ordinal: its tag and a short weak handle to its weakref object (freed once the
    // tracker has looked at it).
    static readonly NativeTable<int> callbackTag = new(CallbackCapacity);
    static readonly NativeTable<GCHandle> callbackWeakref = new(CallbackCapacity);
    // A short weak handle to each callback's referent, polled after collections: the GC that
    // cleared it is the one that found the referent dead, on the main thread and so independent
    // of when the finalizer thread gets to run the callback (on a loaded machine, collections
    // later). Freed, with the tracker's handle, once found cleared.
    static readonly NativeTable<GCHandle> callbackReferent = new(CallbackCapacity);
    static readonly NativeTable<int> callbackClearedAt = new(CallbackCapacity);
    // Per callback ordinal, a short weak handle to the Tracker it chained into. What keeps the
    // tracker alive is a DependentHandle(referent, tracker) that is never freed: its struct is
    // dropped, the handle stays until the process ends.
    static readonly NativeTable<GCHandle> callbackTracker = new(CallbackCapacity);
    // Per run, in the order the finalizer thread made them: the ordinal, the collection count
    // then, and the op the main thread had reached.
    static readonly NativeTable<int> callbackRunOrdinal = new(CallbackCapacity), callbackRunGc = new(CallbackCapacity);
    static readonly NativeTable<long> callbackRunOp = new(CallbackCapacity);
    static int callbackCount, callbacksRun;

    // Ordinals whose referent is not yet found cleared, by the generation it was last seen in:
    // list g holds pendingCount[g] ordinals at pendingOrdinals[g * CallbackCapacity ...].
    static readonly NativeTable<int> pendingOrdinals = new(3 * CallbackCapacity);
    static readonly NativeTable<int> pendingCount = new(3);

    // Hash chains over the ordinals whose referent handle is allocated, newest first: bucket
    // heads and links hold ordinal + 1 (0 ends a chain). Links to freed handles are cut as
    // lookups pass them.
    const int ReferentBuckets = 1 << 20;
    static readonly NativeTable<int> referentBucketHead = new(ReferentBuckets);
    static readonly NativeTable<int> referentNext = new(CallbackCapacity);

    // The op the main thread is at, read by the finalizer thread.
    static long opNow;

    // A WEAKREF with a callback on a live referent: chain the callback into the referent's
    // tracker (IronPython's IWeakReferenceable.GetWeakRef: the tracker in the object's slot),
    // making one if it has none. Out of the op loop, so the loop's code is the same whatever
    // this does.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void RegisterCallback(object referent, WeakReference weak, int tag, long op)
    {
        if (callbackCount == CallbackCapacity) throw new System.IO.InvalidDataException($"more than {CallbackCapacity} weakref callbacks at op {op}");
        int ordinal = callbackCount++;
        callbackTag[ordinal] = tag;
        callbackWeakref[ordinal] = GCHandle.Alloc(weak, GCHandleType.Weak);
        int bucket = RuntimeHelpers.GetHashCode(referent) & (ReferentBuckets - 1);
        int with = TrackerOrdinalOf(referent, bucket);
        callbackReferent[ordinal] = GCHandle.Alloc(referent, GCHandleType.Weak);
        referentNext[ordinal] = referentBucketHead[bucket];
        referentBucketHead[bucket] = ordinal + 1;
        int generation = GC.GetGeneration(referent);
        pendingOrdinals[generation * CallbackCapacity + pendingCount[generation]++] = ordinal;
        Tracker tracker;
        if (with < 0)
        {
            tracker = new Tracker();
            _ = new DependentHandle(referent, tracker);
        }
        else tracker = (Tracker)callbackTracker[with].Target;
        callbackTracker[ordinal] = GCHandle.Alloc(tracker, GCHandleType.Weak);
        tracker.Chain(ordinal);
    }

    // The ordinal of the newest earlier callback on the same referent whose tracker is still
    // attached, or -1.
    static int TrackerOrdinalOf(object referent, int bucket)
    {
        int previous = -1;
        for (int k = referentBucketHead[bucket] - 1; k >= 0;)
        {
            int next = referentNext[k] - 1;
            if (!callbackReferent[k].IsAllocated)
            {
                if (previous < 0) referentBucketHead[bucket] = next + 1;
                else referentNext[previous] = next + 1;
                k = next;
                continue;
            }
            if (ReferenceEquals(callbackReferent[k].Target, referent) && callbackTracker[k].Target != null) return k;
            previous = k;
            k = next;
        }
        return -1;
    }

    // After the collections since the last check, the highest of them condemning generations
    // 0..condemned: the referents those generations held that are gone were cleared by
    // `collectionIndex` (the collection count now). Out of line, so no reference read here
    // outlives the call in a frame the next collection would scan.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void PollCallbackReferents(int condemned, int collectionIndex)
    {
        for (int g = condemned; g >= 0; g--)
        {
            int n = pendingCount[g], kept = 0, at = g * CallbackCapacity;
            for (int i = 0; i < n; i++)
            {
                int k = pendingOrdinals[at + i];
                object target = callbackReferent[k].Target;
                if (target == null)
                {
                    callbackClearedAt[k] = collectionIndex;
                    callbackReferent[k].Free();
                    callbackTracker[k].Free();
                    continue;
                }
                int now = GC.GetGeneration(target);
                if (now == g) pendingOrdinals[at + kept++] = k;
                else pendingOrdinals[now * CallbackCapacity + pendingCount[now]++] = k;
            }
            pendingCount[g] = kept;
        }
    }

    // On the finalizer thread, from a tracker's finalizer: IronPython runs a callback only while
    // its weakref is alive (it died with its referent otherwise). Each ordinal is looked at once.
    public static void RunCallback(int ordinal)
    {
        bool alive = callbackWeakref[ordinal].Target != null;
        callbackWeakref[ordinal].Free();
        if (!alive) return;
        int n = System.Threading.Interlocked.Increment(ref callbacksRun) - 1;
        if (n >= CallbackCapacity) return;
        callbackRunOrdinal[n] = ordinal;
        callbackRunGc[n] = GC.CollectionCount(0);
        callbackRunOp[n] = System.Threading.Volatile.Read(ref opNow);
    }

    // The JSON's `callbacks`: one record per run, in order; collection counts relative to `baseCount`.
    static void AppendCallbacksJson(StringBuilder sb, int baseCount)
    {
        sb.Append(",\"callbacks\":[");
        int runs = Math.Min(callbacksRun, CallbackCapacity);
        for (int i = 0; i < runs; i++)
        {
            int k = callbackRunOrdinal[i];
            sb.Append(i > 0 ? "," : "").Append("{\"tag\":").Append(callbackTag[k]).Append(",\"weakref\":").Append(k)
                .Append(",\"cleared\":").Append(callbackClearedAt[k] == 0 ? 0 : callbackClearedAt[k] - baseCount)
                .Append(",\"gc\":").Append(callbackRunGc[i] - baseCount).Append(",\"op\":").Append(callbackRunOp[i]).Append('}');
        }
        sb.Append(']');
    }
}
