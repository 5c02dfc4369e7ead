package app;

/** Must not compile: the bindings are not exported. */
class UsesInternals {
    final long ok = dev.weft.jni.WeftJni.WEFT_JNI_OK;
}
