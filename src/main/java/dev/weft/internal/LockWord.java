package dev.weft.internal;

import dev.weft.jni.WeftJni;

/**
 * The uncontended fast path of {@link dev.weft.Mutex}: one compare-and-swap
 * on the native mutex's state word ({@link NativeMutex#word()}), by
 * mutex.c's rules (take it when neither locked nor in hand-off mode;
 * release it when nobody needs waking). On a JDK with the FFM API (22+)
 * the CAS is done from Java on the native word ({@code FfmLockWord}, in
 * the jar's release-22 section and loaded by name, so these classes still
 * run on 21); otherwise, or with {@code -Dweft.ffm=false}, through
 * {@code sun.misc.Unsafe} ({@link UnsafeLockWord}: JDK 21's form); and
 * where that is missing too, or with {@code -Dweft.unsafe=false}, by a JNI
 * call (which cannot peek, so nobody spins). {@link FastPath} picks.
 *
 * <p>The contended paths stay native: a failed lock (after the Mutex spun
 * on {@link #peek}) queues through JNI ({@link NativeMutex#lock}), and an
 * unlock that finds waiters to wake (WAITERS without WOKEN, or hand-off
 * mode) does so through JNI ({@link NativeMutex#unlock}).
 */
public abstract class LockWord {
    /** One try to take it; true if the caller now holds the mutex. */
    public abstract boolean tryLock(long mutexHandle);

    /**
     * One try to release it when nobody needs waking; false if the
     * caller must unlock through JNI (a waiter to wake or hand over to,
     * or a lost race).
     */
    public abstract boolean tryUnlock(long mutexHandle);

    // cnative/src/mutex.c's state bits; FREE: unlocked, nobody queued or woken
    public static final int FREE = 0;
    public static final int LOCKED = 1;
    public static final int WAITERS = 2;
    public static final int WOKEN = 4;
    public static final int STARVING = 8;

    /**
     * The word now, for a spinning locker ({@link dev.weft.Mutex}), or -1 where
     * looking would cost a native call (the JNI form): then nobody spins.
     */
    public abstract int peek(long mutexHandle);

    public static final LockWord IMPL = FastPath.pick(LockWord.class, "FfmLockWord", UnsafeLockWord::new, Jni::new,
            "the mutex word");

    /** The JNI form: every uncontended lock and unlock is one JNI call. */
    static final class Jni extends LockWord {
        @Override
        public boolean tryLock(long mutexHandle) {
            return WeftJni.weft_jni_mutex_trylock(mutexHandle) == WeftJni.WEFT_JNI_OK;
        }

        @Override
        public boolean tryUnlock(long mutexHandle) {
            return false;
        }

        @Override
        public int peek(long mutexHandle) {
            return -1;
        }
    }
}
