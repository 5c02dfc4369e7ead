package dev.weft;

import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Picks between a fast path's FFM form and its JNI form ({@link LockWord},
 * {@link ChanSeat}). The FFM forms live in src/main/java22, compiled with
 * release 22 into the same output directory and loaded by name only on a
 * 22+ JVM (the FFM API is final there), so these classes still run on 21.
 * {@code -Dweft.ffm=false} keeps every JNI form.
 */
final class Ffm {
    private Ffm() {}

    /**
     * A new {@code dev.weft.<ffmClass>} if this JVM can have it, else (or
     * if it cannot be loaded: logged at DEBUG, naming {@code without})
     * the fallback's.
     */
    static <T> T orElse(Class<T> type, String ffmClass, Supplier<? extends T> fallback, String without) {
        if (Runtime.version().feature() >= 22 && Boolean.parseBoolean(System.getProperty("weft.ffm", "true"))) {
            try {
                return type.cast(Class.forName("dev.weft." + ffmClass).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                System.getLogger("dev.weft").log(Level.DEBUG, "weft: " + ffmClass + " unavailable, " + without, e);
            }
        }
        return fallback.get();
    }
}
