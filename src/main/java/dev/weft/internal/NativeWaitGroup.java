package dev.weft.internal;

import dev.weft.jni.WeftJni;

/** The native WaitGroup under a {@link dev.weft.WaitGroup}. */
public final class NativeWaitGroup extends NativeSync {
    /**
     * Makes the native WaitGroup, freed once {@code owner} is unreachable.
     *
     * @param owner the WaitGroup
     */
    public NativeWaitGroup(Object owner) {
        super(owner, WeftJni::weft_jni_wg_new, "wg", WeftJni::weft_jni_wg_free);
    }

    /**
     * Adds {@code delta} to the count, waking the waiters if it reaches 0.
     *
     * @param owner the WaitGroup
     * @param delta what to add, may be negative
     * @return false, and nothing changed, if the count would go negative
     */
    public boolean add(Object owner, int delta) {
        int r = packed(owner, WeftJni.weft_jni_wg_add(handle, delta));
        if (r == WeftJni.WEFT_JNI_EINVAL) {
            return false;
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new dev.weft.WeftException("WaitGroup.add", r);
        }
        return true;
    }

    /**
     * The count now.
     *
     * @param owner the WaitGroup
     * @return weft_wg_count()
     */
    public long count(Object owner) {
        try {
            return WeftJni.weft_jni_wg_count(handle);
        } finally {
            java.lang.ref.Reference.reachabilityFence(owner);
        }
    }

    /**
     * Waits until the count is 0 or {@code deadline} (nanoTime; MAX_VALUE: none) passes.
     *
     * @param owner    the WaitGroup
     * @param deadline when to give up
     * @return true once the count was 0, false on the deadline
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Object owner, long deadline) throws InterruptedException {
        return acquire(owner, (op, tok) -> WeftJni.weft_jni_wg_wait(op, handle, tok), deadline, "WaitGroup.await");
    }
}
