package dev.weft.internal;

import dev.weft.jni.WeftJni;

/**
 * The native reader-writer lock under a {@link dev.weft.RwLock}; each
 * call names the side ({@code write}: the write lock, else the read lock).
 */
public final class NativeRwLock extends NativeSync {
    /**
     * Makes the native rwlock, freed once {@code owner} is unreachable.
     *
     * @param owner the RwLock
     */
    public NativeRwLock(Object owner) {
        super(owner, WeftJni::weft_jni_rwlock_new, "rwlock", WeftJni::weft_jni_rwlock_free);
    }

    /**
     * One try, without waiting.
     *
     * @param owner the RwLock
     * @param write which side
     * @return true if acquired
     */
    public boolean tryLock(Object owner, boolean write) {
        return isOk(owner, WeftJni.weft_jni_rwlock_trylock(handle, write ? 1 : 0));
    }

    /**
     * Queues and waits, ignoring interrupts (they stay pending).
     *
     * @param owner the RwLock
     * @param write which side
     */
    public void lock(Object owner, boolean write) {
        int iw = write ? 1 : 0;
        acquireUninterruptibly(owner, (op, tok) -> WeftJni.weft_jni_rwlock_lock(op, handle, iw, tok), "RwLock.lock");
    }

    /**
     * Queues and waits until {@code deadline} (nanoTime; MAX_VALUE: none).
     *
     * @param owner    the RwLock
     * @param write    which side
     * @param deadline when to give up
     * @return true if acquired, false on the deadline
     * @throws InterruptedException if interrupted while waiting (not acquired)
     */
    public boolean lock(Object owner, boolean write, long deadline) throws InterruptedException {
        int iw = write ? 1 : 0;
        return acquire(owner, (op, tok) -> WeftJni.weft_jni_rwlock_lock(op, handle, iw, tok), deadline, "RwLock.lock");
    }

    /**
     * Releases one side.
     *
     * @param owner the RwLock
     * @param write which side
     * @throws IllegalMonitorStateException if that side is not held (natively: the read lock)
     */
    public void unlock(Object owner, boolean write) {
        int r = packed(owner, WeftJni.weft_jni_rwlock_unlock(handle, write ? 1 : 0));
        if (r == WeftJni.WEFT_JNI_ESTATE) {
            throw new IllegalMonitorStateException("read lock not held");
        }
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new dev.weft.WeftException("RwLock.unlock", r);
        }
    }
}
