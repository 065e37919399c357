/*
 * TraceReplay: runs a pygc binary trace (packages/core/TRACE_FORMAT.md) on a real HotSpot JVM,
 * so `pygc validate --runtime jython` can put the JVM's own -Xlog:gc next to the model's.
 *
 * Every object of the trace is ONE Object[] holding its reference fields followed by one slot
 * per int word and one slot per 4 payload bytes -- the layout of @pygc/jython's `java` size
 * mode (16-byte array header, 4-byte compressed references, 8-byte alignment). A weak
 * reference is one java.lang.ref.WeakReference. Int payload is sized but not stored (storing
 * an int in an Object[] would box it, an allocation the model does not make), so READ_INT
 * results are not checked here; the TypeScript replayer checks program semantics.
 *
 * A pin (PIN, 0x14) is a JNI global reference: a strong root in a preallocated table. HotSpot's
 * Serial GC has no object pinning (JNI code needing a stable address uses
 * GetPrimitiveArrayCritical, which holds the GC off through GCLocker), so the object may still
 * move, as in the model (packages/jython/FIDELITY.md#pinning).
 *
 * Finalizers and weakref callbacks are replayed the way Jython runs them (jython/jython:
 * org.python.core.finalization.FinalizeTrigger, org.python.modules._weakref.GlobalRef). An
 * Object[] cannot have a finalizer, so a finalizable object gets one more slot holding its
 * FinalizeTrigger, a small object whose finalize() runs the object's __del__ (Jython keeps the
 * trigger in the PyObject's JyAttribute); the trigger refers back to the object, so a
 * resurrecting __del__ (FinalizerSpec.resurrectInto) can store it into its global. A callback
 * weakref registers its tag with its referent's one GlobalRef, a WeakReference on a
 * ReferenceQueue; a reaper thread takes each GlobalRef off the queue and runs that referent's
 * callbacks newest first, each only while its weakref is alive. Both record [op, kind, tag] with
 * the op the main thread was at, as replay.py does, and the report lists them ("events"). The
 * event log and the reaper exist only for a trace that has finalizers or callbacks; COLLECT then
 * also waits until every finalizer the collection made due has completed (each trigger watched
 * through a WeakReference, which the collection clears: TraceEvents.collectAndWait) and for the
 * reaper to empty its queue, so the events of one collection come before the next, as in the
 * model (which runs both threads at the op after the collection). Jython's own gc.collect()
 * waits like this only with gc-monitored objects; otherwise it is System.gc() and returns.
 * Such traces are compared for event ORDER (apps/bench/src/validate/jython/order.ts), not for
 * counts.
 *
 * The op loop allocates nothing but the trace's own objects: a first pass over the file
 * sizes the root arrays and reads the type table, and the second pass decodes from a
 * preallocated byte buffer into primitive locals. Run it with fixed -Xms/-Xmx/-Xmn and
 * -XX:-DoEscapeAnalysis so every `new Object[n]` really lands in eden.
 *
 * Both binary versions are read. Version 2 (what `pygc record` writes) comes in chunks of at
 * most 64 KiB, each with a CRC-32 running over the file so far (java.util.zip.CRC32): a
 * chunk's bytes are decoded only once its length and CRC check out, and the first pass checks
 * every chunk and the footer (record count, end magic) before the second pass runs an op.
 *
 * Nothing that could be counted is allocated after the op loop either: the report's pieces
 * are made before it, and the collection count at the loop's end (`collectionsAtLoopEnd`) is
 * read without allocating, so the validator counts the GC log's collections up to there only.
 * Run it with -XX:-UseTLAB (as the validator does): with TLABs a collection lands up to one TLAB
 * earlier or later from run to run (packages/jython/FIDELITY.md, "TLAB").
 *
 * Usage: java -XX:+UseSerialGC -XX:-UseTLAB ... TraceReplay <trace-file>
 * Prints one JSON object: ops, records, wall time, the JVM's collection counts (in total and
 * at the end of the op loop).
 */
import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.WeakHashMap;
import java.util.zip.CRC32;

