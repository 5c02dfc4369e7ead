package dev.weft;

import dev.weft.internal.Native;
import dev.weft.internal.Parking;

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
     * A report of everything waiting on Weft, for finding a deadlock by
     * hand: every Java thread parked on a Weft object (channel, select,
     * mutex, rwlock, semaphore, condition, WaitGroup, timer) with the
     * operation it is in, how long it has waited and its stack; then every
     * native coroutine as {@code weft_dump} lists it. The deadlock watchdog
     * ({@code -Dweft.deadlock}) prints the same report.
     *
     * <p>Does not block (beyond reading the parked threads' stacks).
     *
     * @return the report, one line per party plus stack frames
     */
    public static String dump() {
        StringBuilder sb = new StringBuilder();
        try {
            dump(sb);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e); // a StringBuilder does not throw
        }
        return sb.toString();
    }

    /**
     * Writes {@link #dump()}'s report to {@code out}.
     *
     * @param out where to write it
     * @throws java.io.IOException if {@code out} does
     */
    public static void dump(Appendable out) throws java.io.IOException {
        java.util.Objects.requireNonNull(out, "out is null");
        Parking.ensureStarted();
        java.util.List<Parking.ParkedParty> parked = Parking.parked();
        long now = System.nanoTime();
        out.append("weft: ").append(String.valueOf(parked.size()))
           .append(parked.size() == 1 ? " Java thread" : " Java threads").append(" parked on Weft objects\n");
        for (Parking.ParkedParty p : parked) {
            Thread t = p.thread();
            StackTraceElement[] st = t.getStackTrace();
            // the operation: the outermost frame of the API, the one the caller called
            String op = "?";
            boolean seen = false;
            for (StackTraceElement e : st) {
                String api = apiClass(e.getClassName());
                if (api != null) {
                    op = api + "." + e.getMethodName();
                    seen = true;
                } else if (seen && !e.getClassName().startsWith("dev.weft.internal.")) {
                    break;
                }
            }
            out.append(String.format(java.util.Locale.ROOT, "  \"%s\" (%s #%d) in %s for %.1f s%s%n",
                    t.getName().isEmpty() ? "unnamed" : t.getName(), t.isVirtual() ? "virtual thread" : "thread",
                    t.threadId(), op,
                    (now - p.sinceNanos()) / 1e9, p.timed() ? ", with a deadline" : ""));
            for (StackTraceElement e : st) {
                out.append("      at ").append(e.toString()).append('\n');
            }
        }
        out.append(Native.nativeDump());
    }

    private static final java.util.Set<String> API = java.util.Set.of("Chan", "LongChan", "RecordChan", "ChanBase",
            "Select", "Mutex", "RwLock", "Semaphore", "WaitGroup", "Once", "Timer", "Ticker", "Scope", "Coroutine",
            "Weft", "NativeSequence");

    /** The API class a stack frame's class belongs to (nested ones too), or null. */
    private static String apiClass(String className) {
        if (!className.startsWith("dev.weft.")) {
            return null;
        }
        String simple = className.substring("dev.weft.".length());
        int dollar = simple.indexOf('$');
        String outer = dollar < 0 ? simple : simple.substring(0, dollar);
        return API.contains(outer) ? outer : null;
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
