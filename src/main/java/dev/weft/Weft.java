package dev.weft;

import dev.weft.jni.WeftJni;

/**
 * Entry point to Weft: Go-style concurrency for Java on a native C core.
 *
 * <p>This first version exposes the native library's identity; the
 * coroutine, channel and synchronisation API follows. {@link NativeSequence}
 * shows the native core at work: its values are computed by C code running
 * inside a native Weft generator.
 *
 * <p>The native library is loaded, by JavaCPP's {@code Loader}, the first
 * time any Weft class needs it; it comes from the
 * {@code weft-<version>-<platform>.jar} on the class path. A missing or
 * mismatched native library is reported as {@link UnsatisfiedLinkError}.
 * On JDK 24 and later, run with {@code --enable-native-access=ALL-UNNAMED}
 * to allow the JNI library to load without a warning.
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
        Native.ensureLoaded();
        return WeftJni.weft_jni_version();
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
