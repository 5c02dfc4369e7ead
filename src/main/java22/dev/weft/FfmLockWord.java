package dev.weft;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * {@link LockWord} through the FFM API (final in JDK 22): the mutex's
 * state word read and CASed with a VarHandle (one {@code lock cmpxchg}
 * once compiled), by the same rules as mutex.c's own fast paths. A JNI
 * call costs ~20 ns on top of that. VarHandle CAS is sequentially
 * consistent, stronger than the acquire/release mutex.c's C11 fast paths
 * use on the same word.
 *
 * <p>Every word is addressed through one constant segment that spans the
 * whole address space, the handle being the offset: with the segment a
 * constant, the JIT folds its bounds and liveness checks away, which a
 * segment per mutex (held in a field) does not allow: those checks were
 * a third of the uncontended lock+unlock. The Mutex keeps its native
 * memory alive while it uses it (reachabilityFence), as before.
 *
 * <p>Each try starts with the CAS of the common case (free to locked,
 * locked to free) instead of a read: on a word another core just wrote,
 * a read first fetches the cache line shared and the CAS then has to
 * fetch it again exclusive.
 *
 * <p>Compiled with release 22 into the same output directory and only
 * loaded by name on a 22+ JVM. {@code reinterpret} is a restricted method:
 * the JVM warns once unless run with {@code --enable-native-access}.
 */
final class FfmLockWord extends LockWord {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    // cnative/src/mutex.c's bits
    private static final int LOCKED = 1;
    private static final int WAITERS = 2;
    private static final int WOKEN = 4;
    private static final int STARVING = 8;

    @Override
    boolean tryLock(long mutexHandle) {
        // state is the first member of struct weft_mutex (static asserts in jni_runtime.c)
        if (INT.compareAndSet(ALL, mutexHandle, 0, LOCKED)) {
            return true;
        }
        int s = (int) INT.getVolatile(ALL, mutexHandle);
        // free, and not handed over in order (mutex.c: barging)
        return (s & (LOCKED | STARVING)) == 0 && INT.compareAndSet(ALL, mutexHandle, s, s | LOCKED);
    }

    @Override
    boolean tryUnlock(long mutexHandle) {
        if (INT.compareAndSet(ALL, mutexHandle, LOCKED, 0)) {
            return true;
        }
        int s = (int) INT.getVolatile(ALL, mutexHandle);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && INT.compareAndSet(ALL, mutexHandle, s, s & ~LOCKED);
    }
}
