package dev.weft.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;

/**
 * Native memory read and written in place through {@code sun.misc.Unsafe}:
 * the accesses the Unsafe forms of the fast paths need
 * ({@link UnsafeLockWord}, {@link UnsafeChanSeat}), on JDK 21, where the
 * FFM API the other forms use is still a preview.
 *
 * <p>Few accesses, each at least as strong as its callers need (a plain
 * int access would do under a lock, but a volatile load is a plain
 * {@code mov} on x86 and an {@code ldar} on ARM, a release store a
 * {@code mov} and an {@code stlr}). Each takes an absolute address:
 * Unsafe's accessors with a null base object take the offset as one (its
 * Javadoc: "if o is null, offset is an absolute address"). Callers pass
 * addresses of live native objects, in bounds and aligned for the access
 * (the offsets are the structs', held by static asserts in
 * cnative/jni/jni_runtime.c).
 *
 * <p>Reached by reflection and method handles, not by name: javac warns of
 * every use of an internal API by name, unsuppressably, and the main
 * sources build with -Werror; and the module needs no
 * {@code requires jdk.unsupported} for it ({@code sun.misc} is open to
 * everyone). The handles are constants, so the JIT inlines them like
 * direct calls. On JDK 22+ the FFM forms are used instead: JDK 24 warns
 * on the first use of Unsafe's memory access (JEP 498), and later JDKs
 * remove it. If any of it is missing, loading this class fails, and
 * {@link FastPath} takes the JNI form.
 */
final class UnsafeMemory {
    private UnsafeMemory() {}

    private static final MethodHandle CAS_INT;
    private static final MethodHandle GET_AND_SET_INT;
    private static final MethodHandle GET_INT_VOLATILE;
    private static final MethodHandle PUT_INT_RELEASE;
    private static final MethodHandle GET_LONG;

    static {
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            Field f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object u = f.get(null);
            MethodHandles.Lookup l = MethodHandles.publicLookup();
            Class<?> o = Object.class;
            Class<?> j = long.class;
            Class<?> i = int.class;
            CAS_INT = l.findVirtual(c, "compareAndSwapInt", MethodType.methodType(boolean.class, o, j, i, i)).bindTo(u);
            GET_AND_SET_INT = l.findVirtual(c, "getAndSetInt", MethodType.methodType(i, o, j, i)).bindTo(u);
            GET_INT_VOLATILE = l.findVirtual(c, "getIntVolatile", MethodType.methodType(i, o, j)).bindTo(u);
            // putOrdered: a release store (a store-store barrier before it)
            PUT_INT_RELEASE = l.findVirtual(c, "putOrderedInt", MethodType.methodType(void.class, o, j, i)).bindTo(u);
            GET_LONG = l.findVirtual(c, "getLong", MethodType.methodType(j, o, j)).bindTo(u);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Fails (and so does loading this class) if Unsafe cannot be had. */
    static void check() {
        // the static initializer does the work
    }

    /** The Unsafe methods declare no checked exception; anything else is a bug here. */
    private static AssertionError impossible(Throwable t) {
        return new AssertionError("sun.misc.Unsafe threw " + t, t);
    }

    static boolean casInt(long address, int expected, int value) {
        try {
            return (boolean) CAS_INT.invokeExact((Object) null, address, expected, value);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw impossible(t);
        }
    }

    static int getAndSetInt(long address, int value) {
        try {
            return (int) GET_AND_SET_INT.invokeExact((Object) null, address, value);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw impossible(t);
        }
    }

    static int getIntVolatile(long address) {
        try {
            return (int) GET_INT_VOLATILE.invokeExact((Object) null, address);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw impossible(t);
        }
    }

    static void putIntRelease(long address, int value) {
        try {
            PUT_INT_RELEASE.invokeExact((Object) null, address, value);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw impossible(t);
        }
    }

    static long getLong(long address) {
        try {
            return (long) GET_LONG.invokeExact((Object) null, address);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw impossible(t);
        }
    }
}
