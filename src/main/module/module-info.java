/**
 * Weft: Go-style concurrency for Java on a native C core. The API is
 * {@code dev.weft}, the one package this module exports. The rest is
 * internal: {@code dev.weft.internal} (the native halves of the API
 * classes, the fast paths, parking and reclamation; nothing outside this
 * module needs it, reflectively or not), and the JavaCPP bindings
 * ({@code dev.weft.jni}, generated) and their preset
 * ({@code dev.weft.presets}), opened to JavaCPP only, whose
 * {@code Loader} reads their annotations and loads the JNI library
 * reflectively. On the class path the module is ignored and those
 * packages are reachable, but not part of the API.
 */
module dev.weft {
    requires org.bytedeco.javacpp;

    exports dev.weft;

    opens dev.weft.jni to org.bytedeco.javacpp;
    opens dev.weft.presets to org.bytedeco.javacpp;
}
