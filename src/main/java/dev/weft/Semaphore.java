package dev.weft;

import dev.weft.jni.WeftJni;

import java.time.Duration;

/**
 * A counting semaphore on Weft's native one: FIFO hand-off of released
 * permits to waiters, waiting by parking.
 */
public final class Semaphore {
    private final NativeSync sync;

    /**
     * Creates a semaphore holding {@code permits} permits.
     *
     * @param permits initial permits, at least 0
     * @throws IllegalArgumentException if permits is negative
     */
    public Semaphore(long permits) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0, not " + permits);
        }
        Parking.ensureStarted();
        sync = new NativeSync(this, WeftJni.weft_jni_sem_new(permits), "sem", WeftJni::weft_jni_sem_free);
    }

    /**
     * Takes a permit, waiting for one.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void acquire() throws InterruptedException {
        if (!acquire(Long.MAX_VALUE)) {
            throw new IllegalStateException("unreachable");
        }
    }

    /**
     * Takes a permit, waiting for one at most {@code timeout}.
     *
     * @param timeout how long to wait at most
     * @return true if a permit was taken
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean tryAcquire(Duration timeout) throws InterruptedException {
        return acquire(Parking.deadline(timeout));
    }

    private boolean acquire(long deadline) throws InterruptedException {
        if (Thread.interrupted()) {
            throw Coroutine.interruptedOrCancelled();
        }
        int r = NativeSync.await(this, (op, tok) -> WeftJni.weft_jni_sem_acquire(op, sync.handle, tok), deadline, true);
        if (r == WeftJni.WEFT_JNI_ETIMEDOUT) {
            return false;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("Semaphore.acquire", r);
        }
        return true;
    }

    /**
     * Takes a permit only if one is free now.
     *
     * @return true if a permit was taken without waiting
     */
    public boolean tryAcquire() {
        try {
            return WeftJni.weft_jni_sem_try_acquire(sync.handle) == WeftJni.WEFT_JNI_OK;
        } finally {
            java.lang.ref.Reference.reachabilityFence(this);
        }
    }

    /** Returns a permit (to the longest waiter, if any). */
    public void release() {
        int r = NativeSync.packed(this, WeftJni.weft_jni_sem_release(sync.handle));
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("Semaphore.release", r);
        }
    }

    /**
     * The number of free permits now, a snapshot.
     *
     * @return permits available now (0 while anyone waits)
     */
    public long availablePermits() {
        try {
            return Math.max(0, WeftJni.weft_jni_sem_value(sync.handle));
        } finally {
            java.lang.ref.Reference.reachabilityFence(this);
        }
    }
}
