package dev.weft;

import dev.weft.jni.WeftJni;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI library once and checks that it speaks the ABI these
 * classes were compiled against. Everything in {@code dev.weft} reaches the
 * native core through {@link WeftJni} after {@link #ensureLoaded()}.
 */
final class Native {
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
    static void ensureLoaded() {
        // the static initializer does the work
    }

    /** The file the JNI library was loaded from. */
    static String library() {
        return LIBRARY;
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

    static String errorName(int code) {
        return WeftJni.weft_jni_errname(code);
    }

    static String strerror(int code) {
        return WeftJni.weft_jni_strerror(code);
    }
}
