package dev.weft;

import dev.weft.jni.WeftJni;

/**
 * Run by {@link OverflowChildTest} in a child JVM: overflows a native
 * generator's stack on purpose. Weft must report it and abort the process.
 */
public final class OverflowChild {
    private OverflowChild() {}

    public static void main(String[] args) {
        System.out.println("child: weft " + Weft.version() + ", overflowing a generator stack");
        System.out.flush();
        int rc = WeftJni.weft_jni_overflow_for_test(0);
        // only reached when the overflow went unnoticed
        System.err.println("child: weft_jni_overflow_for_test returned " + rc);
        System.exit(3);
    }
}
