package dev.weft;

/**
 * The forms of a fast path on native memory ({@link LockWord},
 * {@link ChanSeat}) for the tests: which one this JVM should have picked
 * (written out from the rule, not asked of {@link FastPath}, so a wrong
 * pick fails), and every one it can run, for a data provider.
 */
final class FastPathForms {
    private FastPathForms() {}

    private static boolean ffmRuns() {
        return Runtime.version().feature() >= 22;
    }

    /** The class name {@link FastPath#pick} must have chosen under this JVM and these properties. */
    static String expected(String ffmClass, String unsafeClass, String jniClass) {
        if (ffmRuns() && !"false".equals(System.getProperty("weft.ffm"))) {
            return ffmClass;
        }
        return !"false".equals(System.getProperty("weft.unsafe")) ? unsafeClass : jniClass;
    }

    /** A new FFM form ({@code dev.weft.<ffmClass>}, compiled for 22+ only: by name). */
    static Object ffm(String ffmClass) throws Exception {
        return Class.forName("dev.weft." + ffmClass).getDeclaredConstructor().newInstance();
    }

    /** Rows for a data provider: the Unsafe form, the JNI form, and on 22+ the FFM form. */
    static Object[][] all(Object unsafe, Object jni, String ffmClass) throws Exception {
        return ffmRuns()
                ? new Object[][] {{unsafe}, {jni}, {ffm(ffmClass)}}
                : new Object[][] {{unsafe}, {jni}};
    }
}
