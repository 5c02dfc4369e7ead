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
 * <p>Each try reads the word before its CAS. Starting with the CAS of
 * the common case instead (0 to LOCKED, LOCKED to 0) saved nothing
 * uncontended and cost contended throughput (weft/ReentrantLock at 4
 * virtual threads 0.71 -> 0.50, at 64 0.79 -> 0.43): under contention
 * the word carries WAITERS or WOKEN, so that CAS fails every time and
 * is one more locked operation on a line both cores want.
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
        int s = (int) INT.getVolatile(ALL, mutexHandle);
        // free, and not handed over in order (mutex.c: barging)
        return (s & (LOCKED | STARVING)) == 0 && INT.compareAndSet(ALL, mutexHandle, s, s | LOCKED);
    }

    @Override
    boolean tryUnlock(long mutexHandle) {
        int s = (int) INT.getVolatile(ALL, mutexHandle);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && INT.compareAndSet(ALL, mutexHandle, s, s & ~LOCKED);
    }
}
