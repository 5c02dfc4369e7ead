package dev.weft;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * {@link LockWord} through the FFM API (final in JDK 22): the mutex's
 * state word as a 4-byte global segment, read and CASed with a VarHandle
 * (one {@code lock cmpxchg} once compiled), by the same rules as
 * mutex.c's own fast paths. A JNI call costs ~20 ns
 * on top of that. VarHandle CAS is sequentially consistent, stronger than
 * the acquire/release mutex.c's C11 fast paths use on the same word.
 *
 * <p>Compiled with release 22 into the same output directory and only
 * loaded by name on a 22+ JVM. {@code reinterpret} is a restricted method:
 * the JVM warns once unless run with {@code --enable-native-access}.
 */
final class FfmLockWord extends LockWord {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    // cnative/src/mutex.c's bits
    private static final int LOCKED = 1;
    private static final int WAITERS = 2;
    private static final int WOKEN = 4;
    private static final int STARVING = 8;

    @Override
    Object bind(long mutexHandle) {
        // state is the first member of struct weft_mutex (static asserts in jni_runtime.c)
        return MemorySegment.ofAddress(mutexHandle).reinterpret(4);
    }

    @Override
    boolean tryLock(Object word, long mutexHandle) {
        MemorySegment w = (MemorySegment) word;
        int s = (int) INT.getVolatile(w, 0L);
        // free, and not handed over in order (mutex.c: barging)
        return (s & (LOCKED | STARVING)) == 0 && INT.compareAndSet(w, 0L, s, s | LOCKED);
    }

    @Override
    boolean tryUnlock(Object word) {
        MemorySegment w = (MemorySegment) word;
        int s = (int) INT.getVolatile(w, 0L);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && INT.compareAndSet(w, 0L, s, s & ~LOCKED);
    }
}