public final class TraceReplay {
    private static final int BUFFER_BYTES = 1 << 16;
    private static final byte[] MAGIC = {'P', 'Y', 'G', 'C', 'T', 'R', 'C', 0};
    private static final byte[] END_MAGIC = {'P', 'Y', 'G', 'C', 'E', 'N', 'D', 0};
    /** Version 2: a chunk holds 1 to 65536 payload bytes (BUFFER_BYTES: one chunk fills the buffer). */
    private static final int MAX_CHUNK_PAYLOAD = 1 << 16;

    private final String path;
    private final byte[] buf = new byte[BUFFER_BYTES];
    private FileInputStream in;
    private int pos;
    private int lim;
    /** File offset of buf[0]. */
    private long offset;
    private int version;
    // Version 2: the running CRC-32, where the next chunk starts, chunks read.
    private final CRC32 crc = new CRC32();
    private final byte[] small = new byte[12];
    private long fileAt;
    private int chunks;

    // Type table (filled by the first pass).
    private int typeCount;
    private int[] fixedSlots = new int[16];
    private int[] variable = new int[16];
    private int[] extraSlots = new int[16];
    /** Per type: -2 no finalizer, -1 a finalizer, else the global its finalizer resurrects into. */
    private int[] finalizer = new int[16];
    /**
     * Per type whose finalizer allocates (FinalizerSpec.allocate, storeNew): how many objects, of
     * which type, and the type and global of the one it stores (-1: none); else count 0, store -1.
     */
    private int[] allocCount = new int[16];
    private int[] allocType = new int[16];
    private int[] storeType = new int[16];
    private int[] storeGlobal = new int[16];
    /** The trace has finalizers or weakref callbacks (the first pass says). */
    private boolean hasEvents;

    private int maxGlobals;
    private int maxStack;
    private int maxDepth;
    private int maxPins;

