package dev.weft;

import dev.weft.internal.Native;

/**
 * Entry point to Weft: Go-style concurrency for Java on a native C core.
 *
 * <p>{@link #go(Runnable)} starts a {@link Coroutine} (a virtual thread);
 * coroutines talk over {@link Chan}nels and {@link Select}, and coordinate
 * with {@link WaitGroup}, {@link Mutex}, {@link RwLock}, {@link Semaphore},
 * {@link Once}, {@link Timer}, {@link Ticker} and {@link Scope}. Channels
 * and locks are Weft's native ones, shared with C coroutines
 * ({@link LongChan}, {@link RecordChan}, {@link #goNative(long, long)}).
 * Blocking always parks the virtual thread; no native call blocks.
 *
 * <p>The native library is loaded, by JavaCPP's {@code Loader}, the first
 * time any Weft class needs it; it comes from the
 * {@code weft-<version>-<platform>.jar} on the class path. A missing or
 * mismatched native library is reported as {@link UnsatisfiedLinkError}.
 * On JDK 24 and later, run with {@code --enable-native-access=ALL-UNNAMED}
 * to allow the JNI library to load without a warning.
 *
 * <p>Lifetimes. The native runtime starts on first use and lives as long
 * as the JVM: Java has no call that shuts it down (its threads are
 * daemons), so no operation can come after a shutdown. A channel's or
 * lock's native memory is freed only once its Java object is unreachable
 * (phantom-reachable, as with a {@link java.lang.ref.Cleaner}), so no Java
 * handle ever points at freed memory. {@code close()} on a channel is
 * Go's close, not a free: later sends throw {@link ChanClosedException},
 * receives drain what was sent, then report the end. Locks have no close.
 */
public final class Weft {
    private Weft() {}

    /**
     * The version of the native core actually loaded, as
     * {@code "MAJOR.MINOR.PATCH"} (for example {@code "0.1.0"}).
     *
     * <p>Does not block beyond loading the native library on first use.
     * Thread-safe.
     *
     * @return the native library's version string
     * @throws UnsatisfiedLinkError if the native library cannot be loaded
     */
    public static String version() {
        return Native.version();
    }

    /**
     * Starts {@code body} in a new coroutine.
     *
     * @param body what it runs
     * @return the coroutine
     */
    public static Coroutine<Void> go(Runnable body) {
        return Coroutine.start(null, body);
    }

    /**
     * Starts {@code body} in a new coroutine whose result
     * {@link Coroutine#join()} returns.
     *
     * @param body what it runs
     * @param <T>  the result type
     * @return the coroutine
     */
    public static <T> Coroutine<T> go(java.util.concurrent.Callable<T> body) {
        return Coroutine.start(null, body);
    }

    /**
     * Sleeps for {@code d} (parks the virtual thread).
     *
     * @param d how long; zero or negative returns at once
     * @throws InterruptedException if interrupted ({@link CancelledException}
     *                              if the coroutine was cancelled)
     */
    public static void sleep(java.time.Duration d) throws InterruptedException {
        java.util.Objects.requireNonNull(d, "duration is null");
        try {
            if (!d.isNegative() && !d.isZero()) {
                Thread.sleep(d);
            }
        } catch (InterruptedException e) {
            throw Coroutine.interruptedOrCancelled();
        }
    }

    /**
     * Starts a native C coroutine on Weft's scheduler: runs
     * {@code void *fn(void *arg)} detached. The address comes from
     * {@link #nativeSymbol(String, String)} (or from your own JNI code).
     *
     * @param fnAddress the C function's address
     * @param arg       its argument (a pointer or a number, as the function expects)
     * @throws IllegalArgumentException if fnAddress is 0
     */
    public static void goNative(long fnAddress, long arg) {
        if (fnAddress == 0) {
            throw new IllegalArgumentException("fnAddress is 0");
        }
        Native.go(fnAddress, arg);
    }

    /**
     * The address of a C function in a shared library, which is loaded (and
     * stays loaded) for it: for {@link #goNative(long, long)}.
     *
     * @param libraryPath the library file
     * @param symbol      the function's name
     * @return its address
     * @throws UnsatisfiedLinkError if the library or the symbol cannot be found
     */
    public static long nativeSymbol(String libraryPath, String symbol) {
        java.util.Objects.requireNonNull(libraryPath, "libraryPath is null");
        java.util.Objects.requireNonNull(symbol, "symbol is null");
        return Native.symbol(libraryPath, symbol);
    }

    /**
     * Where the native library was loaded from (a file, usually in JavaCPP's
     * cache directory, extracted from the platform jar). For diagnostics.
     *
     * <p>Thread-safe.
     *
     * @return the path of the loaded JNI library
     * @throws UnsatisfiedLinkError if the native library cannot be loaded
     */
    public static String nativeLibrary() {
        return Native.library();
    }
}
