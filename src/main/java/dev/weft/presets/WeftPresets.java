package dev.weft.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * JavaCPP preset for Weft's Java-facing C ABI ({@code jni-headers/weft_jni.h}).
 *
 * <p>The Maven build runs JavaCPP's parser on this class to generate
 * {@code dev.weft.jni.WeftJni} (one class holding every function and
 * constant of the header), then JavaCPP's builder to compile the JNI library
 * {@code jniWeftJni}, which links {@code libweft.a} statically, into
 * {@code dev/weft/<platform>/} (JavaCPP's choice: the package the preset and the
 * bindings share). The generated package is an
 * implementation detail: applications use {@code dev.weft}.
 */
@Properties(
    target = "dev.weft.jni",
    global = "dev.weft.jni.WeftJni",
    value = {
        // libweft.a (the glue needs no define: weft_jni.h declares no dllimport,
        // its functions are linked from the archive on every platform)
        @Platform(include = "weft_jni.h", link = "weft"),
        // glibc before 2.34 keeps pthread_* in libpthread and dladdr in libdl; harmless after.
        @Platform(value = "linux", include = "weft_jni.h", link = {"weft", "pthread", "dl"}),
    })
public class WeftPresets implements InfoMapper {
    /** Creates the preset; JavaCPP's parser instantiates it to map the header. */
    public WeftPresets() {}

    @Override
    public void map(InfoMap infoMap) {
        infoMap.put(new Info("WEFT_JNI_EXPORT").cppTypes().annotations())
               // the header's only pointers besides int64_t* are static C strings
               .put(new Info("const char").pointerTypes("String", "@Cast(\"const char*\") BytePointer"))
               // the extern "C" block's guard, which the parser must not evaluate
               .put(new Info("__cplusplus").define(false));
    }
}