    private TraceReplay(String path) {
        this.path = path;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: TraceReplay <trace-file>");
            System.exit(2);
        }
        TraceReplay r = new TraceReplay(args[0]);
        r.firstPass();
        // Everything the report needs is made before the op loop: the collector beans (and the
        // array they are read from) and the result array. At the loop's end only primitive reads
        // happen (getCollectionCount is a native call returning a long) until the counts are in
        // hand; whatever the report allocates afterwards may make collections of its own, and
        // those come after `collectionsAtLoopEnd` in the GC log, where the validator cuts it.
        GarbageCollectorMXBean[] beans =
                ManagementFactory.getGarbageCollectorMXBeans().toArray(new GarbageCollectorMXBean[0]);
        boolean[] isYoung = new boolean[beans.length];
        for (int i = 0; i < beans.length; i++) isYoung[i] = beans[i].getName().equals("Copy");
        long[] counts = new long[2];
        long t0 = System.nanoTime();
        r.replay(counts);
        long wallNs = System.nanoTime() - t0;
        long young = 0;
        long full = 0;
        for (int i = 0; i < beans.length; i++) {
            if (isYoung[i]) young += beans[i].getCollectionCount();
            else full += beans[i].getCollectionCount();
        }
        r.in.close();
        System.out.println("{\"oracle\":\"TraceReplay\",\"java\":\"" + System.getProperty("java.version")
                + "\",\"ops\":" + counts[0] + ",\"records\":" + counts[1] + ",\"sameMismatches\":0"
                + ",\"wallMs\":" + (wallNs / 1e6) + ",\"youngCollections\":" + young
                + ",\"fullCollections\":" + full + ",\"collectionsAtLoopEnd\":" + (young + full)
                + (r.hasEvents ? TraceEvents.json() : "") + "}");
    }

    // ---- byte input -------------------------------------------------------------------------

    /** Open the file and read the 12-byte header (magic, version, flags). */
    private void open() throws IOException {
        if (in != null) in.close();
        in = new FileInputStream(path);
        pos = 0;
        lim = 0;
        int got = readFully(small, 12);
        for (int i = 0; i < MAGIC.length; i++) {
            if (i >= got || small[i] != MAGIC[i]) throw new IOException("not a pygc binary trace: bad magic");
        }
        if (got < 12) throw new IOException("truncated trace: the header is cut off");
        version = (small[8] & 0xff) | ((small[9] & 0xff) << 8);
        int flags = (small[10] & 0xff) | ((small[11] & 0xff) << 8);
        if (version != 1 && version != 2) throw new IOException("unsupported trace version " + version);
        if (flags != 0) throw new IOException("unknown trace flags " + flags);
        offset = 12;
        fileAt = 12;
        chunks = 0;
        crc.reset();
        crc.update(small, 0, 12);
    }

    /** Up to n bytes of the file into b[0..n), fewer only at its end. */
    private int readFully(byte[] b, int n) throws IOException {
        int got = 0;
        while (got < n) {
            int r = in.read(b, got, n - got);
            if (r <= 0) break;
            got += r;
        }
        return got;
    }

    private int u8() throws IOException {
        if (pos == lim) {
            if (version == 1) {
                offset += lim;
                lim = in.read(buf, 0, BUFFER_BYTES);
                pos = 0;
                if (lim <= 0) throw new IOException("trace truncated at byte offset " + offset);
            } else {
                nextChunk();
            }
        }
        return buf[pos++] & 0xff;
    }

    /** Version 2: load the next chunk's payload into buf once its length and CRC-32 check out. */
    private void nextChunk() throws IOException {
        long at = fileAt;
        int got = readFully(small, 8);
        if (got == 0 || (got >= 4 && small[0] == 'P' && small[1] == 'Y' && small[2] == 'G' && small[3] == 'C'))
            throw new IOException("truncated trace: the records end without END at byte offset " + at);
        if (got < 8) throw new IOException("truncated trace: the header of chunk " + chunks + " at byte offset " + at + " is cut off");
        long length = (small[0] & 0xffL) | ((small[1] & 0xffL) << 8) | ((small[2] & 0xffL) << 16) | ((small[3] & 0xffL) << 24);
        long stored = (small[4] & 0xffL) | ((small[5] & 0xffL) << 8) | ((small[6] & 0xffL) << 16) | ((small[7] & 0xffL) << 24);
        if (length < 1 || length > MAX_CHUNK_PAYLOAD)
            throw new IOException("chunk " + chunks + " at byte offset " + at + " claims " + length + " payload bytes (a chunk holds 1 to " + MAX_CHUNK_PAYLOAD + ")");
        int n = readFully(buf, (int) length);
        if (n < length)
            throw new IOException("truncated trace: chunk " + chunks + " at byte offset " + at + " has " + length + " payload bytes, the file ends first");
        crc.update(small, 0, 4);
        crc.update(buf, 0, n);
        if (crc.getValue() != stored)
            throw new IOException("checksum mismatch in chunk " + chunks + " at byte offset " + at + " (the trace is corrupted)");
        offset = at + 8;
        fileAt = at + 8 + n;
        chunks++;
        pos = 0;
        lim = n;
    }

    /**
     * Version 2, after END: the record count, nothing more in the last chunk, then the end magic
     * and the end of the file. (Version 1's footer is not checked here.)
     */
    private void checkFooter(long records) throws IOException {
        if (version == 1) return;
        long low = 0;
        long high = 0;
        for (int i = 0; i < 4; i++) low |= (long) u8() << (8 * i);
        for (int i = 0; i < 4; i++) high |= (long) u8() << (8 * i);
        if (low + (high << 32) != records)
            throw new IOException("op count mismatch: the footer says " + (low + (high << 32)) + " records, the trace has " + records);
        if (pos != lim) throw new IOException("trailing bytes after the footer");
        int got = readFully(small, 8);
        for (int i = 0; i < END_MAGIC.length; i++) {
            if (i >= got) throw new IOException("truncated trace: the end magic is missing or cut off");
            if (small[i] != END_MAGIC[i]) throw new IOException("bad end magic at byte offset " + (fileAt + i));
        }
        if (in.read() != -1) throw new IOException("trailing bytes after the end magic");
    }

    private long varint() throws IOException {
        long v = 0;
        for (int shift = 0; shift < 56; shift += 7) {
            int b = u8();
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new IOException("varint longer than 8 bytes near byte offset " + (offset + pos));
    }

    private int uint() throws IOException {
        return (int) varint();
    }

    private long svarint() throws IOException {
        long v = varint();
        return (v & 1) == 0 ? v >>> 1 : -((v + 1) >>> 1);
    }

    private void skip(long n) throws IOException {
        for (long i = 0; i < n; i++) u8();
    }

    /** The metadata string after the header that open() read. */
    private void header() throws IOException {
        skip(varint()); // metadata JSON
    }

    // ---- pass 1: sizes and types --------------------------------------------------------------

    private void defineType(boolean record) throws IOException {
        skip(varint()); // name
        int refs = uint();
        int ints = uint();
        long bytes = varint();
        int var = u8();
        u8(); // shape
        int fin = u8();
        int into = (fin & 2) != 0 ? (int) varint() : -1;
        int aType = (fin & 8) != 0 ? uint() : 0;
        int aCount = (fin & 8) != 0 ? uint() : 0;
        int sType = (fin & 16) != 0 ? uint() : -1;
        int sGlobal = (fin & 16) != 0 ? uint() : -1;
        if (!record) return;
        if (typeCount == fixedSlots.length) {
            fixedSlots = java.util.Arrays.copyOf(fixedSlots, typeCount * 2);
            variable = java.util.Arrays.copyOf(variable, typeCount * 2);
            extraSlots = java.util.Arrays.copyOf(extraSlots, typeCount * 2);
            finalizer = java.util.Arrays.copyOf(finalizer, typeCount * 2);
            allocCount = java.util.Arrays.copyOf(allocCount, typeCount * 2);
            allocType = java.util.Arrays.copyOf(allocType, typeCount * 2);
            storeType = java.util.Arrays.copyOf(storeType, typeCount * 2);
            storeGlobal = java.util.Arrays.copyOf(storeGlobal, typeCount * 2);
        }
        int t = typeCount++;
        allocCount[t] = aCount;
        allocType[t] = aType;
        storeType[t] = sType;
        storeGlobal[t] = sGlobal;
        finalizer[t] = (fin & 1) != 0 ? into : -2;
        if ((fin & 1) != 0) hasEvents = true;
        variable[t] = var;
        // Slots: refs, one per int, one per 4 payload bytes (the java size mode).
        if (var == 1) extraSlots[t] = ints + (int) ((bytes + 3) / 4);
        else if (var == 2) extraSlots[t] = refs + ints;
        fixedSlots[t] = refs + ints + (int) ((bytes + 3) / 4);
    }

    private void firstPass() throws IOException {
        open();
        header();
        int top = 0;
        int depth = 0;
        int[] frames = new int[64];
        int globals = 0;
        int pins = 0;
        long records = 0;
        for (;;) {
            int op = u8();
            if (op != 0xFF) records++;
            switch (op) {
                case 0x01: {
                    int locals = uint();
                    if (depth == frames.length) frames = java.util.Arrays.copyOf(frames, depth * 2);
                    frames[depth++] = locals;
                    top += locals;
                    maxStack = Math.max(maxStack, top);
                    maxDepth = Math.max(maxDepth, depth);
                    break;
                }
                case 0x02: top -= frames[--depth]; break;
                case 0x03: svarint(); varint(); varint(); break;
                case 0x04: svarint(); svarint(); varint(); break;
                case 0x05: svarint(); varint(); svarint(); break;
                case 0x06: svarint(); svarint(); break;
                case 0x07: svarint(); break;
                case 0x08: svarint(); varint(); svarint(); break;
                case 0x09: svarint(); varint(); svarint(); break;
                case 0x0A: svarint(); u8(); break;
                case 0x0B: svarint(); svarint(); u8(); break;
                case 0x0C: svarint(); svarint(); if (varint() != 0) hasEvents = true; break;
                case 0x0D: svarint(); svarint(); break;
                case 0x0E: svarint(); svarint(); break;
                case 0x0F: u8(); break;
                case 0x10: defineType(true); break;
                case 0x11: globals = Math.max(globals, uint()); break;
                case 0x12: svarint(); break;
                case 0x13: svarint(); varint(); break;
                case 0x14: { // PIN
                    svarint();
                    int pinning = u8();
                    if (pinning > 1) throw new IOException("pin action must be below 2, got " + pinning);
                    pins += pinning == 1 ? 1 : -1;
                    maxPins = Math.max(maxPins, pins);
                    break;
                }
                case 0xFF: checkFooter(records); maxGlobals = globals; return;
                default: throw new IOException("unknown opcode " + op + " near byte offset " + (offset + pos - 1));
            }
        }
    }

    // ---- pass 2: the op loop --------------------------------------------------------------------

    /** The op loop; leaves {ops, records} in `result` (allocated by the caller, before the loop). */
    private void replay(long[] result) throws IOException {
        final Object[] globals = new Object[Math.max(1, maxGlobals)];
        final Object[] stack = new Object[Math.max(1, maxStack)];
        final int[] bases = new int[maxDepth + 1];
        // JNI global references, one per pin held at once (sized by the first pass).
        final Object[] pinTable = new Object[Math.max(1, maxPins)];
        int pinCount = 0;
        final int[] fixed = fixedSlots;
        final int[] var = variable;
        final int[] extra = extraSlots;
        final int[] fin = finalizer;
        final boolean events = hasEvents;
        if (events) {
            TraceEvents.start(globals);
        }
        int depth = 0;
        int base = 0;
        int top = 0;
        long ops = 0;
        long records = 0;
        open();
        header();
        for (;;) {
            int op = u8();
            records++;
            if (events) TraceEvents.opNow = ops;
            switch (op) {
                case 0x01: { // PUSH_FRAME
                    int locals = uint();
                    bases[depth++] = base;
                    base = top;
                    top += locals;
                    ops++;
                    break;
                }
                case 0x02: { // POP_FRAME
                    for (int i = base; i < top; i++) stack[i] = null;
                    top = base;
                    base = bases[--depth];
                    ops++;
                    break;
                }
                case 0x03: { // ALLOC
                    int dst = (int) svarint();
                    int type = uint();
                    int length = uint();
                    int v = var[type];
                    int n = v == 0 ? fixed[type] : v == 1 ? extra[type] + length : extra[type] + (length + 3) / 4;
                    Object o;
                    if (fin[type] == -2) o = new Object[n];
                    else {
                        // The FinalizeTrigger in one slot past the fields (Jython's JyAttribute).
                        Object[] a = new Object[n + 1];
                        a[n] = allocCount[type] == 0 && storeType[type] < 0
                            ? TraceEvents.trigger(a, fin[type])
                            : TraceEvents.allocatingTrigger(a, fin[type], allocCount[type],
                                fixed[allocType[type]], storeType[type] < 0 ? -1 : fixed[storeType[type]],
                                storeGlobal[type]);
                        o = a;
                    }
                    if (dst >= 0) stack[base + dst] = o; else globals[-dst - 1] = o;
                    ops++;
                    break;
                }
                case 0x04: { // LOAD
                    int dst = (int) svarint();
                    int obj = (int) svarint();
                    int field = uint();
                    Object[] a = (Object[]) (obj >= 0 ? stack[base + obj] : globals[-obj - 1]);
                    Object v = a[field];
                    if (dst >= 0) stack[base + dst] = v; else globals[-dst - 1] = v;
                    ops++;
                    break;
                }
                case 0x05: { // STORE
                    int obj = (int) svarint();
                    int field = uint();
                    int src = (int) svarint();
                    Object[] a = (Object[]) (obj >= 0 ? stack[base + obj] : globals[-obj - 1]);
                    a[field] = src >= 0 ? stack[base + src] : globals[-src - 1];
                    ops++;
                    break;
                }
                case 0x06: { // MOVE
                    int dst = (int) svarint();
                    int src = (int) svarint();
                    Object v = src >= 0 ? stack[base + src] : globals[-src - 1];
                    if (dst >= 0) stack[base + dst] = v; else globals[-dst - 1] = v;
                    ops++;
                    break;
                }
                case 0x07: { // CLEAR
                    int dst = (int) svarint();
                    if (dst >= 0) stack[base + dst] = null; else globals[-dst - 1] = null;
                    ops++;
                    break;
                }
                case 0x08: svarint(); varint(); svarint(); ops++; break; // READ_INT (not stored)
                case 0x09: svarint(); varint(); svarint(); ops++; break; // WRITE_INT (not stored)
                case 0x0A: svarint(); u8(); ops++; break; // IS_NULL
                case 0x0B: svarint(); svarint(); u8(); ops++; break; // SAME
                case 0x0C: { // WEAKREF
                    int dst = (int) svarint();
                    int target = (int) svarint();
                    long callback = varint(); // 0 none, else tag + 1
                    Object t = target >= 0 ? stack[base + target] : globals[-target - 1];
                    WeakReference<Object> w = new WeakReference<Object>(t);
                    if (callback != 0 && t != null) TraceEvents.register(t, (int) (callback - 1), w);
                    if (dst >= 0) stack[base + dst] = w; else globals[-dst - 1] = w;
                    ops++;
                    break;
                }
                case 0x0D: { // DEREF
                    int dst = (int) svarint();
                    int weak = (int) svarint();
                    Object w = weak >= 0 ? stack[base + weak] : globals[-weak - 1];
                    Object v = ((WeakReference<?>) w).get();
                    if (dst >= 0) stack[base + dst] = v; else globals[-dst - 1] = v;
                    ops++;
                    break;
                }
                case 0x0E: { // COLLECT
                    svarint();
                    svarint();
                    if (events) TraceEvents.collectAndWait(); else System.gc();
                    ops++;
                    break;
                }
                case 0x0F: u8(); ops++; break; // GC_CONTROL: the JVM has no such knob
                case 0x10: defineType(false); break;
                case 0x11: varint(); break; // DEFINE_GLOBALS (sized by the first pass)
                case 0x12: svarint(); ops++; break; // ID_OF
                case 0x13: svarint(); varint(); ops++; break; // LENGTH_OF
                case 0x14: { // PIN: 1 NewGlobalRef, 0 DeleteGlobalRef
                    int s = (int) svarint();
                    int pinning = u8();
                    Object o = s >= 0 ? stack[base + s] : globals[-s - 1];
                    if (pinning == 1) {
                        pinTable[pinCount++] = o;
                    } else {
                        int k = pinCount - 1;
                        while (k >= 0 && pinTable[k] != o) k--;
                        if (k < 0) throw new IOException("unpin of an object that is not pinned at op " + ops);
                        pinTable[k] = pinTable[--pinCount];
                        pinTable[pinCount] = null;
                    }
                    ops++;
                    break;
                }
                case 0xFF: records--; result[0] = ops; result[1] = records; return;
                default: throw new IOException("unknown opcode " + op);
            }
        }
    }
}

