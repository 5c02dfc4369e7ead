package dev.weft.internal;

import dev.weft.jni.WeftJni;

/** The native condition variable under a {@link dev.weft.Mutex}'s conditions. */
public final class NativeCond extends NativeSync {
    /**
     * Makes the native condition, freed once {@code owner} is unreachable.
     *
     * @param owner the Condition
     */
    public NativeCond(Object owner) {
        super(owner, WeftJni::weft_jni_cond_new, "cond", WeftJni::weft_jni_cond_free);
    }

    /**
     * Releases {@code mutex} natively, waits to be signalled until
     * {@code deadline} (nanoTime; MAX_VALUE: none), and takes the native
     * mutex back; the Java-side ownership is the caller's to give up and
     * take back.
     *
     * @param owner         the Condition
     * @param mutex         the mutex the caller holds
     * @param deadline      when to stop waiting
     * @param interruptible whether an interrupt ends the wait
     * @return false if the deadline passed first, else true (signalled, or woken spuriously)
     * @throws InterruptedException if interruptible and interrupted
     * @throws IllegalMonitorStateException if the caller does not hold the mutex natively
     */
    public boolean await(Object owner, NativeMutex mutex, long deadline, boolean interruptible)
            throws InterruptedException {
        int r = await(owner, (op, tok) -> WeftJni.weft_jni_cond_wait(op, handle, mutex.handle, tok),
                deadline, interruptible);
        if (r == WeftJni.WEFT_JNI_ESTATE) {
            throw new IllegalMonitorStateException("await without holding the Mutex");
        }
        return r != WeftJni.WEFT_JNI_ETIMEDOUT;
    }

    /**
     * Wakes one waiter, or all.
     *
     * @param owner the Condition
     * @param all   all waiters, not one
     */
    public void signal(Object owner, boolean all) {
        packed(owner, WeftJni.weft_jni_cond_signal(handle, all ? 1 : 0));
    }
}
