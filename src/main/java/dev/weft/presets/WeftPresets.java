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
 * {@code jniWeftJni}, which links the Java glue {@code libweftjni.a} and the
 * core {@code libweft.a} statically, into
 * {@code dev/weft/<platform>/} (JavaCPP's choice: the package the preset and the
 * bindings share). The generated package is an
 * implementation detail: applications use {@code dev.weft}.
 */
@Properties(
    target = "dev.weft.jni",
    global = "dev.weft.jni.WeftJni",
    value = {
        // The core, then the glue on top of it: JavaCPP lists a library after the ones it
        // depends on and writes the linker's -l options in reverse, -lweftjni -lweft, the
        // order a static link needs. No define needed: weft_jni.h declares no dllimport.
        @Platform(include = "weft_jni.h", link = {"weft", "weftjni"}),
        // glibc before 2.34 keeps pthread_* in libpthread and dladdr in libdl; harmless after.
        @Platform(value = "linux", include = "weft_jni.h", link = {"dl", "pthread", "weft", "weftjni"}),
    })
public class WeftPresets implements InfoMapper {
    /** Creates the preset; JavaCPP's parser instantiates it to map the header. */
    public WeftPresets() {}

    @Override
    public void map(InfoMap infoMap) {
        // the header's only pointers besides int64_t* are static C strings
        infoMap.put(new Info("const char").pointerTypes("String", "@Cast(\"const char*\") BytePointer"))
               // the extern "C" block's guard, which the parser must not evaluate
               .put(new Info("__cplusplus").define(false));
    }
}