/**
 * Finalizers and weakref callbacks the way Jython runs them (see TraceReplay's file comment).
 * A class of its own, loaded only when a trace has them (TraceReplay refers to it through static
 * calls taking and returning Object, which the verifier does not resolve): a trace without
 * them loads none of this (the start-up measurement runs TraceReplay too).
 */
final class TraceEvents {
    private TraceEvents() {}

    /** The event log, the GlobalRef table, the reference queue and its reaper thread. */
    static void start(Object[] globals) {
        globalsNow = globals;
        eventOp = new long[1 << 16];
        eventKind = new byte[1 << 16];
        eventTag = new int[1 << 16];
        globalRefs = new WeakHashMap<>();
        queue = new ReferenceQueue<>();
        allRefs = new java.util.ArrayList<>();
        triggerWatch = new WeakReference<?>[64];
        Thread reaper = new Thread(TraceEvents::reap, "weakref reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    /** A finalizable object's FinalizeTrigger (stored in its extra slot). */
    static Object trigger(Object[] self, int into) {
        return watched(new FinalizeTrigger(self, into));
    }

    /**
     * The FinalizeTrigger of an object whose __del__ allocates (FinalizerSpec.allocate, storeNew):
     * `count` Object[allocSlots] made and dropped, then an Object[storeSlots] stored into global
     * `storeGlobal` (storeSlots -1: none). The allocated types have no finalizer (TypeRegistry).
     */
    static Object allocatingTrigger(Object[] self, int into, int count, int allocSlots, int storeSlots, int storeGlobal) {
        return watched(new AllocatingTrigger(self, into, count, allocSlots, storeSlots, storeGlobal));
    }

    /**
     * Every trigger not yet found dead, each through a WeakReference: a collection that finds a
     * trigger unreachable clears its WeakReference in the collection itself (before finalization,
     * ReferenceProcessor order), so right after System.gc() the cleared ones are exactly the
     * finalizers that collection (or an earlier young one) made due. A trace with finalizers is
     * compared for order only, so these 32-byte references are no count's concern.
     */
    static WeakReference<?>[] triggerWatch;
    static int watchCount;

    static Object watched(Object trigger) {
        if (watchCount == triggerWatch.length) triggerWatch = java.util.Arrays.copyOf(triggerWatch, watchCount * 2);
        triggerWatch[watchCount++] = new WeakReference<Object>(trigger);
        return trigger;
    }

    /** Finalizers found due so far (main thread) and finalize() calls completed (finalizer thread). */
    static long finalizersDue;
    static long finalizersDone;
    static final Object DONE_LOCK = new Object();

    static void finalizerDone() {
        synchronized (DONE_LOCK) {
            finalizersDone++;
            DONE_LOCK.notifyAll();
        }
    }

    /** Count the triggers the last collection found dead (and stop watching them). */
    static void countDueFinalizers() {
        for (int i = watchCount - 1; i >= 0; i--) {
            if (triggerWatch[i].refersTo(null)) {
                finalizersDue++;
                triggerWatch[i] = triggerWatch[--watchCount];
                triggerWatch[watchCount] = null;
            }
        }
    }

    /** A callback weakref `w` with `tag` to `referent`: registered with the referent's GlobalRef. */
    static void register(Object referent, int tag, WeakReference<Object> w) {
        GlobalRef g = globalRefs.get(referent);
        if (g == null) {
            g = new GlobalRef(referent);
            globalRefs.put(referent, g);
            allRefs.add(g);
        }
        g.add(tag, w);
    }


    /** The op the main thread is at, read by the finalizer thread and the reaper. */
    static volatile long opNow;
    /** The program's globals, for a resurrecting finalizer. */
    static Object[] globalsNow;
    /** [op, kind (0 finalize, 1 callback), tag] per event, in the order they ran. */
    static long[] eventOp;
    static byte[] eventKind;
    static int[] eventTag;
    static int eventCount;
    static int eventsDropped;
    /**
     * Every GlobalRef made, so COLLECT can wait until those whose referent died are reaped. Made,
     * like the queue, only for a trace with events: a trace without them allocates exactly what
     * it did before (the start-up measurement runs this class too).
     */
    static java.util.ArrayList<GlobalRef> allRefs;

    static synchronized void event(int kind, int tag) {
        if (eventCount == eventOp.length) {
            eventsDropped++;
            return;
        }
        eventOp[eventCount] = opNow;
        eventKind[eventCount] = (byte) kind;
        eventTag[eventCount] = tag;
        eventCount++;
    }

    /** Jython's FinalizeTrigger: its finalize() is the object's __del__. */
    static final class FinalizeTrigger {
        final Object[] self;
        final int into;

        FinalizeTrigger(Object[] self, int into) {
            this.self = self;
            this.into = into;
        }

        @Override
        @SuppressWarnings("deprecation")
        protected void finalize() {
            try {
                if (into >= 0) globalsNow[into] = self;
                event(0, 0);
            } finally {
                finalizerDone();
            }
        }
    }

    /**
     * Where an allocating __del__ puts each object it makes, for the moment it makes it: an
     * allocation nothing reads could be removed by the JIT's escape analysis; stored into a
     * static field, it is made, and it is garbage again once the next one replaces it.
     */
    static Object sink;

    /** A FinalizeTrigger whose __del__ also allocates (see allocatingTrigger). */
    static final class AllocatingTrigger {
        final Object[] self;
        final int into;
        final int count;
        final int allocSlots;
        final int storeSlots;
        final int storeGlobal;

        AllocatingTrigger(Object[] self, int into, int count, int allocSlots, int storeSlots, int storeGlobal) {
            this.self = self;
            this.into = into;
            this.count = count;
            this.allocSlots = allocSlots;
            this.storeSlots = storeSlots;
            this.storeGlobal = storeGlobal;
        }

        @Override
        @SuppressWarnings("deprecation")
        protected void finalize() {
            try {
                if (into >= 0) globalsNow[into] = self;
                event(0, 0);
                for (int k = 0; k < count; k++) sink = new Object[allocSlots];
                sink = null;
                if (storeSlots >= 0) globalsNow[storeGlobal] = new Object[storeSlots];
            } finally {
                finalizerDone();
            }
        }
    }

    static ReferenceQueue<Object> queue;
    /** Each referent's GlobalRef (an Object[]'s equals/hashCode are identity's). */
    static WeakHashMap<Object, GlobalRef> globalRefs;

    /** Jython's GlobalRef: one per weakly referenced object, its callbacks in registration order. */
    static final class GlobalRef extends WeakReference<Object> {
        int[] tags = new int[1];
        WeakReference<?>[] weakrefs = new WeakReference<?>[1];
        int count;
        volatile boolean reaped;

        GlobalRef(Object referent) {
            super(referent, queue);
        }

        void add(int tag, WeakReference<?> weakref) {
            if (count == tags.length) {
                tags = java.util.Arrays.copyOf(tags, count * 2);
                weakrefs = java.util.Arrays.copyOf(weakrefs, count * 2);
            }
            tags[count] = tag;
            // The weakref object itself, held weakly: a weakref that died does not call back.
            weakrefs[count] = new WeakReference<Object>(weakref);
            count++;
        }
    }

    /** The reaper thread: each referent's callbacks together, newest first. */
    static void reap() {
        for (;;) {
            try {
                GlobalRef g = (GlobalRef) queue.remove();
                for (int i = g.count - 1; i >= 0; i--) {
                    if (g.weakrefs[i].get() != null) event(1, g.tags[i]);
                }
                g.reaped = true;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** How long COLLECT waits for the finalizers it made due before it gives up (they then show as missing). */
    static final long FINALIZER_WAIT_MS = 30_000;

    /**
     * gc.collect() with finalizers or callbacks: collect, wait until every finalizer found due has
     * completed, let the reaper drain. Not System.runFinalization(): it returns once its own
     * secondary thread finds the Finalizer queue empty, while the Reference Handler may not yet
     * have enqueued what the collection found and the primary finalizer thread may still be inside
     * a finalize() (one that allocates takes long enough to be caught); it also starts a thread,
     * an allocation of its own. Here the finalizer thread runs them as it would anyway, and the
     * main thread waits on a count (no allocation: a monitor and two longs).
     */
    static void collectAndWait() {
        System.gc();
        countDueFinalizers();
        long deadline = System.nanoTime() + FINALIZER_WAIT_MS * 1_000_000L;
        synchronized (DONE_LOCK) {
            while (finalizersDone < finalizersDue) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (leftMs <= 0) break;
                try {
                    DONE_LOCK.wait(leftMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        // The reaper may still be running what this collection enqueued: wait (bounded) until
        // every GlobalRef whose referent is gone has been reaped.
        for (int spin = 0; spin < 200; spin++) {
            boolean busy = false;
            for (int i = 0; i < allRefs.size() && !busy; i++) {
                GlobalRef g = allRefs.get(i);
                busy = !g.reaped && g.refersTo(null);
            }
            if (!busy) return;
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** `,"events":[[op,"finalize"|"callback",tag],...],"eventsDropped":n`, as replay.py prints them. */
    static synchronized String json() {
        StringBuilder sb = new StringBuilder(",\"events\":[");
        for (int i = 0; i < eventCount; i++) {
            if (i > 0) sb.append(',');
            sb.append('[').append(eventOp[i]).append(",\"").append(eventKind[i] == 0 ? "finalize" : "callback")
                    .append("\",").append(eventTag[i]).append(']');
        }
        return sb.append("],\"eventsDropped\":").append(eventsDropped).toString();
    }

}
