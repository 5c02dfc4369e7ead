package dev.weft;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * The lock word of a native mutex, CASed in place through
 * {@code sun.misc.Unsafe}: JDK 21's fast path, where the FFM API
 * ({@link FfmLockWord}'s) is still a preview. The same transitions as
 * FfmLockWord's, so the native side cannot tell the two apart.
 *
 * <p>Why Unsafe there: a JNI call per lock and unlock measured 2.3× a
 * {@code ReentrantLock} uncontended, and the JNI form cannot peek at the
 * word, so its spin phase is off and contended throughput fell to about
 * half of ReentrantLock's (README, benchmarks). Unsafe's int CAS and
 * volatile read with a null base address absolute memory (its Javadoc:
 * "if o is null, offset is an absolute address"), which is what the word
 * is: {@code state} is the first member of {@code struct weft_mutex}
 * (static asserts in jni_runtime.c), 4-byte aligned.
 *
 * <p>Reached by reflection and method handles, not by name: javac warns
 * of every use of an internal API by name, unsuppressably, and the main
 * sources build with -Werror; and the module needs no
 * {@code requires jdk.unsupported} (which opens {@code sun.misc} to
 * everyone). The handles are constants, so the JIT inlines them like a
 * direct call. On JDK 22+ the FFM word is used instead: JDK 24 warns on
 * the first use of Unsafe's memory access (JEP 498), and later JDKs
 * remove it. Construction fails (and {@link LockWord#IMPL} falls back to
 * JNI) if any of it is missing.
 */
final class UnsafeLockWord extends LockWord {
    private static final MethodHandle CAS;
    private static final MethodHandle GET;

    static {
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object u = f.get(null);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            CAS = l.findVirtual(c, "compareAndSwapInt",
                    MethodType.methodType(boolean.class, Object.class, long.class, int.class, int.class)).bindTo(u);
            GET = l.findVirtual(c, "getIntVolatile",
                    MethodType.methodType(int.class, Object.class, long.class)).bindTo(u);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static boolean cas(long address, int expected, int value) {
        try {
            return (boolean) CAS.invokeExact((Object) null, address, expected, value);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t); // the method declares nothing
        }
    }

    @Override
    boolean tryLock(long mutexHandle) {
        if (cas(mutexHandle, FREE, LOCKED)) {
            return true;
        }
        int s = peek(mutexHandle);
        // free, and not handed over in order (mutex.c: barging)
        return (s & (LOCKED | STARVING)) == 0 && cas(mutexHandle, s, s | LOCKED);
    }

    @Override
    boolean tryUnlock(long mutexHandle) {
        if (cas(mutexHandle, LOCKED, FREE)) {
            return true;
        }
        int s = peek(mutexHandle);
        // nobody to wake (none queued, or one woken already) and no hand-off due
        return (s & (LOCKED | STARVING)) == LOCKED
                && ((s & WAITERS) == 0 || (s & WOKEN) != 0)
                && cas(mutexHandle, s, s & ~LOCKED);
    }

    @Override
    int peek(long mutexHandle) {
        try {
            return (int) GET.invokeExact((Object) null, mutexHandle);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
