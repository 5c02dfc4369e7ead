package dev.weft.internal;

import dev.weft.jni.WeftJni;

/**
 * The native mutex under a {@link dev.weft.Mutex}: its queueing paths. The
 * uncontended ones are a CAS on its state word ({@link #word()}) through
 * {@link LockWord}, which the Mutex does itself, and so is the ownership
 * bookkeeping: this class only waits and wakes.
 */
public final class NativeMutex extends NativeSync {
    /**
     * Makes the native mutex, freed once {@code owner} is unreachable.
     *
     * @param owner the Mutex
     */
    public NativeMutex(Object owner) {
        super(owner, WeftJni::weft_jni_mutex_new, "mutex", WeftJni::weft_jni_mutex_free);
    }

    /**
     * The address of the native state word, for {@link LockWord}: the
     * handle itself (state is struct weft_mutex's first member).
     *
     * @return the word's address
     */
    public long word() {
        return handle;
    }

    /**
     * Queues for the mutex and waits, ignoring interrupts (they stay pending).
     *
     * @param owner the Mutex
     */
    public void lock(Object owner) {
        acquireUninterruptibly(owner, (op, tok) -> WeftJni.weft_jni_mutex_lock(op, handle, tok), "Mutex.lock");
    }

    /**
     * Queues for the mutex and waits until {@code deadline} (nanoTime;
     * MAX_VALUE: none).
     *
     * @param owner    the Mutex
     * @param deadline when to give up
     * @return true if acquired, false on the deadline
     * @throws InterruptedException if interrupted while waiting (not acquired)
     */
    public boolean lock(Object owner, long deadline) throws InterruptedException {
        return acquire(owner, (op, tok) -> WeftJni.weft_jni_mutex_lock(op, handle, tok), deadline, "Mutex.lock");
    }

    /**
     * The native unlock, which wakes or hands over to a waiter.
     *
     * @param owner the Mutex
     */
    public void unlock(Object owner) {
        ok(owner, WeftJni.weft_jni_mutex_unlock(handle), "Mutex.unlock");
    }
}
