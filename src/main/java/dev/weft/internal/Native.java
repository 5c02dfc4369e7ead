package dev.weft.internal;

import dev.weft.WeftException;
import dev.weft.jni.WeftJni;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI library once and checks that it speaks the ABI these
 * classes were compiled against; and the process-wide native calls that
 * belong to no channel or lock (the version, starting a C coroutine,
 * looking up a C function, error names). Only this package reaches the
 * native core, through {@link WeftJni}, after {@link #ensureLoaded()}; the
 * API in {@code dev.weft} calls this package.
 */
public final class Native {
    private Native() {}

    private static final String LIBRARY;

    static {
        // JavaCPP's Loader finds dev/weft/<platform>/libjniWeftJni.* on the class path
        // (normally inside weft-VERSION-<platform>.jar), extracts it to its cache and loads it.
        // On the module path it looks in module dev.weft.<platform> (the platform jar's
        // Automatic-Module-Name), which must be resolved: --add-modules.
        String path;
        try {
            path = Loader.load(WeftJni.class);
        } catch (NoClassDefFoundError e) {
            // JavaCPP's jar is a runtime dependency (its Loader, its preset annotations);
            // without it the JVM's own message names only a class
            NoClassDefFoundError named = new NoClassDefFoundError(
                    "Weft needs JavaCPP at run time: org.bytedeco:javacpp (the jar and its platform jar,"
                    + " javacpp-<version>-<platform>.jar) must be on the class path beside weft-<version>.jar"
                    + " and weft-<version>-<platform>.jar; missing: " + e.getMessage());
            named.initCause(e);
            throw named;
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError wrapped = new UnsatisfiedLinkError(
                    "Weft: cannot load the native library for platform " + Loader.getPlatform()
                    + "; is weft-<version>-" + Loader.getPlatform() + ".jar on the class path (on the module path:"
                    + " --add-modules dev.weft." + Loader.getPlatform().replace('-', '.') + ")? ("
                    + e.getMessage() + ")");
            wrapped.initCause(e);
            throw wrapped;
        }
        int abi = WeftJni.weft_jni_abi_version();
        if (abi != WeftJni.WEFT_JNI_ABI_VERSION) {
            throw new UnsatisfiedLinkError("Weft: native library " + path + " has JNI ABI "
                    + abi + ", these classes need " + WeftJni.WEFT_JNI_ABI_VERSION
                    + " (mismatched weft jars?)");
        }
        LIBRARY = path;
    }

    /** Loads the library if needed; throws UnsatisfiedLinkError if it cannot. */
    public static void ensureLoaded() {
        // the static initializer does the work
    }

    /**
     * The file the JNI library was loaded from (loading it first if needed).
     *
     * @return the library's path
     */
    public static String library() {
        return LIBRARY;
    }

    /**
     * Native coroutine switches so far (weft_stats), for the deadlock
     * watchdog's "has anything native moved".
     *
     * @return the count
     */
    public static long switches() {
        return WeftJni.weft_jni_switches();
    }

    /**
     * weft_dump's report of every native coroutine, as text.
     *
     * @return the report, or a line saying why there is none
     */
    public static String nativeDump() {
        try {
            java.nio.file.Path f = java.nio.file.Files.createTempFile("weft-dump", ".txt");
            try {
                if (WeftJni.weft_jni_dump_to(f.toString()) != WeftJni.WEFT_JNI_OK) {
                    return "weft: native dump unavailable (cannot write " + f + ")\n";
                }
                return java.nio.file.Files.readString(f);
            } finally {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (java.io.IOException e) {
            return "weft: native dump unavailable (" + e + ")\n";
        }
    }

    /**
     * The loaded native core's version, {@code "MAJOR.MINOR.PATCH"}.
     *
     * @return weft_version()
     */
    public static String version() {
        return WeftJni.weft_jni_version();
    }

    /**
     * Starts {@code void *fn(void *arg)} as a detached C coroutine on the
     * runtime (started first if needed).
     *
     * @param fnAddress the function's address, not 0
     * @param arg       its argument
     * @throws WeftException if weft_go fails
     */
    public static void go(long fnAddress, long arg) {
        Parking.ensureStarted();
        int r = WeftJni.weft_jni_go(fnAddress, arg);
        if (r != WeftJni.WEFT_JNI_OK) {
            throw new WeftException("weft_go", r);
        }
    }

    /**
     * The address of {@code symbol} in the shared library
     * {@code libraryPath}, which is loaded for it and stays loaded.
     *
     * @param libraryPath the library file
     * @param symbol      the function's name
     * @return its address
     * @throws UnsatisfiedLinkError with dlerror()'s words if either cannot be found
     */
    public static long symbol(String libraryPath, String symbol) {
        long a = WeftJni.weft_jni_dlsym(libraryPath, symbol);
        if (a == 0) {
            throw new UnsatisfiedLinkError("weft: " + WeftJni.weft_jni_dlerror());
        }
        return a;
    }

    /**
     * Native channels alive in this process (made and not yet freed, by
     * Java or C): {@code weft_stats}' {@code channels}. For tests and
     * diagnostics; not API.
     */
    static long liveChannels() {
        return WeftJni.weft_jni_chan_live();
    }

    /**
     * Native mutexes, rwlocks, semaphores, conditions and WaitGroups made
     * for Java and not yet freed: {@code weft_stats}' {@code java_sync}.
     * For tests and diagnostics; not API.
     */
    static long liveSyncObjects() {
        return WeftJni.weft_jni_sync_live();
    }

    /**
     * A status code's macro name, as weft.h spells it.
     *
     * @param code a WEFT_E* code
     * @return its name, for example {@code "WEFT_EINVAL"}
     */
    public static String errorName(int code) {
        return WeftJni.weft_jni_errname(code);
    }

    /**
     * weft_strerror's description of a status code.
     *
     * @param code a WEFT_E* code
     * @return its description
     */
    public static String strerror(int code) {
        return WeftJni.weft_jni_strerror(code);
    }
}
