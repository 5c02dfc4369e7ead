package dev.weft;

import dev.weft.jni.WeftJni;

import java.time.Duration;

/**
 * Go's {@code sync.WaitGroup}: waits for a collection of coroutines to
 * finish. {@link #add(int)} before starting each, {@link #done()} when
 * each ends, {@link #await()} until the count is zero. Shared with native
 * coroutines' {@code weft_wg_t} semantics.
 */
public final class WaitGroup {
    private final NativeSync sync;

    /** A WaitGroup with count 0. */
    public WaitGroup() {
        Parking.ensureStarted();
        sync = new NativeSync(this, WeftJni.weft_jni_wg_new(), "wg", WeftJni::weft_jni_wg_free);
    }

    /**
     * Adds {@code delta} (may be negative) to the count; at zero, every
     * waiter is released.
     *
     * @param delta the change
     * @throws IllegalStateException if the count would go negative (it is left unchanged)
     */
    public void add(int delta) {
        int r = NativeSync.packed(this, WeftJni.weft_jni_wg_add(sync.handle, delta));
        if (r == WeftJni.WEFT_JNI_EINVAL) {
            throw new IllegalStateException("WaitGroup count would go negative (" + count() + " + " + delta + ")");
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("WaitGroup.add", r);
        }
    }

    /** {@code add(-1)}. @throws IllegalStateException if the count is already 0 */
    public void done() {
        add(-1);
    }

    /**
     * The count now, a snapshot.
     *
     * @return the current count
     */
    public long count() {
        try {
            return WeftJni.weft_jni_wg_count(sync.handle);
        } finally {
            java.lang.ref.Reference.reachabilityFence(this);
        }
    }

    /**
     * Waits until the count is zero.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void await() throws InterruptedException {
        int r = NativeSync.await(this, (op, tok) -> WeftJni.weft_jni_wg_wait(op, sync.handle, tok), Long.MAX_VALUE, true);
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("WaitGroup.await", r);
        }
    }

    /**
     * Waits at most {@code timeout} for the count to reach zero.
     *
     * @param timeout how long to wait
     * @return true if it did, false on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        int r = NativeSync.await(this, (op, tok) -> WeftJni.weft_jni_wg_wait(op, sync.handle, tok),
                Parking.deadline(timeout), true);
        if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("WaitGroup.await", r);
        }
        return true;
    }
}
