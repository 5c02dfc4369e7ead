package dev.weft.internal;

import dev.weft.jni.WeftJni;

/** The native counting semaphore under a {@link dev.weft.Semaphore}. */
public final class NativeSemaphore extends NativeSync {
    /**
     * Makes the native semaphore, freed once {@code owner} is unreachable.
     *
     * @param owner   the Semaphore
     * @param permits its initial permits, at least 0
     */
    public NativeSemaphore(Object owner, long permits) {
        super(owner, () -> WeftJni.weft_jni_sem_new(permits), "sem", WeftJni::weft_jni_sem_free);
    }

    /**
     * Waits for a permit until {@code deadline} (nanoTime; MAX_VALUE: none).
     *
     * @param owner    the Semaphore
     * @param deadline when to give up
     * @return true if a permit was taken, false on the deadline
     * @throws InterruptedException if interrupted while waiting (none taken)
     */
    public boolean acquire(Object owner, long deadline) throws InterruptedException {
        return acquire(owner, (op, tok) -> WeftJni.weft_jni_sem_acquire(op, handle, tok), deadline, "Semaphore.acquire");
    }

    /**
     * Takes a permit if one is free now.
     *
     * @param owner the Semaphore
     * @return true if taken
     */
    public boolean tryAcquire(Object owner) {
        return isOk(owner, WeftJni.weft_jni_sem_try_acquire(handle));
    }

    /**
     * Returns a permit, waking a waiter if there is one.
     *
     * @param owner the Semaphore
     */
    public void release(Object owner) {
        ok(owner, WeftJni.weft_jni_sem_release(handle), "Semaphore.release");
    }

    /**
     * The native count now (negative while parties wait).
     *
     * @param owner the Semaphore
     * @return weft_sem_value()
     */
    public long value(Object owner) {
        try {
            return WeftJni.weft_jni_sem_value(handle);
        } finally {
            java.lang.ref.Reference.reachabilityFence(owner);
        }
    }
}
