package dev.weft.internal;

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
 * <p>Each try starts with the CAS of the common case (0 to LOCKED,
 * LOCKED to 0) and, if the word held something else, decides from the
 * value that CAS found. Reading the word first cost ~2.5 ns per try
 * uncontended (lock+unlock 17.6 ns against 13.0 with the CASes first,
 * ReentrantLock 14.1: a load just before a locked instruction on the same
 * line), and a contended lock only got cheaper that way while nobody
 * spun: without {@link dev.weft.Mutex}'s spin, CAS-first lowered contended
 * throughput (JMH, 4 / 64 virtual threads: 0.71x / 0.78x ReentrantLock
 * against 0.85x / 0.95x), because under contention the word carries
 * WAITERS or WOKEN, so that CAS fails and is one more locked operation on
 * a line both cores want. With the spin, few lockers queue and the word
 * is mostly 0 or LOCKED: 1.43x / 1.35x CAS-first against 1.25x / 1.17x
 * with the reads (unlock read-first, lock CAS-first).
 *
 * <p>In the jar's release-22 section ({@code META-INF/versions/22}),
 * compiled with release 22 whatever JDK builds, and loaded by name
 * ({@link FastPath}) on a 22+ JVM only. {@code reinterpret} is a restricted method:
 * the JVM warns once unless run with {@code --enable-native-access}.
 */
final class FfmLockWord extends LockWord {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    // reinterpret is restricted (javac's lint "restricted"): used on purpose, the one segment
    // over the address space that the native handles are offsets into; the JVM's own
    // warning at run time is what --enable-native-access (README) answers
    @SuppressWarnings("restricted")
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    // state is the first member of struct weft_mutex (static asserts in jni_runtime.c)

    @Override
    public boolean tryLock(long mutexHandle) {
        int s = (int) INT.compareAndExchange(ALL, mutexHandle, 0, LOCKED);
        // free, and not handed over in order (mutex.c: barging)
        return s == 0 || (s & (LOCKED | STARVING)) == 0 && INT.compareAndSet(ALL, mutexHandle, s, s | LOCKED);
    }

    @Override
    public boolean tryUnlock(long mutexHandle) {
        int s = (int) INT.compareAndExchange(ALL, mutexHandle, LOCKED, 0);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return s == LOCKED || (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && INT.compareAndSet(ALL, mutexHandle, s, s & ~LOCKED);
    }

    @Override
    public int peek(long mutexHandle) {
        return (int) INT.getVolatile(ALL, mutexHandle);
    }
}
