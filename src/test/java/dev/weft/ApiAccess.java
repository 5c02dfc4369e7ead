package dev.weft;

import dev.weft.internal.NativeChan;
import dev.weft.internal.NativeMutex;

/**
 * The package-private links from the API classes to their native halves,
 * for the tests in {@code dev.weft.internal} that drive those halves
 * under a real channel or mutex.
 */
public final class ApiAccess {
    private ApiAccess() {}

    /** The native channel under {@code ch}. */
    public static NativeChan core(Chan<?> ch) {
        return ch.core;
    }

    /** The native channel under {@code ch}. */
    public static NativeChan core(LongChan ch) {
        return ch.core;
    }

    /** The native channel under {@code ch}. */
    public static NativeChan core(RecordChan ch) {
        return ch.core;
    }

    /** The native mutex under {@code m}. */
    public static NativeMutex sync(Mutex m) {
        return m.sync;
    }
}
