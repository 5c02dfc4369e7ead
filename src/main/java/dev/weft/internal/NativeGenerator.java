package dev.weft.internal;

import dev.weft.WeftException;
import dev.weft.jni.WeftJni;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The native generator under a {@link dev.weft.NativeSequence}: C code
 * suspended on its own stack between values. Its {@link #run()} frees it,
 * and is the sequence's Cleaner action, so it must not refer back to the
 * sequence (or the sequence would never become unreachable).
 *
 * <p>Not thread-safe by itself: the sequence calls {@link #next} and
 * {@link #run()} under its monitor, except that the Cleaner runs it once
 * the sequence is unreachable, when nobody else can.
 */
public final class NativeGenerator implements Runnable {
    /** The C function that yields Fibonacci numbers. */
    public static final int FIBONACCI = WeftJni.WEFT_JNI_SEQ_FIBONACCI;
    /** The C function that yields 1..depth from ever deeper recursion. */
    public static final int NESTED = WeftJni.WEFT_JNI_SEQ_NESTED;

    /** Generators opened and not yet freed; for tests. */
    private static final AtomicLong LIVE = new AtomicLong();

    // 0 once freed. Written under the owning sequence's monitor, or by the Cleaner once
    // the sequence is unreachable; volatile so the Cleaner's thread sees the last write.
    private volatile long h;
    private final long id;
    private final long stackSize;
    private final long[] slot = new long[1];

    private NativeGenerator(long h) {
        this.h = h;
        this.id = WeftJni.weft_jni_seq_id(h);
        this.stackSize = WeftJni.weft_jni_seq_stack_size(h);
    }

    /**
     * Opens a generator running C function {@code kind} for {@code count}
     * values; nothing runs until the first {@link #next}.
     *
     * @param kind     {@link #FIBONACCI} or {@link #NESTED}
     * @param kindName its name, for the failure message
     * @param count    its argument
     * @return the generator
     * @throws WeftException if the native core cannot create it
     */
    public static NativeGenerator open(int kind, String kindName, long count) {
        Native.ensureLoaded();
        long h = WeftJni.weft_jni_seq_open(kind, count, 0);
        if (h < 0) {
            throw new WeftException("weft_jni_seq_open(" + kindName + ", " + count + ")", (int) h);
        }
        LIVE.incrementAndGet();
        return new NativeGenerator(h);
    }

    /**
     * The generator's id, unique in the process.
     *
     * @return the id, from 1
     */
    public long id() {
        return id;
    }

    /**
     * The usable size of its stack.
     *
     * @return bytes
     */
    public long stackSize() {
        return stackSize;
    }

    /**
     * Resumes the generator on the calling thread until it yields or returns.
     * The caller keeps its owner reachable meanwhile.
     *
     * @param what names the sequence in a failure message
     * @return true with the value in {@link #value()}, false once it returned
     * @throws WeftException if the native core reports an error
     */
    public boolean next(Object what) {
        int rc = WeftJni.weft_jni_seq_next(h, slot);
        if (rc == WeftJni.WEFT_JNI_OK) {
            return true;
        }
        if (rc == WeftJni.WEFT_JNI_DONE) {
            return false;
        }
        throw new WeftException("weft_jni_seq_next(" + what + ")", rc);
    }

    /**
     * The value the last successful {@link #next} yielded.
     *
     * @return the value
     */
    public long value() {
        return slot[0];
    }

    /** Frees the generator (finishing it first); at most once has an effect (the Cleanable contract). */
    @Override
    public void run() {
        long handle = h;
        h = 0;
        if (handle != 0) {
            int rc = WeftJni.weft_jni_seq_close(handle);
            if (rc != WeftJni.WEFT_JNI_OK) {
                // only WEFT_EBUSY is possible, and the sequence's monitor rules it out
                throw new WeftException("weft_jni_seq_close", rc);
            }
            LIVE.decrementAndGet();
        }
    }

    /** Generators opened and not yet freed, process-wide (tests). */
    static long liveCount() {
        return LIVE.get();
    }
}
