package dev.weft.internal;

/**
 * {@link LockWord} through {@code sun.misc.Unsafe} ({@link UnsafeMemory}):
 * JDK 21's form, where the FFM API ({@code FfmLockWord}'s) is still a
 * preview. The same transitions as FfmLockWord's, so the native side
 * cannot tell the two apart: {@code state} is the first member of
 * {@code struct weft_mutex} (static asserts in jni_runtime.c), so the
 * handle is the word's address.
 *
 * <p>Why not JNI there: a JNI call per lock and per unlock measured 2.1×
 * a {@code ReentrantLock} uncontended, and the JNI form cannot peek at the
 * word, so no locker spins and contended throughput fell to about half of
 * ReentrantLock's; this form measured 0.85× and 1.45× (README, benchmarks).
 *
 * <p>The transitions are written out here and in FfmLockWord on purpose.
 * One lock word over an abstract accessor of native memory (FFM or
 * Unsafe behind it, a final field or a record component) was tried: in
 * alternated JMH runs (3 forks each) the FFM form's contended throughput
 * fell from 1.54× / 1.19× and 1.73× / 1.51× ReentrantLock (4 / 64
 * threads) to 1.52× / 1.13×, 1.14× / 1.06× and 1.38× / 0.94×.
 */
final class UnsafeLockWord extends LockWord {
    UnsafeLockWord() {
        UnsafeMemory.check();
    }

    @Override
    public boolean tryLock(long mutexHandle) {
        if (UnsafeMemory.casInt(mutexHandle, FREE, LOCKED)) {
            return true;
        }
        int s = peek(mutexHandle);
        // free, and not handed over in order (mutex.c: barging)
        return (s & (LOCKED | STARVING)) == 0 && UnsafeMemory.casInt(mutexHandle, s, s | LOCKED);
    }

    @Override
    public boolean tryUnlock(long mutexHandle) {
        if (UnsafeMemory.casInt(mutexHandle, LOCKED, FREE)) {
            return true;
        }
        int s = peek(mutexHandle);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && UnsafeMemory.casInt(mutexHandle, s, s & ~LOCKED);
    }

    @Override
    public int peek(long mutexHandle) {
        return UnsafeMemory.getIntVolatile(mutexHandle);
    }
}
