package dev.weft.internal;

import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Picks the form of a fast path on native memory ({@link LockWord},
 * {@link ChanSeat}): Java code that reads and writes a native object's
 * words in place, where a JNI call would otherwise be made.
 *
 * <ol>
 * <li>The FFM form, on a 22+ JVM (the FFM API is final there). The FFM
 * forms live in src/main/java22, compiled with release 22 into the jar's
 * versioned section {@code META-INF/versions/22} (a multi-release jar:
 * only a 22+ JVM sees them there) and loaded by name only on such a JVM,
 * so these classes still run on 21. A jar built by JDK 21 has no such
 * section. {@code -Dweft.ffm=false} skips them.</li>
 * <li>The Unsafe form: the same reads, writes and CASes through
 * {@code sun.misc.Unsafe} ({@link UnsafeMemory}), JDK 21's fast path.
 * {@code -Dweft.unsafe=false} skips them.</li>
 * <li>The JNI form: no fast path, or one JNI call.</li>
 * </ol>
 * A form that cannot be had is logged at DEBUG and the next one taken.
 */
final class FastPath {
    private FastPath() {}

    /**
     * A new {@code dev.weft.internal.<ffmClass>} if this JVM can have it, else the
     * Unsafe form's, else the JNI form's; {@code what} names the fast path
     * in the log.
     */
    static <T> T pick(Class<T> type, String ffmClass, Supplier<? extends T> unsafe, Supplier<? extends T> jni,
            String what) {
        if (Runtime.version().feature() >= 22 && enabled("weft.ffm")) {
            try {
                return type.cast(Class.forName(FastPath.class.getPackageName() + "." + ffmClass).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                log(what + ": " + ffmClass + " unavailable", e);
            }
        }
        if (enabled("weft.unsafe")) {
            try {
                return unsafe.get();
            } catch (LinkageError | RuntimeException e) {
                log(what + ": sun.misc.Unsafe unavailable", e);
            }
        }
        return jni.get();
    }

    private static boolean enabled(String property) {
        return Boolean.parseBoolean(System.getProperty(property, "true"));
    }

    private static void log(String message, Throwable e) {
        System.getLogger("dev.weft").log(Level.DEBUG, "weft: " + message + ", trying the next form", e);
    }
}
